/**
 * Getting results back: posted tasks in, each one's decoded result (or a typed error) out, as it becomes ready.
 *
 * - tasks_ready is the cheap signal. It is asked at its own pace (`limits.tasksReadyPerMinute`, 20 calls a
 *   minute by default, shared by every engine), as often as that allows while tasks are outstanding, and
 *   never while none are. With tasks of several engines outstanding, one call to the all-engines list
 *   `/v3/serp/tasks_ready` serves them all.
 * - tasks_ready is not enough alone. It lists at most 1,000 tasks, only uncollected ones, so the tasks of other
 *   jobs can hide ours, and a task another process collected never shows again. So a task still outstanding
 *   after `expectedWait` is asked for directly with task_get, by id, with backoff and jitter. A full page of
 *   tasks_ready with none of ours sends every outstanding task to task_get at once. Ids of other jobs are left
 *   alone: the poller never decides that a task is done by counting ids.
 * - task_get is paced at `limits.taskGetPerMinute`, with at most `concurrency` calls in flight: that many workers
 *   ask for the tasks due. A wait costs no fiber of its own, only its caller's, so thousands can wait at once.
 *   A call still going at `requestTimeout` is stopped and asked again later.
 * - Outcomes. 20100, 40601 and 40602 mean wait. Transient failures are retried, `maxFailures` times in a row at
 *   most. 40401, 40403 and the task-level failures (40101, 40103, ...) end the task with their typed error.
 *   40102 ends it with `NoSearchResultsError`, which keeps the cost the API reports. A result that does not
 *   decode is a `DecodeError` with its path: the task stays collectable. One task's failure never fails another.
 * - The ledger. A task seen ready is recorded `ready`. A task the ledger does not hold (given by a caller) is
 *   left out of that write. The poller never records `collected`: a result counts as collected once its caller
 *   has taken it, and only the caller knows when that is.
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { GoogleOrganic, TaskPoller } from "effect-dataforseo"
 *
 * Effect.gen(function*() {
 *   const poller = yield* TaskPoller.TaskPoller
 *   const serp = yield* poller.awaitResult(GoogleOrganic.engine, taskId, { format: "advanced" })
 * })
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { DataForSeoClient } from "./DataForSeoClient.js"
import type { DataForSeoConfig } from "./DataForSeoConfig.js"
import { type DataForSeoError, NoSearchResultsError } from "./DataForSeoError.js"
import type { AnyEngine, ResultFormat } from "./Engine.js"
import * as internal from "./internal/poller/make.js"
import { checked, type Rule, wholeAtLeast } from "./internal/rules.js"
import type { Oldest, Waiting } from "./Progress.js"
import type { PostedTask } from "./TaskBatcher.js"
import type { LedgerStoreError, TaskLedger } from "./TaskLedger.js"

/** A task the search engine found no results for (40102). Declared with the library's other errors. */
export { NoSearchResultsError }

/**
 * Every way one task can end without its result: the API's typed errors (`NotFoundError` for 40401 and 40403,
 * `ServerError` for 40101, a `DecodeError` with its path, ...), `NoSearchResultsError`, and a ledger that could
 * not record the task ready.
 */
export type PollError = DataForSeoError | NoSearchResultsError | LedgerStoreError

/** Which of an engine's result schemas serves each format. */
export const resultSchemaKeys: {
  readonly regular: "RegularResult"
  readonly advanced: "AdvancedResult"
  readonly html: "HtmlResult"
} = { regular: "RegularResult", advanced: "AdvancedResult", html: "HtmlResult" }

/** The decoded result of engine `E` in format `F`, e.g. Google's advanced SERP. */
export type Result<E extends AnyEngine, F extends ResultFormat> = Schema.Schema.Type<
  E[(typeof resultSchemaKeys)[F]]
>

/** What to fetch. */
export interface ResultOptions<F extends ResultFormat> {
  /** The task_get format: `"regular"`, `"advanced"` or `"html"`. */
  readonly format: F
}

/** Poller options; every one has a default. */
export interface Options {
  /**
   * How long a task may stay outstanding before it is asked for directly, by id, whatever tasks_ready says.
   * Default 2 minutes: a normal-priority task is usually done by then.
   */
  readonly expectedWait?: Duration.DurationInput | undefined
  /** The first wait after task_get said "not yet", doubled each time up to `maxBackoff`, with jitter. Default 10 s. */
  readonly backoff?: Duration.DurationInput | undefined
  /** The longest wait between two direct asks of one task. Default 2 minutes. */
  readonly maxBackoff?: Duration.DurationInput | undefined
  /** Transient failures of task_get in a row for one task before it ends with the last one. Default 8. */
  readonly maxFailures?: number | undefined
  /** task_get calls in flight at once. Default `limits.simultaneousRequests`. */
  readonly concurrency?: number | undefined
  /** Tasks of one `results` stream waited for at once (the stream is read as they end). Default 10,000. */
  readonly maxOutstanding?: number | undefined
}

/** The poller service. */
export interface Service {
  /**
   * The result of one task, once it is ready, in the format asked for. Fails with the task's typed error.
   * Interrupting it stops the wait.
   */
  readonly awaitResult: <E extends AnyEngine, F extends ResultFormat>(
    engine: E,
    taskId: string,
    options: ResultOptions<F>
  ) => Effect.Effect<Result<E, F>, PollError>
  /**
   * The outcome of one task, handed to `onOutcome` once it is known, without a fiber waiting for it: for a
   * caller that waits for thousands of tasks at once (`Serp.run` does). Gives the function that stops the wait;
   * `onOutcome` is not called after it. A failure is the task's typed error; a defect means a bug here.
   */
  readonly watch: <E extends AnyEngine, F extends ResultFormat>(
    engine: E,
    taskId: string,
    options: ResultOptions<F>,
    onOutcome: (outcome: Exit.Exit<Result<E, F>, PollError>) => void
  ) => Effect.Effect<() => void>
  /**
   * Each task of `tasks` with its outcome, emitted as results become ready (not in the order of `tasks`). Each
   * task comes out exactly once. `tasks` is read as tasks end, `maxOutstanding` at a time at most.
   */
  readonly results: <E extends AnyEngine, F extends ResultFormat, Err = never, R = never>(
    engine: E,
    tasks: Stream.Stream<PostedTask, Err, R> | Iterable<PostedTask>,
    options: ResultOptions<F>
  ) => Stream.Stream<readonly [PostedTask, Either.Either<Result<E, F>, PollError>], Err, R>
  /**
   * Says that these tasks are ready now (a pingback, a postback, another reader of tasks_ready): the poller
   * fetches those it waits for at once. It keeps the last 10,000 others: a wait for one of them that begins
   * later asks task_get at once.
   */
  readonly ready: (taskIds: Iterable<string>) => Effect.Effect<void>
  /** How many tasks are being waited for now. */
  readonly outstanding: Effect.Effect<number>
  /** Where the poller stands, for `Progress`. */
  readonly status: Effect.Effect<Status>
}

/** Where a poller stands. */
export interface Status {
  /** Waits in course (a task waited for by two callers counts twice). */
  readonly outstanding: number
  /** Tasks seen ready since the poller was built. */
  readonly seenReady: number
  /** The task waited for longest, if any. */
  readonly oldestWaiting: Oldest | undefined
  /** 40202 cuts in force on tasks_ready and task_get. */
  readonly waiting: ReadonlyArray<Waiting>
}

/** Tag of the poller service. */
export class TaskPoller extends Context.Tag("effect-dataforseo/TaskPoller")<TaskPoller, Service>() {}

/**
 * The poller's metrics, shared by every poller of the process: tasks_ready and task_get calls sent, results
 * fetched and decoded, and tasks ended with an error (tagged `error`, the error's tag, and `code` when it has one).
 */
export const metrics = {
  tasksReadyCalls: Metric.counter("dataforseo_tasks_ready_calls_total", { description: "tasks_ready calls sent" }),
  taskGetCalls: Metric.counter("dataforseo_task_get_calls_total", { description: "task_get calls sent" }),
  results: Metric.counter("dataforseo_results_fetched_total", { description: "results fetched and decoded" }),
  errors: Metric.counter("dataforseo_poll_errors_total", { description: "tasks ended with an error" })
}

/** The most tasks one tasks_ready reply lists: a full page may hide more. */
export const tasksReadyPage = 1000

/** The tasks_ready list of every SERP engine at once. */
export const allEnginesTasksReady = "/v3/serp/tasks_ready"

/** The duration, if `input` is one (a `Duration`, ms, or text such as `"10 seconds"`). */
const durationOf = (input: Duration.DurationInput | undefined): Duration.Duration | undefined =>
  input === undefined ? undefined : Option.getOrUndefined(Duration.decodeUnknown(input))

/** A duration given and not one, or below `min` (a negative number of ms too: Effect would read it as zero). */
const badDuration = (input: Duration.DurationInput | undefined, min: Duration.Duration): boolean => {
  if (input === undefined) return false
  if (typeof input === "number" && !(input >= 0)) return true
  const duration = durationOf(input)
  return duration === undefined || Duration.lessThan(duration, min)
}

/** Options in range, or a `ConfigError` naming the first that is not. */
export const validateOptions = (options: Options): Either.Either<Options, ConfigError.ConfigError> =>
  checked(options, [
    [["expectedWait"], !badDuration(options.expectedWait, Duration.zero), "must be a duration, zero or more"],
    [["backoff"], !badDuration(options.backoff, Duration.millis(1)), "must be a duration of 1 ms or more"],
    [["maxBackoff"], !badDuration(options.maxBackoff, Duration.millis(1)), "must be a duration of 1 ms or more"],
    [
      ["maxBackoff"],
      Duration.greaterThanOrEqualTo(
        durationOf(options.maxBackoff) ?? defaultMaxBackoff,
        durationOf(options.backoff) ?? defaultBackoff
      ),
      "must be at least backoff"
    ],
    ...(["maxFailures", "concurrency", "maxOutstanding"] as const).map((field): Rule => [
      [field],
      options[field] === undefined || wholeAtLeast(1, options[field]),
      "must be a whole number, 1 or more"
    ])
  ])

/** The default `backoff` and `maxBackoff`. */
export const defaultBackoff: Duration.Duration = Duration.seconds(10)
export const defaultMaxBackoff: Duration.Duration = Duration.minutes(2)

/** Builds the poller; its tasks_ready loop lives as long as the scope. Options out of range are a `ConfigError`. */
export const make = (
  options: Options = {}
): Effect.Effect<Service, ConfigError.ConfigError, Scope.Scope | DataForSeoConfig | DataForSeoClient | TaskLedger> =>
  Effect.zipRight(validateOptions(options), internal.make(options))

/** The poller as a layer: needs the client, its configuration and a ledger. */
export const layer = (
  options: Options = {}
): Layer.Layer<TaskPoller, ConfigError.ConfigError, DataForSeoClient | DataForSeoConfig | TaskLedger> =>
  Layer.scoped(TaskPoller, make(options))
