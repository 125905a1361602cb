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
 * each cost one commit, not one commit each. Two paths, same outcome:
 *
 * - fast: when the calls follow the usual life (new intents, intents posted, posted tasks ready or
 *   collected), one multi-row statement per kind of change, each row guarded by the state it must be in
 *   (`WHERE state = ...`, checked with `RETURNING`). No read at all.
 * - slow: when the group holds a failure or a repeat, or a guard did not match: the transaction is rolled
 *   back and redone by reading the states of every named entry, planning each call with the state
 *   machine (a call asking for an impossible transition is refused alone), and writing what was accepted,
 *   still guarded by the state read, so that a row changed by another process meanwhile fails the
 *   transaction instead of taking a wrong transition.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TaskLedger } from "effect-dataforseo"
 * import * as TaskLedgerSql from "effect-dataforseo/TaskLedgerSql"
 *
 * const program = Effect.gen(function*() {
 *   const ledger = yield* TaskLedger.TaskLedger
 *   const lost = yield* ledger.unknownIntents()
 *   // ... reconcile `lost` with id_list ...
 * }).pipe(Effect.provide(TaskLedgerSql.layerSqlite({ filename: "ledger.sqlite" })))
 * ```
 *
 * @since 0.1.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import {
  type CollectedInput,
  Entry,
  type IntentInput,
  JsonObject,
  type LedgerError,
  LedgerStoreError,
  type PostedInput,
  RunCost,
  State
} from "./ledger/model.js"
import { type Change, changeOrder, orderedParts, plan, refsOf, type Snapshot, View, type Write } from "./ledger/plan.js"
import * as Money from "./Money.js"
import { TaskLedger } from "./TaskLedger.js"

/** The ledger's table. */
export const tableName = "dataforseo_task_ledger"

/** The table in which `@effect/sql`'s migrator records the ledger's migrations. */
export const migrationsTable = "effect_dataforseo_migrations"

// ---------------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------------

// SQLite returns numbers; PostgreSQL returns BIGINT and COUNT(*) as strings.
const SqlNumber = Schema.Union(Schema.Number, Schema.NumberFromString)

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

const orUndefined = <A>(a: A | null): A | undefined => (a === null ? undefined : a)
const orNull = <A>(a: A | undefined): A | null => (a === undefined ? null : a)

/** A ledger row decoded to an `Entry`, and back. */
export const EntryFromRow = Schema.transform(Row, Entry, {
  strict: true,
  decode: (row) => ({
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
  }),
  encode: (entry) => ({
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
})

const IntentRow = Row.pick("correlation_key", "run_id", "engine", "request", "tag", "state", "intent_at")
const SnapshotRow = Row.pick("correlation_key", "state", "task_id", "failure_billed")
const CostRow = Schema.Struct({ tasks: SqlNumber, created: SqlNumber, micros: Schema.NullOr(SqlNumber) })
const ResultJson = Schema.NullOr(Schema.parseJson())

const encodeIntents = Schema.encodeEither(Schema.Array(IntentRow))
const decodeSnapshots = Schema.decodeUnknownEither(Schema.Array(SnapshotRow))
const decodeEntries = Schema.decodeUnknown(Schema.Array(EntryFromRow))
const decodeCost = Schema.decodeUnknown(Schema.Array(CostRow))
const encodeResult = Schema.encodeEither(ResultJson)

// ---------------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------------

/** Options of the SQL store. */
export interface Options {
  /** How many concurrent write calls one transaction may take (default 256). */
  readonly maxWritesPerTransaction?: number | undefined
}

interface Pending {
  readonly write: Write
  readonly done: Deferred.Deferred<void, LedgerError>
}

// SQLite accepts 32,766 parameters a statement, PostgreSQL 65,535: 500 rows of at most 9 stay far below.
const rowsPerStatement = 500

const storeError = (message: string) => (cause: unknown) => new LedgerStoreError({ message, cause })

class StateMismatch extends Data.TaggedError("StateMismatch")<{
  readonly expected: number
  readonly updated: number
}> {}

// What a group writes when every row follows the usual life: new intents, intents posted, posted tasks
// ready, posted or ready tasks collected. `undefined` when the group needs the planner: a failure, a key
// or id named twice (maybe a repeat), or calls whose order the kind-by-kind statements would not keep
// (a task posted after its ready signal, an intent after its posting, ready after collected).
interface FastPlan {
  readonly intents: ReadonlyArray<IntentInput>
  readonly posted: ReadonlyArray<PostedInput>
  readonly ready: ReadonlyArray<string>
  readonly collected: ReadonlyArray<CollectedInput>
}

const fastPlan = (group: ReadonlyArray<Pending>): FastPlan | undefined => {
  const intents = new Map<string, IntentInput>()
  const posted = new Map<string, PostedInput>()
  const postedIds = new Set<string>()
  const ready = new Set<string>()
  const collected = new Map<string, CollectedInput>()
  for (const { write } of group) {
    switch (write._tag) {
      case "Intents":
        for (const entry of write.entries) {
          if (posted.has(entry.correlationKey)) return undefined
          if (!intents.has(entry.correlationKey)) intents.set(entry.correlationKey, entry)
        }
        break
      case "Posted":
        for (const entry of write.entries) {
          if (posted.has(entry.correlationKey) || postedIds.has(entry.taskId)) return undefined
          if (ready.has(entry.taskId) || collected.has(entry.taskId)) return undefined
          posted.set(entry.correlationKey, entry)
          postedIds.add(entry.taskId)
        }
        break
      case "Ready":
        for (const id of write.taskIds) {
          if (ready.has(id) || collected.has(id)) return undefined
          ready.add(id)
        }
        break
      case "Collected":
        for (const entry of write.entries) {
          if (collected.has(entry.taskId)) return undefined
          collected.set(entry.taskId, entry)
        }
        break
      case "Failed":
        return undefined
    }
  }
  return {
    intents: Array.from(intents.values()),
    posted: Array.from(posted.values()),
    ready: Array.from(ready),
    collected: Array.from(collected.values())
  }
}

/**
 * Builds the SQL ledger on the `SqlClient` in context. The table must exist (see `migrate`).
 *
 * @since 0.1.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<TaskLedger.Service, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const maxWrites = Math.max(1, options.maxWritesPerTransaction ?? 256)

    const loadSnapshots = (column: "correlation_key" | "task_id", refs: ReadonlyArray<string>) =>
      Effect.forEach(
        Arr.chunksOf(refs, rowsPerStatement),
        (chunk) =>
          sql`SELECT correlation_key, state, task_id, failure_billed FROM dataforseo_task_ledger WHERE ${sql.in(column, chunk)}`.pipe(
            Effect.flatMap((rows) => Either.mapLeft(decodeSnapshots(rows), storeError("unreadable ledger row")))
          )
      ).pipe(Effect.map(Arr.flatten))

    const insertIntents = (changes: ReadonlyArray<{ readonly entry: IntentInput; readonly at: number }>) =>
      Effect.forEach(
        Arr.chunksOf(changes, rowsPerStatement),
        (chunk) =>
          Either.mapLeft(
            encodeIntents(chunk.map(({ at, entry }) => ({
              correlation_key: entry.correlationKey,
              run_id: entry.runId,
              engine: entry.engine,
              request: entry.request,
              tag: orNull(entry.tag),
              state: "intent",
              intent_at: at
            }))),
            storeError("intent does not encode")
          ).pipe(
            Effect.flatMap((rows) =>
              // a key with an entry keeps it (the first intent wins), unless that entry can be posted again
              // (`canPostAgain`): then the new intent replaces its failure
              sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)} ON CONFLICT (correlation_key) DO UPDATE SET
                run_id = excluded.run_id, engine = excluded.engine, request = excluded.request, tag = excluded.tag,
                state = 'intent', intent_at = excluded.intent_at, cost = NULL, failed_at = NULL, failure_code = NULL,
                failure_message = NULL, failure_billed = NULL, result = NULL
                WHERE dataforseo_task_ledger.state = 'failed' AND dataforseo_task_ledger.task_id IS NULL
                  AND dataforseo_task_ledger.failure_billed = 0`
            )
          ),
        { discard: true }
      )

    // An UPDATE of many rows at once, each row guarded by the state it must be in; fails with
    // `StateMismatch` unless every row took the transition.
    const guardedUpdate = (set: Fragment, where: Fragment, rows: ReadonlyArray<Fragment>) =>
      Effect.forEach(
        Arr.chunksOf(rows, rowsPerStatement),
        (chunk) =>
          sql`UPDATE dataforseo_task_ledger SET ${set}
            FROM (VALUES ${sql.csv(chunk)}) AS v
            WHERE ${where}
            RETURNING correlation_key`.pipe(
            Effect.flatMap((updated) =>
              updated.length === chunk.length ? Effect.void : Effect.fail(new StateMismatch({ expected: chunk.length, updated: updated.length }))
            )
          ),
        { discard: true }
      )

    const resultJson = (result: unknown) =>
      Either.mapLeft(encodeResult(result === undefined ? null : result), storeError("result does not encode"))

    // -- Fast path: every row is where a normal life puts it; no read, one statement per kind.

    const applyFast = (fast: FastPlan, now: number) =>
      Effect.gen(function*() {
        yield* insertIntents(fast.intents.map((entry) => ({ entry, at: now })))
        yield* guardedUpdate(
          sql`state = 'posted', task_id = v.column2, cost = v.column3, posted_at = v.column4`,
          sql`correlation_key = v.column1 AND state = 'intent'`,
          fast.posted.map((p) =>
            sql`(${p.correlationKey}, ${p.taskId}, CAST(${p.cost} AS DOUBLE PRECISION), CAST(${p.postedAt ?? now} AS BIGINT))`
          )
        )
        yield* guardedUpdate(
          sql`state = 'ready', ready_at = v.column2`,
          sql`task_id = v.column1 AND state = 'posted'`,
          fast.ready.map((id) => sql`(${id}, CAST(${now} AS BIGINT))`)
        )
        const collected = yield* Effect.forEach(fast.collected, (c) =>
          Either.map(resultJson(c.result), (result) => sql`(${c.taskId}, CAST(${now} AS BIGINT), ${result})`))
        yield* guardedUpdate(
          sql`state = 'collected', collected_at = v.column2, result = v.column3`,
          sql`task_id = v.column1 AND state IN ('posted', 'ready')`,
          collected
        )
      })

    // -- Slow path: read the states, plan each call, write what was accepted, guarded by the state read.

    const writeKind = (tag: Change["_tag"], changes: ReadonlyArray<Change>) => {
      const byKeyFrom = sql`correlation_key = v.column1 AND state = v.column2`
      switch (tag) {
        case "Insert":
          return insertIntents(changes.flatMap((c) => (c._tag === "Insert" ? [c] : [])))
        case "Posted":
          return guardedUpdate(
            sql`state = 'posted', task_id = v.column3, cost = v.column4, posted_at = v.column5`,
            byKeyFrom,
            changes.flatMap((c) =>
              c._tag === "Posted"
                ? [sql`(${c.correlationKey}, ${c.from}, ${c.taskId}, CAST(${c.cost} AS DOUBLE PRECISION), CAST(${c.at} AS BIGINT))`]
                : []
            )
          )
        case "Ready":
          return guardedUpdate(
            sql`state = 'ready', ready_at = v.column3`,
            byKeyFrom,
            changes.flatMap((c) => (c._tag === "Ready" ? [sql`(${c.correlationKey}, ${c.from}, CAST(${c.at} AS BIGINT))`] : []))
          )
        case "Collected":
          return Effect.forEach(changes.flatMap((c) => (c._tag === "Collected" ? [c] : [])), (c) =>
            Either.map(resultJson(c.result), (result) =>
              sql`(${c.correlationKey}, ${c.from}, CAST(${c.at} AS BIGINT), ${result})`)).pipe(
              Effect.flatMap((rows) =>
                guardedUpdate(sql`state = 'collected', collected_at = v.column3, result = v.column4`, byKeyFrom, rows)
              )
            )
        case "Failed":
          return guardedUpdate(
            sql`state = 'failed', failed_at = v.column3, failure_code = v.column4, failure_message = v.column5,
              failure_billed = v.column6, task_id = COALESCE(v.column7, task_id), cost = COALESCE(v.column8, cost)`,
            byKeyFrom,
            changes.flatMap((c) =>
              c._tag === "Failed"
                ? [
                  sql`(${c.correlationKey}, ${c.from}, CAST(${c.at} AS BIGINT), CAST(${c.code} AS INTEGER), ${c.message}, CAST(${
                    c.billed ? 1 : 0
                  } AS INTEGER), ${orNull(c.taskId)}, CAST(${orNull(c.cost)} AS DOUBLE PRECISION))`
                ]
                : []
            )
          )
      }
    }

    const applySlow = (group: ReadonlyArray<Pending>, now: number) =>
      Effect.gen(function*() {
        const keys = new Set<string>()
        const taskIds = new Set<string>()
        for (const pending of group) {
          const refs = refsOf(pending.write)
          for (const key of refs.keys) keys.add(key)
          for (const id of refs.taskIds) taskIds.add(id)
        }
        const byKey = new Map<string, Snapshot>()
        const byTaskId = new Map<string, Snapshot>()
        const loaded = [
          ...(yield* loadSnapshots("correlation_key", Array.from(keys))),
          ...(yield* loadSnapshots("task_id", Array.from(taskIds)))
        ]
        for (const row of loaded) {
          const snapshot = {
            correlationKey: row.correlation_key,
            state: row.state,
            taskId: orUndefined(row.task_id),
            failure: row.failure_billed === null ? undefined : { billed: row.failure_billed }
          }
          byKey.set(snapshot.correlationKey, snapshot)
          if (snapshot.taskId !== undefined) byTaskId.set(snapshot.taskId, snapshot)
        }
        const view = new View((key) => byKey.get(key), (id) => byTaskId.get(id))
        const outcomes = group.map((pending) => plan(pending.write, view, now))
        const changes = outcomes.flatMap((outcome) => (Either.isRight(outcome) ? outcome.right : []))
        for (const part of orderedParts(changes)) {
          yield* Effect.forEach(changeOrder, (tag) => {
            const ofKind = part.filter((c) => c._tag === tag)
            return ofKind.length === 0 ? Effect.void : writeKind(tag, ofKind)
          }, { discard: true })
        }
        return outcomes
      }).pipe(
        Effect.catchTag("StateMismatch", (mismatch) =>
          Effect.fail(
            new LedgerStoreError({
              message: `concurrent modification: ${
                mismatch.expected - mismatch.updated
              } of ${mismatch.expected} rows changed state meanwhile`
            })
          ))
      )

    // One group of queued writes, one transaction: the fast path when the group allows it, else (or
    // when a row is not where the fast path expected it) the slow path, which is also idempotent
    // after a fast path that committed but reported an error.
    const flush = (group: ReadonlyArray<Pending>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const fast = fastPlan(group)
        const fastDone = fast === undefined ? false : yield* sql.withTransaction(applyFast(fast, now)).pipe(
          Effect.as(true),
          Effect.catchAll(() => Effect.succeed(false))
        )
        const outcomes = fastDone
          ? group.map(() => Either.right<ReadonlyArray<Change>>([]))
          : yield* sql.withTransaction(applySlow(group, now))
        // Only now, after COMMIT, is anyone told.
        yield* Effect.forEach(
          group,
          (pending, i) => {
            const outcome = outcomes[i]
            return outcome === undefined
              ? Deferred.die(pending.done, new Error("ledger writer lost an outcome"))
              : Deferred.complete(pending.done, Effect.asVoid(outcome))
          },
          { discard: true }
        )
      }).pipe(
        Effect.mapError((error) =>
          error._tag === "LedgerStoreError" ? error : new LedgerStoreError({ message: error.message, cause: error })
        ),
        Effect.catchAllCause((cause) => Effect.forEach(group, (pending) => Deferred.failCause(pending.done, cause))),
        Effect.onInterrupt(() =>
          Effect.forEach(group, (pending) =>
            Deferred.fail(pending.done, new LedgerStoreError({ message: "the ledger was closed during the write" })))
        )
      )

    const queue = yield* Queue.unbounded<Pending>()
    yield* Effect.addFinalizer(() => Queue.shutdown(queue))
    yield* Queue.takeBetween(queue, 1, maxWrites).pipe(
      Effect.flatMap((group) => flush(Chunk.toReadonlyArray(group))),
      Effect.forever,
      Effect.forkScoped
    )

    const submit = (name: string, write: Write, size: number): Effect.Effect<void, LedgerError> =>
      size === 0
        ? Effect.void
        : Deferred.make<void, LedgerError>().pipe(
          Effect.tap((done) => Queue.offer(queue, { write, done })),
          Effect.flatMap(Deferred.await),
          Effect.withSpan(name, { attributes: { rows: size }, captureStackTrace: false })
        )

    const selectEntries = (where: Fragment) =>
      sql`SELECT * FROM dataforseo_task_ledger WHERE ${where} ORDER BY intent_at, correlation_key`.pipe(
        Effect.flatMap(decodeEntries),
        Effect.mapError(storeError("ledger query failed"))
      )

    const runFilter = (runId: string | undefined) => (runId === undefined ? [] : [sql`run_id = ${runId}`])

    return TaskLedger.of({
      recordIntents: (entries) =>
        submit("TaskLedger.recordIntents", { _tag: "Intents", entries }, entries.length),
      recordPosted: (entries) => submit("TaskLedger.recordPosted", { _tag: "Posted", entries }, entries.length),
      recordReady: (taskIds) => submit("TaskLedger.recordReady", { _tag: "Ready", taskIds }, taskIds.length),
      recordCollected: (entries) =>
        submit("TaskLedger.recordCollected", { _tag: "Collected", entries }, entries.length),
      recordFailed: (entries) => submit("TaskLedger.recordFailed", { _tag: "Failed", entries }, entries.length),
      unknownIntents: (options) =>
        selectEntries(sql.and([
          sql`state = 'intent'`,
          ...runFilter(options?.runId),
          ...(options?.recordedBefore === undefined ? [] : [sql`intent_at < ${options.recordedBefore}`])
        ])),
      uncollected: (options) =>
        selectEntries(sql.and([sql`state IN ('posted', 'ready')`, ...runFilter(options?.runId)])),
      byCorrelationKey: (key) => Effect.map(selectEntries(sql`correlation_key = ${key}`), Arr.head),
      byTaskId: (taskId) => Effect.map(selectEntries(sql`task_id = ${taskId}`), Arr.head),
      byTag: (tag) => selectEntries(sql`tag = ${tag}`),
      costByRun: (runId) =>
        // summed in whole micro-dollars, exact where a sum of USD doubles drifts (see `Money`); the
        // column stays the USD number the API sent, so files written before read the same
        sql`SELECT COUNT(*) AS tasks, COUNT(task_id) AS created, SUM(ROUND(cost * 1000000)) AS micros
          FROM dataforseo_task_ledger WHERE run_id = ${runId}`.pipe(
          Effect.flatMap(decodeCost),
          Effect.mapError(storeError("ledger query failed")),
          Effect.map((rows) => {
            const row = rows[0]
            const micros = Money.Micros(Math.round(row?.micros ?? 0))
            return RunCost.make({ runId, tasks: row?.tasks ?? 0, created: row?.created ?? 0, cost: Money.toUsd(micros) })
          })
        )
    })
  })

// ---------------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------------

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
          Layer.fail(new SqlError({ message: `cannot open the SQLite ledger ${filename}: ${reasonOf(defect)}`, cause: defect }))
      })
    )
  )

/** An error met while setting up the ledger in `filename`, its message naming the file. */
const inFile = (filename: string) => (error: SqlError | Migrator.MigrationError): SqlError | Migrator.MigrationError => {
  const message = `SQLite ledger ${filename}: ${reasonOf(error)}`
  return error._tag === "SqlError"
    ? new SqlError({ message, cause: error })
    : new Migrator.MigrationError({ reason: error.reason, message, cause: error })
}

/**
 * The ledger in a SQLite file: `SqliteClient` (WAL journal) + migrations + ledger, in one layer. A file
 * that cannot be opened or set up fails the layer with a `SqlError` or `MigrationError` that names it.
 *
 * @since 0.1.0
 */
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

/**
 * `layerSqlite` from configuration; by default the file comes from `DATAFORSEO_LEDGER_FILE`.
 *
 * @since 0.1.0
 */
export const layerSqliteConfig = (
  config: Config.Config.Wrap<SqliteOptions> = { filename: Config.string("DATAFORSEO_LEDGER_FILE") }
): Layer.Layer<TaskLedger, Migrator.MigrationError | SqlError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layerSqlite))
