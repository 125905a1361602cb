/**
 * The ledger's table in SQL: its row schema, the mapping of a row to an `Entry` (the only one: reads
 * decode through it and inserts encode through it), and the migrations that create it.
 *
 * @since 0.1.0
 * @internal
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Entry, JsonObject, State } from "../../TaskLedgerEntry.js"

/** The ledger's table. */
export const tableName = "dataforseo_task_ledger"

/** The table in which `@effect/sql`'s migrator records the ledger's migrations. */
export const migrationsTable = "effect_dataforseo_migrations"

/** A number column as either database returns it: SQLite a number, PostgreSQL BIGINT and COUNT(*) a string. */
export const SqlNumber = Schema.Union(Schema.Number, Schema.NumberFromString)

const BooleanFromInt = Schema.transform(SqlNumber, Schema.Boolean, {
  strict: true,
  decode: (n) => n !== 0,
  encode: (b) => (b ? 1 : 0)
})

/** One row of the ledger table, column by column, as the SQL store reads and writes it. */
export const Row = Schema.Struct({
  correlation_key: Schema.String,
  run_id: Schema.String,
  engine: Schema.String,
  request: Schema.parseJson(JsonObject),
  tag: Schema.NullOr(Schema.String),
  state: State,
  task_id: Schema.NullOr(Schema.String),
  cost: Schema.NullOr(SqlNumber),
  intent_at: SqlNumber,
  posted_at: Schema.NullOr(SqlNumber),
  ready_at: Schema.NullOr(SqlNumber),
  collected_at: Schema.NullOr(SqlNumber),
  failed_at: Schema.NullOr(SqlNumber),
  failure_code: Schema.NullOr(SqlNumber),
  failure_message: Schema.NullOr(Schema.String),
  failure_billed: Schema.NullOr(BooleanFromInt),
  result: Schema.NullOr(Schema.parseJson())
})

/** @see Row */
export interface Row extends Schema.Schema.Type<typeof Row> {}

/** SQL NULL as an absent field. */
export const orUndefined = <A>(a: A | null): A | undefined => (a === null ? undefined : a)
/** An absent field as SQL NULL. */
export const orNull = <A>(a: A | undefined): A | null => (a === undefined ? null : a)

/** The entry of a row: the one mapping of columns to fields, used by `EntryFromRow`. */
const entryOfRow = (row: Row): Entry => ({
  correlationKey: row.correlation_key,
  runId: row.run_id,
  engine: row.engine,
  request: row.request,
  tag: orUndefined(row.tag),
  state: row.state,
  taskId: orUndefined(row.task_id),
  cost: orUndefined(row.cost),
  intentAt: row.intent_at,
  postedAt: orUndefined(row.posted_at),
  readyAt: orUndefined(row.ready_at),
  collectedAt: orUndefined(row.collected_at),
  failedAt: orUndefined(row.failed_at),
  failure: row.failure_code === null
    ? undefined
    : { code: row.failure_code, message: row.failure_message ?? "", billed: row.failure_billed ?? false },
  result: orUndefined(row.result)
})

/** The row of an entry: the one mapping of fields to columns, used by `EntryFromRow` and to insert intents. */
export const rowOfEntry = (entry: Entry): Row => ({
  correlation_key: entry.correlationKey,
  run_id: entry.runId,
  engine: entry.engine,
  request: entry.request,
  tag: orNull(entry.tag),
  state: entry.state,
  task_id: orNull(entry.taskId),
  cost: orNull(entry.cost),
  intent_at: entry.intentAt,
  posted_at: orNull(entry.postedAt),
  ready_at: orNull(entry.readyAt),
  collected_at: orNull(entry.collectedAt),
  failed_at: orNull(entry.failedAt),
  failure_code: entry.failure === undefined ? null : entry.failure.code,
  failure_message: entry.failure === undefined ? null : entry.failure.message,
  failure_billed: entry.failure === undefined ? null : entry.failure.billed,
  result: orNull(entry.result)
})

/** A ledger row decoded to an `Entry`, and back. */
export const EntryFromRow = Schema.transform(Row, Entry, { strict: true, decode: entryOfRow, encode: rowOfEntry })

/** The columns of a new intent (the others are NULL): what an insert writes. */
export const IntentRow = Row.pick("correlation_key", "run_id", "engine", "request", "tag", "state", "intent_at")

/**
 * The ledger's migrations, for `@effect/sql`'s `Migrator`. Plain SQL that SQLite and PostgreSQL both
 * accept. The CHECKs keep the invariants even against a hand-written UPDATE: a known state, and a task
 * id on every entry that was posted.
 */
export const migrations: Record<string, Effect.Effect<void, SqlError, SqlClient.SqlClient>> = {
  "1_create_task_ledger": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE dataforseo_task_ledger (
      correlation_key TEXT NOT NULL PRIMARY KEY,
      run_id TEXT NOT NULL,
      engine TEXT NOT NULL,
      request TEXT NOT NULL,
      tag TEXT,
      state TEXT NOT NULL CHECK (state IN ('intent', 'posted', 'ready', 'collected', 'failed')),
      task_id TEXT UNIQUE,
      cost DOUBLE PRECISION,
      intent_at BIGINT NOT NULL,
      posted_at BIGINT,
      ready_at BIGINT,
      collected_at BIGINT,
      failed_at BIGINT,
      failure_code INTEGER,
      failure_message TEXT,
      failure_billed INTEGER,
      result TEXT,
      CHECK (state IN ('intent', 'failed') OR task_id IS NOT NULL)
    )`
    yield* sql`CREATE INDEX dataforseo_task_ledger_run_state ON dataforseo_task_ledger (run_id, state)`
    yield* sql`CREATE INDEX dataforseo_task_ledger_state ON dataforseo_task_ledger (state, intent_at)`
    yield* sql`CREATE INDEX dataforseo_task_ledger_tag ON dataforseo_task_ledger (tag)`
  })
}

/**
 * Brings the ledger's table up to date. `layer` and `layerSqlite` run it; run it yourself only with
 * `layerWithoutMigrations`. A migration that fails is a `MigrationError` (the `Migrator` makes it a
 * defect; a database the ledger cannot use is no bug of the program).
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: migrationsTable }).pipe(
  Effect.catchSomeDefect((defect) =>
    defect instanceof Migrator.MigrationError ? Option.some(Effect.fail(defect)) : Option.none()
  )
)
