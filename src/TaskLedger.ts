/**
 * The task ledger: every paid task recorded, so that "nothing lost, nothing posted twice" holds across
 * crashes and restarts. A standard task is billed the moment it is posted and its id is the only way to
 * get what was paid for; the ledger is where that id lives.
 *
 * One interface, several stores: `TaskLedger.layerMemory` (one-off scripts; gone with the process) and
 * `TaskLedgerSql` (SQLite file by default, the same SQL on PostgreSQL).
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
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import {
  type CollectedInput,
  type Entry,
  type FailedInput,
  type IntentInput,
  InvalidTransition,
  type LedgerError,
  type LedgerStoreError,
  type PostedInput,
  type Rejection,
  type RunCost,
  type State
} from "./ledger/model.js"
import {
  canPostAgain,
  type Change,
  collectedRule,
  intentRule,
  plan,
  postedRule,
  readyRule,
  rejection,
  View,
  type Write
} from "./ledger/plan.js"
import * as Money from "./Money.js"

export {
  /** @see plan.canPostAgain */
  canPostAgain
}

export {
  /** @see model.CollectedInput */
  CollectedInput,
  /** @see model.Entry */
  Entry,
  /** @see model.FailedInput */
  FailedInput,
  /** @see model.Failure */
  Failure,
  /** @see model.IntentInput */
  IntentInput,
  /** @see model.InvalidTransition */
  InvalidTransition,
  /** @see model.JsonObject */
  JsonObject,
  /** @see model.LedgerError */
  type LedgerError,
  /** @see model.LedgerStoreError */
  LedgerStoreError,
  /** @see model.Millis */
  Millis,
  /** @see model.PostedInput */
  PostedInput,
  /** @see model.Rejection */
  Rejection,
  /** @see model.RunCost */
  RunCost,
  /** @see model.State */
  State
} from "./ledger/model.js"

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
    readonly unknownIntents: (options?: QueryOptions & {
      readonly recordedBefore?: number | undefined
    }) => Effect.Effect<ReadonlyArray<Entry>, LedgerStoreError>
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

// Query results come in the same order from every store: by intent time, then correlation key.
const compareEntries = (a: Entry, b: Entry): number =>
  a.intentAt - b.intentAt || (a.correlationKey < b.correlationKey ? -1 : a.correlationKey > b.correlationKey ? 1 : 0)

/**
 * An entry as the memory store keeps it: one mutable record per key, every field present (so all rows
 * share one shape), changed in place by each transition. Reads hand out `Entry` copies.
 */
interface Row {
  readonly correlationKey: string
  readonly runId: string
  readonly engine: string
  readonly request: Entry["request"]
  readonly tag: string | undefined
  readonly intentAt: number
  state: Entry["state"]
  taskId: string | undefined
  cost: number | undefined
  postedAt: number | undefined
  readyAt: number | undefined
  collectedAt: number | undefined
  failedAt: number | undefined
  failure: Entry["failure"]
  result: unknown
}

const newRow = (entry: IntentInput, at: number): Row => ({
  correlationKey: entry.correlationKey,
  runId: entry.runId,
  engine: entry.engine,
  request: entry.request,
  tag: entry.tag,
  intentAt: at,
  state: "intent",
  taskId: undefined,
  cost: undefined,
  postedAt: undefined,
  readyAt: undefined,
  collectedAt: undefined,
  failedAt: undefined,
  failure: undefined,
  result: undefined
})

/** Records a planned failure on its row. */
const markFailed = (row: Row, change: Extract<Change, { readonly _tag: "Failed" }>): void => {
  row.state = "failed"
  row.failedAt = change.at
  row.failure = { code: change.code, message: change.message, billed: change.billed }
  if (change.taskId !== undefined) row.taskId = change.taskId
  if (change.cost !== undefined) row.cost = change.cost
}

/** The `Entry` of a row: a copy, without the fields the row does not have. */
const toEntry = (row: Row): Entry => ({
  correlationKey: row.correlationKey,
  runId: row.runId,
  engine: row.engine,
  request: row.request,
  state: row.state,
  intentAt: row.intentAt,
  ...(row.tag === undefined ? {} : { tag: row.tag }),
  ...(row.taskId === undefined ? {} : { taskId: row.taskId }),
  ...(row.cost === undefined ? {} : { cost: row.cost }),
  ...(row.postedAt === undefined ? {} : { postedAt: row.postedAt }),
  ...(row.readyAt === undefined ? {} : { readyAt: row.readyAt }),
  ...(row.collectedAt === undefined ? {} : { collectedAt: row.collectedAt }),
  ...(row.failedAt === undefined ? {} : { failedAt: row.failedAt }),
  ...(row.failure === undefined ? {} : { failure: row.failure }),
  ...(row.result === undefined ? {} : { result: row.result })
})

/**
 * Builds an in-memory ledger: fast, safe under concurrent fibers, and lost with the process. The
 * default for one-off scripts; use `TaskLedgerSql` for any run that must survive a crash.
 *
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<TaskLedger.Service> = Effect.sync(() => {
  const rows = new Map<string, Row>()
  const rowOfTask = new Map<string, Row>()

  // Each write runs in one synchronous step: no other fiber can interleave, so each call is atomic.
  // For failures, a row is a snapshot as the planner reads it; rows change once the whole write is planned.
  const view = new View((key) => rows.get(key), (id) => rowOfTask.get(id), false)

  const ownerOf = (taskId: string) => rowOfTask.get(taskId)

  /**
   * Applies a write other than failures entry by entry, each judged by the ledger's rules against the rows
   * as the entries before it left them (what planning with an overlay does, without a copy of anything).
   * If any entry is refused, the changes made are taken back (each only set what its row did not have in
   * the state it came from) and the refusals returned.
   */
  const applyInOrder = (request: Exclude<Write, { readonly _tag: "Failed" }>, now: number): Array<Rejection> => {
    const rejected: Array<Rejection> = []
    const changed: Array<Row> = []
    const from: Array<State> = []
    switch (request._tag) {
      case "Intents":
        for (const entry of request.entries) {
          if (intentRule(rows.get(entry.correlationKey)) === "change") rows.set(entry.correlationKey, newRow(entry, now))
        }
        return rejected // an intent is never refused
      case "Posted":
        for (const entry of request.entries) {
          const row = rows.get(entry.correlationKey)
          const verdict = postedRule(row, entry.taskId, ownerOf)
          if (typeof verdict === "object") rejected.push(rejection(entry.correlationKey, row, "posted", verdict.refuse))
          else if (verdict === "change" && row !== undefined) {
            changed.push(row)
            row.state = "posted"
            row.taskId = entry.taskId
            row.cost = entry.cost
            row.postedAt = entry.postedAt ?? now
            rowOfTask.set(entry.taskId, row)
          }
        }
        if (rejected.length > 0) {
          for (const row of changed) {
            if (row.taskId !== undefined) rowOfTask.delete(row.taskId)
            row.state = "intent"
            row.taskId = undefined
            row.cost = undefined
            row.postedAt = undefined
          }
        }
        return rejected
      case "Ready":
        for (const taskId of request.taskIds) {
          const row = rowOfTask.get(taskId)
          const verdict = readyRule(row)
          if (typeof verdict === "object") rejected.push(rejection(taskId, row, "ready", verdict.refuse))
          else if (verdict === "change" && row !== undefined) {
            changed.push(row)
            row.state = "ready"
            row.readyAt = now
          }
        }
        if (rejected.length > 0) {
          for (const row of changed) {
            row.state = "posted"
            row.readyAt = undefined
          }
        }
        return rejected
      case "Collected":
        for (const entry of request.entries) {
          const row = rowOfTask.get(entry.taskId)
          const verdict = collectedRule(row)
          if (typeof verdict === "object") rejected.push(rejection(entry.taskId, row, "collected", verdict.refuse))
          else if (verdict === "change" && row !== undefined) {
            changed.push(row)
            from.push(row.state)
            row.state = "collected"
            row.collectedAt = now
            if (entry.result !== undefined) row.result = entry.result
          }
        }
        if (rejected.length > 0) {
          changed.forEach((row, i) => {
            row.state = from[i] ?? row.state
            row.collectedAt = undefined
            row.result = undefined
          })
        }
        return rejected
    }
  }

  const write = (request: Write) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (request._tag === "Failed") {
        // a failure may overwrite what a row had: planned whole first, applied only if nothing is refused
        return Either.map(plan(request, view, now), (changes) => {
          for (const change of changes) {
            if (change._tag !== "Failed") continue // a failure write plans failures only
            const row = rows.get(change.correlationKey)
            if (row === undefined) continue
            markFailed(row, change)
            if (row.taskId !== undefined) rowOfTask.set(row.taskId, row)
          }
        })
      }
      const rejected = applyInOrder(request, now)
      return Arr.isNonEmptyArray(rejected) ? Either.left(new InvalidTransition({ rejected })) : Either.void
    })

  const select = (predicate: (row: Row) => boolean) =>
    Effect.sync(() => Array.from(rows.values()).filter(predicate).map(toEntry).sort(compareEntries))

  return TaskLedger.of({
    recordIntents: (list) => write({ _tag: "Intents", entries: list }),
    recordPosted: (list) => write({ _tag: "Posted", entries: list }),
    recordReady: (taskIds) => write({ _tag: "Ready", taskIds }),
    recordCollected: (list) => write({ _tag: "Collected", entries: list }),
    recordFailed: (list) => write({ _tag: "Failed", entries: list }),
    unknownIntents: (options) =>
      select((e) =>
        e.state === "intent" &&
        (options?.runId === undefined || e.runId === options.runId) &&
        (options?.recordedBefore === undefined || e.intentAt < options.recordedBefore)
      ),
    uncollected: (options) =>
      select((e) =>
        (e.state === "posted" || e.state === "ready") && (options?.runId === undefined || e.runId === options.runId)
      ),
    byCorrelationKey: (key) => Effect.sync(() => Option.map(Option.fromNullable(rows.get(key)), toEntry)),
    byTaskId: (taskId) =>
      Effect.sync(() => Option.map(Option.fromNullable(rowOfTask.get(taskId)), toEntry)),
    byTag: (tag) => select((e) => e.tag === tag),
    costByRun: (runId) =>
      Effect.sync(() => {
        let tasks = 0
        let created = 0
        let micros = Money.zero
        for (const e of rows.values()) {
          if (e.runId !== runId) continue
          tasks++
          if (e.taskId !== undefined) created++
          if (e.cost !== undefined) micros = Money.add(micros, Money.fromUsd(e.cost))
        }
        return { runId, tasks, created, cost: Money.toUsd(micros) }
      })
  })
})

/**
 * The in-memory ledger as a layer.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<TaskLedger> = Layer.effect(TaskLedger, makeMemory)
