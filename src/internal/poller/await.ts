/**
 * The waits: one task's result (`awaitResult`), and a stream of tasks with their outcomes (`results`). A wait
 * sleeps until its task shows ready or it is time to ask task_get by id, asks, and backs off with jitter while
 * the task is not ready.
 *
 * @since 0.1.0
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ResultFormat } from "../../Engine.js"
import type { PostedTask } from "../../TaskBatcher.js"
import { metrics, type PollError } from "../../TaskPoller.js"
import { isStream } from "../stream.js"
import type { EngineRef, Poller, Watch } from "./state.js"
import { register, unregister } from "./state.js"
import { fetchOnce } from "./taskGet.js"
import { recordReady } from "./tasksReady.js"

/** `millis` spread by ±20%, so that tasks posted together do not ask together for ever. */
const jittered = (millis: number): Effect.Effect<number> =>
  Effect.map(Random.nextRange(0.8, 1.2), (factor) => Math.round(millis * factor))

/** Sleeps until the wait is woken, or for `millis` at most: an alarm wakes it then. */
const sleepOrWake = (poller: Poller, watch: Watch, millis: number): Effect.Effect<void> => {
  const signal = watch.signal
  return Effect.flatMap(
    poller.alarms.set(millis, () => Deferred.unsafeDone(signal, Exit.void)),
    (alarm) => Effect.ensuring(Deferred.await(signal), Effect.sync(alarm.cancel))
  )
}

/** The ledger told of a task found ready by task_get itself (not through tasks_ready or a signal). */
const recordFound = (poller: Poller, watch: Watch): Effect.Effect<void, PollError> => {
  if (watch.recorded) return Effect.void
  watch.recorded = true
  poller.seenReady++
  return Effect.flatMap(recordReady(poller, [watch.id]), (failure) => failure === undefined ? Effect.void : failure)
}

/** The wait's loop: sleep, ask, and again until the task's outcome is known. */
const waitAndFetch = <A, I>(
  poller: Poller,
  watch: Watch,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, PollError> =>
  Effect.gen(function*() {
    let delay = poller.expectedWait
    let waits = 0
    let failures = 0
    for (;;) {
      // After a failure the backoff is slept in full. tasks_ready lists a task until it is collected, so
      // its replies would wake the wait at once and retry a failing server at their pace.
      yield* failures > 0 ? Effect.sleep(Duration.millis(delay)) : sleepOrWake(poller, watch, delay)
      if (watch.failure !== undefined) return yield* watch.failure
      // a new signal before the call: a wake during the call is not lost
      watch.signal = yield* Deferred.make<void>()
      watch.asked++
      const step = yield* fetchOnce(poller, watch, format, schema)
      if (step._tag === "Done") {
        if (Either.isLeft(step.outcome)) return yield* step.outcome
        yield* recordFound(poller, watch)
        return step.outcome.right
      }
      if (step._tag === "Wait") {
        failures = 0
        delay = yield* jittered(Math.min(poller.maxBackoff, poller.backoff * 2 ** waits++))
      } else {
        if (++failures >= poller.maxFailures) return yield* step.error
        delay = yield* jittered(Math.min(poller.maxBackoff, poller.retryDelay * 2 ** (failures - 1)))
      }
    }
  })

/** Counts the outcome of one wait. */
const counted = <A>(effect: Effect.Effect<A, PollError>): Effect.Effect<A, PollError> =>
  effect.pipe(
    Effect.tap(() => Metric.increment(metrics.results)),
    Effect.tapError((error) =>
      Metric.increment(
        Metric.tagged(
          Metric.tagged(metrics.errors, "error", error._tag),
          "code",
          "code" in error ? String(error.code) : "none"
        )
      )
    )
  )

/** One task's result, once it is ready, in `format`, decoded with `schema`. */
export const awaitResult = <A, I>(
  poller: Poller,
  engine: EngineRef,
  taskId: string,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, PollError> =>
  Effect.acquireUseRelease(
    register(poller, engine, taskId),
    (watch) => counted(waitAndFetch(poller, watch, format, schema)),
    (watch) => unregister(poller, watch)
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
