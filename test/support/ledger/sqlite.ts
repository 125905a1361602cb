/**
 * Test helpers: a SQLite ledger in a fresh temporary directory, removed when the scope closes.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TaskLedgerSqlite from "../../../src/TaskLedgerSqlite.js"

/** A temporary directory for the duration of the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "dataforseo-ledger-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** A SQLite ledger on a new file in a temporary directory. */
export const layerTempSqlite = (options: Omit<TaskLedgerSqlite.SqliteOptions, "filename"> = {}) =>
  Layer.unwrapScoped(
    Effect.map(tempDir, (dir) => TaskLedgerSqlite.layerSqlite({ ...options, filename: join(dir, "ledger.sqlite") }))
  )
