/**
 * The memory store of the task ledger: entries in a map, each write planned by the state machine and its
 * changes recorded in one synchronous step.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { Mutable } from "effect/Types"
import * as Money from "../../Money.js"
import type { TaskLedger } from "../../TaskLedger.js"
import type { Entry, LedgerError } from "../../TaskLedgerEntry.js"
import { applyChange, newEntry } from "./entry.js"
import { type Change, plan, View, type Write } from "./plan.js"

/** The entries, by correlation key and by task id. Each change is recorded on its entry in place; reads copy. */
interface Store {
  readonly entries: Map<string, Mutable<Entry>>
  readonly byTaskId: Map<string, Mutable<Entry>>
}

/** Applies one planned change. The plan names only entries the store has. */
const apply = (store: Store, change: Change): void => {
  if (change._tag === "Insert") {
    store.entries.set(change.entry.correlationKey, newEntry(change))
    return
  }
  const entry = change._tag === "Ready" || change._tag === "Collected"
    ? store.byTaskId.get(change.taskId)
    : store.entries.get(change.correlationKey)
  if (entry === undefined) return
  applyChange(entry, change)
  // posting, or a failure that came with its task, gives the entry its task id
  if ((change._tag === "Posted" || change._tag === "Failed") && entry.taskId !== undefined) {
    store.byTaskId.set(entry.taskId, entry)
  }
}

/**
 * Plans a write against the entries and applies its changes, or none if any is refused. It runs in one
 * synchronous step: no other fiber can interleave, so each call is atomic.
 */
const write = (store: Store, view: View, request: Write): Effect.Effect<void, LedgerError> =>
  Effect.clockWith((clock) =>
    Either.map(plan(request, view, clock.unsafeCurrentTimeMillis()), (changes) => {
      for (const change of changes) apply(store, change)
    })
  )

// Query results come in the same order from every store: by intent time, then correlation key.
const compareEntries = (a: Entry, b: Entry): number =>
  a.intentAt - b.intentAt || (a.correlationKey < b.correlationKey ? -1 : a.correlationKey > b.correlationKey ? 1 : 0)

// A copy: a caller's entry does not change with the store.
const copy = (entry: Entry): Entry => ({ ...entry })

const select = (store: Store, predicate: (entry: Entry) => boolean): Effect.Effect<ReadonlyArray<Entry>> =>
  Effect.sync(() => Array.from(store.entries.values()).filter(predicate).map(copy).sort(compareEntries))

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
  const store: Store = { entries: new Map(), byTaskId: new Map() }
  // Each write is applied before the next is planned: the view needs no memory of its own.
  const view = new View((key) => store.entries.get(key), (id) => store.byTaskId.get(id), false)
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
      select(
        store,
        (e) =>
          (e.state === "posted" || e.state === "ready") && (options?.runId === undefined || e.runId === options.runId)
      ),
    byCorrelationKey: (key) => Effect.sync(() => Option.map(Option.fromNullable(store.entries.get(key)), copy)),
    byTaskId: (taskId) => Effect.sync(() => Option.map(Option.fromNullable(store.byTaskId.get(taskId)), copy)),
    byTag: (tag) => select(store, (e) => e.tag === tag),
    costByRun: (runId) => costByRun(store, runId)
  }
})
