/**
 * The task ledger in a SQLite file: `SqliteClient` (WAL journal) + migrations + `TaskLedgerSql`, in one
 * layer. The embedded default for any run that must survive a crash. It needs `@effect/sql-sqlite-node`;
 * `TaskLedgerSql` alone does not, so a PostgreSQL user need not install SQLite.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TaskLedger } from "effect-dataforseo"
 * import * as TaskLedgerSqlite from "effect-dataforseo/TaskLedgerSqlite"
 *
 * const program = Effect.gen(function*() {
 *   const ledger = yield* TaskLedger.TaskLedger
 *   const lost = yield* ledger.unknownIntents()
 *   // ... reconcile `lost` with id_list ...
 * }).pipe(Effect.provide(TaskLedgerSqlite.layerSqlite({ filename: "ledger.sqlite" })))
 * ```
 *
 * @since 0.1.0
 */
import type * as Migrator from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/ledger/sqlite.js"
import type { TaskLedger } from "./TaskLedger.js"
import type { Options } from "./TaskLedgerSql.js"

/** Options of the SQLite ledger. */
export interface SqliteOptions extends Options {
  /** The database file; created if missing. */
  readonly filename: string
  /**
   * `"full"` (default): a commit survives a power loss. `"normal"`: a commit survives a crash of the
   * process, not of the machine; commits are cheaper.
   */
  readonly synchronous?: "full" | "normal" | undefined
  /** How long to wait for another process's write lock, in ms (default 5,000). */
  readonly busyTimeout?: number | undefined
}

/**
 * The ledger in a SQLite file: `SqliteClient` (WAL journal) + migrations + ledger, in one layer. A file
 * that cannot be opened or set up fails the layer with a `SqlError` or `MigrationError` that names it.
 *
 * @since 0.1.0
 */
export const layerSqlite: (
  options: SqliteOptions
) => Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError | ConfigError.ConfigError> = internal.layerSqlite

/**
 * `layerSqlite` from configuration; by default the file comes from `DATAFORSEO_LEDGER_FILE`, and `synchronous`
 * from `DATAFORSEO_LEDGER_SYNC` (`full`, the default, or `normal`: a cheaper commit on a disk, safe
 * from a crash of the process but not of the machine).
 *
 * @since 0.1.0
 */
export const layerSqliteConfig: (
  config?: Config.Config.Wrap<SqliteOptions>
) => Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError | ConfigError.ConfigError> = internal.layerSqliteConfig
