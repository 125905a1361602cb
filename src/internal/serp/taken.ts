/**
 * Collected means taken: an outcome is recorded collected once the consumer has taken it. A stream hands out one
 * outcome per pull, and records the one handed out before when the consumer pulls again, or when the stream ends
 * well. A stream ended by a failure or an interruption records nothing more.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Outcome } from "../../Serp.js"
import type { LedgerStoreError, TaskLedger } from "../../TaskLedger.js"
import type { Pull } from "../stream.js"

/**
 * Records one outcome collected, if it is a result of a posted task, then calls `recorded`. A task the ledger does
 * not hold (given by a caller), or holds as failed, is left as it is.
 */
export const recordTaken = <Task, A>(
  ledger: TaskLedger.Service,
  outcome: Outcome<Task, A>,
  recorded: () => void
): Effect.Effect<void, LedgerStoreError> =>
  outcome.posted === undefined || Either.isLeft(outcome.result)
    ? Effect.void
    : recordCollected(ledger, outcome.posted.id, recorded)

/** Records one task collected, then calls `recorded`; an `InvalidTransition` (unknown or failed task) changes nothing. */
export const recordCollected = (
  ledger: TaskLedger.Service,
  taskId: string,
  recorded: () => void
): Effect.Effect<void, LedgerStoreError> =>
  Effect.matchEffect(ledger.recordCollected([{ taskId }]), {
    onFailure: (error) => {
      if (error._tag !== "InvalidTransition") return Effect.fail(error)
      recorded()
      return Effect.void
    },
    onSuccess: () => {
      recorded()
      return Effect.void
    }
  })

/**
 * A pull of the elements of another, one per pull, each passed to `taken` once the consumer has taken it: at its
 * next pull, or when the scope closes well. `makePull` makes the pull, given what to call as it hands out an
 * element. A failure of `taken` at a pull fails the pull; at the end it is logged (the element stays untaken in
 * the ledger, which is safe: it is fetched again). A scope closed by a failure or an interruption records nothing
 * more.
 */
export const takenOnPull = <A, E, E2, E3, R>(
  makePull: (handedOut: (a: A) => void) => Effect.Effect<Pull<A, E>, E3, R>,
  taken: (a: A) => Effect.Effect<void, E2>
): Effect.Effect<Pull<A, E | E2>, E3, Scope.Scope | R> =>
  Effect.gen(function*() {
    // the element handed out last, not yet recorded
    let held: { readonly value: A } | undefined
    const release = Effect.suspend(() => {
      const last = held
      held = undefined
      return last === undefined ? Effect.void : taken(last.value)
    })
    yield* Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.ignoreLogged(release) : Effect.void)
    const pull = yield* makePull((value) => {
      held = { value }
    })
    return Effect.suspend(() => {
      const last = held
      if (last === undefined) return pull
      held = undefined
      return Effect.zipRight(Effect.mapError(taken(last.value), Option.some), pull)
    })
  })
