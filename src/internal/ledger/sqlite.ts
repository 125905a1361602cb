/**
 * The SQLite layers of the task ledger: the SQLite client on a file, set up for the ledger, with the
 * file's name in every error met while opening it.
 *
 * @since 0.1.0
 * @internal
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { TaskLedger } from "../../TaskLedger.js"
import type { SqliteOptions } from "../../TaskLedgerSqlite.js"
import { make } from "./sql.js"
import { migrate } from "./sqlTable.js"

// The message of an error and of its cause, if it has one: "Failed to execute statement" says little alone.
const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause: unknown = error.cause
  return cause instanceof Error && cause.message !== error.message && !error.message.includes(cause.message)
    ? `${error.message.trim()}: ${reasonOf(cause)}`
    : error.message.trim()
}

/**
 * The SQLite client on `filename`. The client throws when it cannot open the file (a missing directory, a
 * place where no file can be created, a file that is not a database): a defect, made here a `SqlError`
 * that names the file.
 */
const sqliteClient = (filename: string): Layer.Layer<SqlClient.SqlClient, SqlError | ConfigError.ConfigError> =>
  SqliteClient.layer({ filename }).pipe(
    Layer.catchAllCause((cause): Layer.Layer<SqlClient.SqlClient, SqlError | ConfigError.ConfigError> =>
      Option.match(Cause.dieOption(cause), {
        onNone: () => Layer.failCause(cause),
        onSome: (defect) =>
          Layer.fail(
            new SqlError({ message: `cannot open the SQLite ledger ${filename}: ${reasonOf(defect)}`, cause: defect })
          )
      })
    )
  )

/** An error met while setting up the ledger in `filename`, its message naming the file. */
const inFile =
  (filename: string) => (error: SqlError | Migrator.MigrationError): SqlError | Migrator.MigrationError => {
    const message = `SQLite ledger ${filename}: ${reasonOf(error)}`
    return error._tag === "SqlError"
      ? new SqlError({ message, cause: error })
      : new Migrator.MigrationError({ reason: error.reason, message, cause: error })
  }

/** The ledger in a SQLite file. @see TaskLedgerSqlite.layerSqlite */
export const layerSqlite = (
  options: SqliteOptions
): Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError | ConfigError.ConfigError> =>
  Layer.scoped(
    TaskLedger,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // SqliteClient already sets `journal_mode = WAL`; these two are per connection, so set them here.
      yield* sql.unsafe(`PRAGMA synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`)
      yield* sql.unsafe(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeout ?? 5_000))}`)
      yield* migrate
    }).pipe(
      Effect.mapError(inFile(options.filename)),
      Effect.zipRight(make(options))
    )
  ).pipe(Layer.provide(sqliteClient(options.filename)))

/** The default configuration: the file from `DATAFORSEO_LEDGER_FILE`, `synchronous` from `DATAFORSEO_LEDGER_SYNC`. */
const fromEnvironment: Config.Config.Wrap<SqliteOptions> = {
  filename: Config.string("DATAFORSEO_LEDGER_FILE"),
  synchronous: Config.literal("full", "normal")("DATAFORSEO_LEDGER_SYNC").pipe(
    Config.option,
    Config.map(Option.getOrUndefined)
  )
}

/** `layerSqlite` from configuration. @see TaskLedgerSqlite.layerSqliteConfig */
export const layerSqliteConfig = (
  config: Config.Config.Wrap<SqliteOptions> = fromEnvironment
): Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layerSqlite))
