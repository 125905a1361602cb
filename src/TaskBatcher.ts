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
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { DataForSeoClient, refusedAsWhole } from "./DataForSeoClient.js"
import { DataForSeoConfig, maxTasksPerPost } from "./DataForSeoConfig.js"
import {
  type DataForSeoError,
  DataForSeoErrorSchema,
  describe as describeError,
  InvalidTaskError,
  type StatusError
} from "./DataForSeoError.js"
import type { TaskJson, TaskSide } from "./Engine.js"
import * as Keyword from "./Keyword.js"
import { Lane } from "./internal/batcher/lane.js"
import { sameJson } from "./internal/batcher/sameJson.js"
import { amount, checked, wholeAtLeast } from "./config/Rules.js"
import * as Money from "./Money.js"
import * as Pacer from "./Pacer.js"
import * as Prices from "./Prices.js"
import { formatApiDateTime, IdListItem, type IdListRequest } from "./results/IdList.js"
import * as StatusCode from "./StatusCode.js"
import { canPostAgain, TaskLedger } from "./TaskLedger.js"
import type { IntentInput, LedgerError, LedgerStoreError, PostedInput } from "./TaskLedger.js"

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
  engine: Schema.String
})

/** @see PostedTask */
export interface PostedTask extends Schema.Schema.Type<typeof PostedTask> {}

/** The task was not posted: its estimated cost would take the run past its budget. */
export class BudgetExceededError extends Schema.TaggedError<BudgetExceededError>()("BudgetExceededError", {
  correlationKey: Schema.String,
  estimated: Schema.Number,
  committed: Schema.Number,
  budget: Schema.Number
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return `task ${this.correlationKey} would cost about $${this.estimated} with $${this.committed} of $${this.budget} committed`
  }
}

/**
 * Whether the task was created is unknown: its POST had no readable reply and the policy forbids a blind
 * re-post (or reconciliation could not settle it). The intent stays in the ledger's unknown intents.
 */
export class PostOutcomeUnknownError extends Schema.TaggedError<PostOutcomeUnknownError>()("PostOutcomeUnknownError", {
  correlationKey: Schema.String,
  tag: Schema.String,
  /** What made the outcome unknown, in words. */
  cause: Schema.String,
  /** The failure of the POST that made the outcome unknown, when one did (a `DecodeError` keeps its path). */
  reason: Schema.optional(DataForSeoErrorSchema),
  /**
   * Tasks the same POST created that could not be matched to their submissions (the reply echoed neither
   * their tag nor their request): one of them may be this task. They are billed; the batch is not posted again.
   */
  unmatched: Schema.optional(Schema.Array(Schema.Struct({ id: Schema.String, cost: Schema.Number })))
}) {
  get retryable(): boolean {
    return false
  }
  override get message(): string {
    return `outcome of task ${this.correlationKey} (tag ${this.tag}) is unknown: ${this.cause}`
  }
}

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
   * its group of tasks settles: not in the stream's order, so that a batch waiting for id_list holds back
   * nothing else. The stream is read in groups of `tasksPerPost` (a partial group after `window`), at most
   * `4 × (simultaneousRequests + 1)` groups being posted at once (and the stream's buffer of outcomes for a
   * consumer that lags, 16 groups): memory stays flat however long the stream runs.
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
}

/** Options of `submitAll`. */
export interface SubmitAllOptions<Task> {
  /** Each task's key, unique across runs (see `SubmitOptions.correlationKey`). */
  readonly correlationKey?: ((task: Task, index: number) => string) | undefined
}

/** Options of `submitStream`. */
export interface SubmitStreamOptions<Task> {
  /** Each task's key, unique across runs (see `SubmitOptions.correlationKey`): made from the task alone. */
  readonly correlationKey?: ((task: Task) => string) | undefined
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
const { calls: callsTotal, cost: costTotal, errors: errorsTotal, tasksPosted } = metrics

/**
 * The prefix of the tags the batcher sets itself, `dfs:<correlationKey>`. A caller's tag with it is refused
 * unless it is the very tag the batcher would set (`dfs:` and the task's own key, as in a recorded
 * intent's request): any other could be one of the batcher's own tags, and two submissions sharing a tag
 * in one POST, or in one id_list lookup, could take each other's task.
 */
export const ownTagPrefix = "dfs:"

/** One outcome, as the batcher hands it back. */
type Done = (exit: Exit.Exit<PostedTask, SubmitError>) => void

/** A task admitted and not yet resolved; also its ledger intent, as it is (no copy per task). */
interface Pending extends IntentInput {
  /** The task's JSON, exactly as sent. */
  readonly request: TaskJson
  readonly tag: string
  /**
   * Whether the tag may repeat: a caller's tag, or one made from a caller's key. Only such tags are tracked
   * in `busy`; a tag made from the batcher's own sequence is unique.
   */
  readonly tracked: boolean
  /** What the task is estimated to cost, reserved against the budget until its outcome is known. */
  readonly estimate: Money.Micros
  /** Called once, with the task's outcome: completing a fiber per task would cost more than the work. */
  readonly done: Done
}

type Outcome = Either.Either<PostedTask, SubmitError>

/** What a `PostOutcomeUnknownError` carries beside its cause in words. */
type Unknown = Pick<PostOutcomeUnknownError, "reason" | "unmatched">

/** A task DataForSEO created for a submission: also its ledger entry, as it is (no copy per task). */
interface Created extends PostedInput {
  readonly pending: Pending
}

// How a failed POST leaves the batch: refused as a whole and worth resending, refused for good, or unknown.
const classifyFailure = (error: DataForSeoError): "resend" | "refused" | "unknown" => {
  if (refusedAsWhole(error)) return "resend"
  switch (error._tag) {
    case "TransportError":
    case "TimeoutError":
    case "DecodeError":
    case "ServerError": // HTTP 5xx: the server may have acted before failing
      return "unknown"
    default:
      return "refused"
  }
}

/**
 * Where the unmatched submission tagged `tag` is in `batch` (-1 if none). Replies have so far listed tasks
 * in the order sent, so the submission at `hint` (the task's position in the reply) is tried first: a
 * reply in the same order costs one string comparison per task, and any other order is still matched
 * by tag alone. (Tags of one batch are unique.)
 */
const findTag = (batch: ReadonlyArray<Pending | undefined>, tag: string, hint: number): number =>
  batch[hint]?.tag === tag ? hint : batch.findIndex((p) => p?.tag === tag)

/** Whether `echoed`, a keyword in a reply's `data`, is `sent`: as sent, or as the API decodes it. */
const sameKeyword = (sent: unknown, echoed: unknown): boolean =>
  sent === echoed || (typeof sent === "string" && echoed === Keyword.searchText(Keyword.fromWire(sent)))

/**
 * Whether a reply's `data` echoes `request`: every field sent is there with the value sent (the API adds
 * `api`, `function`, `se`, `se_type` and defaults such as `device`; the tag is left aside).
 */
const echoes = (data: TaskJson, request: TaskJson): boolean => {
  for (const key in request) {
    const sent = request[key]
    if (key === "tag" || sent === undefined) continue
    if (!(key === "keyword" ? sameKeyword(sent, data[key]) : sameJson(sent, data[key]))) return false
  }
  return true
}

/**
 * The unmatched submission a reply's task belongs to (-1 if none): by the tag it echoes, or, when it echoes
 * none, by the request it echoes in `data`. Submissions that differ only in their tags are interchangeable.
 */
const findSubmission = (batch: ReadonlyArray<Pending | undefined>, data: TaskJson | null | undefined, hint: number): number => {
  const tag = data?.["tag"]
  if (typeof tag === "string") return findTag(batch, tag, hint)
  if (data === null || data === undefined) return -1
  return batch[hint] !== undefined && echoes(data, batch[hint].request) ? hint : batch.findIndex((p) => p !== undefined && echoes(data, p.request))
}

/**
 * The options, checked: `runId` 1 to 200 characters, `budget` and the `prices` finite amounts of zero or
 * more, `maxAttempts` a whole number of at least 1. A `ConfigError` names the first option that is not: a
 * budget of `NaN` would let every task through.
 */
export const validateOptions = (options: Options): Either.Either<Options, ConfigError.ConfigError> =>
  checked(options, [
    [["runId"], options.runId === undefined || (options.runId.length >= 1 && options.runId.length <= 200), "must be 1 to 200 characters (tags made from it must stay within the API's 255)"],
    [["budget"], amount(options.budget), "must be an amount of USD, zero or more"],
    [["maxAttempts"], options.maxAttempts === undefined || wholeAtLeast(1, options.maxAttempts), "must be a whole number, 1 or more"],
    [["prices", "normal"], amount(options.prices?.normal), "must be an amount of USD, zero or more"],
    [["prices", "high"], amount(options.prices?.high), "must be an amount of USD, zero or more"],
    [["prices", "extraPageFactor"], amount(options.prices?.extraPageFactor), "must be a factor, zero or more"]
  ])

/** Builds the batcher; its packing fibers live as long as the scope. Options out of range are a `ConfigError`. */
export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    yield* validateOptions(options)
    const settings = yield* DataForSeoConfig
    const client = yield* DataForSeoClient
    const ledger = yield* TaskLedger
    const runId = options.runId ?? `run-${(yield* Clock.currentTimeMillis).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    // Keys the batcher makes itself are `<runId>:<instance>:<n>`: unique to this batcher even when another
    // one, maybe in an earlier process, used the same run id on the same ledger (a key already recorded
    // would have its new task refused by the ledger after the POST billed it)
    const keyPrefix = `${runId}:${Math.random().toString(36).slice(2, 10).padEnd(8, "0")}:`
    const window = Duration.decode(options.window ?? Duration.millis(50))
    const policy = options.policy ?? "reconcile"
    const prices = options.prices ?? Prices.standard
    const settleDelay = Duration.decode(options.settleDelay ?? Duration.seconds(10))
    const maxAttempts = options.maxAttempts ?? 5
    const backoff = Duration.decode(options.backoff ?? Duration.seconds(1))
    // validated by DataForSeoConfig, and bounded here too: a POST of more would be refused with 40006
    const maxTasks = Math.min(settings.limits.tasksPerPost, maxTasksPerPost)
    const pacer = yield* Pacer.make({
      limit: settings.limits.taskPostPerMinute,
      window: settings.limits.window,
      spread: options.spread ?? true
    })
    const inFlight = yield* Effect.makeSemaphore(settings.limits.simultaneousRequests)
    const scope = yield* Effect.scope
    /**
     * When this batcher started, or later met a POST of unknown outcome: every POST of an intent still
     * without outcome (from an earlier process, or given up on here) was sent before then.
     */
    let lastUnknownAt = yield* Clock.currentTimeMillis
    const markUnknown = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        lastUnknownAt = Math.max(lastUnknownAt, now)
      })
    )
    let sequence = 0
    const budget = options.budget === undefined ? undefined : Money.fromUsd(options.budget)
    // what the ledger already holds for the run counts: a restarted job does not spend its budget twice
    // in whole micro-dollars, so that a long run's sums stay exact
    let spent = Money.fromUsd((yield* ledger.costByRun(runId)).cost)
    let reserved = Money.zero

    // --- outcomes: ledger first, then the caller -------------------------------------------------

    const release = (pending: Pending, charged: number) => {
      reserved = Money.subtract(reserved, pending.estimate)
      spent = Money.add(spent, Money.fromUsd(charged))
    }

    /** Hands a task its outcome, and frees its tag. */
    const resolve = (pending: Pending, exit: Exit.Exit<PostedTask, SubmitError>): void => {
      pending.done(exit)
      if (pending.tracked) freeTag(pending.tag)
    }

    /** Hands every task of `batch` the same failure. */
    const failAll = (batch: ReadonlyArray<Pending>, error: (pending: Pending) => SubmitError) =>
      Effect.sync(() => {
        for (const pending of batch) resolve(pending, Exit.fail(error(pending)))
      })

    /** Interrupts the callers of `batch`: the batcher closed before their tasks' outcomes were known. */
    const interruptAll = (batch: Iterable<Pending>): void => {
      for (const pending of batch) resolve(pending, Exit.interrupt(FiberId.none))
    }

    /** Records posted tasks and task-level failures durably, then tells their callers. */
    const settle = (
      engine: string,
      posted: ReadonlyArray<Created>,
      failed: ReadonlyArray<readonly [Pending, StatusError, { billed: boolean; cost: number }]>
    ) =>
      Effect.gen(function* () {
        if (posted.length > 0) yield* ledger.recordPosted(posted)
        if (failed.length > 0) {
          yield* ledger.recordFailed(
            failed.map(([p, error, billing]) => ({
              correlationKey: p.correlationKey,
              code: error.code,
              message: error.message,
              billed: billing.billed,
              // the id of a task refused at posting names nothing that can be fetched: kept for billed ones
              ...(billing.billed && error.taskId !== undefined ? { taskId: error.taskId, cost: billing.cost } : {})
            }))
          )
        }
        let charged = Money.zero
        for (const task of posted) {
          release(task.pending, task.cost)
          charged = Money.add(charged, Money.fromUsd(task.cost))
        }
        for (const [p, , billing] of failed) release(p, billing.billed ? billing.cost : 0)
        yield* Metric.incrementBy(tasksPosted, posted.length)
        yield* Metric.incrementBy(costTotal, Money.toUsd(charged))
        yield* Effect.forEach(failed, ([, error]) => Metric.increment(Metric.tagged(errorsTotal, "code", String(error.code))), {
          discard: true
        })
        for (const { correlationKey, cost, pending, taskId } of posted) {
          resolve(pending, Exit.succeed({ id: taskId, cost, tag: pending.tag, correlationKey, engine }))
        }
        for (const [p, error] of failed) resolve(p, Exit.fail(error))
      })

    /** Fails tasks whose POST created nothing. */
    const refuse = (batch: ReadonlyArray<Pending>, error: DataForSeoError) =>
      Effect.gen(function* () {
        const code = "code" in error ? error.code : 0
        yield* ledger.recordFailed(batch.map((p) => ({ correlationKey: p.correlationKey, code, message: error.message, billed: false })))
        for (const p of batch) release(p, 0)
        yield* Metric.incrementBy(Metric.tagged(errorsTotal, "code", String(code)), batch.length)
        yield* failAll(batch, () => error)
      })

    /** Gives up on tasks whose creation is unknown: they stay intents in the ledger. */
    const abandon = (batch: ReadonlyArray<Pending>, cause: string, detail: Unknown = {}) =>
      Effect.gen(function* () {
        for (const p of batch) release(p, 0)
        yield* failAll(batch, (p) => new PostOutcomeUnknownError({ correlationKey: p.correlationKey, tag: p.tag, cause, ...detail }))
      })

    // --- reconciliation through id_list ----------------------------------------------------------

    /** Tasks of the account posted from `since` to `until` (default: now), by id_list with metadata, grouped by tag. */
    const postedSince = (since: number, until?: number) =>
      Effect.gen(function* () {
        const to = until ?? (yield* Clock.currentTimeMillis)
        const found = new Map<string, Array<{ id: string; cost: number }>>()
        for (let offset = 0; ; offset += 1000) {
          const request: IdListRequest = {
            datetime_from: formatApiDateTime(new Date(since - 60_000)),
            datetime_to: formatApiDateTime(new Date(to + 60_000)),
            limit: 1000,
            offset,
            sort: "asc",
            include_metadata: true
          }
          const reply = yield* client.post("/v3/serp/id_list", [request], IdListItem, { retry: "transient" })
          const items = reply.tasks[0]?.result ?? []
          for (const item of items) {
            const tag = item.metadata?.["tag"]
            if (typeof tag !== "string") continue
            const listed = found.get(tag) ?? []
            listed.push({ id: item.id, cost: item.cost ?? 0 })
            found.set(tag, listed)
          }
          if (items.length < 1000) return found
        }
      })

    /** How long an id_list pass waits for other reconciliations to join it: a second more on top of `settleDelay`. */
    const passGathering = Duration.seconds(1)

    /** The tasks an id_list pass found, by tag. */
    type Listed = ReadonlyMap<string, ReadonlyArray<{ id: string; cost: number }>>

    /** An id_list pass and the reconciliations waiting for its answer; `since` can still move back until it starts. */
    interface Pass {
      since: number
      readonly found: Deferred.Deferred<Listed, DataForSeoError>
    }
    let gathering: Pass | undefined
    let previousPass: Effect.Effect<void> = Effect.void

    /**
     * `postedSince`, shared. A pass pages through every task the account posted in its window, so one pass
     * per batch of unknown outcome would multiply id_list calls when faults come in bursts. Instead, at most
     * one pass runs at a time, and a pass starts `passGathering` after the first ask (and once the running
     * one has ended): every reconciliation that asks meanwhile joins it, and it answers them all from the
     * earliest `since` among them.
     */
    const listedSince = (since: number): Effect.Effect<Listed, DataForSeoError> =>
      // a pass is made and forked in one uninterruptible step: a pass made and never run would hold every
      // later reconciliation for ever
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const joined = gathering
          if (joined !== undefined) {
            joined.since = Math.min(joined.since, since)
            return restore(Deferred.await(joined.found))
          }
          const pass: Pass = { since, found: Deferred.unsafeMake(FiberId.none) }
          const ended = Deferred.unsafeMake<void>(FiberId.none)
          const after = previousPass
          gathering = pass
          previousPass = Deferred.await(ended)
          const run = after.pipe(
            Effect.zipRight(Effect.sleep(passGathering)), // the other batches of a burst of faults join it meanwhile
            Effect.zipRight(
              Effect.suspend(() => {
                gathering = undefined
                return postedSince(pass.since)
              })
            ),
            Effect.onExit((exit) =>
              Effect.suspend(() => {
                if (gathering === pass) gathering = undefined // interrupted before it started
                return Deferred.done(pass.found, exit)
              })
            ),
            Effect.ensuring(Deferred.done(ended, Exit.void))
          )
          // the pass runs in the batcher's scope (interruptible, as the scope must be able to close): a caller
          // interrupted meanwhile does not leave the others waiting
          return Effect.zipRight(Effect.forkIn(Effect.interruptible(run), scope), restore(Deferred.await(pass.found)))
        })
      )

    /**
     * The last id_list pass made for resumed keys: the tasks posted from `since` to `until`, when it last
     * served. It may list every task of a busy account's window: `forgetPass` drops it once a minute has
     * passed without a resume, rather than the batcher holding it for ever.
     */
    let resumePass: { readonly since: number; readonly until: number; readonly found: Listed; usedAt: number } | undefined
    const passKeptFor = Duration.toMillis(Duration.minutes(1))
    let forgetting = false
    const forgetPass = Effect.gen(function* () {
      for (;;) {
        const wait = resumePass === undefined ? 0 : resumePass.usedAt + passKeptFor - (yield* Clock.currentTimeMillis)
        if (wait <= 0) break
        yield* Effect.sleep(Duration.millis(wait))
      }
      resumePass = undefined
      forgetting = false
    })
    const resumeLock = yield* Effect.makeSemaphore(1)

    /**
     * id_list for a resumed key whose intent (recorded at `intentAt`) has no known outcome. That intent may
     * come from a process that crashed mid-POST, or from a batch this batcher gave up on: either way its
     * POSTs were sent before `lastUnknownAt`, so the pass lists the tasks posted up to then, once
     * `settleDelay` has passed since (id_list has had the time to list them). One pass serves every resumed
     * key it covers (keys are resumed one after the other, so resuming thousands pages through id_list once,
     * not once per key); a key whose intent is older than the pass, or an unknown outcome met since, makes a
     * new one.
     */
    const listedForResume = (intentAt: number): Effect.Effect<Listed, DataForSeoError> =>
      resumeLock.withPermits(1)(
        Effect.gen(function* () {
          for (;;) {
            const until = lastUnknownAt
            const now = yield* Clock.currentTimeMillis
            const wait = until + Duration.toMillis(settleDelay) - now
            if (wait > 0) {
              yield* Effect.sleep(Duration.millis(wait))
              continue // an unknown outcome may have come meanwhile
            }
            if (resumePass !== undefined && resumePass.since <= intentAt && resumePass.until >= until) {
              resumePass.usedAt = now
              return resumePass.found
            }
            const since = Math.min(intentAt, resumePass?.since ?? intentAt)
            const found = yield* postedSince(since, until)
            resumePass = { since, until, found, usedAt: yield* Clock.currentTimeMillis }
            if (!forgetting) {
              forgetting = true
              yield* Effect.forkIn(forgetPass, scope)
            }
            return found
          }
        })
      )

    /**
     * The task id_list lists for a tag that no other submission holds. A caller's tag may repeat, but two
     * submissions sharing one are never unresolved at once (see `busy`), so the one task of that tag the
     * ledger does not already give to another key is this submission's.
     */
    const claim = (found: Listed, tag: string) =>
      Effect.filter(found.get(tag) ?? [], (task) => Effect.map(ledger.byTaskId(task.id), Option.isNone)).pipe(
        Effect.map((free) => Option.fromNullable(free[free.length - 1]))
      )

    // --- sending -------------------------------------------------------------------------------------

    const send = <Task>(engine: TaskSide<Task>, batch: ReadonlyArray<Pending>, attempt: number): Effect.Effect<void, LedgerError> =>
      Effect.gen(function* () {
        const sentAt = yield* Clock.currentTimeMillis
        yield* Metric.increment(callsTotal)
        // the client's span is the POST's span: one span a POST, named for the batcher
        const reply = yield* Effect.either(
          client.post(engine.paths.taskPost, batch.map((p) => p.request), Schema.Unknown, {
            retry: "none",
            pacer,
            span: {
              name: "TaskBatcher.post",
              attributes: { "dataforseo.engine": engine.name, "dataforseo.tasks": batch.length, "dataforseo.attempt": attempt }
            }
          })
        )
        if (Either.isRight(reply)) {
          const unmatched: Array<Pending | undefined> = batch.slice()
          const posted: Array<Created> = []
          const failed: Array<readonly [Pending, StatusError, { billed: boolean; cost: number }]> = []
          const strays: Array<{ readonly id: string; readonly cost: number }> = []
          let position = 0
          for (const task of reply.right.tasks) {
            const index = findSubmission(unmatched, task.data, position++)
            const pending = unmatched[index]
            if (pending === undefined) {
              yield* Effect.logWarning("task_post returned a task that matches no submission").pipe(
                Effect.annotateLogs({ taskId: task.id, code: task.status_code, cost: task.cost })
              )
              if (task.status_code === 20100 || task.cost > 0) strays.push({ id: task.id, cost: task.cost })
              continue
            }
            unmatched[index] = undefined
            if (task.status_code === 20100) {
              posted.push({ correlationKey: pending.correlationKey, taskId: task.id, cost: task.cost, pending })
            } else {
              const info = StatusCode.classify(task.status_code)
              if (task.status_code === 40006) {
                yield* Effect.logError("40006: a POST carried more than 100 tasks; this is a bug of the batcher")
              }
              failed.push([
                pending,
                StatusCode.toError(task.status_code, task.status_message, { taskId: task.id }),
                { billed: info.billed === true || task.cost > 0, cost: task.cost }
              ])
            }
          }
          yield* settle(engine.name, posted, failed)
          // A submission the reply does not mention: whether it was created is unknown.
          const missing = unmatched.filter((p) => p !== undefined)
          if (missing.length === 0) return
          // created tasks the reply does not tie to a submission are billed: posting the rest again could bill them twice
          if (strays.length > 0) {
            yield* markUnknown
            return yield* abandon(missing, `the task_post reply created ${strays.length} task(s) it did not tie to a submission`, {
              unmatched: strays
            })
          }
          return yield* unknown(engine, missing, attempt, sentAt, { cause: "missing from the task_post reply" })
        }
        const error = reply.left
        switch (classifyFailure(error)) {
          case "refused":
            return yield* refuse(batch, error)
          case "resend": {
            // a 40202: the account allows fewer calls than the pace sends, so the pace of every engine slows down
            if (error._tag === "RateLimitError" && error.code === 40202) yield* slowDown(engine)
            if (attempt >= maxAttempts) return yield* refuse(batch, error)
            yield* Effect.sleep(Duration.times(backoff, 2 ** (attempt - 1)))
            return yield* send(engine, batch, attempt + 1)
          }
          case "unknown":
            return yield* unknown(engine, batch, attempt, sentAt, { cause: describeError(error), reason: error })
        }
      })

    /**
     * Slows the pace of every engine after a 40202: the account allows fewer calls than configured (another
     * client uses some, or its real limit is lower).
     */
    const slowDown = <Task>(engine: TaskSide<Task>) =>
      Effect.gen(function* () {
        const before = yield* pacer.currentLimit
        const after = yield* pacer.rateLimited
        if (after < before) {
          yield* Effect.logWarning("task_post rate limited (40202): pacing slowed").pipe(
            Effect.annotateLogs({ engine: engine.name, limit: after, window: Duration.format(pacer.window) })
          )
        }
      })

    const unknown = <Task>(
      engine: TaskSide<Task>,
      batch: ReadonlyArray<Pending>,
      attempt: number,
      sentAt: number,
      { cause, reason }: { readonly cause: string; readonly reason?: DataForSeoError }
    ): Effect.Effect<void, LedgerError> =>
      Effect.gen(function* () {
        yield* markUnknown
        yield* Effect.logWarning("task_post outcome unknown").pipe(
          Effect.annotateLogs({ engine: engine.name, tasks: batch.length, attempt, cause, policy })
        )
        const detail = reason === undefined ? {} : { reason }
        if (policy === "at-most-once") return yield* abandon(batch, cause, detail)
        if (attempt >= maxAttempts) return yield* abandon(batch, `${cause} (after ${attempt} attempts)`, detail)
        if (policy === "at-least-once") return yield* send(engine, batch, attempt + 1)
        yield* Effect.sleep(settleDelay)
        const found = yield* Effect.either(listedSince(sentAt))
        if (Either.isLeft(found)) return yield* abandon(batch, `${cause}; id_list failed: ${describeError(found.left)}`, detail)
        const posted: Array<Created> = []
        const missing: Array<Pending> = []
        for (const pending of batch) {
          const task = yield* claim(found.right, pending.tag)
          if (Option.isSome(task)) {
            posted.push({ correlationKey: pending.correlationKey, taskId: task.value.id, cost: task.value.cost, pending })
          } else missing.push(pending)
        }
        yield* settle(engine.name, posted, [])
        if (missing.length > 0) yield* send(engine, missing, attempt + 1)
      })

    /** Runs a batch to its end; whatever happens, every caller of the batch gets an outcome. */
    const run = <Task>(engine: TaskSide<Task>, batch: ReadonlyArray<Pending>) =>
      ledger
        .recordIntents(batch)
        .pipe(
          Effect.zipRight(send(engine, batch, 1)),
          // a batch cut short (a ledger failure, a defect) may have created tasks whose ids are not recorded
          Effect.catchAll((error) => Effect.zipRight(markUnknown, failAll(batch, () => error))),
          Effect.onExit((exit) =>
            Exit.isSuccess(exit)
              ? Effect.void
              : Effect.zipRight(
                markUnknown,
                Effect.sync(() => {
                  for (const p of batch) resolve(p, Exit.failCause(exit.cause))
                })
              )
          )
        )

    // --- packing ---------------------------------------------------------------------------------------

    const lanes = new Map<string, Lane<Pending>>()
    /** Tags of the tasks packed and not yet resolved. A task whose tag is busy waits, so replies and id_list stay unambiguous. */
    const busy = new Set<string>()

    const freeTag = (tag: string): void => {
      busy.delete(tag)
      for (const lane of lanes.values()) {
        const index = lane.held.findIndex((p) => p.tag === tag)
        const [next] = index >= 0 ? lane.held.splice(index, 1) : []
        if (next !== undefined) {
          // back to the lane, so that a packer waiting for work sees it
          lane.offer(next)
          return
        }
      }
    }

    const packer = <Task>(engine: TaskSide<Task>, lane: Lane<Pending>) => {
      /** Fills `batch` from the lane: at once when full, after the window when partial. */
      const fill = (batch: Array<Pending>) =>
        Effect.gen(function* () {
          const add = (items: Iterable<Pending>) => {
            for (const p of items) {
              if (batch.length < maxTasks && !(p.tracked && busy.has(p.tag))) {
                batch.push(p)
                if (p.tracked) busy.add(p.tag)
              } else lane.held.push(p)
            }
          }
          add(lane.held.splice(0))
          while (batch.length === 0) {
            yield* lane.ready
            add(lane.take(maxTasks))
          }
          if (batch.length < maxTasks) {
            yield* Effect.sleep(window)
            add(lane.take(maxTasks - batch.length))
          }
        })
      // Once it has its request slot, a batch is handed to its own fiber, which owns it from then on.
      // Until then it is the packer's: interrupted (the batcher closing), it interrupts the batch's callers,
      // who would otherwise wait for ever. A fiber forked into a scope already closing is interrupted before
      // it starts, so its own clean-up never runs: then its batch's callers are interrupted here too (its
      // request slot is not given back, which no longer matters once the batcher is closed).
      const nextBatch = Effect.suspend(() => {
        const batch: Array<Pending> = []
        let handedOver = false
        let started = false
        const job = Effect.suspend(() => {
          started = true
          return run(engine, batch)
        }).pipe(Effect.ensuring(inFlight.release(1)))
        return Effect.uninterruptibleMask((restore) =>
          restore(Effect.zipRight(fill(batch), inFlight.take(1))).pipe(
            Effect.zipRight(Effect.forkIn(Effect.interruptible(job), scope)),
            Effect.map((fiber) => {
              handedOver = true
              fiber.addObserver(() => {
                if (!started) interruptAll(batch)
              })
            })
          )
        ).pipe(Effect.onInterrupt(() => Effect.sync(() => (handedOver ? undefined : interruptAll(batch)))))
      })
      return Effect.forever(nextBatch)
    }

    /** Set as the batcher's scope closes: from then on no task is queued, and no packer started. */
    let closed = false

    // a lane without its packer would hold its tasks for ever: both are made, or neither
    const laneFor = <Task>(engine: TaskSide<Task>): Effect.Effect<Lane<Pending>> =>
      Effect.uninterruptible(
        Effect.suspend(() => {
          const existing = lanes.get(engine.name)
          if (existing !== undefined) return Effect.succeed(existing)
          const lane = new Lane<Pending>()
          lanes.set(engine.name, lane)
          // forked from an uninterruptible region, the packer must be made interruptible again, or closing
          // the batcher's scope would wait for it for ever
          return Effect.as(Effect.forkIn(Effect.interruptible(packer(engine, lane)), scope), lane)
        })
      )

    /** Queues admitted tasks on their engine's lane; once the batcher is closed, interrupts their callers instead. */
    const enqueue = <Task>(engine: TaskSide<Task>, pendings: ReadonlyArray<Pending>): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (closed) {
          interruptAll(pendings)
          return Effect.void
        }
        return Effect.map(laneFor(engine), (lane) => lane.offerAll(pendings))
      })

    // Callers still waiting when the batcher closes are interrupted rather than left hanging.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        for (const lane of lanes.values()) interruptAll(lane.drain())
      })
    )

    // --- submit ------------------------------------------------------------------------------------------

    /**
     * The outcome the ledger holds for a caller's key, if the task went that far: posted tasks and billed
     * failures are returned as recorded; a failure that cost nothing and created no task is not an outcome
     * (the task, `request` now, is posted); an intent whose POST outcome is unknown is looked up in id_list
     * first. Other than a task never created, the key must name the same task (`request`, as it would be sent now).
     */
    const recorded = (key: string, engine: string, request: TaskJson) =>
      Effect.gen(function* () {
        const entry = yield* ledger.byCorrelationKey(key)
        if (Option.isNone(entry)) return Option.none<Outcome>()
        const e = entry.value
        // a task never created: the key is free for this one, whatever the other was (a fixed option, say)
        if (canPostAgain(e)) return Option.none<Outcome>()
        const other = otherTask(e, engine, request)
        if (other !== undefined) return Option.some<Outcome>(Either.left(other))
        const tag = e.tag ?? ownTagPrefix + key
        if (e.state === "failed") {
          const failure = e.failure ?? { code: 0, message: "failed" }
          return Option.some<Outcome>(Either.left(StatusCode.toError(failure.code, failure.message, { taskId: e.taskId })))
        }
        if (e.taskId !== undefined) {
          return Option.some<Outcome>(Either.right({ id: e.taskId, cost: e.cost ?? 0, tag, correlationKey: key, engine }))
        }
        const found = yield* claim(yield* listedForResume(e.intentAt), tag)
        if (Option.isNone(found)) return Option.none<Outcome>()
        yield* ledger.recordPosted([{ correlationKey: key, taskId: found.value.id, cost: found.value.cost }])
        return Option.some<Outcome>(Either.right({ ...found.value, tag, correlationKey: key, engine }))
      })

    /**
     * A task as it will be sent: encoded (every documented rule checked), its key and its tag set (the
     * caller's, or `dfs:<key>`), its cost estimated, its outcome to go to `done`. A caller's tag in the
     * batcher's own form is refused. Synchronous, as `reserve`: bulk submits pay no effect per task.
     */
    const prepare = <Task>(engine: TaskSide<Task>, task: Task, key: string | undefined, done: Done): Pending | InvalidTaskError => {
      const encoded = engine.encodeTask(task)
      if (Either.isLeft(encoded)) return encoded.left
      const correlationKey = key ?? `${keyPrefix}${++sequence}`
      const given = encoded.right["tag"]
      const own = ownTagPrefix + correlationKey
      if (typeof given === "string" && given.startsWith(ownTagPrefix) && given !== own) {
        return new InvalidTaskError({ field: "tag", rule: `starts with "${ownTagPrefix}", which is kept for the tags the batcher sets itself` })
      }
      const tag = typeof given === "string" ? given : own
      // Object.assign, not a spread: V8 gives a spread copy a map on which every read of an absent field
      // (Prices.estimate reads three) is about fifteen times slower
      const json: TaskJson = typeof given === "string" ? encoded.right : Object.assign({}, encoded.right, { tag })
      const estimate = Money.fromUsd(Prices.estimate(engine, task, json, prices))
      const tracked = typeof given === "string" || key !== undefined
      return { request: json, correlationKey, runId, engine: engine.name, tag, tracked, estimate, done }
    }

    /** Checks a prepared task against the budget: a refusal goes to its `done`; a task within it is returned, to be queued. */
    const reserve = (pending: Pending): Pending | undefined => {
      const committed = Money.add(spent, reserved)
      if (budget !== undefined && Money.add(committed, pending.estimate) > budget) {
        pending.done(Exit.fail(new BudgetExceededError({
          correlationKey: pending.correlationKey,
          estimated: Money.toUsd(pending.estimate),
          committed: Money.toUsd(committed),
          budget: Money.toUsd(budget)
        })))
        return undefined
      }
      reserved = Money.add(reserved, pending.estimate)
      return pending
    }

    /** A task of the batcher's own key (the caller gave none): `prepare`, then `reserve`. */
    const admitNew = <Task>(engine: TaskSide<Task>, task: Task, done: Done): Pending | undefined => {
      const pending = prepare(engine, task, undefined, done)
      if (!(pending instanceof InvalidTaskError)) return reserve(pending)
      done(Exit.fail(pending))
      return undefined
    }

    /**
     * Callers' keys being admitted or posted (with the engine and request of the task they name), with the
     * later submissions of the same key waiting for its outcome: a key is never looked up, nor posted, twice
     * at once (that would be a second, billed, task).
     */
    const keyWaiters = new Map<string, { readonly engine: string; readonly request: TaskJson; readonly waiters: Array<Done> }>()

    const settleKey = (key: string, exit: Exit.Exit<PostedTask, SubmitError>): void => {
      const waiting = keyWaiters.get(key)
      keyWaiters.delete(key)
      for (const done of waiting?.waiters ?? []) done(exit)
    }

    /**
     * A key names one task: submitted with another (another engine's, another keyword or option), it is
     * refused, never answered with the first task's outcome.
     */
    const otherTask = (first: { readonly engine: string; readonly request: object }, engine: string, request: TaskJson) =>
      first.engine !== engine
        ? new InvalidTaskError({ field: "correlationKey", rule: `is already recorded for a ${first.engine} task` })
        : sameJson(first.request, request)
        ? undefined
        : new InvalidTaskError({ field: "correlationKey", rule: "is already recorded for another task (its request differs)" })

    /** `admitNew`, after the ledger for a caller's key: a key it already holds gets its recorded outcome, not a new POST. */
    const admit = <Task>(engine: TaskSide<Task>, task: Task, key: string | undefined, done: Done) =>
      key === undefined
        ? Effect.sync(() => admitNew(engine, task, done))
        : Effect.suspend(() => {
            const doneKey: Done = (exit) => {
              done(exit)
              settleKey(key, exit)
            }
            const pending = prepare(engine, task, key, doneKey)
            if (pending instanceof InvalidTaskError) {
              done(Exit.fail(pending))
              return Effect.succeed(undefined)
            }
            const waiting = keyWaiters.get(key)
            if (waiting !== undefined) {
              const other = otherTask(waiting, engine.name, pending.request)
              if (other === undefined) waiting.waiters.push(done)
              else done(Exit.fail(other))
              return Effect.succeed(undefined)
            }
            keyWaiters.set(key, { engine: engine.name, request: pending.request, waiters: [] })
            return Effect.map(Effect.either(recorded(key, engine.name, pending.request)), (previous) => {
              if (Either.isLeft(previous)) return doneKey(Exit.fail(previous.left))
              if (Option.isNone(previous.right)) return reserve(pending)
              const outcome = previous.right.value
              return doneKey(Either.isRight(outcome) ? Exit.succeed(outcome.right) : Exit.fail(outcome.left))
            }).pipe(Effect.onExit((exit) => (Exit.isFailure(exit) ? Effect.sync(() => settleKey(key, Exit.failCause(exit.cause))) : Effect.void)))
          })

    const submit = <Task>(engine: TaskSide<Task>, task: Task, submitOptions: SubmitOptions = {}) =>
      Effect.gen(function* () {
        const outcome = yield* Deferred.make<PostedTask, SubmitError>()
        const pending = yield* admit(engine, task, submitOptions.correlationKey, (exit) => Deferred.unsafeDone(outcome, exit))
        if (pending !== undefined) yield* enqueue(engine, [pending])
        return yield* Deferred.await(outcome)
      })

    /**
     * How many tasks of one `submitAll` may be admitted and unresolved at once: enough to fill every
     * simultaneous request and one batch more. The rest of the caller's iterable is read as tasks go out
     * (once half the window is resolved, in one go), so a million tasks cost the memory of their outcomes,
     * not of a million tasks waiting to be posted.
     */
    const admissionWindow = maxTasks * (settings.limits.simultaneousRequests + 1)

    const submitAll = <Task>(engine: TaskSide<Task>, tasks: Iterable<Task>, submitOptions: SubmitAllOptions<Task> = {}) =>
      Effect.gen(function* () {
        const keyOf = submitOptions.correlationKey
        const iterator = tasks[Symbol.iterator]()
        // each outcome is kept as it comes, not its Exit: a million tasks hold a million outcomes, once
        const outcomes: Array<Outcome> = []
        /** A defect or an interruption of a task (the one of the lowest index): the whole call's. */
        let fatal: { readonly index: number; readonly cause: Cause.Cause<never> } | undefined
        let reading = true
        let unresolved = 0
        let wake: Deferred.Deferred<void> | undefined
        const allDone = yield* Deferred.make<void>()
        const doneAt = (index: number): Done => (exit) => {
          if (Exit.isSuccess(exit)) outcomes[index] = Either.right(exit.value)
          else {
            const failure = Cause.failureOrCause(exit.cause)
            if (Either.isLeft(failure)) outcomes[index] = Either.left(failure.left)
            else if (fatal === undefined || index < fatal.index) fatal = { index, cause: failure.right }
          }
          unresolved--
          if (wake !== undefined && unresolved <= admissionWindow / 2) {
            Deferred.unsafeDone(wake, Exit.void)
            wake = undefined
          }
          if (!reading && unresolved === 0) Deferred.unsafeDone(allDone, Exit.void)
        }
        const read = (count: number): Array<Task> => {
          const chunk: Array<Task> = []
          while (chunk.length < count) {
            const next = iterator.next()
            if (next.done === true) {
              reading = false
              break
            }
            chunk.push(next.value)
          }
          return chunk
        }
        while (reading) {
          // closed meanwhile: its tasks were interrupted, and the rest of the iterable (maybe endless) is not read
          if (closed) return yield* Effect.interrupt
          if (admissionWindow - unresolved < maxTasks) {
            // made and awaited in one step: no outcome can come in between unheard
            const signal = Deferred.unsafeMake<void>(FiberId.none)
            wake = signal
            yield* Deferred.await(signal)
          }
          const first = outcomes.length
          const room = admissionWindow - unresolved
          const chunk = read(room - (room % maxTasks)) // whole batches: none waits for the rest of a batch
          outcomes.length = first + chunk.length
          unresolved += chunk.length
          const admitted =
            keyOf === undefined
              ? chunk.map((task, i) => admitNew(engine, task, doneAt(first + i)))
              : yield* Effect.forEach(chunk, (task, i) => admit(engine, task, keyOf(task, first + i), doneAt(first + i)))
          const pendings = admitted.filter((pending) => pending !== undefined)
          yield* enqueue(engine, pendings)
        }
        if (unresolved > 0) yield* Deferred.await(allDone)
        if (fatal !== undefined) return yield* Effect.failCause(fatal.cause)
        for (let i = 0; i < outcomes.length; i++) {
          if (outcomes[i] === undefined) return yield* Effect.dieMessage(`submitAll: task ${i} has no outcome`)
        }
        return outcomes
      })

    /**
     * Groups of a `submitStream` in hand at once: four times what fills every request slot, so that groups
     * waiting for id_list (a settle delay and a pass) do not soon leave the slots idle.
     */
    const streamInHand = 4 * (settings.limits.simultaneousRequests + 1)

    // A failure of `tasks` ends its reading, and comes out once every task read has come out with its outcome:
    // the groups in hand are posted (and paid for) whatever happens, so none is left without its outcome.
    const submitStream = <Task, E, R>(engine: TaskSide<Task>, tasks: Stream.Stream<Task, E, R>, streamOptions: SubmitStreamOptions<Task> = {}) =>
      Stream.suspend(() => {
        let failure = Option.none<E>()
        return tasks.pipe(
          Stream.catchAll((error) => {
            failure = Option.some(error)
            return Stream.empty
          }),
          Stream.groupedWithin(maxTasks, window),
          Stream.mapEffect(
            (group) => Effect.map(submitAll(engine, group, streamOptions), (outcomes) => Chunk.zip(group, Chunk.unsafeFromArray(outcomes))),
            { concurrency: streamInHand, unordered: true }
          ),
          Stream.flattenChunks,
          Stream.concat(Stream.suspend(() => Option.match(failure, { onNone: () => Stream.empty, onSome: Stream.fail })))
        )
      })

    return TaskBatcher.of({ runId, submit, submitAll, submitStream, committed: Effect.sync(() => Money.toUsd(Money.add(spent, reserved))) })
  })

/** The batcher as a layer: needs the client, its configuration and a ledger. */
export const layer = (
  options: Options = {}
): Layer.Layer<TaskBatcher, ConfigError.ConfigError | LedgerStoreError, DataForSeoClient | DataForSeoConfig | TaskLedger> =>
  Layer.scoped(TaskBatcher, make(options))

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
    Effect.zipRight(validateOptions(options), Effect.map(Prices.fromAccount(options.prices), (prices) => layer({ ...options, prices })))
  )
