import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { TaskLedger } from "../src/TaskLedger.js"
import * as TaskLedgerSql from "../src/TaskLedgerSql.js"
import * as TaskLedgerSqlite from "../src/TaskLedgerSqlite.js"
import { crashKeys, crashTaskId } from "./support/ledger/crash-writer.js"
import { tempDir } from "./support/ledger/sqlite.js"

// The ledger on a file, with the SqlClient beside it so that a test can look at the rows themselves.
const layerWithClient = (filename: string) =>
  TaskLedgerSql.layer().pipe(Layer.provideMerge(SqliteClient.layer({ filename })))

const intent = (key: string) => ({
  correlationKey: key,
  runId: "run-1",
  engine: "naver/organic",
  request: { keyword: key, depth: 15 }
})

describe("TaskLedgerSql", () => {
  it.scoped("keeps entries across a restart and runs its migration once", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "ledger.sqlite")
      yield* Effect.gen(function*() {
        const ledger = yield* TaskLedger
        yield* ledger.recordIntents([intent("a"), intent("b")])
        yield* ledger.recordPosted([{ correlationKey: "a", taskId: "id-a", cost: 0.0006 }])
      }).pipe(Effect.provide(TaskLedgerSqlite.layerSqlite({ filename })))

      yield* Effect.gen(function*() {
        const ledger = yield* TaskLedger
        const sql = yield* SqlClient.SqlClient
        expect((yield* ledger.unknownIntents()).map((e) => e.correlationKey)).toEqual(["b"])
        expect(Option.map(yield* ledger.byTaskId("id-a"), (e) => e.state)).toEqual(Option.some("posted"))
        const migrations = yield* sql<{ readonly migration_id: number; readonly name: string }>`
          SELECT migration_id, name FROM effect_dataforseo_migrations`
        expect(migrations).toEqual([{ migration_id: 1, name: "create_task_ledger" }])
      }).pipe(Effect.provide(layerWithClient(filename)))
    }))

  it.scoped("the table refuses a posted row without a task id", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "ledger.sqlite")
      const outcome = yield* Effect.gen(function*() {
        const ledger = yield* TaskLedger
        const sql = yield* SqlClient.SqlClient
        yield* ledger.recordIntents([intent("d")])
        return yield* Effect.either(sql`UPDATE dataforseo_task_ledger SET state = 'posted' WHERE correlation_key = 'd'`)
      }).pipe(Effect.provide(layerWithClient(filename)))
      expect(outcome._tag).toBe("Left")
    }))

  it.scoped(
    "a writer killed with SIGKILL leaves a ledger that opens and holds every acknowledged row",
    () =>
      Effect.gen(function*() {
        const filename = join(yield* tempDir, "crash.sqlite")
        const lines = yield* Effect.async<ReadonlyArray<string>, Error>((resume) => {
          const child = spawn(process.execPath, ["--import", "tsx", "test/support/ledger/crash-writer.ts", filename], {
            stdio: ["ignore", "pipe", "inherit"]
          })
          let output = ""
          let acked = 0
          // Kill at a moment that depends on the write rate, not on a fixed count of batches.
          const killAfter = 150 + Math.floor(Math.random() * 150)
          const deadline = setTimeout(() => child.kill("SIGKILL"), 8_000)
          child.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString("utf8")
            acked = output.split("\n").length - 1
            if (acked >= killAfter) child.kill("SIGKILL")
          })
          child.on("error", (error) => resume(Effect.fail(error)))
          child.on("close", (_code, signal) => {
            clearTimeout(deadline)
            resume(
              signal === "SIGKILL"
                ? Effect.succeed(output.split("\n").filter((line) => line.length > 0))
                : Effect.fail(new Error(`crash writer ended with ${String(signal ?? _code)} instead of SIGKILL`))
            )
          })
          return Effect.sync(() => child.kill("SIGKILL"))
        })

        const intents = lines.filter((l) => l.startsWith("intents ")).map((l) => l.slice("intents ".length))
        const posted = lines.filter((l) => l.startsWith("posted ")).map((l) => l.slice("posted ".length))
        expect(intents.length).toBeGreaterThan(10)

        const report = yield* Effect.gen(function*() {
          const ledger = yield* TaskLedger
          const sql = yield* SqlClient.SqlClient
          expect(yield* sql.unsafe("PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])

          // Every acknowledged row is there, in (at least) the acknowledged state.
          for (const batch of intents) {
            for (const key of crashKeys(batch)) {
              expect(Option.isSome(yield* ledger.byCorrelationKey(key))).toBe(true)
            }
          }
          for (const batch of posted) {
            for (const [j, key] of crashKeys(batch).entries()) {
              const entry = Option.getOrThrow(yield* ledger.byCorrelationKey(key))
              expect({ state: entry.state, taskId: entry.taskId }).toEqual({
                state: "posted",
                taskId: crashTaskId(batch, j)
              })
            }
          }

          // Every row decodes and is consistent: each is an intent or a posted task with its id.
          const unknown = yield* ledger.unknownIntents({ runId: "crash" })
          const open = yield* ledger.uncollected({ runId: "crash" })
          const cost = yield* ledger.costByRun("crash")
          expect(unknown.length + open.length).toBe(cost.tasks)
          expect(open.every((e) => e.state === "posted" && e.taskId !== undefined && e.cost === 0.0006)).toBe(true)
          expect(unknown.every((e) => e.taskId === undefined)).toBe(true)
          expect(cost.created).toBe(open.length)
          // Rows come in whole batches of 10: a transaction is never half there.
          expect(cost.tasks % 10).toBe(0)
          expect(open.length % 10).toBe(0)

          // And the ledger keeps working: resolve the unknown intents as a restart would.
          yield* ledger.recordFailed(
            unknown.map((e) => ({
              correlationKey: e.correlationKey,
              code: 50000,
              message: "not created",
              billed: false
            }))
          )
          expect(yield* ledger.unknownIntents({ runId: "crash" })).toEqual([])
          return {
            ackedIntents: intents.length * 10,
            ackedPosted: posted.length * 10,
            found: cost.tasks,
            foundPosted: open.length
          }
        }).pipe(Effect.provide(layerWithClient(filename)))

        expect(report.found).toBeGreaterThanOrEqual(report.ackedIntents)
        expect(report.foundPosted).toBeGreaterThanOrEqual(report.ackedPosted)
        console.info(`crash test: ${JSON.stringify(report)}`)
      }),
    { timeout: 20_000 }
  )
})
