/**
 * Collected means taken: an outcome is recorded collected once the consumer has taken it. A stream hands out one
 * outcome per pull, and records the one handed out before when the consumer pulls again, or when the stream ends
 * well. A stream ended by a failure or an interruption records nothing more.
 *
 * @since 0.1.0
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Outcome } from "../../Serp.js"
import type { LedgerStoreError, TaskLedger } from "../../TaskLedger.js"

/**
 * Records one outcome collected, if it is a result of a posted task. A task the ledger does not hold (given by a
 * caller), or holds as failed, is left as it is.
 */
export const recordTaken = <Task, A>(
  ledger: TaskLedger.Service,
  outcome: Outcome<Task, A>
): Effect.Effect<void, LedgerStoreError> =>
  outcome.posted === undefined || Either.isLeft(outcome.result)
    ? Effect.void
    : recordCollected(ledger, outcome.posted.id)

/** Records one task collected; an `InvalidTransition` (unknown or failed task) changes nothing. */
export const recordCollected = (
  ledger: TaskLedger.Service,
  taskId: string
): Effect.Effect<void, LedgerStoreError> =>
  Effect.catchTag(ledger.recordCollected([{ taskId }]), "InvalidTransition", () => Effect.void)

/** What the consumer holds: the rest of the chunk pulled last, and the element handed out last, not yet recorded. */
interface Hand<A> {
  chunk: Chunk.Chunk<A>
  next: number
  held: Option.Option<A>
}

/** Records the element handed out last, once. */
const release = <A, E>(hand: Hand<A>, taken: (a: A) => Effect.Effect<void, E>): Effect.Effect<void, E> => {
  const held = hand.held
  hand.held = Option.none()
  return Option.isSome(held) ? taken(held.value) : Effect.void
}

/** One pull of the consumer: the previous element recorded taken, then the next one handed out. */
const handOut = <A, E, E2, R>(
  pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>, R>,
  hand: Hand<A>,
  taken: (a: A) => Effect.Effect<void, E2>
): Effect.Effect<A, Option.Option<E | E2>, R> =>
  Effect.gen(function*() {
    yield* Effect.mapError(release(hand, taken), Option.some)
    while (hand.next >= hand.chunk.length) {
      hand.chunk = yield* pull
      hand.next = 0
    }
    const a = Chunk.unsafeGet(hand.chunk, hand.next++)
    hand.held = Option.some(a)
    return a
  })

/**
 * `stream`, handed out one element per pull, each passed to `taken` once the consumer has taken it: at its next
 * pull, or when the stream ends well. A failure of `taken` at a pull fails the stream; at the end it is logged
 * (the element stays untaken in the ledger, which is safe: it is fetched again).
 */
export const takenOnPull = <A, E, R, E2>(
  stream: Stream.Stream<A, E, R>,
  taken: (a: A) => Effect.Effect<void, E2>
): Stream.Stream<A, E | E2, R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const hand: Hand<A> = { chunk: Chunk.empty(), next: 0, held: Option.none() }
    yield* Effect.addFinalizer((exit) => Exit.isSuccess(exit) ? Effect.ignoreLogged(release(hand, taken)) : Effect.void)
    const pull = yield* Stream.toPull(stream)
    return Stream.repeatEffectOption(handOut(pull, hand, taken))
  }))
