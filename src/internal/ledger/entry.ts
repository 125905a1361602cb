/**
 * What a change of the state machine makes of an entry: the memory store keeps these entries, and the
 * SQL store writes the same columns.
 *
 * @since 0.1.0
 * @internal
 */
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

/** The entry a change other than an intent makes of the entry it names. The SQL store writes the same columns. */
export const entryAfter = (before: Entry, change: Exclude<Change, { readonly _tag: "Insert" }>): Entry => {
  switch (change._tag) {
    case "Posted":
      return { ...before, state: "posted", taskId: change.taskId, cost: change.cost, postedAt: change.at }
    case "Ready":
      return { ...before, state: "ready", readyAt: change.at }
    case "Collected":
      return { ...before, state: "collected", collectedAt: change.at, ...(change.result === undefined ? {} : { result: change.result }) }
    case "Failed":
      return {
        ...before,
        state: "failed",
        failedAt: change.at,
        failure: { code: change.code, message: change.message, billed: change.billed },
        ...(change.taskId === undefined ? {} : { taskId: change.taskId }),
        ...(change.cost === undefined ? {} : { cost: change.cost })
      }
  }
}
