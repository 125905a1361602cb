import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { TaskLedger } from "../src/TaskLedger.js"
import * as TaskLedgerSqlite from "../src/TaskLedgerSqlite.js"
import { tempDir } from "./support/ledger/sqlite.js"

const intent = (key: string) => ({
  correlationKey: key,
  runId: "run-1",
  engine: "naver/organic",
  request: { keyword: key, depth: 15 }
})

describe("TaskLedgerSqlite", () => {
  it.scoped("layerSqlite leaves the file in WAL mode", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "ledger.sqlite")
      yield* Effect.provide(Effect.void, TaskLedgerSqlite.layerSqlite({ filename }))
      // journal_mode is stored in the file: a client that does not ask for WAL still finds it.
      const journal = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql.unsafe<{ readonly journal_mode: string }>("PRAGMA journal_mode")
      }).pipe(Effect.provide(SqliteClient.layer({ filename, disableWAL: true })))
      expect(journal).toEqual([{ journal_mode: "wal" }])
    }))

  it.scoped("layerSqliteConfig reads the file from DATAFORSEO_LEDGER_FILE", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "from-config.sqlite")
      yield* Effect.gen(function*() {
        const ledger = yield* TaskLedger
        yield* ledger.recordIntents([intent("c")])
      }).pipe(
        Effect.provide(TaskLedgerSqlite.layerSqliteConfig()),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["DATAFORSEO_LEDGER_FILE", filename]])))
      )
      const found = yield* Effect.gen(function*() {
        const ledger = yield* TaskLedger
        return yield* ledger.byCorrelationKey("c")
      }).pipe(Effect.provide(TaskLedgerSqlite.layerSqlite({ filename })))
      expect(Option.map(found, (e) => e.request)).toEqual(Option.some({ keyword: "c", depth: 15 }))
    }))

  it.scoped("layerSqliteConfig takes synchronous from DATAFORSEO_LEDGER_SYNC, full or normal", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "sync.sqlite")
      const withSync = (sync: string) =>
        Effect.flatMap(TaskLedger, (ledger) => ledger.recordIntents([intent(`sync ${sync}`)])).pipe(
          Effect.provide(TaskLedgerSqlite.layerSqliteConfig()),
          Effect.withConfigProvider(ConfigProvider.fromMap(
            new Map([["DATAFORSEO_LEDGER_FILE", filename], ["DATAFORSEO_LEDGER_SYNC", sync]])
          ))
        )
      yield* withSync("normal")
      yield* withSync("full")
      const refused = yield* Effect.flip(withSync("fast"))
      expect(String(refused)).toContain("DATAFORSEO_LEDGER_SYNC")
    }))

  // What the layer fails with when it cannot open the file: a typed error, never a defect (`flip` lets a
  // defect through, and the test fails with it).
  const openFailure = <E extends { readonly message: string }>(layer: Layer.Layer<TaskLedger, E>) =>
    Effect.flip(Effect.provide(Effect.void, layer)).pipe(
      Effect.map((error) => ({
        tag: Predicate.hasProperty(error, "_tag") ? error._tag : undefined,
        message: error.message
      }))
    )

  it.scoped("a file it cannot open is a typed SqlError naming the file: missing directory, read-only place, not a database", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "plain"), "a regular file")
      const junk = join(dir, "junk.sqlite")
      writeFileSync(junk, Buffer.alloc(8192, 0x5a))
      // Root ignores a directory's write bits: /proc refuses new files even to root, and so does a path
      // under a regular file.
      const cases = [
        [join(dir, "missing", "ledger.sqlite"), "directory does not exist"],
        [join(dir, "plain", "ledger.sqlite"), "unable to open database file"],
        ["/proc/dataforseo-ledger.sqlite", "unable to open database file"],
        [junk, "file is not a database"]
      ] as const
      for (const [filename, reason] of cases) {
        const failure = yield* openFailure(TaskLedgerSqlite.layerSqlite({ filename }))
        expect(failure.tag).toBe("SqlError")
        expect(failure.message).toContain(filename)
        expect(failure.message).toContain(reason)
      }
    }))

  it.scoped("layerSqliteConfig names the file too", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "junk.sqlite")
      writeFileSync(filename, Buffer.alloc(8192, 0x5a))
      const failure = yield* openFailure(TaskLedgerSqlite.layerSqliteConfig()).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["DATAFORSEO_LEDGER_FILE", filename]])))
      )
      expect(failure.tag).toBe("SqlError")
      expect(failure.message).toContain(filename)
    }))

  it.scoped("a migration that fails is a typed MigrationError naming the file, not a defect", () =>
    Effect.gen(function*() {
      const filename = join(yield* tempDir, "other.sqlite")
      // a database of another program, with a table of the ledger's name
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE dataforseo_task_ledger (id INTEGER PRIMARY KEY)`
      }).pipe(Effect.provide(SqliteClient.layer({ filename })))
      const failure = yield* openFailure(TaskLedgerSqlite.layerSqlite({ filename }))
      expect(failure.tag).toBe("MigrationError")
      expect(failure.message).toContain(filename)
      expect(failure.message).toContain("already exists")
    }))
})
