/**
 * The ledger's state machine, shared by every store. The rule of each transition gives an entry's verdict
 * from what the store knows of it. `plan` judges a whole write by the rules, as a pure function: either the
 * changes to apply or the refused transitions. What a change makes of an entry is in `entry.ts`. The SQL
 * store's fast path (`presume.ts`) builds the same changes from these rules.
 *
 * @since 0.1.0
 * @internal
 */
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import type { CollectedInput, FailedInput, IntentInput, PostedInput, Rejection, State } from "../../TaskLedgerEntry.js"
import { InvalidTransition } from "../../TaskLedgerEntry.js"

/** A write, as the stores receive it. */
export type Write =
  | { readonly _tag: "Intents"; readonly entries: ReadonlyArray<IntentInput> }
  | { readonly _tag: "Posted"; readonly entries: ReadonlyArray<PostedInput> }
  | { readonly _tag: "Ready"; readonly taskIds: ReadonlyArray<string> }
  | { readonly _tag: "Collected"; readonly entries: ReadonlyArray<CollectedInput> }
  | { readonly _tag: "Failed"; readonly entries: ReadonlyArray<FailedInput> }

/** What a transition needs to know of an entry. An `Entry` is one. */
export interface Snapshot {
  readonly correlationKey: string
  readonly state: State
  readonly taskId?: string | undefined
  /** A failed entry's failure: whether it was billed. */
  readonly failure?: { readonly billed: boolean } | undefined
}

/**
 * One change to apply. `from` lists the states the change expects its entry in (none: no entry yet), so
 * that a SQL store can guard on them. Ready and collected changes name their entry by task id.
 */
export type Change =
  | { readonly _tag: "Insert"; readonly entry: IntentInput; readonly from: ReadonlyArray<State>; readonly at: number }
  | {
    readonly _tag: "Posted"
    readonly correlationKey: string
    readonly from: ReadonlyArray<State>
    readonly taskId: string
    readonly cost: number
    readonly at: number
  }
  | { readonly _tag: "Ready"; readonly taskId: string; readonly from: ReadonlyArray<State>; readonly at: number }
  | {
    readonly _tag: "Collected"
    readonly taskId: string
    readonly from: ReadonlyArray<State>
    readonly at: number
    /** `undefined` when the collector keeps no result in the ledger. */
    readonly result: unknown
  }
  | {
    readonly _tag: "Failed"
    readonly correlationKey: string
    readonly from: ReadonlyArray<State>
    readonly at: number
    readonly code: number
    readonly message: string
    readonly billed: boolean
    readonly taskId: string | undefined
    readonly cost: number | undefined
  }

/**
 * The order in which a store applies changes of different kinds: every valid life follows it, but for a new
 * try (an intent replacing a failure, `canPostAgain`), which `orderedParts` sets apart.
 */
export const changeOrder: ReadonlyArray<Change["_tag"]> = ["Insert", "Posted", "Ready", "Collected", "Failed"]

/**
 * `changes`, in the order planned, cut before each intent that replaces a failure planned earlier in the
 * same part: within a part, applying the changes kind by kind in `changeOrder` gives what applying them
 * one by one would (applied after it, the failure would undo the new try).
 */
export const orderedParts = (changes: ReadonlyArray<Change>): Array<ReadonlyArray<Change>> => {
  const parts: Array<ReadonlyArray<Change>> = []
  let part: Array<Change> = []
  let failed = new Set<string>()
  for (const change of changes) {
    if (change._tag === "Insert" && failed.has(change.entry.correlationKey)) {
      parts.push(part)
      part = []
      failed = new Set()
    }
    if (change._tag === "Failed") failed.add(change.correlationKey)
    part.push(change)
  }
  parts.push(part)
  return parts
}

/**
 * The entries a store knows, looked up by key or task id. Writes of a batch see earlier writes of the batch.
 * A store that applies each write before planning the next (`remember: false`) needs no such memory.
 */
export class View {
  // made at the first put: most writes name one entry, and read it only from the fallback
  private keys: Map<string, Snapshot> | undefined
  private ids: Map<string, Snapshot> | undefined

  constructor(
    private readonly fallbackKey: (key: string) => Snapshot | undefined = () => undefined,
    private readonly fallbackId: (id: string) => Snapshot | undefined = () => undefined,
    private readonly remember = true
  ) {}

  byKey(key: string): Snapshot | undefined {
    return this.keys?.get(key) ?? this.fallbackKey(key)
  }

  byTaskId(id: string): Snapshot | undefined {
    return this.ids?.get(id) ?? this.fallbackId(id)
  }

  put(snapshot: Snapshot): void {
    if (!this.remember) return
    ;(this.keys ??= new Map()).set(snapshot.correlationKey, snapshot)
    if (snapshot.taskId !== undefined) (this.ids ??= new Map()).set(snapshot.taskId, snapshot)
  }
}

// ---------------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------------

/** What a rule says of one entry of a write: change it, keep it as it is (nothing to record), or refuse the write. */
export type Verdict = "change" | "keep" | { readonly refuse: string }

/** The refusal of the transition of `current` (named `ref` by the write) to `to`. */
export const rejection = (ref: string, current: Snapshot | undefined, to: State, reason: string): Rejection =>
  current === undefined ? { ref, to, reason } : { ref, from: current.state, to, reason }

/**
 * Whether an intent recorded for this entry's key is a new try of its task: the entry failed without
 * costing anything and without a task (a POST refused as a whole, a task refused at posting), so posting
 * it again cannot charge it twice. Any other entry keeps its life: its task exists, was billed, or is
 * still to be found out.
 */
export const canPostAgain = (entry: {
  readonly state: State
  readonly taskId?: string | undefined
  readonly failure?: { readonly billed: boolean } | undefined
}): boolean => entry.state === "failed" && entry.taskId === undefined && entry.failure?.billed === false

/**
 * An intent: recorded unless its key has an entry (a resumed run records it again: the first intent wins),
 * or replacing an entry that `canPostAgain`.
 */
export const intentRule = (current: Snapshot | undefined): Verdict =>
  current === undefined || canPostAgain(current) ? "change" : "keep"

/**
 * Posting `taskId` for the entry `current`. An intent takes the id unless another entry holds it (`owner`,
 * asked only then); an entry already posted with that id keeps it; any other id, or none, is refused: a
 * second id for one key is a second, billed, task, never hidden.
 */
export const postedRule = (
  current: Snapshot | undefined,
  taskId: string,
  owner: (taskId: string) => Snapshot | undefined
): Verdict => {
  if (current === undefined) return { refuse: "no intent was recorded for this key" }
  if (current.state === "intent") {
    const holder = owner(taskId)
    return holder !== undefined && holder.correlationKey !== current.correlationKey
      ? { refuse: `task ${taskId} belongs to ${holder.correlationKey}` }
      : "change"
  }
  if (current.taskId === taskId) return "keep"
  return {
    refuse: current.taskId === undefined ? "the task failed before posting" : `already posted as ${current.taskId}`
  }
}

/** A task in tasks_ready: a posted one becomes ready; ready, collected or failed already is a late or repeated signal. */
export const readyRule = (current: Snapshot | undefined): Verdict =>
  current === undefined ? { refuse: "no posted task has this id" } : current.state === "posted" ? "change" : "keep"

/** A result collected: from posted or ready; collected already, nothing to record; failed, refused. */
export const collectedRule = (current: Snapshot | undefined): Verdict =>
  current === undefined
    ? { refuse: "no posted task has this id" }
    : current.state === "posted" || current.state === "ready"
    ? "change"
    : current.state === "failed"
    ? { refuse: "the task already failed" }
    : "keep"

/**
 * A failure, for the entry `current` named `ref`: from any state but collected; failed already, the first
 * failure stays. A task id given must be the entry's own, and owned by no other entry (`owner`).
 */
export const failedRule = (
  current: Snapshot | undefined,
  entry: FailedInput,
  owner: (taskId: string) => Snapshot | undefined
): Verdict => {
  if (current === undefined) {
    return { refuse: "correlationKey" in entry ? "no intent was recorded for this key" : "no posted task has this id" }
  }
  if (current.state === "collected") return { refuse: "the result was already collected" }
  if (current.state === "failed") return "keep"
  if (current.taskId !== undefined && entry.taskId !== undefined && current.taskId !== entry.taskId) {
    return { refuse: `already posted as ${current.taskId}` }
  }
  const holder = entry.taskId === undefined ? undefined : owner(entry.taskId)
  return holder !== undefined && holder.correlationKey !== current.correlationKey
    ? { refuse: `task ${entry.taskId} belongs to ${holder.correlationKey}` }
    : "change"
}

// ---------------------------------------------------------------------------------------------------
// Changes
// ---------------------------------------------------------------------------------------------------

/** The change of a posting the rules accept. */
export const postedChange = (entry: PostedInput, from: ReadonlyArray<State>, now: number): Change => ({
  _tag: "Posted",
  correlationKey: entry.correlationKey,
  from,
  taskId: entry.taskId,
  cost: entry.cost,
  at: entry.postedAt ?? now
})

/** The change of a collected result the rules accept. */
export const collectedChange = (entry: CollectedInput, from: ReadonlyArray<State>, now: number): Change => ({
  _tag: "Collected",
  taskId: entry.taskId,
  from,
  at: now,
  result: entry.result
})

/** The correlation keys and task ids a write names: what a store must load before planning it. */
export const refsOf = (write: Write): { readonly keys: Array<string>; readonly taskIds: Array<string> } => {
  switch (write._tag) {
    case "Intents":
      return { keys: write.entries.map((e) => e.correlationKey), taskIds: [] }
    case "Posted":
      // The ids too: an id already owned by another key must be refused, not hit a unique constraint.
      return { keys: write.entries.map((e) => e.correlationKey), taskIds: write.entries.map((e) => e.taskId) }
    case "Ready":
      return { keys: [], taskIds: [...write.taskIds] }
    case "Collected":
      return { keys: [], taskIds: write.entries.map((e) => e.taskId) }
    case "Failed": {
      const keys: Array<string> = []
      const taskIds: Array<string> = []
      for (const e of write.entries) {
        if ("correlationKey" in e) keys.push(e.correlationKey)
        if (e.taskId !== undefined) taskIds.push(e.taskId)
      }
      return { keys, taskIds }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------------

/** A write being planned: the view as its earlier entries leave it, and what they gave so far. */
interface Draft {
  readonly view: View
  readonly now: number
  readonly touched: Array<Snapshot>
  readonly changes: Array<Change>
  readonly rejected: Array<Rejection>
}

/**
 * Acts on a rule's verdict for the entry `current` (named `ref`): records the refusal, or the change and
 * the entry's new snapshot (`state`, `taskId`).
 */
const judge = (
  draft: Draft,
  ref: string,
  current: Snapshot | undefined,
  to: State,
  verdict: Verdict,
  next: { readonly taskId: string | undefined; readonly failure?: { readonly billed: boolean } },
  change: (current: Snapshot) => Change
): void => {
  if (typeof verdict === "object") {
    draft.rejected.push(rejection(ref, current, to, verdict.refuse))
  } else if (verdict === "change" && current !== undefined) {
    const snapshot = { correlationKey: current.correlationKey, state: to, taskId: next.taskId, failure: next.failure }
    draft.view.put(snapshot)
    draft.touched.push(snapshot)
    draft.changes.push(change(current))
  }
}

/** Plans each entry of `write` by its rule, into `draft`. */
const planEntries = (draft: Draft, write: Write): void => {
  const { now, view } = draft
  const owner = (id: string) => view.byTaskId(id)
  switch (write._tag) {
    case "Intents":
      for (const entry of write.entries) {
        const current = view.byKey(entry.correlationKey)
        if (intentRule(current) !== "change") continue
        const snapshot = { correlationKey: entry.correlationKey, state: "intent" as const }
        view.put(snapshot)
        draft.touched.push(snapshot)
        draft.changes.push({ _tag: "Insert", entry, from: current === undefined ? [] : [current.state], at: now })
      }
      return
    case "Posted":
      for (const entry of write.entries) {
        const current = view.byKey(entry.correlationKey)
        const verdict = postedRule(current, entry.taskId, owner)
        judge(
          draft,
          entry.correlationKey,
          current,
          "posted",
          verdict,
          entry,
          (c) => postedChange(entry, [c.state], now)
        )
      }
      return
    case "Ready":
      for (const taskId of write.taskIds) {
        const current = view.byTaskId(taskId)
        judge(
          draft,
          taskId,
          current,
          "ready",
          readyRule(current),
          { taskId },
          (c) => ({ _tag: "Ready", taskId, from: [c.state], at: now })
        )
      }
      return
    case "Collected":
      for (const entry of write.entries) {
        const current = view.byTaskId(entry.taskId)
        const verdict = collectedRule(current)
        judge(draft, entry.taskId, current, "collected", verdict, entry, (c) => collectedChange(entry, [c.state], now))
      }
      return
    case "Failed":
      for (const entry of write.entries) {
        const byKey = "correlationKey" in entry
        const current = byKey ? view.byKey(entry.correlationKey) : view.byTaskId(entry.taskId)
        const taskId = current?.taskId ?? entry.taskId
        judge(
          draft,
          byKey ? entry.correlationKey : entry.taskId,
          current,
          "failed",
          failedRule(current, entry, owner),
          {
            taskId,
            failure: { billed: entry.billed }
          },
          (c) => ({
            _tag: "Failed",
            correlationKey: c.correlationKey,
            from: [c.state],
            at: now,
            code: entry.code,
            message: entry.message,
            billed: entry.billed,
            taskId: c.taskId === undefined ? entry.taskId : undefined,
            cost: entry.cost
          })
        )
      }
      return
  }
}

/**
 * The error of a refused write. The rules built its rejections, so they are not validated again. It has no
 * stack: it is an answer about the data, and capturing the fiber's frames cost more than the whole plan.
 */
const refusal = (rejected: Arr.NonEmptyArray<Rejection>): InvalidTransition => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  const error = new InvalidTransition({ rejected }, true)
  Error.stackTraceLimit = limit
  return error
}

/**
 * Plans one write against `view`. On success the view holds the new snapshots, and the changes are
 * returned in the order given; on refusal the view is untouched and nothing of the write may be applied.
 * Each entry is planned as the entries before it in the write leave things (a key posted twice, an id
 * named twice).
 */
export const plan = (write: Write, view: View, now: number): Either.Either<Array<Change>, InvalidTransition> => {
  const draft: Draft = {
    view: new View((key) => view.byKey(key), (id) => view.byTaskId(id)),
    now,
    touched: [],
    changes: [],
    rejected: []
  }
  planEntries(draft, write)
  if (Arr.isNonEmptyArray(draft.rejected)) return Either.left(refusal(draft.rejected))
  for (const snapshot of draft.touched) view.put(snapshot)
  return Either.right(draft.changes)
}
