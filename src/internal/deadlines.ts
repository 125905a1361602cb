/**
 * Timeouts for many calls at once, without a timer per call.
 *
 * `Effect.timeoutFail` races each call against a sleep: two fibers forked per call, and the winner's fiber
 * refs joined back into the caller. On a client making hundreds of calls a second, that costs more than
 * the rest of the call's own effects. Here each call runs in one child fiber, which the caller awaits
 * (nothing to join back), and one alarm rings at the earliest deadline, interrupts the calls past theirs
 * and is set again for the next. The alarm is cancelled whenever no call is in flight, so that its timer
 * never keeps a finished program alive.
 *
 * The alarm follows the `Clock` of the call that sets it, so `TestClock` drives it. With the live clock it
 * is the timer that clock's sleep would set, without a fiber: forking a watcher fiber each time calls
 * start again after a pause cost more than the rest of the deadline. Any other clock gets a fiber that
 * sleeps through it.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

/** A call in flight: when it must end, and the fiber to interrupt if it has not. */
interface Watched {
  readonly at: number
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  expired: boolean
}

/** The alarm set: when it rings, and how to cancel it. */
interface Alarm {
  readonly at: number
  readonly cancel: () => void
}

/** Runs effects with a deadline; see the module comment. */
export interface Deadlines {
  /** `effect`, or `onTimeout()` if it has not ended within `timeout` (it is then interrupted). */
  readonly within: <A, E, R, E2>(
    effect: Effect.Effect<A, E, R>,
    timeout: Duration.Duration,
    onTimeout: () => E2
  ) => Effect.Effect<A, E | E2, R>
}

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

// The longest delay a JS timer takes. The live clock never wakes a longer sleep, so neither does the alarm.
const maxTimerMillis = 2 ** 31 - 1

/** Runs `ring` after `millis` of `clock`; gives the canceller. */
const schedule = (clock: Clock.Clock, millis: number, ring: () => void): () => void => {
  if (clock === liveClock) {
    if (millis > maxTimerMillis) return () => {}
    const timer = setTimeout(ring, millis)
    return () => clearTimeout(timer)
  }
  const fiber = Effect.runFork(Effect.zipRight(clock.sleep(Duration.millis(millis)), Effect.sync(ring)))
  return () => fiber.unsafeInterruptAsFork(FiberId.none)
}

/** A set of deadlines, watched by at most one alarm at a time. */
export const make = (): Deadlines => {
  const watched = new Set<Watched>()
  let alarm: Alarm | undefined

  const cancel = (): void => {
    alarm?.cancel()
    alarm = undefined
  }

  /** Interrupts the calls past their deadline, then sets the alarm for the next one. */
  const ring = (clock: Clock.Clock): void => {
    alarm = undefined
    const now = clock.unsafeCurrentTimeMillis()
    let next = Infinity
    for (const entry of watched) {
      if (entry.at > now) {
        next = Math.min(next, entry.at)
        continue
      }
      entry.expired = true
      watched.delete(entry)
      entry.fiber.unsafeInterruptAsFork(FiberId.none)
    }
    if (next !== Infinity) set(clock, next, now)
  }

  const set = (clock: Clock.Clock, at: number, now: number): void => {
    const cancelled = schedule(clock, Math.max(0, at - now), () => ring(clock))
    alarm = { at, cancel: cancelled }
  }

  /** Watches `fiber` until `at`; the alarm is set earlier if it would ring later. */
  const watch = (clock: Clock.Clock, fiber: Fiber.RuntimeFiber<unknown, unknown>, timeout: Duration.Duration) => {
    const now = clock.unsafeCurrentTimeMillis()
    const entry: Watched = { at: now + Duration.toMillis(timeout), fiber, expired: false }
    watched.add(entry)
    if (alarm === undefined || entry.at < alarm.at) {
      cancel()
      set(clock, entry.at, now)
    }
    return entry
  }

  const forget = (entry: Watched): void => {
    watched.delete(entry)
    if (watched.size === 0) cancel()
  }

  const within = <A, E, R, E2>(effect: Effect.Effect<A, E, R>, timeout: Duration.Duration, onTimeout: () => E2) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.fork(restore(effect)), (fiber) =>
        Effect.clockWith((clock) => {
          const entry = watch(clock, fiber, timeout)
          return restore(Fiber.await(fiber)).pipe(
            Effect.onInterrupt(() => Effect.zipRight(Effect.sync(() => forget(entry)), Fiber.interrupt(fiber))),
            Effect.flatMap((exit): Effect.Effect<A, E | E2> => {
              forget(entry)
              return entry.expired && Exit.isInterrupted(exit) ? Effect.fail(onTimeout()) : exit
            })
          )
        }))
    )

  return { within }
}
