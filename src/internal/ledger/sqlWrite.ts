/**
 * How the SQL store writes a group of queued writes in one transaction. Both paths apply changes of the
 * state machine with the same statements, each row guarded by the states its change expects:
 *
 * - fast: the changes `presume` gives, with no read at all.
 * - slow: the states of every named entry are read, each write is planned by `plan` (a write asking for
 *   an impossible transition is refused alone), and what was accepted is written.
 *
 * @since 0.1.0
 * @internal
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import * as Arr from "effect/Array"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type InvalidTransition, LedgerStoreError, type State } from "../../TaskLedgerEntry.js"
import { newEntry } from "./entry.js"
import { type Change, changeOrder, orderedParts, plan, refsOf, type Snapshot, View, type Write } from "./plan.js"
import { presume } from "./presume.js"
import { IntentRow, orNull, orUndefined, Row, rowOfEntry } from "./sqlTable.js"

// SQLite accepts 32,766 parameters a statement, PostgreSQL 65,535: 500 rows of at most 9 stay far below.
const rowsPerStatement = 500

const SnapshotRow = Row.pick("correlation_key", "state", "task_id", "failure_billed")
const ResultJson = Schema.NullOr(Schema.parseJson())

const encodeIntents = Schema.encodeEither(Schema.Array(IntentRow))
const decodeSnapshots = Schema.decodeUnknownEither(Schema.Array(SnapshotRow))
const encodeResult = Schema.encodeEither(ResultJson)

/** A store failure, with what was being done. */
export const storeError = (message: string) => (cause: unknown) => new LedgerStoreError({ message, cause })

/** Some rows were not in a state their change expects: another writer got there first, or a presumption failed. */
export class StateMismatch extends Data.TaggedError("StateMismatch")<{
  readonly expected: number
  readonly updated: number
}> {}

type Of<Tag extends Change["_tag"]> = Extract<Change, { readonly _tag: Tag }>

/** How strictly rows are checked: `all` (the fast path), or all but new intents (a key met is kept: the first intent wins). */
type Check = "all" | "updates"

/** One statement to run, with its check. */
type Step = Effect.Effect<void, SqlError | StateMismatch | LedgerStoreError>

const expectRows = (expected: number, updated: number) =>
  updated === expected ? Effect.void : Effect.fail(new StateMismatch({ expected, updated }))

/**
 * New intents (`from` empty) or intents replacing a failure (`from` its state), as rows of `newEntry`.
 * A new intent meets no entry: checking all, an entry met fails the statement (a plain INSERT, no
 * RETURNING to read); otherwise the entry met is kept (the first intent wins). A replacement rewrites
 * every column (those an intent lacks become NULL), guarded by the state of the failure it replaces.
 */
const insertIntents = (
  sql: SqlClient.SqlClient,
  from: ReadonlyArray<State>,
  changes: ReadonlyArray<Of<"Insert">>,
  check: Check
): Array<Step> =>
  Arr.chunksOf(changes, rowsPerStatement).map((chunk) =>
    Either.match(
      encodeIntents(chunk.map((change) => rowOfEntry(newEntry(change)))),
      {
        onLeft: (cause) => Effect.fail(storeError("intent does not encode")(cause)),
        onRight: (rows) =>
          from.length > 0
            ? sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)} ON CONFLICT (correlation_key) DO UPDATE SET
                run_id = excluded.run_id, engine = excluded.engine, request = excluded.request, tag = excluded.tag,
                state = excluded.state, task_id = excluded.task_id, cost = excluded.cost, intent_at = excluded.intent_at,
                posted_at = excluded.posted_at, ready_at = excluded.ready_at, collected_at = excluded.collected_at,
                failed_at = excluded.failed_at, failure_code = excluded.failure_code,
                failure_message = excluded.failure_message, failure_billed = excluded.failure_billed, result = excluded.result
                WHERE dataforseo_task_ledger.state IN ${sql.in(from)}
                RETURNING correlation_key`.pipe(Effect.flatMap((returned) => expectRows(chunk.length, returned.length)))
            : check === "all"
            ? Effect.asVoid(sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)}`)
            : Effect.asVoid(
              sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)} ON CONFLICT (correlation_key) DO NOTHING`
            )
      }
    )
  )

/** One column an update sets: its value for a row, cast where PostgreSQL needs the type; `keep`: NULL keeps the column. */
interface Column<R> {
  readonly name: string
  readonly value: (row: R) => string | number | null
  readonly cast?: "BIGINT" | "DOUBLE PRECISION" | "INTEGER"
  readonly keep?: boolean
}

/** How changes of one kind update their rows: the state set, the column naming each row, the other columns set. */
interface Update<R> {
  readonly state: State
  readonly key: "correlation_key" | "task_id"
  readonly keyOf: (row: R) => string
  readonly columns: ReadonlyArray<Column<R>>
}

const cell = <R>(sql: SqlClient.SqlClient, column: Column<R>, row: R): Fragment =>
  column.cast === undefined ? sql`${column.value(row)}` : sql`CAST(${column.value(row)} AS ${sql.literal(column.cast)})`

const assign = <R>(sql: SqlClient.SqlClient, column: Column<R>, value: Fragment): Fragment => {
  const name = sql.literal(column.name)
  return column.keep === true ? sql`${name} = COALESCE(${value}, ${name})` : sql`${name} = ${value}`
}

/** One row updated by a plain UPDATE: the statement most writes are (one task collected), and the cheapest. */
const updateOne = <R>(sql: SqlClient.SqlClient, update: Update<R>, from: ReadonlyArray<State>, row: R) =>
  sql`UPDATE dataforseo_task_ledger SET ${
    sql.csv([sql.literal(`state = '${update.state}'`), ...update.columns.map((c) => assign(sql, c, cell(sql, c, row)))])
  } WHERE ${sql.literal(update.key)} = ${update.keyOf(row)} AND state IN ${sql.in(from)}
    RETURNING correlation_key`

/** Many rows updated at once, their values as VALUES. */
const updateMany = <R>(
  sql: SqlClient.SqlClient,
  update: Update<R>,
  from: ReadonlyArray<State>,
  rows: ReadonlyArray<R>
) =>
  sql`UPDATE dataforseo_task_ledger SET ${
    sql.csv([
      sql.literal(`state = '${update.state}'`),
      ...update.columns.map((c, i) => assign(sql, c, sql.literal(`v.column${i + 2}`)))
    ])
  }
    FROM (VALUES ${
    sql.csv(rows.map((row) => sql`(${update.keyOf(row)}, ${sql.csv(update.columns.map((c) => cell(sql, c, row)))})`))
  }) AS v
    WHERE ${sql.literal(update.key)} = v.column1 AND state IN ${sql.in(from)}
    RETURNING correlation_key`

/** The statements updating `rows`, each row guarded by its key and the states `from`. */
const guardedUpdate = <R>(
  sql: SqlClient.SqlClient,
  update: Update<R>,
  from: ReadonlyArray<State>,
  rows: ReadonlyArray<R>
): Array<Step> =>
  Arr.chunksOf(rows, rowsPerStatement).map((chunk) =>
    Effect.flatMap(
      chunk.length === 1 ? updateOne(sql, update, from, chunk[0]) : updateMany(sql, update, from, chunk),
      (updated) => expectRows(chunk.length, updated.length)
    )
  )

const postedUpdate: Update<Of<"Posted">> = {
  state: "posted",
  key: "correlation_key",
  keyOf: (c) => c.correlationKey,
  columns: [
    { name: "task_id", value: (c) => c.taskId },
    { name: "cost", value: (c) => c.cost, cast: "DOUBLE PRECISION" },
    { name: "posted_at", value: (c) => c.at, cast: "BIGINT" }
  ]
}

const readyUpdate: Update<Of<"Ready">> = {
  state: "ready",
  key: "task_id",
  keyOf: (c) => c.taskId,
  columns: [{ name: "ready_at", value: (c) => c.at, cast: "BIGINT" }]
}

/** A collected row: its result already encoded as JSON. */
interface CollectedRow {
  readonly taskId: string
  readonly at: number
  readonly result: string | null
}

const collectedUpdate: Update<CollectedRow> = {
  state: "collected",
  key: "task_id",
  keyOf: (c) => c.taskId,
  columns: [
    { name: "collected_at", value: (c) => c.at, cast: "BIGINT" },
    { name: "result", value: (c) => c.result }
  ]
}

const failedUpdate: Update<Of<"Failed">> = {
  state: "failed",
  key: "correlation_key",
  keyOf: (c) => c.correlationKey,
  columns: [
    { name: "failed_at", value: (c) => c.at, cast: "BIGINT" },
    { name: "failure_code", value: (c) => c.code, cast: "INTEGER" },
    { name: "failure_message", value: (c) => c.message },
    { name: "failure_billed", value: (c) => (c.billed ? 1 : 0), cast: "INTEGER" },
    { name: "task_id", value: (c) => orNull(c.taskId), keep: true },
    { name: "cost", value: (c) => orNull(c.cost), cast: "DOUBLE PRECISION", keep: true }
  ]
}

const resultJson = (result: unknown) =>
  Either.mapLeft(encodeResult(result === undefined ? null : result), storeError("result does not encode"))

/** The collected rows of `changes`, their results encoded. */
const collectedRows = (
  changes: ReadonlyArray<Of<"Collected">>
): Either.Either<Array<CollectedRow>, LedgerStoreError> => {
  const rows: Array<CollectedRow> = []
  for (const c of changes) {
    const result = resultJson(c.result)
    if (Either.isLeft(result)) return Either.left(result.left)
    rows.push({ taskId: c.taskId, at: c.at, result: result.right })
  }
  return Either.right(rows)
}

/** The statements writing the changes of one kind that expect the same states. */
const writeKind = (
  sql: SqlClient.SqlClient,
  tag: Change["_tag"],
  from: ReadonlyArray<State>,
  changes: ReadonlyArray<Change>,
  check: Check
): Array<Step> => {
  const only = <T extends Change["_tag"]>(t: T) => changes.filter((c): c is Of<T> => c._tag === t)
  switch (tag) {
    case "Insert":
      return insertIntents(sql, from, only("Insert"), check)
    case "Posted":
      return guardedUpdate(sql, postedUpdate, from, only("Posted"))
    case "Ready":
      return guardedUpdate(sql, readyUpdate, from, only("Ready"))
    case "Collected":
      return Either.match(collectedRows(only("Collected")), {
        onLeft: (error) => [Effect.fail(error)],
        onRight: (rows) => guardedUpdate(sql, collectedUpdate, from, rows)
      })
    case "Failed":
      return guardedUpdate(sql, failedUpdate, from, only("Failed"))
  }
}

/** The changes of one kind, grouped by the states they expect (one statement each), in the order first met. */
const byFrom = (changes: ReadonlyArray<Change>, tag: Change["_tag"]): Array<[ReadonlyArray<State>, Array<Change>]> => {
  const groups = new Map<string, [ReadonlyArray<State>, Array<Change>]>()
  for (const change of changes) {
    if (change._tag !== tag) continue
    const key = change.from.join(",")
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [change.from, [change]])
    else group[1].push(change)
  }
  return Array.from(groups.values())
}

/** The statements of planned changes, part by part and kind by kind (`orderedParts`, `changeOrder`), in order. */
const stepsOf = (sql: SqlClient.SqlClient, changes: ReadonlyArray<Change>, check: Check): Array<Step> => {
  const steps: Array<Step> = []
  for (const part of orderedParts(changes)) {
    for (const tag of changeOrder) {
      for (const [from, ofKind] of byFrom(part, tag)) steps.push(...writeKind(sql, tag, from, ofKind, check))
    }
  }
  return steps
}

/** Writes planned changes, one statement after the other. */
export const writeChanges = (sql: SqlClient.SqlClient, changes: ReadonlyArray<Change>, check: Check): Step =>
  Effect.suspend(() => {
    const steps = stepsOf(sql, changes, check)
    const [only, ...more] = steps
    return only !== undefined && more.length === 0 ? only : Effect.forEach(steps, (step) => step, { discard: true })
  })

const loadSnapshots = (sql: SqlClient.SqlClient, column: "correlation_key" | "task_id", refs: ReadonlyArray<string>) =>
  Effect.forEach(
    Arr.chunksOf(refs, rowsPerStatement),
    (chunk) =>
      sql`SELECT correlation_key, state, task_id, failure_billed FROM dataforseo_task_ledger WHERE ${
        sql.in(column, chunk)
      }`.pipe(
        Effect.flatMap((rows) => Either.mapLeft(decodeSnapshots(rows), storeError("unreadable ledger row")))
      )
  ).pipe(Effect.map(Arr.flatten))

/** The view of every entry the writes name, as read. */
const readView = (sql: SqlClient.SqlClient, writes: ReadonlyArray<Write>) =>
  Effect.gen(function*() {
    const keys = new Set<string>()
    const taskIds = new Set<string>()
    for (const write of writes) {
      const refs = refsOf(write)
      for (const key of refs.keys) keys.add(key)
      for (const id of refs.taskIds) taskIds.add(id)
    }
    const byKey = new Map<string, Snapshot>()
    const byTaskId = new Map<string, Snapshot>()
    const loaded = [
      ...(yield* loadSnapshots(sql, "correlation_key", Array.from(keys))),
      ...(yield* loadSnapshots(sql, "task_id", Array.from(taskIds)))
    ]
    for (const row of loaded) {
      const snapshot: Snapshot = {
        correlationKey: row.correlation_key,
        state: row.state,
        taskId: orUndefined(row.task_id),
        failure: row.failure_billed === null ? undefined : { billed: row.failure_billed }
      }
      byKey.set(snapshot.correlationKey, snapshot)
      if (snapshot.taskId !== undefined) byTaskId.set(snapshot.taskId, snapshot)
    }
    return new View((key) => byKey.get(key), (id) => byTaskId.get(id))
  })

/** The slow path: read, plan each write, write what was accepted. The outcome of each write, in order. */
const applySlow = (sql: SqlClient.SqlClient, writes: ReadonlyArray<Write>, now: number) =>
  Effect.gen(function*() {
    const view = yield* readView(sql, writes)
    const outcomes = writes.map((write) => plan(write, view, now))
    yield* writeChanges(sql, outcomes.flatMap((outcome) => (Either.isRight(outcome) ? outcome.right : [])), "updates")
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

/**
 * The fast path: the presumed changes in one transaction. A single change is one statement on one row,
 * atomic without a transaction: it changes its row or nothing, and commits as the store is set to.
 */
const applyFast = (sql: SqlClient.SqlClient, changes: ReadonlyArray<Change>): Step => {
  const write = writeChanges(sql, changes, "all")
  return changes.length === 1 ? write : sql.withTransaction(write)
}

/**
 * Writes a group atomically: the fast path when the group can be presumed, else (or when a row is not
 * where it was presumed) the slow path in one transaction, which is also idempotent after a fast path
 * that committed but reported an error. The outcome of each write, in order.
 */
export const writeGroup = (
  sql: SqlClient.SqlClient,
  writes: ReadonlyArray<Write>,
  now: number
): Effect.Effect<ReadonlyArray<Either.Either<unknown, InvalidTransition>>, SqlError | LedgerStoreError> => {
  const slow = Effect.suspend(() => sql.withTransaction(applySlow(sql, writes, now)))
  const presumed = presume(writes, now)
  return presumed === undefined ? slow : applyFast(sql, presumed).pipe(
    Effect.matchEffect({
      onFailure: () => slow,
      onSuccess: () => Effect.succeed(writes.map(() => Either.right(undefined)))
    })
  )
}
