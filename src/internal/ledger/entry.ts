/**
 * What a change of the state machine makes of an entry: the memory store records it on its entries, and
 * the SQL store writes the same columns (a new intent through `newEntry`).
 *
 * @since 0.1.0
 * @internal
 */
import type { Mutable } from "effect/Types"
import type { Entry } from "../../TaskLedgerEntry.js"
import type { Change } from "./plan.js"

/** The entry a new intent records. The memory store keeps it; the SQL store writes it as a row. */
export const newEntry = (change: Extract<Change, { readonly _tag: "Insert" }>): Entry => ({
  correlationKey: change.entry.correlationKey,
  runId: change.entry.runId,
  engine: change.entry.engine,
  request: change.entry.request,
  state: "intent",
  intentAt: change.at,
  ...(change.entry.tag === undefined ? {} : { tag: change.entry.tag })
})

/**
 * Records on `entry` a change other than an intent, in place: the memory store keeps one record per key
 * and hands out copies. Only the fields the change sets are touched; a field an entry lacks stays absent.
 */
export const applyChange = (entry: Mutable<Entry>, change: Exclude<Change, { readonly _tag: "Insert" }>): void => {
  entry.state = change._tag === "Posted"
    ? "posted"
    : change._tag === "Ready"
    ? "ready"
    : change._tag === "Collected"
    ? "collected"
    : "failed"
  switch (change._tag) {
    case "Posted":
      entry.taskId = change.taskId
      entry.cost = change.cost
      entry.postedAt = change.at
      return
    case "Ready":
      entry.readyAt = change.at
      return
    case "Collected":
      entry.collectedAt = change.at
      if (change.result !== undefined) entry.result = change.result
      return
    case "Failed":
      entry.failedAt = change.at
      entry.failure = { code: change.code, message: change.message, billed: change.billed }
      if (change.taskId !== undefined) entry.taskId = change.taskId
      if (change.cost !== undefined) entry.cost = change.cost
      return
  }
}
