/**
 * The facade most programs use: tasks in, each task's decoded result (or typed error) out, as results become ready.
 * It runs on the batcher (posting) and the poller (collecting), with the ledger behind both.
 *
 * - `run(engine, tasks, options)` takes a `Stream` or an iterable of tasks and returns a `Stream` of outcomes. Each
 *   outcome holds the task, its correlation key, its id and cost when it was posted, and `Either<result, error>`.
 *   Every task read comes out exactly once. A task refused at posting comes out with its `SubmitError`.
 * - Memory stays flat. At most `maxInFlight` tasks are read from `tasks` and not yet ended. The next task is read
 *   only when an outcome comes out, so a run of any length holds the same memory.
 * - Collected means taken. The ledger records a result `collected` only once the consumer has taken it: when the
 *   consumer pulls the next outcome, or when the stream ends well (a `Stream.take` that has what it wanted, the last
 *   outcome read). A stream that ends with a failure or an interruption records nothing more. So a crash between
 *   fetching a result and using it leaves the task uncollected, and a rerun fetches it again (task_get is free).
 *   With `runWith`, a result is recorded collected once the handler's effect for it succeeded.
 * - Only results are recorded collected. A task that ends with an error (a `DecodeError`, 40102, a timeout) stays
 *   as the ledger had it.
 * - The budget is the batcher's option (`TaskBatcher.Options.budget`): a task past it comes out with
 *   `BudgetExceededError`, unposted.
 * - Resume. With caller-given correlation keys, a key the ledger knows is not posted again: the batcher returns its
 *   recorded task, and `run` fetches its result. A task whose result an earlier run took comes out with
 *   `AlreadyCollectedError`, not fetched again. Running the same job again on the same ledger (a SQLite file)
 *   therefore posts only what was never posted, collects what was not collected, and hands out nothing twice. Keys
 *   of unknown POST outcome are looked up in id_list first (the batcher's reconciliation). With `resume: true`, a
 *   run also takes up whatever earlier processes of the same run id left, keys given or not.
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { GoogleOrganic, Serp } from "effect-dataforseo"
 *
 * Effect.gen(function*() {
 *   const serp = yield* Serp.Serp
 *   const tasks = ["effect", "typescript"].map((keyword) => ({ keyword, location_code: 2840, language_code: "en" }))
 *   yield* serp.run(GoogleOrganic.engine, tasks, { format: "advanced" }).pipe(
 *     Stream.runForEach((outcome) => Effect.log(outcome.task.keyword, outcome.result))
 *   )
 * })
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { AlreadyCollectedError, InvalidOptionError, SerpTimeoutError } from "./DataForSeoError.js"
import type { AnyEngine, ResultFormat } from "./Engine.js"
import * as internal from "./internal/serp/make.js"
import type * as Progress from "./Progress.js"
import type { PostedTask, SubmitError, SubmitOptions, TaskBatcher } from "./TaskBatcher.js"
import type { LedgerStoreError, TaskLedger } from "./TaskLedger.js"
import type { PollError, Result, TaskPoller } from "./TaskPoller.js"

/** A task still waiting past the run's `deadline`. Declared with the library's other errors. */
export { SerpTimeoutError }

/** A task an earlier run already took. Declared with the library's other errors. */
export { AlreadyCollectedError }

/** A run option out of its range (`deadline`, `maxInFlight`). Declared with the library's other errors. */
export { InvalidOptionError }

/**
 * Every way one task of a run can end without its result here: refused at posting, failed at collecting, timed
 * out, or taken by an earlier run.
 */
export type SerpError = SubmitError | PollError | SerpTimeoutError | AlreadyCollectedError

/** The task type of an engine, e.g. `GoogleOrganic.Task`. */
export type TaskOf<E extends AnyEngine> = Schema.Schema.Type<E["Task"]>

/** One task of a run, ended. */
export interface Outcome<Task, A> {
  readonly task: Task
  /**
   * The task's ledger key: the caller's (`correlationKey` option) or the batcher's. Undefined only for a task
   * refused at posting without a caller's key (a refusal does not name the key the batcher made).
   */
  readonly correlationKey: string | undefined
  /** The task as DataForSEO created it (id and cost), when it was posted. */
  readonly posted?: PostedTask | undefined
  /** The decoded result, or why there is none. */
  readonly result: Either.Either<A, SerpError>
}

/** Options of `run`. */
export interface RunOptions<Task, F extends ResultFormat> {
  /** The result format: `"regular"`, `"advanced"` or `"html"`. */
  readonly format: F
  /**
   * Each task's key, unique across runs, made from the task alone. Give it to make a run resumable. `undefined`
   * for a task lets the batcher make its key.
   */
  readonly correlationKey?: ((task: Task) => string | undefined) | undefined
  /**
   * Also take up what earlier processes of this run (the batcher's `runId`) left in the ledger for this engine:
   * tasks posted and not collected are collected, intents of unknown outcome are reconciled (and posted when
   * id_list does not list them). They come out first, with their recorded keys. A task of `tasks` whose key is one
   * of them is not read again. It lists what the ledger holds as the run starts: start it before any other run of
   * the same run id in this process, whose tasks in flight it would take up too. Default false.
   */
  readonly resume?: boolean | undefined
  /**
   * How long one task's result is waited for, counted from the moment the batcher reports it posted. Past it the
   * task ends with `SerpTimeoutError`. Default: no deadline (normal priority is guaranteed within 45 minutes).
   * A duration of zero or less, or one that does not decode, fails the run with `InvalidOptionError`.
   */
  readonly deadline?: Duration.DurationInput | undefined
  /**
   * Tasks read from `tasks` and not yet ended, at most: a whole number of at least 1 (else the run fails with
   * `InvalidOptionError`). Default 10,000.
   */
  readonly maxInFlight?: number | undefined
}

/** The Serp service. */
export interface Service {
  /**
   * Posts the tasks (through `TaskBatcher.submitStream`) and emits each with its outcome as it ends, not in the
   * order of `tasks`. A result is recorded collected once the consumer pulls the next outcome, or when the stream
   * ends well; a failure writing that record fails the stream with `LedgerStoreError`.
   */
  readonly run: <E extends AnyEngine, F extends ResultFormat, Err = never, R = never>(
    engine: E,
    tasks: Stream.Stream<TaskOf<E>, Err, R> | Iterable<TaskOf<E>>,
    options: RunOptions<TaskOf<E>, F>
  ) => Stream.Stream<Outcome<TaskOf<E>, Result<E, F>>, Err | LedgerStoreError | InvalidOptionError, R>
  /**
   * `run` with a handler for each outcome, one at a time. A result is recorded collected once the handler's effect
   * for it succeeded. A failing handler stops the run with its error, and its outcome stays uncollected.
   */
  readonly runWith: <E extends AnyEngine, F extends ResultFormat, HE, HR, Err = never, R = never>(
    engine: E,
    tasks: Stream.Stream<TaskOf<E>, Err, R> | Iterable<TaskOf<E>>,
    options: RunOptions<TaskOf<E>, F>,
    handler: (outcome: Outcome<TaskOf<E>, Result<E, F>>) => Effect.Effect<void, HE, HR>
  ) => Effect.Effect<void, Err | HE | LedgerStoreError | InvalidOptionError, R | HR>
  /** Posts one task: `TaskBatcher.submit`. */
  readonly submit: <E extends AnyEngine>(
    engine: E,
    task: TaskOf<E>,
    options?: SubmitOptions
  ) => Effect.Effect<PostedTask, SubmitError>
  /**
   * One posted task's result, once it is ready. It is recorded collected when this effect succeeds (a task the
   * ledger does not hold is left out of that write).
   */
  readonly result: <E extends AnyEngine, F extends ResultFormat>(
    engine: E,
    posted: PostedTask,
    options: { readonly format: F }
  ) => Effect.Effect<Result<E, F>, PollError>
  /**
   * Where every run of this service stands now: tasks submitted, posted, ready, collected and ended otherwise,
   * cost, tasks ended in the last minute, the oldest task waiting, and what the pipeline waits on.
   */
  readonly progress: Effect.Effect<Progress.Progress>
  /** `progress` at once, then every `interval`, for as long as the stream is read. */
  readonly progressEvery: (interval: Duration.DurationInput) => Stream.Stream<Progress.Progress>
}

/** Tag of the Serp service. */
export class Serp extends Context.Tag("effect-dataforseo/Serp")<Serp, Service>() {}

/** Builds the facade over the batcher, the poller and the ledger in context. */
export const make: Effect.Effect<Service, never, TaskBatcher | TaskPoller | TaskLedger> = internal.make

/**
 * The facade as a layer: needs the batcher, the poller and the ledger. `SerpNode.layerConfig` (entry point
 * `effect-dataforseo/SerpNode`) gives the whole stack from the environment.
 */
export const layer: Layer.Layer<Serp, never, TaskBatcher | TaskPoller | TaskLedger> = Layer.effect(Serp, make)
