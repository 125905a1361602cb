/**
 * The waits: one task's result (`awaitResult`), and a stream of tasks with their outcomes (`results`).
 *
 * A wait is plain data, not a fiber: its caller's fiber is parked until the outcome comes. It sleeps on an alarm
 * until its task shows ready or it is time to ask task_get by id. Then it is queued as due, and one of the
 * poller's workers (as many as task_get calls may be in flight) asks for it, and either ends it or puts it to
 * sleep again, with backoff and jitter while the task is not ready.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ResultFormat } from "../../Engine.js"
import type { PostedTask } from "../../TaskBatcher.js"
import type { PollError } from "../../TaskPoller.js"
import { isStream } from "../stream.js"
import type { EngineRef, Poller, Verdict, Watch } from "./state.js"
import { enqueue, register } from "./state.js"
import { fetchOnce } from "./taskGet.js"
import { recordReady } from "./tasksReady.js"
import { end, endWith, sleep } from "./wait.js"
import { cancel } from "./workers.js"

/** A caller parked until its wait ends: what takes the outcome, or the outcome kept until the caller parks. */
interface Parked<A> {
  resume: ((outcome: Exit.Exit<A, PollError>) => void) | undefined
  kept: Exit.Exit<A, PollError> | undefined
}

const hand = <A>(parked: Parked<A>, outcome: Exit.Exit<A, PollError>): void => {
  if (parked.resume === undefined) parked.kept = outcome
  else parked.resume(outcome)
}

/** The ledger told of a task found ready by task_get itself (not through tasks_ready or a signal). */
const recordFound = (poller: Poller, watch: Watch): Effect.Effect<PollError | undefined> => {
  watch.recorded = true
  poller.seenReady++
  return recordReady(poller, [watch.id])
}

/** One task_get call for a wait; a result (or a final error) ends the wait and hands the caller its outcome. */
const fetchFor = <A, I>(
  poller: Poller,
  watch: Watch,
  schema: Schema.Schema<A, I>,
  parked: Parked<A>
): Effect.Effect<Verdict> =>
  Effect.flatMap(fetchOnce(poller, watch, watch.format, schema), (step): Effect.Effect<Verdict> => {
    if (step._tag !== "Done") return Effect.succeed(step)
    const outcome = step.outcome
    if (Either.isLeft(outcome)) return endWith(poller, watch, outcome.left)
    // `end` ends the wait as it is called: once, after the ledger write
    const handOut = () => end(poller, watch, outcome, () => hand(parked, Exit.succeed(outcome.right)))
    if (watch.recorded) return handOut()
    return Effect.flatMap(
      recordFound(poller, watch),
      (failure) => failure === undefined ? handOut() : endWith(poller, watch, failure)
    )
  })

/** A new wait, asleep until its expected time (or due at once after an early signal). */
const begin = <A, I>(
  poller: Poller,
  engine: EngineRef,
  taskId: string,
  format: ResultFormat,
  schema: Schema.Schema<A, I>,
  parked: Parked<A>
): Effect.Effect<Watch> =>
  Effect.withFiberRuntime((fiber) => {
    const watch: Watch = register(poller, {
      engine,
      id: taskId,
      format,
      parent: Option.fromNullable(fiber.currentSpan),
      call: Effect.suspend(() => fetchFor(poller, watch, schema, parked)),
      fail: (cause) => hand(parked, Exit.failCause(cause))
    }, Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis())
    if (!poller.early.delete(taskId)) return Effect.as(sleep(poller, watch, poller.expectedWait), watch)
    enqueue(poller, watch)
    return Effect.succeed(watch)
  })

/** One task's result, once it is ready, in `format`, decoded with `schema`. */
export const awaitResult = <A, I>(
  poller: Poller,
  engine: EngineRef,
  taskId: string,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, PollError> =>
  Effect.uninterruptibleMask((restore) => {
    const parked: Parked<A> = { resume: undefined, kept: undefined }
    return Effect.flatMap(begin(poller, engine, taskId, format, schema, parked), (watch) =>
      restore(Effect.async<A, PollError>((resume) => {
        if (parked.kept !== undefined) {
          return resume(parked.kept)
        }
        parked.resume = resume
        return Effect.sync(() =>
          cancel(poller, watch)
        )
      })))
  })

/**
 * One task's outcome, handed to `onOutcome` once, without a fiber waiting for it. Gives the function that stops
 * the wait (after which `onOutcome` is not called).
 */
export const watchResult = <A, I>(
  poller: Poller,
  engine: EngineRef,
  taskId: string,
  format: ResultFormat,
  schema: Schema.Schema<A, I>,
  onOutcome: (outcome: Exit.Exit<A, PollError>) => void
): Effect.Effect<() => void> =>
  Effect.map(
    begin(poller, engine, taskId, format, schema, { resume: onOutcome, kept: undefined }),
    (watch) => () => cancel(poller, watch)
  )

/** Each task with its outcome, as outcomes come; at most `maxOutstanding` tasks waited for at once. */
export const results = <A, I, E, R>(
  poller: Poller,
  engine: EngineRef,
  tasks: Stream.Stream<PostedTask, E, R> | Iterable<PostedTask>,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Stream.Stream<readonly [PostedTask, Either.Either<A, PollError>], E, R> =>
  Stream.mapEffect(
    isStream(tasks) ? tasks : Stream.fromIterable(tasks),
    (posted) =>
      Effect.map(
        Effect.either(awaitResult(poller, engine, posted.id, format, schema)),
        (outcome): readonly [PostedTask, Either.Either<A, PollError>] => [posted, outcome]
      ),
    { concurrency: poller.maxOutstanding, unordered: true }
  )
