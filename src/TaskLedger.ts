/**
 * The task ledger: every paid task recorded, so that "nothing lost, nothing posted twice" holds across
 * crashes and restarts. A standard task is billed the moment it is posted and its id is the only way to
 * get what was paid for; the ledger is where that id lives.
 *
 * One interface, several stores: `TaskLedger.layerMemory` (one-off scripts; gone with the process),
 * `TaskLedgerSqlite` (a SQLite file) and `TaskLedgerSql` (the same SQL on any `SqlClient`, PostgreSQL too).
 * Every store applies the same state machine.
 *
 * ## States and transitions
 *
 * | from \ to | intent            | posted                  | ready         | collected         | failed         |
 * |-----------|-------------------|-------------------------|---------------|-------------------|----------------|
 * | (none)    | `recordIntents`   | –                       | –             | –                 | –              |
 * | intent    | no-op             | `recordPosted`          | –             | –                 | `recordFailed` |
 * | posted    | no-op             | no-op (same id), else – | `recordReady` | `recordCollected` | `recordFailed` |
 * | ready     | no-op             | no-op (same id), else – | no-op         | `recordCollected` | `recordFailed` |
 * | collected | no-op             | no-op (same id), else – | no-op         | no-op             | –              |
 * | failed    | no-op, or new try | no-op (same id), else – | no-op         | –                 | no-op          |
 *
 * (– : refused with `InvalidTransition`.)
 *
 * - `intent` is recorded, and durable, **before** the POST is sent. Until a reply confirms it, an intent
 *   is a task whose POST may or may not have created (and billed) a task: there is no separate "sent"
 *   state, because the write that would record it costs as much as the intent itself and a crash between
 *   the two would leave the same doubt. `unknownIntents` lists them (with `recordedBefore` to leave out
 *   POSTs still in flight); resolve each with `recordPosted` (id_list found it, by tag) or `recordFailed`
 *   (`billed: false`, it was not created).
 * - `posted` is durable before the write returns, so that no one acts on a task id the ledger could lose.
 * - `collected` is final, and so is `failed`, but for a new try: an intent recorded for a key whose failure
 *   cost nothing and created no task (a POST refused as a whole, such as 40202 or 40200, or a task refused
 *   at posting) replaces that failure (`canPostAgain`), as posting the task again cannot charge it twice.
 *
 * Repeated writes are no-ops: the same intent twice (the first wins), `posted` again with the same id,
 * `ready` for a task already ready, collected or failed (a late signal), `collected` twice, `failed`
 * twice (the first failure stays). The cells marked – (an unknown key or id, a second task id for one
 * key, a task id owned by another key, collecting a failed task, failing a collected one) fail with
 * `InvalidTransition`, and nothing of that call is recorded.
 *
 * `intent → posted` is also the reconciliation path (id_list found the task; pass its `postedAt`), and
 * `intent → failed` records a POST that created no task (`billed: false`) or a task created and failed
 * at once (pass its `taskId` and `cost`).
 *
 * Every write is batch-first and atomic: all of its rows are recorded, or none and the call fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TaskLedger } from "effect-dataforseo"
 *
 * const program = Effect.gen(function*() {
 *   const ledger = yield* TaskLedger.TaskLedger
 *   yield* ledger.recordIntents([{ correlationKey: "k1", runId: "run-1", engine: "google/organic", request: { keyword: "effect" } }])
 *   // ... task_post ...
 *   yield* ledger.recordPosted([{ correlationKey: "k1", taskId: "07231252-7652-0139-0000-301b3ccdda6f", cost: 0.0006 }])
 * }).pipe(Effect.provide(TaskLedger.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as memory from "./internal/ledger/memory.js"
import * as plan from "./internal/ledger/plan.js"
import type {
  CollectedInput,
  Entry,
  FailedInput,
  IntentInput,
  LedgerError,
  LedgerStoreError,
  PostedInput,
  RunCost
} from "./TaskLedgerEntry.js"

/** The ledger's records and errors (`Entry`, `IntentInput`, `InvalidTransition`, ...), declared in `TaskLedgerEntry`. */
export * from "./TaskLedgerEntry.js"

/**
 * Whether an intent recorded for this entry's key is a new try of its task: the entry failed without
 * costing anything and without a task (a POST refused as a whole, a task refused at posting), so posting
 * it again cannot charge it twice.
 *
 * @since 0.1.0
 */
export const canPostAgain: (entry: {
  readonly state: Entry["state"]
  readonly taskId?: string | undefined
  readonly failure?: { readonly billed: boolean } | undefined
}) => boolean = plan.canPostAgain

/**
 * The ledger service. Writes complete only once their rows are durable in the store.
 *
 * @since 0.1.0
 */
export class TaskLedger extends Context.Tag("effect-dataforseo/TaskLedger")<TaskLedger, TaskLedger.Service>() {}

/** @since 0.1.0 */
export declare namespace TaskLedger {
  /** The operations every store offers. */
  export interface Service {
    /**
     * Records intents before their POST is sent. A key already recorded is left as it is, unless its entry
     * `canPostAgain` (failed without cost or task): then the new intent replaces it.
     */
    readonly recordIntents: (entries: ReadonlyArray<IntentInput>) => Effect.Effect<void, LedgerError>
    /** Records the task ids (and costs) DataForSEO returned, or that id_list reconciliation found. */
    readonly recordPosted: (entries: ReadonlyArray<PostedInput>) => Effect.Effect<void, LedgerError>
    /** Records tasks seen in tasks_ready (or announced by a pingback). */
    readonly recordReady: (taskIds: ReadonlyArray<string>) => Effect.Effect<void, LedgerError>
    /** Records collected results (the result itself only when given). */
    readonly recordCollected: (
      entries: ReadonlyArray<CollectedInput>
    ) => Effect.Effect<void, LedgerError>
    /** Records failures: a POST that created no task, or a task that failed after posting. */
    readonly recordFailed: (entries: ReadonlyArray<FailedInput>) => Effect.Effect<void, LedgerError>
    /**
     * Intents whose POST outcome is unknown: recorded, never confirmed posted or failed. Pass
     * `recordedBefore` (epoch ms) to leave out the POSTs this process still has in flight.
     */
    readonly unknownIntents: (
      options?: QueryOptions & {
        readonly recordedBefore?: number | undefined
      }
    ) => Effect.Effect<ReadonlyArray<Entry>, LedgerStoreError>
    /** Posted tasks (`posted` or `ready`) whose result was not collected yet. */
    readonly uncollected: (options?: QueryOptions) => Effect.Effect<ReadonlyArray<Entry>, LedgerStoreError>
    /** The entry of one correlation key. */
    readonly byCorrelationKey: (correlationKey: string) => Effect.Effect<Option.Option<Entry>, LedgerStoreError>
    /** The entry of one DataForSEO task id. */
    readonly byTaskId: (taskId: string) => Effect.Effect<Option.Option<Entry>, LedgerStoreError>
    /** Entries recorded with this tag (the `tag` sent to the API). */
    readonly byTag: (tag: string) => Effect.Effect<ReadonlyArray<Entry>, LedgerStoreError>
    /** Tasks and money of one run. */
    readonly costByRun: (runId: string) => Effect.Effect<RunCost, LedgerStoreError>
  }

  /** Narrows a query to one run. */
  export interface QueryOptions {
    readonly runId?: string | undefined
  }
}

/**
 * Builds an in-memory ledger: fast, safe under concurrent fibers, and lost with the process. The
 * default for one-off scripts; use `TaskLedgerSqlite` for any run that must survive a crash.
 *
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<TaskLedger.Service> = memory.makeMemory

/**
 * The in-memory ledger as a layer.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<TaskLedger> = Layer.effect(TaskLedger, makeMemory)
