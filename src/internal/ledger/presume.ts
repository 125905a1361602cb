/**
 * The SQL store's fast path, derived from the ledger's rules: the changes of a group of writes of the
 * usual life, planned from the states in which the rules change an entry instead of states read.
 *
 * @since 0.1.0
 * @internal
 */
import { State } from "../../TaskLedgerEntry.js"
import {
  type Change,
  changeOrder,
  collectedChange,
  collectedRule,
  postedChange,
  postedRule,
  readyRule,
  type Snapshot,
  type Verdict,
  type Write
} from "./plan.js"

/** The states from which `rule` changes an entry, found by asking it of an entry in each state. */
const changedBy = (rule: (current: Snapshot) => Verdict): ReadonlyArray<State> =>
  State.literals.filter((state) =>
    rule({ correlationKey: "", state, taskId: state === "intent" ? undefined : "", failure: undefined }) === "change"
  )

/**
 * The states from which the rules change an entry named by a write of the usual life: what the fast
 * path presumes, and guards on. An intent presumes no entry (`intentRule` records a new key).
 */
export const presumedFrom = {
  Insert: [],
  Posted: changedBy((current) => postedRule(current, "", () => undefined)),
  Ready: changedBy(readyRule),
  Collected: changedBy(collectedRule)
} satisfies Record<string, ReadonlyArray<State>>

/**
 * The changes of a group of writes if every entry they name is where the rules change it (`presumedFrom`),
 * read from nothing. A store applies them kind by kind, each row guarded by its presumed states, and
 * plans from what it reads if any guard fails. `undefined` when the group cannot be presumed: a failure,
 * or a key or task id named twice (a repeat, or calls whose order kind by kind would not keep).
 */
export const presume = (writes: ReadonlyArray<Write>, now: number): Array<Change> | undefined => {
  const changes: Array<Change> = []
  // The rank (in `changeOrder`) of the last kind that named each key and each task id.
  const keys = new Map<string, number>()
  const ids = new Map<string, number>()
  // Each key and id is named once per kind at most, and by kinds in the order of a life.
  const once = (named: Map<string, number>, ref: string, kind: Change["_tag"]) => {
    const rank = changeOrder.indexOf(kind)
    const last = named.get(ref)
    if (last !== undefined && last >= rank) return false
    named.set(ref, rank)
    return true
  }
  for (const write of writes) {
    switch (write._tag) {
      case "Intents":
        for (const entry of write.entries) {
          if (!once(keys, entry.correlationKey, "Insert")) return undefined
          changes.push({ _tag: "Insert", entry, from: presumedFrom.Insert, at: now })
        }
        break
      case "Posted":
        for (const entry of write.entries) {
          if (!once(keys, entry.correlationKey, "Posted") || !once(ids, entry.taskId, "Posted")) return undefined
          changes.push(postedChange(entry, presumedFrom.Posted, now))
        }
        break
      case "Ready":
        for (const taskId of write.taskIds) {
          if (!once(ids, taskId, "Ready")) return undefined
          changes.push({ _tag: "Ready", taskId, from: presumedFrom.Ready, at: now })
        }
        break
      case "Collected":
        for (const entry of write.entries) {
          if (!once(ids, entry.taskId, "Collected")) return undefined
          changes.push(collectedChange(entry, presumedFrom.Collected, now))
        }
        break
      case "Failed":
        return undefined
    }
  }
  return changes
}
