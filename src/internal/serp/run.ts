/**
 * `run`: tasks read as permits allow, posted through the batcher's stream path, each posted task waited for
 * (within the deadline), and every task emitted once with its outcome.
 *
 * @since 0.1.0
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { SerpTimeoutError } from "../../DataForSeoError.js"
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import type { Outcome, RunOptions, TaskOf } from "../../Serp.js"
import type { PostedTask, SubmitError, TaskBatcher } from "../../TaskBatcher.js"
import type { Result, TaskPoller } from "../../TaskPoller.js"
import { isStream } from "../stream.js"

/** The services a run works with. */
export interface Services {
  readonly batcher: TaskBatcher["Type"]
  readonly poller: TaskPoller["Type"]
}

/** The default bound on tasks read and not yet ended. */
export const defaultMaxInFlight = 10_000

/** The tasks of an iterable, one by one. */
function* each<A>(tasks: Iterable<A>): IterableIterator<A> {
  yield* tasks
}

/** The tasks as a stream; an iterable is read one task at a time, never ahead. */
const toStream = <A, E, R>(tasks: Stream.Stream<A, E, R> | Iterable<A>): Stream.Stream<A, E, R> =>
  isStream(tasks) ? tasks : Stream.suspend(() => Stream.fromIteratorSucceed(each(tasks), 1))

/** Each task read only once a permit is free: the permit is given back when its outcome is pulled. */
const admitted = <A, E, R>(tasks: Stream.Stream<A, E, R>, permits: Effect.Semaphore): Stream.Stream<A, E, R> =>
  Stream.mapEffect(tasks, (task) => Effect.as(permits.take(1), task))

/** A task refused at posting: its error, and the caller's key when there is one. */
const refused = <Task, A>(
  task: Task,
  error: SubmitError,
  keyOf: ((task: Task) => string) | undefined
): Outcome<Task, A> => ({ task, correlationKey: keyOf?.(task), result: Either.left(error) })

/** A posted task's wait, ended by `deadline` (ms) with a `SerpTimeoutError` when there is one. */
const awaited = <E extends AnyEngine, F extends ResultFormat>(
  poller: TaskPoller["Type"],
  engine: E,
  posted: PostedTask,
  format: F,
  deadline: number | undefined
) => {
  const wait = poller.awaitResult(engine, posted.id, { format })
  if (deadline === undefined) return wait
  return Effect.timeoutFail(wait, {
    duration: Duration.millis(deadline),
    onTimeout: () => new SerpTimeoutError({ taskId: posted.id, correlationKey: posted.correlationKey, deadline })
  })
}

/** One task's outcome from its posting outcome. */
const settle = <E extends AnyEngine, F extends ResultFormat>(
  poller: TaskPoller["Type"],
  engine: E,
  options: RunOptions<TaskOf<E>, F>,
  deadline: number | undefined,
  [task, submitted]: readonly [TaskOf<E>, Either.Either<PostedTask, SubmitError>]
): Effect.Effect<Outcome<TaskOf<E>, Result<E, F>>> =>
  Either.isLeft(submitted)
    ? Effect.succeed(refused(task, submitted.left, options.correlationKey))
    : Effect.map(
      Effect.either(awaited(poller, engine, submitted.right, options.format, deadline)),
      (result) => ({ task, correlationKey: submitted.right.correlationKey, posted: submitted.right, result })
    )

/** A whole number of at least 1, or the default. */
const maxInFlightOf = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : defaultMaxInFlight

/**
 * Every task with its outcome, as outcomes come. At most `maxInFlight` tasks are read and not yet pulled out: an
 * outcome's permit is given back as the consumer pulls it, so outcomes waiting for a slow consumer count too.
 */
export const outcomes = <E extends AnyEngine, F extends ResultFormat, Err, R>(
  services: Services,
  engine: E,
  tasks: Stream.Stream<TaskOf<E>, Err, R> | Iterable<TaskOf<E>>,
  options: RunOptions<TaskOf<E>, F>
): Stream.Stream<Outcome<TaskOf<E>, Result<E, F>>, Err, R> => {
  const maxInFlight = maxInFlightOf(options.maxInFlight)
  const deadline = options.deadline === undefined ? undefined : Duration.toMillis(Duration.decode(options.deadline))
  return Stream.unwrap(
    Effect.map(
      Effect.makeSemaphore(maxInFlight),
      (permits) =>
        services.batcher.submitStream(engine, admitted(toStream(tasks), permits), {
          correlationKey: options.correlationKey
        }).pipe(
          Stream.mapEffect(
            (submitted) => settle(services.poller, engine, options, deadline, submitted),
            { concurrency: maxInFlight, unordered: true }
          ),
          Stream.tap(() => permits.release(1))
        )
    )
  )
}
