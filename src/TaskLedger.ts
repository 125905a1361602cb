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
 * | from \ to  | intent          | posted                     | ready         | collected         | failed         |
 * |------------|-----------------|----------------------------|---------------|-------------------|----------------|
 * | (none)     | `recordIntents` | –                          | –             | –                 | –              |
 * | intent     | no-op           | `recordPosted`             | –             | –                 | `recordFailed` |
 * | posted     | no-op           | no-op (same id), else –    | `recordReady` | `recordCollected` | `recordFailed` |
 * | ready      | no-op           | no-op (same id), else –    | no-op         | `recordCollected` | `recordFailed` |
 * | collected  | no-op           | no-op (same id), else –    | no-op         | no-op             | –              |
 * | failed     | no-op           | no-op (same id), else –    | no-op         | –                 | no-op          |
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
 * - `collected` and `failed` are final.
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
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type {
  CollectedInput,
  Entry,
  FailedInput,
  IntentInput,
  LedgerError,
  LedgerStoreError,
  PostedInput,
  RunCost
} from "./ledger/model.js"
import { type Change, plan, View, type Write } from "./ledger/plan.js"

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
    /** Records intents before their POST is sent. An intent already recorded (same key) is left as it is. */
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

/** Applies a planned change (other than `Insert`) to its row. */
const applyChange = (row: Row, change: Exclude<Change, { readonly _tag: "Insert" }>): void => {
  switch (change._tag) {
    case "Posted":
      row.state = "posted"
      row.taskId = change.taskId
      row.cost = change.cost
      row.postedAt = change.at
      return
    case "Ready":
      row.state = "ready"
      row.readyAt = change.at
      return
    case "Collected":
      row.state = "collected"
      row.collectedAt = change.at
      if (change.result !== undefined) row.result = change.result
      return
    case "Failed":
      row.state = "failed"
      row.failedAt = change.at
      row.failure = { code: change.code, message: change.message, billed: change.billed }
      if (change.taskId !== undefined) row.taskId = change.taskId
      if (change.cost !== undefined) row.cost = change.cost
  }
}

/**
 * Takes back a change of `applyChange` other than `Failed`: each of them moves a row on from `change.from`
 * and only sets fields that the row did not have there.
 */
const revertChange = (row: Row, change: Exclude<Change, { readonly _tag: "Insert" | "Failed" }>): void => {
  row.state = change.from
  switch (change._tag) {
    case "Posted":
      row.taskId = undefined
      row.cost = undefined
      row.postedAt = undefined
      return
    case "Ready":
      row.readyAt = undefined
      return
    case "Collected":
      row.collectedAt = undefined
      row.result = undefined
  }
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

  // Plan and apply run in one synchronous step: no other fiber can interleave, so each call is atomic.
  // A row is a snapshot as the planner reads it; rows change only once the whole write is planned.
  const view = new View((key) => rows.get(key), (id) => rowOfTask.get(id), false)

  const apply = (change: Change): void => {
    if (change._tag === "Insert") {
      rows.set(change.entry.correlationKey, newRow(change.entry, change.at))
      return
    }
    const row = rows.get(change.correlationKey)
    if (row === undefined) return
    applyChange(row, change)
    if (row.taskId !== undefined) rowOfTask.set(row.taskId, row)
  }

  /** Takes back the first `count` of `changes`, applied by `applyUnlessTwice`. */
  const revert = (changes: ReadonlyArray<Change>, count: number): void => {
    for (let i = count - 1; i >= 0; i--) {
      const change = changes[i]
      if (change === undefined || change._tag === "Failed") continue
      if (change._tag === "Insert") {
        rows.delete(change.entry.correlationKey)
        continue
      }
      const row = rows.get(change.correlationKey)
      if (row === undefined) continue
      if (change._tag === "Posted") rowOfTask.delete(change.taskId)
      revertChange(row, change)
    }
  }

  /**
   * Applies changes planned without the overlay, until one finds its entry (or task id) already changed
   * by an earlier one: the write named an entry twice. It then takes back what it applied and says so.
   * (Each row is looked up again here, just after the planner looked it up: cheap, it is still in the cache.)
   */
  const applyUnlessTwice = (changes: ReadonlyArray<Change>): boolean => {
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]
      if (change === undefined || change._tag === "Failed") continue // never planned without the overlay
      if (change._tag !== "Insert" && rows.get(change.correlationKey)?.state !== change.from) {
        revert(changes, i)
        return false
      }
      const keys = rows.size
      const ids = rowOfTask.size
      apply(change)
      // an insert that adds no row, or a posted id that adds no index entry, met an earlier change of this write
      if ((change._tag === "Insert" && rows.size === keys) || (change._tag === "Posted" && rowOfTask.size === ids)) {
        revert(changes, i + 1)
        return false
      }
    }
    return true
  }

  const write = (request: Write) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      // Writes nearly always name each entry once: planned without the overlay (no copy of every change),
      // they are applied as they are. A write that names an entry twice, is refused, or records failures
      // (whose changes cannot be taken back) is planned again, exactly.
      if (request._tag !== "Failed") {
        const quick = plan(request, view, now, false)
        if (Either.isRight(quick) && applyUnlessTwice(quick.right)) return Either.void
      }
      return Either.map(plan(request, view, now), (changes) => {
        for (const change of changes) apply(change)
      })
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
        let cost = 0
        for (const e of rows.values()) {
          if (e.runId !== runId) continue
          tasks++
          if (e.taskId !== undefined) created++
          cost += e.cost ?? 0
        }
        return { runId, tasks, created, cost }
      })
  })
})

/**
 * The in-memory ledger as a layer.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<TaskLedger> = Layer.effect(TaskLedger, makeMemory)
