/**
 * `submitStream`: a stream's tasks admitted and queued on their engine's lane as they are read (the lane packs
 * them into POSTs), each task emitted with its outcome as it settles.
 *
 * No fiber per group and no grouping stage: a reader fiber admits the tasks, each outcome comes back through the
 * task's callback, and a pull hands out the outcomes in as one chunk.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { TaskSide } from "../../Engine.js"
import type { PostedTask, SubmitError, SubmitStreamOptions } from "../../TaskBatcher.js"
import { Fifo } from "../fifo.js"
import { fromScopedPull, Wakeup } from "../stream.js"
import { admit, admitNew } from "./admission.js"
import { enqueue } from "./packing.js"
import type { Batcher, Done, Pending } from "./state.js"

type Pair<Task> = readonly [Task, Either.Either<PostedTask, SubmitError>]

/** What the reader and the puller share. */
interface Shared<Task, E> {
  /** Outcomes in, not yet pulled. */
  readonly out: Fifo<Pair<Task>>
  /** Tasks admitted and without their outcome yet. */
  unresolved: number
  /** False once the stream has ended, or failed. */
  reading: boolean
  /** The stream's failure: it comes out once every task read has come out. */
  failure: Cause.Cause<E> | undefined
  /** A defect of a task's outcome (a bug): it fails the stream at once. */
  defect: Cause.Cause<never> | undefined
  /** The puller, parked until an outcome comes or the reading ends. */
  readonly puller: Wakeup
  /** The reader, parked until a pull makes room. */
  readonly reader: Wakeup
}

/** The callback of one task: its outcome is queued for the puller. */
const doneOf = <Task, E>(shared: Shared<Task, E>, task: Task): Done => (exit) => {
  shared.unresolved--
  if (Exit.isSuccess(exit)) shared.out.push([task, Either.right(exit.value)])
  else {
    const failure = Cause.failureOrCause(exit.cause)
    if (Either.isLeft(failure)) shared.out.push([task, Either.left(failure.left)])
    else shared.defect ??= failure.right
  }
  shared.puller.wake()
}

/**
 * Admits `tasks` from `from`, as many as there is room for, and queues them on the lane. A task admitted is queued
 * (its budget reserved, its key taken), so it gets its outcome: nothing interrupts it in between.
 */
const admitSome = <Task, E>(
  b: Batcher,
  engine: TaskSide<Task>,
  shared: Shared<Task, E>,
  tasks: ReadonlyArray<Task>,
  from: number,
  room: number,
  keyOf: ((task: Task) => string | undefined) | undefined
): Effect.Effect<number> => {
  const until = Math.min(tasks.length, from + room)
  if (keyOf === undefined) {
    return Effect.uninterruptible(Effect.suspend(() => {
      shared.unresolved += until - from
      const pendings: Array<Pending> = []
      for (let i = from; i < until; i++) {
        const task = tasks[i]!
        const pending = admitNew(b, engine, task, doneOf(shared, task))
        if (pending !== undefined) pendings.push(pending)
      }
      return Effect.as(enqueue(b, engine, pendings), until)
    }))
  }
  // a key is looked up in the ledger first (and maybe in id_list), which may be interrupted
  const admitKeyed = (task: Task) =>
    Effect.uninterruptibleMask((restore) => {
      shared.unresolved++
      return Effect.flatMap(
        Effect.onInterrupt(restore(admit(b, engine, task, keyOf(task), doneOf(shared, task))), () =>
          Effect.sync(() => {
            shared.unresolved--
          })),
        (pending) => pending === undefined ? Effect.void : enqueue(b, engine, [pending])
      )
    })
  return Effect.as(Effect.forEach(tasks.slice(from, until), admitKeyed, { discard: true }), until)
}

/** Admits a chunk of the stream, waiting for room whenever `bound` tasks are in hand (admitted, or not yet pulled). */
const admitChunk = <Task, E>(
  b: Batcher,
  engine: TaskSide<Task>,
  shared: Shared<Task, E>,
  bound: number,
  keyOf: ((task: Task) => string | undefined) | undefined,
  chunk: Chunk.Chunk<Task>
): Effect.Effect<void> => {
  const tasks = Chunk.toReadonlyArray(chunk)
  const from = (index: number): Effect.Effect<void> => {
    if (index >= tasks.length) return Effect.void
    const room = bound - shared.unresolved - shared.out.size
    if (room > 0) return Effect.flatMap(admitSome(b, engine, shared, tasks, index, room, keyOf), from)
    return Effect.zipRight(
      shared.reader.wait(() => bound - shared.unresolved - shared.out.size > 0),
      Effect.suspend(() => from(index))
    )
  }
  return from(0)
}

/**
 * Hands out the outcomes in (`most` at a time), once there is one; ends (or fails) once the reading is over and none
 * is left.
 */
const pullOf = <Task, E>(
  shared: Shared<Task, E>,
  most: number
): Effect.Effect<Chunk.Chunk<Pair<Task>>, Option.Option<E>> => {
  const pull: Effect.Effect<Chunk.Chunk<Pair<Task>>, Option.Option<E>> = Effect.suspend(() => {
    if (shared.defect !== undefined) return Effect.failCause(shared.defect)
    if (shared.out.size > 0) {
      const pairs = shared.out.take(most)
      // room was made: the reader goes on, if it waits
      shared.reader.wake()
      return Effect.succeed(Chunk.unsafeFromArray(pairs))
    }
    if (!shared.reading && shared.unresolved === 0) {
      return shared.failure === undefined
        ? Effect.fail(Option.none())
        : Effect.failCause(Cause.map(shared.failure, Option.some))
    }
    return Effect.zipRight(
      shared.puller.wait(() =>
        shared.out.size > 0 || shared.defect !== undefined || (!shared.reading && shared.unresolved === 0)
      ),
      pull
    )
  })
  return pull
}

/**
 * Posts the tasks of a stream as they come, and emits each with its outcome, in the order they settle. At most
 * `streamInHand` groups of `maxTasks` tasks are admitted or waiting to be pulled: the stream is read no further
 * ahead. Outcomes come out in chunks of `maxTasks` at most. A failure of the stream comes out once every task read
 * has come out with its outcome.
 */
export const submitStream = <Task, E, R>(
  b: Batcher,
  engine: TaskSide<Task>,
  tasks: Stream.Stream<Task, E, R>,
  streamOptions: SubmitStreamOptions<Task> = {}
): Stream.Stream<Pair<Task>, E, R> =>
  fromScopedPull(Effect.gen(function*() {
    const shared: Shared<Task, E> = {
      out: new Fifo(),
      unresolved: 0,
      reading: true,
      failure: undefined,
      defect: undefined,
      puller: new Wakeup(),
      reader: new Wakeup()
    }
    const bound = b.streamInHand * b.maxTasks
    const keyOf = streamOptions.correlationKey
    const ended = (failure: Cause.Cause<E> | undefined) =>
      Effect.sync(() => {
        shared.reading = false
        shared.failure = failure
        shared.puller.wake()
      })
    yield* Stream.runForEachChunk(tasks, (chunk) => admitChunk(b, engine, shared, bound, keyOf, chunk)).pipe(
      Effect.matchCauseEffect({ onFailure: ended, onSuccess: () => ended(undefined) }),
      Effect.forkScoped
    )
    return pullOf(shared, b.maxTasks)
  }))
