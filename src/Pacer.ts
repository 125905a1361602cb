/**
 * Proactive pacing of calls so that a per-window limit is never crossed, as the server counts it.
 *
 * The rule is exact and needs no clock agreement with the server: call number `k` may only start once
 * call `k - limit` has *finished* and a whole window has passed since. Whatever the network delay, the
 * server sees call `k` arrive after call `k - limit` arrived plus a window, so no window, sliding or
 * fixed, ever holds more than `limit` calls. A backlog still uses the whole limit: `limit` calls may be
 * in one window, as fast as they come, or spread evenly over it (`spread`).
 *
 * @example
 * import { Pacer } from "effect-dataforseo"
 * import { Effect } from "effect"
 *
 * Effect.gen(function* () {
 *   const pacer = yield* Pacer.make({ limit: 2000, window: "1 minute" })
 *   yield* pacer.pace(Effect.log("one task_post call"))
 * })
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** Paces the effects given to it. */
export interface Pacer {
  readonly limit: number
  readonly window: Duration.Duration
  /** Runs `effect` once the limit allows it; its end (success, failure or interruption) frees its slot. */
  readonly pace: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
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
}

/** A pacer allowing `limit` calls per `window`. */
export const make = (options: Options): Effect.Effect<Pacer> =>
  Effect.sync(() => {
    const limit = Math.max(1, Math.floor(options.limit))
    const window = Duration.decode(options.window)
    const windowMillis = Duration.toMillis(window)
    const spacing = options.spread === true ? windowMillis / limit : 0
    // slots[i] resolves with the end time of the last call that used slot i; slots are used in turn.
    const slots: Array<Deferred.Deferred<number> | undefined> = new Array(limit)
    let next = 0
    let lastStart = -Infinity

    const claim = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.map(Deferred.make<number>(), (mine) => {
        const previous = slots[next]
        slots[next] = mine
        next = (next + 1) % limit
        const startAt = Math.max(now, lastStart + spacing)
        lastStart = startAt
        return { previous, mine, startAt }
      })
    )

    // Whole milliseconds, rounded up: a clock may not wake a fraction of a millisecond early.
    const sleepUntil = (at: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const wait = Math.ceil(at - now)
        return wait > 0 ? Effect.sleep(Duration.millis(wait)) : Effect.void
      })

    const waitFor = (previous: Deferred.Deferred<number> | undefined, startAt: number) =>
      previous === undefined
        ? sleepUntil(startAt)
        : Effect.flatMap(Deferred.await(previous), (endedAt) => sleepUntil(Math.max(startAt, endedAt + windowMillis)))

    return {
      limit,
      window,
      pace: (effect) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(claim, ({ previous, mine, startAt }) =>
            restore(Effect.zipRight(waitFor(previous, startAt), effect)).pipe(
              Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (now) => Deferred.succeed(mine, now)))
            )
          )
        )
    }
  })
