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
) =>
  Effect.forEach(
    Arr.chunksOf(changes, rowsPerStatement),
    (chunk) =>
      Either.mapLeft(
        encodeIntents(chunk.map((change) => rowOfEntry(newEntry(change)))),
        storeError("intent does not encode")
      ).pipe(
        Effect.flatMap((rows) =>
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
            ? sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)}`
            : sql`INSERT INTO dataforseo_task_ledger ${sql.insert(rows)} ON CONFLICT (correlation_key) DO NOTHING`
        )
      ),
    { discard: true }
  )

/** An UPDATE of many rows at once (`rows`, as VALUES), each row guarded by `where` and the states `from`. */
const guardedUpdate = (
  sql: SqlClient.SqlClient,
  set: Fragment,
  where: Fragment,
  from: ReadonlyArray<State>,
  rows: ReadonlyArray<Fragment>
) =>
  Effect.forEach(
    Arr.chunksOf(rows, rowsPerStatement),
    (chunk) =>
      sql`UPDATE dataforseo_task_ledger SET ${set}
        FROM (VALUES ${sql.csv(chunk)}) AS v
        WHERE ${where} AND state IN ${sql.in(from)}
        RETURNING correlation_key`.pipe(Effect.flatMap((updated) => expectRows(chunk.length, updated.length))),
    { discard: true }
  )

const resultJson = (result: unknown) =>
  Either.mapLeft(encodeResult(result === undefined ? null : result), storeError("result does not encode"))

/** Writes the changes of one kind that expect the same states. */
const writeKind = (
  sql: SqlClient.SqlClient,
  tag: Change["_tag"],
  from: ReadonlyArray<State>,
  changes: ReadonlyArray<Change>,
  check: Check
): Effect.Effect<void, SqlError | StateMismatch | LedgerStoreError> => {
  const only = <T extends Change["_tag"]>(t: T) => changes.filter((c): c is Of<T> => c._tag === t)
  switch (tag) {
    case "Insert":
      return insertIntents(sql, from, only("Insert"), check)
    case "Posted":
      return guardedUpdate(
        sql,
        sql`state = 'posted', task_id = v.column2, cost = v.column3, posted_at = v.column4`,
        sql`correlation_key = v.column1`,
        from,
        only("Posted").map((c) =>
          sql`(${c.correlationKey}, ${c.taskId}, CAST(${c.cost} AS DOUBLE PRECISION), CAST(${c.at} AS BIGINT))`
        )
      )
    case "Ready":
      return guardedUpdate(
        sql,
        sql`state = 'ready', ready_at = v.column2`,
        sql`task_id = v.column1`,
        from,
        only("Ready").map((c) => sql`(${c.taskId}, CAST(${c.at} AS BIGINT))`)
      )
    case "Collected":
      return Effect.forEach(
        only("Collected"),
        (c) => Either.map(resultJson(c.result), (result) => sql`(${c.taskId}, CAST(${c.at} AS BIGINT), ${result})`)
      ).pipe(
        Effect.flatMap((rows) =>
          guardedUpdate(
            sql,
            sql`state = 'collected', collected_at = v.column2, result = v.column3`,
            sql`task_id = v.column1`,
            from,
            rows
          )
        )
      )
    case "Failed":
      return guardedUpdate(
        sql,
        sql`state = 'failed', failed_at = v.column2, failure_code = v.column3, failure_message = v.column4,
          failure_billed = v.column5, task_id = COALESCE(v.column6, task_id), cost = COALESCE(v.column7, cost)`,
        sql`correlation_key = v.column1`,
        from,
        only("Failed").map((c) =>
          sql`(${c.correlationKey}, CAST(${c.at} AS BIGINT), CAST(${c.code} AS INTEGER), ${c.message}, CAST(${
            c.billed ? 1 : 0
          } AS INTEGER), ${orNull(c.taskId)}, CAST(${orNull(c.cost)} AS DOUBLE PRECISION))`
        )
      )
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

/** Writes planned changes, part by part and kind by kind (`orderedParts`, `changeOrder`). */
export const writeChanges = (sql: SqlClient.SqlClient, changes: ReadonlyArray<Change>, check: Check) =>
  Effect.forEach(
    orderedParts(changes),
    (part) =>
      Effect.forEach(changeOrder, (tag) =>
        Effect.forEach(byFrom(part, tag), ([from, ofKind]) =>
          writeKind(sql, tag, from, ofKind, check), { discard: true }), {
        discard: true
      }),
    { discard: true }
  )

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
 * Writes a group in one transaction: the fast path when the group can be presumed, else (or when a row is
 * not where it was presumed) the slow path, which is also idempotent after a fast path that committed but
 * reported an error. The outcome of each write, in order.
 */
export const writeGroup = (
  sql: SqlClient.SqlClient,
  writes: ReadonlyArray<Write>,
  now: number
): Effect.Effect<ReadonlyArray<Either.Either<unknown, InvalidTransition>>, SqlError | LedgerStoreError> =>
  Effect.gen(function*() {
    const presumed = presume(writes, now)
    const fastDone = presumed === undefined ?
      false :
      yield* sql.withTransaction(writeChanges(sql, presumed, "all")).pipe(
        Effect.as(true),
        Effect.catchAll(() => Effect.succeed(false))
      )
    return fastDone
      ? writes.map(() => Either.right(undefined))
      : yield* sql.withTransaction(applySlow(sql, writes, now))
  })
