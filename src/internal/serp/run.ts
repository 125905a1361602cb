/**
 * `run`: tasks read as permits allow, posted through the batcher's stream path, each posted task waited for
 * (within the deadline), and every task emitted once with its outcome.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { AlreadyCollectedError, type InvalidTaskError, SerpTimeoutError } from "../../DataForSeoError.js"
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import type { Outcome, RunOptions, SerpError, TaskOf } from "../../Serp.js"
import type { PostedTask, SubmitError, TaskBatcher } from "../../TaskBatcher.js"
import type { Entry, LedgerStoreError, TaskLedger } from "../../TaskLedger.js"
import type { Result, TaskPoller } from "../../TaskPoller.js"
import { forkEach, isStream, type Pull } from "../stream.js"
import { countEnded, countPosted, type Counts } from "./progress.js"

/** The services a run works with. */
export interface Services {
  readonly batcher: TaskBatcher["Type"]
  readonly poller: TaskPoller["Type"]
  readonly ledger: TaskLedger.Service
  readonly counts: Counts
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
const admitted = <A, E, R>(
  tasks: Stream.Stream<A, E, R>,
  permits: Effect.Semaphore,
  counts: Counts
): Stream.Stream<A, E, R> =>
  Stream.mapEffect(tasks, (task) =>
    Effect.as(
      Effect.tap(permits.take(1), () => {
        counts.submitted++
      }),
      task
    ))

/** A task refused at posting: its error, and the caller's key when there is one. */
const refused = <Task, A>(
  task: Task,
  error: SubmitError,
  keyOf: ((task: Task) => string | undefined) | undefined
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

/** A posted task's outcome: taken by an earlier run, or its result as it comes. */
const collect = <E extends AnyEngine, F extends ResultFormat>(
  poller: TaskPoller["Type"],
  engine: E,
  posted: PostedTask,
  format: F,
  deadline: number | undefined
): Effect.Effect<Either.Either<Result<E, F>, SerpError>> =>
  posted.collectedAt === undefined
    ? Effect.either(awaited(poller, engine, posted, format, deadline))
    : Effect.succeed(Either.left(
      new AlreadyCollectedError({
        taskId: posted.id,
        correlationKey: posted.correlationKey,
        collectedAt: posted.collectedAt
      })
    ))

/** What settling a task needs of the run's options. */
interface Settings<Task, F extends ResultFormat> {
  readonly format: F
  /** In ms. */
  readonly deadline: number | undefined
  readonly keyOf: ((task: Task) => string | undefined) | undefined
}

/** One task's outcome from its posting outcome. */
const settle = <E extends AnyEngine, F extends ResultFormat>(
  { counts, poller }: Services,
  engine: E,
  { deadline, format, keyOf }: Settings<TaskOf<E>, F>,
  [task, submitted]: readonly [TaskOf<E>, Either.Either<PostedTask, SubmitError>]
): Effect.Effect<Outcome<TaskOf<E>, Result<E, F>>> =>
  Either.isLeft(submitted)
    ? Effect.succeed(refused(task, submitted.left, keyOf))
    : Effect.suspend(() => {
      countPosted(counts, submitted.right)
      return Effect.map(
        collect(poller, engine, submitted.right, format, deadline),
        (result) => ({ task, correlationKey: submitted.right.correlationKey, posted: submitted.right, result })
      )
    })

/** A whole number of at least 1, or the default. */
const maxInFlightOf = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : defaultMaxInFlight

/** What a run left in the ledger: its tasks posted and not collected, and its intents of unknown outcome. */
const leftOver = (ledger: TaskLedger.Service, runId: string, engine: AnyEngine) =>
  Effect.gen(function*() {
    // intents recorded from now on are this process's POSTs in flight, not left over
    const now = yield* Clock.currentTimeMillis
    const uncollected = yield* ledger.uncollected({ runId })
    const unknown = yield* ledger.unknownIntents({ runId, recordedBefore: now })
    return [...uncollected, ...unknown].filter((entry) => entry.engine === engine.name)
  })

/** A left-over task, as the caller would have written it, or a warning when its recorded request no longer decodes. */
const revive = <E extends AnyEngine>(engine: E, entry: Entry) =>
  Either.match(engine.decodeTask(entry.request) as Either.Either<TaskOf<E>, InvalidTaskError>, {
    onRight: (task) => Effect.succeed(Option.some(task)),
    onLeft: (error) =>
      Effect.as(
        Effect.logWarning("a left-over task does not decode: it stays in the ledger").pipe(
          Effect.annotateLogs({ correlationKey: entry.correlationKey, field: error.field, rule: error.rule })
        ),
        Option.none()
      )
  })

/** The run's tasks, and each task's key. */
interface Input<Task, Err, R> {
  readonly tasks: Stream.Stream<Task, Err, R>
  readonly keyOf: ((task: Task) => string | undefined) | undefined
}

/**
 * With `resume`, the run's left-overs first (each with its recorded key), then the caller's tasks but those of a
 * left-over's key: each task comes out once.
 */
const withLeftOvers = <E extends AnyEngine, Err, R>(
  services: Services,
  engine: E,
  input: Input<TaskOf<E>, Err, R>
): Effect.Effect<Input<TaskOf<E>, Err, R>, LedgerStoreError> =>
  Effect.gen(function*() {
    const entries = yield* leftOver(services.ledger, services.batcher.runId, engine)
    if (entries.length === 0) return input
    const keys = new Map<TaskOf<E>, string>()
    for (const entry of entries) {
      const task = yield* revive(engine, entry)
      if (Option.isSome(task)) keys.set(task.value, entry.correlationKey)
    }
    const resumed = new Set(keys.values())
    const callerKey = input.keyOf
    const rest = callerKey === undefined ? input.tasks : Stream.filter(input.tasks, (task) => {
      const key = callerKey(task)
      return key === undefined || !resumed.has(key)
    })
    return {
      tasks: Stream.concat(Stream.fromIterable(keys.keys()), rest),
      keyOf: (task) => keys.get(task) ?? callerKey?.(task)
    }
  })

/**
 * Every task with its outcome, one per pull, as outcomes come. At most `maxInFlight` tasks are read and not yet
 * pulled out: an outcome's permit is given back as the consumer pulls it, so outcomes waiting for a slow consumer
 * count too. The reading and the waits live as long as the scope.
 */
export const outcomes = <E extends AnyEngine, F extends ResultFormat, Err, R>(
  services: Services,
  engine: E,
  tasks: Stream.Stream<TaskOf<E>, Err, R> | Iterable<TaskOf<E>>,
  options: RunOptions<TaskOf<E>, F>
): Effect.Effect<Pull<Outcome<TaskOf<E>, Result<E, F>>, Err>, LedgerStoreError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const maxInFlight = maxInFlightOf(options.maxInFlight)
    const deadline = options.deadline === undefined ? undefined : Duration.toMillis(Duration.decode(options.deadline))
    const given: Input<TaskOf<E>, Err, R> = { tasks: toStream(tasks), keyOf: options.correlationKey }
    const input = options.resume === true ? yield* withLeftOvers(services, engine, given) : given
    const permits = yield* Effect.makeSemaphore(maxInFlight)
    const submitted = services.batcher.submitStream(engine, admitted(input.tasks, permits, services.counts), {
      correlationKey: input.keyOf
    })
    // at most maxInFlight elements in course: the permits bound the tasks read
    const pull = yield* forkEach(
      submitted,
      (one) => settle(services, engine, { format: options.format, deadline, keyOf: input.keyOf }, one)
    )
    return Effect.tap(pull, (outcome) =>
      Effect.zipRight(
        Effect.map(Clock.currentTimeMillis, (now) => countEnded(services.counts, outcome.result, now)),
        permits.release(1)
      ))
  })
