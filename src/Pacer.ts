/**
 * Proactive pacing of calls so that a per-window limit is never crossed, as the server counts it.
 *
 * The rule is exact and needs no clock agreement with the server: call number `k` may only start once
 * call `k - limit` has *finished* and a whole window has passed since. Whatever the network delay, the
 * server sees call `k` arrive after call `k - limit` arrived plus a window, so no window, sliding or
 * fixed, ever holds more than `limit` calls. A backlog still uses the whole limit: `limit` calls may be
 * in one window, as fast as they come, or spread evenly over it (`spread`).
 *
 * The server may enforce less than the configured limit. A caller that reports each 40202 reply with
 * `rateLimited` gets adaptive pacing (AIMD). A report cuts the limit in force (half by default, never
 * below 1). Each whole window without a cut gives back `recovery` calls, up to the configured limit.
 * Calls paced after a cut follow the cut limit, in the slot rule and in the spread.
 *
 * @example
 * import { Pacer } from "effect-dataforseo"
 * import { Effect } from "effect"
 *
 * Effect.gen(function* () {
 *   const pacer = yield* Pacer.make({ limit: 2000, window: "1 minute" })
 *   yield* pacer.pace(Effect.log("one task_post call"))
 *   // the server answered 40202 to a paced call: slow down
 *   const limit = yield* pacer.rateLimited
 * })
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { whenEnded } from "./internal/ending.js"

/** A call's slot, claimed at a time: what must pass before the call starts, and how the call frees it. */
export interface Claim {
  /** What must pass before the call starts; undefined when it may start now. */
  readonly wait: Effect.Effect<void> | undefined
  /** Frees the slot at `now` (epoch ms). Called once, when the call ended, however it ended (its wait stopped too). */
  readonly end: (now: number) => void
}

/** Paces the effects given to it. */
export interface Pacer {
  /** The configured limit: the most calls a window ever gets. */
  readonly limit: number
  readonly window: Duration.Duration
  /** Runs `effect` once the limit allows it; its end (success, failure or interruption) frees its slot. */
  readonly pace: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * `pace`'s first step, for a caller that runs the call in a region of its own where interruption is masked:
   * claims the next slot at `now` (epoch ms, from the caller's clock). The caller runs `wait` (interruptible), then
   * the call, and must call `end` once, however either ends.
   */
  readonly unsafeClaim: (now: number) => Claim
  /**
   * Reports that the server refused a paced call with 40202. Call it after that call's `pace` ended.
   * The limit in force is cut by `decrease`, not below 1. A report about a call paced before the last
   * cut is already answered by that cut: a storm of 40202 replies to calls sent together cuts once.
   * Gives the limit in force after the report.
   */
  readonly rateLimited: Effect.Effect<number>
  /** The limit in force now: `limit`, or less after a 40202 until enough clean windows have passed. */
  readonly currentLimit: Effect.Effect<number>
}

/** Pacer options. */
export interface Options {
  readonly limit: number
  readonly window: Duration.DurationInput
  /**
   * Also keep `window / limit` between two starts, instead of letting `limit` calls go at once. A steady
   * flow is what DataForSEO recommends, and it keeps a server's queueing out of the window count: in a
   * burst, the last call ends late and holds its slot late.
   */
  readonly spread?: boolean | undefined
  /** The share of the limit in force that a 40202 keeps, above 0 and below 1 (else 0.5). Default 0.5. */
  readonly decrease?: number | undefined
  /**
   * Calls per window given back for each whole window after a cut. Default a tenth of the limit that was in
   * force when the server refused, at least 1: the pace comes back to that level slowly, not in one step.
   */
  readonly recovery?: number | undefined
}

/**
 * The limit in force, cut on 40202 and recovered with time. Computed when a call is claimed, so no
 * fiber or timer is needed. At the configured limit it costs one comparison.
 */
interface Adaptive {
  /** The limit in force at `now`. */
  readonly at: (now: number) => number
  /** Cuts the limit in force at `now`. */
  readonly cut: (now: number) => void
}

const makeAdaptive = (
  limit: number,
  windowMillis: number,
  decrease: number,
  recovery: number | undefined
): Adaptive => {
  // the limit right after the last cut, when that cut was, and the calls a window gives back since
  let floor = limit
  let cutAt = 0
  let step = 1
  const at = (now: number) => {
    if (floor >= limit) return limit
    const recovered = floor + Math.floor((now - cutAt) / windowMillis) * step
    if (recovered < limit) return recovered
    floor = limit
    return limit
  }
  return {
    at,
    cut: (now) => {
      const refused = at(now)
      floor = Math.max(1, Math.floor(refused * decrease))
      step = recovery ?? Math.max(1, Math.floor(refused / 10))
      cutAt = now
    }
  }
}

/**
 * One claimed call's slot: when it ended (`NaN` until then), and the deferred its successor awaits, made
 * only if the successor comes before the end. Most calls end before anyone waits for them.
 */
interface Slot {
  endedAt: number
  ended: Deferred.Deferred<number> | undefined
}

/** The end time of `slot`, at once if known, else once it ends. */
const endOf = (slot: Slot): Effect.Effect<number> => {
  if (!Number.isNaN(slot.endedAt)) return Effect.succeed(slot.endedAt)
  slot.ended ??= Deferred.unsafeMake<number>(FiberId.none)
  return Deferred.await(slot.ended)
}

/** Ends `slot` at `now` and wakes its successor, if one waits. */
const endSlot = (slot: Slot, now: number): void => {
  slot.endedAt = now
  if (slot.ended !== undefined) Deferred.unsafeDone(slot.ended, Exit.succeed(now))
}

// Whole milliseconds, rounded up: a clock may not wake a fraction of a millisecond early.
const sleepFor = (millis: number): Effect.Effect<void> => {
  const wait = Math.ceil(millis)
  return wait > 0 ? Effect.sleep(Duration.millis(wait)) : Effect.void
}

/** A pacer allowing `limit` calls per `window`, or fewer after a 40202 (see `rateLimited`). */
export const make = (options: Options): Effect.Effect<Pacer> =>
  Effect.sync(() => {
    const limit = Math.max(1, Math.floor(options.limit))
    const window = Duration.decode(options.window)
    const windowMillis = Duration.toMillis(window)
    const spread = options.spread === true
    const decrease = options.decrease !== undefined && options.decrease > 0 && options.decrease < 1
      ? options.decrease
      : 0.5
    const recovery = options.recovery === undefined ? undefined : Math.max(1, Math.floor(options.recovery))
    const adaptive = makeAdaptive(limit, windowMillis, decrease, recovery)
    // slots[k % limit] is call k's slot. Call k waits for call k - L, where L is the limit in force when k is
    // claimed: at most `limit`, so call k - L is still in the ring.
    const slots: Array<Slot | undefined> = new Array(limit)
    let count = 0
    let lastStart = -Infinity
    // A cut starts an epoch. A report is about a call that has ended: if no call claimed in this epoch
    // has ended, the report is about a call paced before the cut, and the cut already answered it.
    let epoch = 0
    let endedInEpoch = false

    /** Claims the next slot at `now`: what must pass before its call starts, and how the call frees it. */
    const claim = (now: number): Claim => {
      const inForce = adaptive.at(now)
      const previous = count >= inForce ? slots[(count - inForce) % limit] : undefined
      const mine: Slot = { endedAt: NaN, ended: undefined }
      slots[count % limit] = mine
      count++
      const startAt = spread ? Math.max(now, lastStart + windowMillis / inForce) : now
      lastStart = startAt
      const claimedIn = epoch
      return {
        wait: waitFor(previous, startAt, now),
        end: (endedAt) => {
          if (claimedIn === epoch) endedInEpoch = true
          endSlot(mine, endedAt)
        }
      }
    }

    /** Nothing when the call may start now (the common case), else the wait before it. */
    const waitFor = (previous: Slot | undefined, startAt: number, now: number): Effect.Effect<void> | undefined => {
      if (previous === undefined) return startAt > now ? sleepUntil(startAt) : undefined
      if (!Number.isNaN(previous.endedAt) && Math.max(startAt, previous.endedAt + windowMillis) <= now) {
        return undefined
      }
      return Effect.flatMap(endOf(previous), (endedAt) => sleepUntil(Math.max(startAt, endedAt + windowMillis)))
    }

    const sleepUntil = (at: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => sleepFor(at - now))

    return {
      limit,
      window,
      pace: (effect) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.clockWith((clock) => {
            const { end, wait } = claim(clock.unsafeCurrentTimeMillis())
            return whenEnded(
              restore(wait === undefined ? effect : Effect.zipRight(wait, effect)),
              () => end(clock.unsafeCurrentTimeMillis())
            )
          })
        ),
      unsafeClaim: claim,
      rateLimited: Effect.map(Clock.currentTimeMillis, (now) => {
        if (endedInEpoch) {
          adaptive.cut(now)
          epoch++
          endedInEpoch = false
        }
        return adaptive.at(now)
      }),
      currentLimit: Effect.map(Clock.currentTimeMillis, (now) => adaptive.at(now))
    }
  })
