/**
 * Batched, rate-limited, billing-safe posting: where the money is spent.
 *
 * `submit(engine, task)` may be called from any number of fibers at once. Tasks of one engine are
 * packed into task_post calls of at most `tasksPerPost` (100): a full batch leaves at once, a partial one
 * after a short window. Calls are paced so that `taskPostPerMinute` (shared by every engine of the
 * account) is never crossed, and at most `simultaneousRequests` are in flight.
 *
 * Each task ends in exactly one outcome: its posted id and cost, or a typed error for that task alone.
 *
 * - Correlation. The order of `tasks[]` in a reply is not documented, so each returned task is matched to
 *   its submission by the `tag` the API echoes in `data.tag`. A task without a tag gets
 *   `dfs:<correlationKey>`, unique per submission; tasks sharing a caller's tag never share a POST. A
 *   caller's tag with that prefix is refused unless it is that very tag (see `ownTagPrefix`).
 * - Billing safety. Every POST goes through the `TaskLedger`: intents are durable before it is sent, ids
 *   before the caller hears of them. A POST refused as a whole (40202, 40209, request-level 5xxxx) created
 *   nothing and is sent again after a backoff. A POST whose outcome is unknown (connection dropped, timeout,
 *   HTTP 500, a reply that does not decode) is never blindly sent again: with the default policy
 *   `"reconcile"` the batch's tags are looked up through id_list once it has settled (batches of unknown
 *   outcome at the same time share one pass); tasks found are posted, tasks not found are posted once
 *   more. `"at-most-once"` fails them with
 *   `PostOutcomeUnknownError` (they stay in the ledger's unknown intents); `"at-least-once"` re-posts them.
 * - Budget. With `budget` set, a task whose estimated cost would take the run past it fails with
 *   `BudgetExceededError` and is not posted. The running total uses the costs the API returns.
 * - Resuming. A caller-given `correlationKey` already in the ledger is not posted again: its recorded
 *   outcome is returned (a recorded intent of unknown outcome is looked up in id_list first, once it has
 *   had the time to list it; one pass serves many resumed keys). A key submitted again
 *   while its task is still in flight gets that task's outcome when it comes. A key names one task: with
 *   another (another engine, another request as sent) it is an `InvalidTaskError` on `correlationKey`,
 *   unless its task was never created: a failure that cost nothing and created no task is posted again.
 *
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { DataForSeoClient } from "./DataForSeoClient.js"
import type { DataForSeoConfig } from "./DataForSeoConfig.js"
import {
  BudgetExceededError,
  type DataForSeoError,
  type InvalidTaskError,
  PostOutcomeUnknownError
} from "./DataForSeoError.js"
import type { TaskSide } from "./Engine.js"
import * as internal from "./internal/batcher/make.js"
import { amount, checked, wholeAtLeast } from "./internal/rules.js"
import * as Prices from "./Prices.js"
import type { Waiting } from "./Progress.js"
import type { LedgerError, LedgerStoreError, TaskLedger } from "./TaskLedger.js"

/** The task would take the run past its budget; it was not posted. Declared with the library's other errors. */
export { BudgetExceededError }

/** Whether the task was created is unknown. Declared with the library's other errors. */
export { PostOutcomeUnknownError }

/** A task DataForSEO created (and billed). */
export const PostedTask = Schema.Struct({
  /** The DataForSEO task id: the only way to get what was paid for. */
  id: Schema.String,
  /** What the API charged for it, in USD. */
  cost: Schema.Number,
  /** The tag sent with the task (the caller's, or `dfs:<correlationKey>`). */
  tag: Schema.String,
  /** The ledger key of the submission. */
  correlationKey: Schema.String,
  /** The engine's name, e.g. `"google/organic"`. */
  engine: Schema.String,
  /**
   * Set when the ledger already held this key's task collected (epoch ms): an earlier run took its result.
   * Only a resumed key (`SubmitOptions.correlationKey`) can have it.
   */
  collectedAt: Schema.optional(Schema.Number)
})

/** @see PostedTask */
export interface PostedTask extends Schema.Schema.Type<typeof PostedTask> {}

/** Everything `submit` can fail with, for one task. */
export type SubmitError =
  | InvalidTaskError
  | DataForSeoError
  | BudgetExceededError
  | PostOutcomeUnknownError
  | LedgerError

/** What to do after a POST whose outcome is unknown. */
export type OutcomePolicy = "reconcile" | "at-most-once" | "at-least-once"

/** Batcher options; every one has a default. */
export interface Options {
  /**
   * The run every task of this batcher belongs to (ledger, cost per run). Default: a fresh id. Tasks
   * submitted without a key get `<runId>:<instance>:<n>`, the instance random per batcher: a run id used
   * again (a restarted job, on the same ledger) never makes a key the ledger already holds.
   */
  readonly runId?: string | undefined
  /** How long a partial batch waits for more tasks. Default 50 ms. */
  readonly window?: Duration.DurationInput | undefined
  /** Default `"reconcile"`. */
  readonly policy?: OutcomePolicy | undefined
  /**
   * Spending cap of the run, in USD, counting what the ledger already holds for `runId` (a restarted job
   * does not spend its budget twice). Default: none.
   */
  readonly budget?: number | undefined
  /** The prices budget estimates use. Default `Prices.standard`; `layerAccountPrices` reads the account's own. */
  readonly prices?: Prices.Table | undefined
  /** How long id_list is given to list a task whose POST outcome is unknown. Default 10 s. */
  readonly settleDelay?: Duration.DurationInput | undefined
  /** Sends of one task at most (re-posts after unknown outcomes, resends after refusals). Default 5. */
  readonly maxAttempts?: number | undefined
  /** First backoff after a refused POST, doubled each time. Default 1 s. */
  readonly backoff?: Duration.DurationInput | undefined
  /**
   * Spread task_post calls evenly over the limit's window rather than sending a window's worth at once.
   * Default true: the steady flow DataForSEO recommends, and the whole limit is still used.
   */
  readonly spread?: boolean | undefined
}

/** Per-task submit options. */
export interface SubmitOptions {
  /**
   * A key unique to this task across runs. Submitting a key the ledger knows returns its recorded outcome
   * (a task never created, an unbilled failure, is posted again); with another task it is refused.
   */
  readonly correlationKey?: string | undefined
}

/** The batcher service. */
export interface Service {
  readonly runId: string
  /** Posts one task (packed with others) and returns it once DataForSEO created it and the ledger holds its id. */
  readonly submit: <Task>(
    engine: TaskSide<Task>,
    task: Task,
    options?: SubmitOptions
  ) => Effect.Effect<PostedTask, SubmitError>
  /**
   * Posts many tasks of one engine and returns one outcome per task, in their order. The same packing,
   * pacing and billing safety as `submit`, for a fraction of the cost per task: use it for bulk work.
   * `tasks` is read as tasks go out, a window at a time, so a long generator is never held in memory.
   */
  readonly submitAll: <Task>(
    engine: TaskSide<Task>,
    tasks: Iterable<Task>,
    options?: SubmitAllOptions<Task>
  ) => Effect.Effect<ReadonlyArray<Either.Either<PostedTask, SubmitError>>>
  /**
   * Posts the tasks of a stream as they come (from a queue, a database cursor, a file read as it goes), with
   * `submitAll`'s packing, pacing, billing safety and cost per task, and emits each task with its outcome as
   * it settles: not in the stream's order, so that a batch waiting for id_list holds back nothing else. Tasks
   * are packed as they are read (`tasksPerPost` to a POST, a partial one after `window`). At most
   * `4 × (simultaneousRequests + 1)` POSTs' worth of tasks are in hand, being posted or waiting for the consumer
   * to take their outcomes: memory stays flat however long the stream runs.
   * If `tasks` fails, its tasks read so far are posted and come out with their outcomes, then its error.
   */
  readonly submitStream: <Task, E, R>(
    engine: TaskSide<Task>,
    tasks: Stream.Stream<Task, E, R>,
    options?: SubmitStreamOptions<Task>
  ) => Stream.Stream<readonly [Task, Either.Either<PostedTask, SubmitError>], E, R>
  /**
   * USD the API charged so far in this run (as the ledger records `runId`: earlier processes of the same run
   * included), plus what queued tasks are estimated to cost.
   */
  readonly committed: Effect.Effect<number>
  /** What posting waits on now: POSTs of unknown outcome being reconciled, refused POSTs backing off, a 40202 cut. */
  readonly waiting: Effect.Effect<ReadonlyArray<Waiting>>
}

/** Options of `submitAll`. */
export interface SubmitAllOptions<Task> {
  /** Each task's key, unique across runs (see `SubmitOptions.correlationKey`). */
  readonly correlationKey?: ((task: Task, index: number) => string | undefined) | undefined
}

/** Options of `submitStream`. */
export interface SubmitStreamOptions<Task> {
  /** Each task's key, unique across runs (see `SubmitOptions.correlationKey`): made from the task alone. */
  readonly correlationKey?: ((task: Task) => string | undefined) | undefined
}

/** Tag of the batcher service. */
export class TaskBatcher extends Context.Tag("effect-dataforseo/TaskBatcher")<TaskBatcher, Service>() {}

/**
 * The batcher's metrics, shared by every batcher of the process: task_post calls sent (resends included),
 * tasks DataForSEO created, USD charged at posting, and tasks failed with a status code (tagged `code`).
 */
export const metrics = {
  calls: Metric.counter("dataforseo_task_post_calls_total", { description: "task_post calls sent" }),
  tasksPosted: Metric.counter("dataforseo_tasks_posted_total", { description: "tasks DataForSEO created" }),
  cost: Metric.counter("dataforseo_cost_usd_total", { description: "USD charged at posting" }),
  errors: Metric.counter("dataforseo_task_errors_total", { description: "tasks failed, by code" })
}

/**
 * The prefix of the tags the batcher sets itself, `dfs:<correlationKey>`. A caller's tag with it is refused
 * unless it is the very tag the batcher would set (`dfs:` and the task's own key, as in a recorded
 * intent's request): any other could be one of the batcher's own tags, and two submissions sharing a tag
 * in one POST, or in one id_list lookup, could take each other's task.
 */
export const ownTagPrefix = "dfs:"

/**
 * The options, checked: `runId` 1 to 200 characters, `budget` and the `prices` finite amounts of zero or
 * more, `maxAttempts` a whole number of at least 1. A `ConfigError` names the first option that is not: a
 * budget of `NaN` would let every task through.
 */
export const validateOptions = (options: Options): Either.Either<Options, ConfigError.ConfigError> =>
  checked(options, [
    [
      ["runId"],
      options.runId === undefined || (options.runId.length >= 1 && options.runId.length <= 200),
      "must be 1 to 200 characters (tags made from it must stay within the API's 255)"
    ],
    [["budget"], amount(options.budget), "must be an amount of USD, zero or more"],
    [
      ["maxAttempts"],
      options.maxAttempts === undefined || wholeAtLeast(1, options.maxAttempts),
      "must be a whole number, 1 or more"
    ],
    [["prices", "normal"], amount(options.prices?.normal), "must be an amount of USD, zero or more"],
    [["prices", "high"], amount(options.prices?.high), "must be an amount of USD, zero or more"],
    [["prices", "extraPageFactor"], amount(options.prices?.extraPageFactor), "must be a factor, zero or more"]
  ])

/** Builds the batcher; its packing fibers live as long as the scope. Options out of range are a `ConfigError`. */
export const make = (
  options: Options = {}
): Effect.Effect<
  Service,
  ConfigError.ConfigError | LedgerStoreError,
  Scope.Scope | DataForSeoConfig | DataForSeoClient | TaskLedger
> => internal.make(options)

/** The batcher as a layer: needs the client, its configuration and a ledger. */
export const layer = (
  options: Options = {}
): Layer.Layer<
  TaskBatcher,
  ConfigError.ConfigError | LedgerStoreError,
  DataForSeoClient | DataForSeoConfig | TaskLedger
> => Layer.scoped(TaskBatcher, make(options))

/**
 * The batcher with the account's own task_post prices for its budget (`Prices.fromAccount`: one free
 * `GET /v3/appendix/user_data` as the layer is built; `options.prices`, default `Prices.standard`, fills in
 * what user_data does not list). The layer fails if the prices cannot be read: a budget is never checked
 * against prices other than the ones asked for.
 */
export const layerAccountPrices = (
  options: Options = {}
): Layer.Layer<
  TaskBatcher,
  DataForSeoError | Prices.PricesUnavailableError | ConfigError.ConfigError | LedgerStoreError,
  DataForSeoClient | DataForSeoConfig | TaskLedger
> =>
  // the options first: a bad one is a ConfigError, without a call
  Layer.unwrapEffect(
    Effect.zipRight(
      validateOptions(options),
      Effect.map(Prices.fromAccount(options.prices), (prices) => layer({ ...options, prices }))
    )
  )
