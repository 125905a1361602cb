/**
 * The memory store of the task ledger: entries in a map, each write planned by the state machine and its
 * changes applied in one synchronous step.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Money from "../../Money.js"
import type { TaskLedger } from "../../TaskLedger.js"
import type { Entry, LedgerError } from "../../TaskLedgerEntry.js"
import { entryAfter, newEntry } from "./entry.js"
import { type Change, plan, View, type Write } from "./plan.js"

/** The entries, by correlation key, and the key of each task id. Entries are replaced, never changed. */
interface Store {
  readonly entries: Map<string, Entry>
  readonly keyOfTask: Map<string, string>
}

const entryOfTask = (store: Store, taskId: string): Entry | undefined => {
  const key = store.keyOfTask.get(taskId)
  return key === undefined ? undefined : store.entries.get(key)
}

/** Applies one planned change. The plan names only entries the store has. */
const apply = (store: Store, change: Change): void => {
  if (change._tag === "Insert") {
    store.entries.set(change.entry.correlationKey, newEntry(change))
    return
  }
  const before = change._tag === "Ready" || change._tag === "Collected"
    ? entryOfTask(store, change.taskId)
    : store.entries.get(change.correlationKey)
  if (before === undefined) return
  const after = entryAfter(before, change)
  store.entries.set(after.correlationKey, after)
  if (after.taskId !== undefined) store.keyOfTask.set(after.taskId, after.correlationKey)
}

/**
 * Plans a write against the entries and applies its changes, or none if any is refused. It runs in one
 * synchronous step: no other fiber can interleave, so each call is atomic.
 */
const write = (store: Store, view: View, request: Write): Effect.Effect<void, LedgerError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Either.map(plan(request, view, now), (changes) => {
      for (const change of changes) apply(store, change)
    }))

// Query results come in the same order from every store: by intent time, then correlation key.
const compareEntries = (a: Entry, b: Entry): number =>
  a.intentAt - b.intentAt || (a.correlationKey < b.correlationKey ? -1 : a.correlationKey > b.correlationKey ? 1 : 0)

const select = (store: Store, predicate: (entry: Entry) => boolean): Effect.Effect<ReadonlyArray<Entry>> =>
  Effect.sync(() => Array.from(store.entries.values()).filter(predicate).sort(compareEntries))

const costByRun = (store: Store, runId: string) =>
  Effect.sync(() => {
    let tasks = 0
    let created = 0
    let micros = Money.zero
    for (const e of store.entries.values()) {
      if (e.runId !== runId) continue
      tasks++
      if (e.taskId !== undefined) created++
      if (e.cost !== undefined) micros = Money.add(micros, Money.fromUsd(e.cost))
    }
    return { runId, tasks, created, cost: Money.toUsd(micros) }
  })

/** Builds an in-memory ledger. @see TaskLedger.makeMemory */
export const makeMemory: Effect.Effect<TaskLedger.Service> = Effect.sync(() => {
  const store: Store = { entries: new Map(), keyOfTask: new Map() }
  // Each write is applied before the next is planned: the view needs no memory of its own.
  const view = new View((key) => store.entries.get(key), (id) => entryOfTask(store, id), false)
  return {
    recordIntents: (entries) => write(store, view, { _tag: "Intents", entries }),
    recordPosted: (entries) => write(store, view, { _tag: "Posted", entries }),
    recordReady: (taskIds) => write(store, view, { _tag: "Ready", taskIds }),
    recordCollected: (entries) => write(store, view, { _tag: "Collected", entries }),
    recordFailed: (entries) => write(store, view, { _tag: "Failed", entries }),
    unknownIntents: (options) =>
      select(store, (e) =>
        e.state === "intent" &&
        (options?.runId === undefined || e.runId === options.runId) &&
        (options?.recordedBefore === undefined || e.intentAt < options.recordedBefore)),
    uncollected: (options) =>
      select(store, (e) =>
        (e.state === "posted" || e.state === "ready") && (options?.runId === undefined || e.runId === options.runId)),
    byCorrelationKey: (key) => Effect.sync(() => Option.fromNullable(store.entries.get(key))),
    byTaskId: (taskId) => Effect.sync(() => Option.fromNullable(entryOfTask(store, taskId))),
    byTag: (tag) => select(store, (e) => e.tag === tag),
    costByRun: (runId) => costByRun(store, runId)
  }
})
