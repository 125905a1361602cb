/**
 * Child process of the SIGKILL test: `node --import tsx test/support/ledger/crash-writer.ts <file>`.
 * Several fibers record intents, then posted ids, in batches of 10, forever. After each write returns
 * (that is, after its commit) the child prints what is now durable:
 *   `intents <batch>`: keys `<batch>-0` .. `<batch>-9` are recorded;
 *   `posted <batch>`:  the same keys are posted with ids `crashTaskId(<batch>, j)`.
 * The parent kills it with SIGKILL at a random moment and checks that every acknowledged row is there.
 */
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import { TaskLedger } from "../../../src/TaskLedger.js"
import * as TaskLedgerSqlite from "../../../src/TaskLedgerSqlite.js"

/** Keys of one batch of the crash writer. */
export const crashKeys = (batch: string) => Arr.range(0, 9).map((j) => `${batch}-${j}`)

/** The task id the crash writer records for key `j` of `batch`. */
export const crashTaskId = (batch: string, j: number) => `crash-${batch}-${j}`

const filename = process.argv[2]
if (filename !== undefined && process.argv[1]?.endsWith("crash-writer.ts")) {
  const writer = (fiber: number) =>
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      for (let n = 0;; n++) {
        const batch = `w${fiber}-b${n}`
        const keys = crashKeys(batch)
        yield* ledger.recordIntents(keys.map((correlationKey) => ({
          correlationKey,
          runId: "crash",
          engine: "google/organic",
          request: { keyword: correlationKey, padding: "x".repeat(200) }
        })))
        process.stdout.write(`intents ${batch}\n`)
        yield* ledger.recordPosted(keys.map((correlationKey, j) => ({
          correlationKey,
          taskId: crashTaskId(batch, j),
          cost: 0.0006
        })))
        process.stdout.write(`posted ${batch}\n`)
      }
    })
  Effect.forEach(Arr.range(0, 3), writer, { concurrency: "unbounded", discard: true }).pipe(
    Effect.provide(TaskLedgerSqlite.layerSqlite({ filename })),
    Effect.runFork
  )
}
