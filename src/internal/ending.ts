/**
 * `whenEnded`: a synchronous step run once an effect ends, however it ends. Cheaper than `Effect.ensuring`, which
 * masks interruption again and runs its finalizer as an effect: for the permits and pacers every call passes.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"

/**
 * Runs `effect`, then `ended` once it ends: success, failure or interruption. Interruption must be masked where
 * this is called (inside `Effect.uninterruptibleMask`, with `effect` restored), so that `ended` always runs.
 */
export const whenEnded = <A, E, R>(effect: Effect.Effect<A, E, R>, ended: () => void): Effect.Effect<A, E, R> =>
  Effect.matchCauseEffect(effect, {
    onFailure: (cause) => {
      ended()
      return Effect.failCause(cause)
    },
    onSuccess: (a) => {
      ended()
      return Effect.succeed(a)
    }
  })
