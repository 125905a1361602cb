/**
 * The task ledger in SQL, through `@effect/sql`: SQLite (a file, WAL mode) is the embedded default for
 * any run that must survive a crash; the same statements run on PostgreSQL for several workers sharing
 * one account (plain SQL only: `INSERT ... ON CONFLICT`, `UPDATE ... FROM (VALUES ...)`, `RETURNING`).
 *
 * Write-ahead: a write resolves only after its transaction has committed, so an intent is durable before
 * its POST is sent and a task id is durable before anyone is told the task was posted. A write, once
 * queued, is carried out even if its caller is interrupted while waiting for the commit.
 *
 * Writes from every fiber go through one queue. A single writer takes whatever is waiting (up to
 * `maxWritesPerTransaction` calls) and writes it in one transaction, so many fibers recording one task
 * each cost one commit, not one commit each. A group that changes a single row is one statement, atomic by
 * itself, and runs without BEGIN and COMMIT around it. Both paths apply the changes of the ledger's one state
 * machine, one multi-row statement per kind of change, each row guarded by the states it must be in
 * (`WHERE state IN (...)`, checked with `RETURNING`; a new intent by its key being free):
 *
 * - fast: when the calls follow the usual life (new intents, intents posted, posted tasks ready or
 *   collected), each entry is presumed in a state from which the rules change it. No read at all.
 * - slow: when the group holds a failure or a repeat, or a guard did not match: the transaction is rolled
 *   back and redone by reading the states of every named entry, planning each call with the state
 *   machine (a call asking for an impossible transition is refused alone), and writing what was accepted,
 *   guarded by the state read, so that a row changed by another process meanwhile fails the
 *   transaction instead of taking a wrong transition.
 *
 * This module needs `@effect/sql` only. The SQLite file layers are in `TaskLedgerSqlite`.
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
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as sql from "./internal/ledger/sql.js"
import * as table from "./internal/ledger/sqlTable.js"
import { TaskLedger } from "./TaskLedger.js"

/** The ledger's table. */
export const tableName: "dataforseo_task_ledger" = table.tableName

/** The table in which `@effect/sql`'s migrator records the ledger's migrations. */
export const migrationsTable: "effect_dataforseo_migrations" = table.migrationsTable

/** One row of the ledger table, column by column, as the SQL store reads and writes it. */
export const Row = table.Row

/** @see Row */
export interface Row extends table.Row {}

/** A ledger row decoded to an `Entry`, and back. */
export const EntryFromRow = table.EntryFromRow

/**
 * The ledger's migrations, for `@effect/sql`'s `Migrator`. Plain SQL that SQLite and PostgreSQL both
 * accept. The CHECKs keep the invariants even against a hand-written UPDATE: a known state, and a task
 * id on every entry that was posted.
 */
export const migrations: Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> = table.migrations

/**
 * Brings the ledger's table up to date. `layer` and `TaskLedgerSqlite.layerSqlite` run it; run it yourself
 * only with `layerWithoutMigrations`. A migration that fails is a `MigrationError` (the `Migrator` makes it
 * a defect; a database the ledger cannot use is no bug of the program).
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> = table.migrate

/** Options of the SQL store. */
export interface Options {
  /** How many concurrent write calls one transaction may take (default 256). */
  readonly maxWritesPerTransaction?: number | undefined
}

/**
 * Builds the SQL ledger on the `SqlClient` in context. The table must exist (see `migrate`).
 *
 * @since 0.1.0
 */
export const make: (options?: Options) => Effect.Effect<TaskLedger.Service, never, SqlClient.SqlClient | Scope.Scope> =
  sql.make

/**
 * The SQL ledger on the `SqlClient` in context, after running its migrations.
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options = {}
): Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError, SqlClient.SqlClient> =>
  Layer.scoped(TaskLedger, Effect.zipRight(migrate, make(options)))

/**
 * The SQL ledger on the `SqlClient` in context, for databases whose migrations are run elsewhere
 * (include `migrations` in your own migrator).
 *
 * @since 0.1.0
 */
export const layerWithoutMigrations = (options: Options = {}): Layer.Layer<TaskLedger, never, SqlClient.SqlClient> =>
  Layer.scoped(TaskLedger, make(options))
