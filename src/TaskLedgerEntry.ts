/**
 * The records of the task ledger: one schema per shape, from which every TypeScript type is derived.
 * `TaskLedger` re-exports every name of this module, so `TaskLedger.Entry` is `TaskLedgerEntry.Entry`.
 * The stores import them from here.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Where a task is in its life. See the `TaskLedger` module comment for the transitions.
 *
 * - `intent`: recorded before the POST left; until confirmed, the POST may or may not have created (and billed) a task.
 * - `posted`: DataForSEO returned the task id; the task is billed.
 * - `ready`: the task showed in tasks_ready (or a pingback said so).
 * - `collected`: the result was fetched.
 * - `failed`: the task ended without a result; `failure.billed` says whether it cost money.
 */
export const State = Schema.Literal("intent", "posted", "ready", "collected", "failed")

/** @see State */
export type State = typeof State.Type

/** A JSON object, such as one task of a task_post body. */
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** @see JsonObject */
export type JsonObject = typeof JsonObject.Type

/** Why a task failed, as the API said it. */
export const Failure = Schema.Struct({
  /** DataForSEO status code (task level or request level). */
  code: Schema.Int,
  /** The server's message, as sent. */
  message: Schema.String,
  /** Whether the task was charged (40101 is; a task never created is not). */
  billed: Schema.Boolean
})

/** @see Failure */
export interface Failure extends Schema.Schema.Type<typeof Failure> {}

/** Milliseconds since the Unix epoch, read from the `Clock` (so `TestClock` drives it in tests). */
export const Millis = Schema.Number.annotations({ description: "epoch milliseconds" })

/**
 * One task as the ledger knows it. `correlationKey` is the library's key for the submitted task;
 * `taskId` is DataForSEO's, known from `posted` on.
 */
export const Entry = Schema.Struct({
  correlationKey: Schema.String,
  /** The run (one pipeline execution, one script) the task belongs to: the unit of `costByRun`. */
  runId: Schema.String,
  /** Engine key, e.g. `"google/organic"`. */
  engine: Schema.String,
  /** The task object exactly as sent in the task_post body. */
  request: JsonObject,
  /** The `tag` sent with the task, when one was. */
  tag: Schema.optional(Schema.String),
  state: State,
  taskId: Schema.optional(Schema.String),
  /** What DataForSEO charged for the task (USD), as returned by task_post or id_list. */
  cost: Schema.optional(Schema.Number),
  intentAt: Millis,
  postedAt: Schema.optional(Millis),
  readyAt: Schema.optional(Millis),
  collectedAt: Schema.optional(Millis),
  failedAt: Schema.optional(Millis),
  failure: Schema.optional(Failure),
  /** The collected result, when the collector chose to keep it in the ledger. */
  result: Schema.optional(Schema.Unknown)
})

/** @see Entry */
export interface Entry extends Schema.Schema.Type<typeof Entry> {}

/** What `recordIntents` needs: everything known before the POST leaves. */
export const IntentInput = Schema.Struct({
  correlationKey: Schema.String,
  runId: Schema.String,
  engine: Schema.String,
  request: JsonObject,
  /** The tag sent to the API (the batcher sends the correlation key when the caller set none). */
  tag: Schema.optional(Schema.String)
})

/** @see IntentInput */
export interface IntentInput extends Schema.Schema.Type<typeof IntentInput> {}

/** What `recordPosted` needs: the id DataForSEO returned for the task of `correlationKey`. */
export const PostedInput = Schema.Struct({
  correlationKey: Schema.String,
  taskId: Schema.String,
  cost: Schema.Number,
  /** When the task was posted, if not now (reconciliation passes id_list's `datetime_posted`). */
  postedAt: Schema.optional(Millis)
})

/** @see PostedInput */
export interface PostedInput extends Schema.Schema.Type<typeof PostedInput> {}

/** What `recordCollected` needs: the task, and its result if the ledger should keep it. */
export const CollectedInput = Schema.Struct({
  taskId: Schema.String,
  result: Schema.optional(Schema.Unknown)
})

/** @see CollectedInput */
export interface CollectedInput extends Schema.Schema.Type<typeof CollectedInput> {}

/**
 * What `recordFailed` needs. The task is found by `correlationKey` (any state, including an intent whose
 * POST came back without a task) or by `taskId` (a task that was posted). A `taskId` / `cost` given with a
 * correlation key is stored when the failure came with them (a created and billed task, such as 40101).
 */
export const FailedInput = Schema.Union(
  Schema.Struct({
    correlationKey: Schema.String,
    taskId: Schema.optional(Schema.String),
    cost: Schema.optional(Schema.Number),
    ...Failure.fields
  }),
  Schema.Struct({
    taskId: Schema.String,
    cost: Schema.optional(Schema.Number),
    ...Failure.fields
  })
)

/** @see FailedInput */
export type FailedInput = typeof FailedInput.Type

/** What a run cost, from the ledger's point of view. */
export const RunCost = Schema.Struct({
  runId: Schema.String,
  /** Every entry of the run, whatever its state. */
  tasks: Schema.Number,
  /** Entries with a known task id: the tasks DataForSEO created. */
  created: Schema.Number,
  /** Sum of the recorded costs (USD), added in whole micro-dollars: exact, 500 × 0.0006 is 0.3. */
  cost: Schema.Number
})

/** @see RunCost */
export interface RunCost extends Schema.Schema.Type<typeof RunCost> {}

/** One refused transition: the entry (by correlation key or task id), where it was, where it was asked to go. */
export const Rejection = Schema.Struct({
  /** The correlation key or task id the caller named. */
  ref: Schema.String,
  /** The entry's state; absent when no entry matches `ref`. */
  from: Schema.optional(State),
  to: State,
  reason: Schema.String
})

/** @see Rejection */
export interface Rejection extends Schema.Schema.Type<typeof Rejection> {}

/**
 * A write asked for a transition the state machine does not allow (posting an unknown key, a second task
 * id for the same key, collecting a failed task, ...). Nothing of the call was recorded.
 */
export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  rejected: Schema.NonEmptyArray(Rejection)
}) {
  override get message(): string {
    return this.rejected
      .map((r) => `${r.ref}: ${r.from ?? "missing"} -> ${r.to} (${r.reason})`)
      .join("; ")
  }
}

/** The store could not read or write (disk, lock, connection, a row that does not decode). */
export class LedgerStoreError extends Schema.TaggedError<LedgerStoreError>()("LedgerStoreError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/** Any failure of a ledger write. */
export type LedgerError = InvalidTransition | LedgerStoreError
