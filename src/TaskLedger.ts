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

const applyChange = (entry: Entry | undefined, change: Change): Entry | undefined => {
  switch (change._tag) {
    case "Insert":
      return {
        correlationKey: change.entry.correlationKey,
        runId: change.entry.runId,
        engine: change.entry.engine,
        request: change.entry.request,
        ...(change.entry.tag === undefined ? {} : { tag: change.entry.tag }),
        state: "intent",
        intentAt: change.at
      }
    case "Posted":
      return entry && { ...entry, state: "posted", taskId: change.taskId, cost: change.cost, postedAt: change.at }
    case "Ready":
      return entry && { ...entry, state: "ready", readyAt: change.at }
    case "Collected":
      return entry && {
        ...entry,
        state: "collected",
        collectedAt: change.at,
        ...(change.result === undefined ? {} : { result: change.result })
      }
    case "Failed":
      return entry && {
        ...entry,
        state: "failed",
        failedAt: change.at,
        failure: { code: change.code, message: change.message, billed: change.billed },
        ...(change.taskId === undefined ? {} : { taskId: change.taskId }),
        ...(change.cost === undefined ? {} : { cost: change.cost })
      }
  }
}

/**
 * Builds an in-memory ledger: fast, safe under concurrent fibers, and lost with the process. The
 * default for one-off scripts; use `TaskLedgerSql` for any run that must survive a crash.
 *
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<TaskLedger.Service> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  const keyOfTask = new Map<string, string>()
  const snapshot = (entry: Entry | undefined) =>
    entry && { correlationKey: entry.correlationKey, state: entry.state, taskId: entry.taskId }

  // Plan and apply run in one synchronous step: no other fiber can interleave, so each call is atomic.
  const write = (name: string, make: () => Write) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.suspend(() => {
        const view = new View(
          (key) => snapshot(entries.get(key)),
          (id) => {
            const key = keyOfTask.get(id)
            return key === undefined ? undefined : snapshot(entries.get(key))
          }
        )
        return Either.map(plan(make(), view, now), (changes) => {
          for (const change of changes) {
            const key = change._tag === "Insert" ? change.entry.correlationKey : change.correlationKey
            const next = applyChange(entries.get(key), change)
            if (next === undefined) continue
            entries.set(key, next)
            if (next.taskId !== undefined) keyOfTask.set(next.taskId, key)
          }
        })
      })
    ).pipe(Effect.withSpan(name))

  const select = (predicate: (entry: Entry) => boolean) =>
    Effect.sync(() => Array.from(entries.values()).filter(predicate).sort(compareEntries))

  return TaskLedger.of({
    recordIntents: (list) => write("TaskLedger.recordIntents", () => ({ _tag: "Intents", entries: list })),
    recordPosted: (list) => write("TaskLedger.recordPosted", () => ({ _tag: "Posted", entries: list })),
    recordReady: (taskIds) => write("TaskLedger.recordReady", () => ({ _tag: "Ready", taskIds })),
    recordCollected: (list) => write("TaskLedger.recordCollected", () => ({ _tag: "Collected", entries: list })),
    recordFailed: (list) => write("TaskLedger.recordFailed", () => ({ _tag: "Failed", entries: list })),
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
    byCorrelationKey: (key) => Effect.sync(() => Option.fromNullable(entries.get(key))),
    byTaskId: (taskId) =>
      Effect.sync(() =>
        Option.fromNullable(keyOfTask.get(taskId)).pipe(Option.flatMapNullable((key) => entries.get(key)))
      ),
    byTag: (tag) => select((e) => e.tag === tag),
    costByRun: (runId) =>
      Effect.sync(() => {
        let tasks = 0
        let created = 0
        let cost = 0
        for (const e of entries.values()) {
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
