/**
 * Timeouts for many calls at once, without a timer per call.
 *
 * `Effect.timeoutFail` races each call against a sleep: two fibers forked per call, and the winner's fiber
 * refs joined back into the caller. On a client making hundreds of calls a second, that costs more than
 * the rest of the call's own effects. Here each call runs in one child fiber, which the caller awaits
 * (nothing to join back), and one watcher fiber sleeps until the earliest deadline, interrupts the calls
 * past theirs and sleeps again. The watcher is stopped whenever no call is in flight, so that its timer
 * never keeps a finished program alive. Sleeping goes through the `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
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

/** The watcher: when it wakes up next, and its fiber (set once forked). */
interface Watcher {
  at: number
  fiber: Fiber.RuntimeFiber<void> | undefined
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

/** A set of deadlines, watched by at most one fiber at a time. */
export const make = (): Deadlines => {
  const watched = new Set<Watched>()
  let watcher: Watcher | undefined

  const stop = (): void => {
    watcher?.fiber?.unsafeInterruptAsFork(FiberId.none)
    watcher = undefined
  }

  /** Sleeps until the next deadline, interrupts the calls past theirs, and so on while calls are in flight. */
  const watch = (self: Watcher): Effect.Effect<void> =>
    Effect.gen(function*() {
      while (watcher === self) {
        yield* Effect.sleep(Duration.millis(Math.max(0, self.at - (yield* Clock.currentTimeMillis))))
        if (watcher !== self) return // replaced meanwhile
        const now = yield* Clock.currentTimeMillis
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
        if (next === Infinity) watcher = undefined
        else self.at = next
      }
    })

  const forget = (entry: Watched): void => {
    watched.delete(entry)
    if (watched.size === 0) stop()
  }

  const within = <A, E, R, E2>(effect: Effect.Effect<A, E, R>, timeout: Duration.Duration, onTimeout: () => E2) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(restore(effect))
        const entry: Watched = {
          at: (yield* Clock.currentTimeMillis) + Duration.toMillis(timeout),
          fiber,
          expired: false
        }
        watched.add(entry)
        if (watcher === undefined || entry.at < watcher.at) {
          stop()
          const next: Watcher = { at: entry.at, fiber: undefined }
          watcher = next
          // a daemon, as it outlives this call when others are in flight; interruptible, though forked from
          // an uninterruptible region, so that it can be stopped
          next.fiber = yield* Effect.forkDaemon(Effect.interruptible(watch(next)))
        }
        const exit = yield* restore(Fiber.await(fiber)).pipe(
          Effect.onInterrupt(() => Effect.zipRight(Effect.sync(() => forget(entry)), Fiber.interrupt(fiber)))
        )
        forget(entry)
        return entry.expired && Exit.isInterrupted(exit) ? yield* Effect.fail(onTimeout()) : yield* exit
      })
    )

  return { within }
}
