/**
 * The SQL store of the task ledger: one queue of writes, one writer fiber that writes whatever is waiting
 * in one transaction (`sqlWrite.ts`), and the queries.
 *
 * @since 0.1.0
 * @internal
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import * as Arr from "effect/Array"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Money from "../../Money.js"
import type { TaskLedger } from "../../TaskLedger.js"
import { type LedgerError, LedgerStoreError, RunCost } from "../../TaskLedgerEntry.js"
import type { Options } from "../../TaskLedgerSql.js"
import type { Write } from "./plan.js"
import { EntryFromRow, SqlNumber } from "./sqlTable.js"
import { storeError, writeGroup } from "./sqlWrite.js"

interface Pending {
  readonly write: Write
  readonly done: Deferred.Deferred<void, LedgerError>
}

const CostRow = Schema.Struct({ tasks: SqlNumber, created: SqlNumber, micros: Schema.NullOr(SqlNumber) })
const decodeEntries = Schema.decodeUnknown(Schema.Array(EntryFromRow))
const decodeCost = Schema.decodeUnknown(Schema.Array(CostRow))

/** Tells each caller of `group` its outcome, in order. */
const settle = (group: ReadonlyArray<Pending>, outcomes: ReadonlyArray<Either.Either<unknown, LedgerError>>) =>
  Effect.sync(() => {
    group.forEach((pending, i) => {
      const outcome = outcomes[i]
      Deferred.unsafeDone(
        pending.done,
        outcome === undefined
          ? Exit.die(new Error("ledger writer lost an outcome"))
          : Either.isRight(outcome)
          ? Exit.void
          : Exit.fail(outcome.left)
      )
    })
  })

/** Writes one group of queued writes, then (only after COMMIT) tells each caller its outcome. */
const flush = (sql: SqlClient.SqlClient, group: ReadonlyArray<Pending>) =>
  Effect.clockWith((clock) => writeGroup(sql, group.map((pending) => pending.write), clock.unsafeCurrentTimeMillis()))
    .pipe(
      Effect.flatMap((outcomes) => settle(group, outcomes)),
      Effect.mapError((error) =>
        error._tag === "LedgerStoreError" ? error : new LedgerStoreError({ message: error.message, cause: error })
      ),
      Effect.catchAllCause((cause) => Effect.forEach(group, (pending) => Deferred.failCause(pending.done, cause))),
      Effect.onInterrupt(() =>
        Effect.forEach(
          group,
          (pending) =>
            Deferred.fail(pending.done, new LedgerStoreError({ message: "the ledger was closed during the write" }))
        )
      )
    )

/** The queries of the SQL store. */
const queries = (sql: SqlClient.SqlClient) => {
  const selectEntries = (where: Fragment) =>
    sql`SELECT * FROM dataforseo_task_ledger WHERE ${where} ORDER BY intent_at, correlation_key`.pipe(
      Effect.flatMap(decodeEntries),
      Effect.mapError(storeError("ledger query failed"))
    )
  const runFilter = (runId: string | undefined) => (runId === undefined ? [] : [sql`run_id = ${runId}`])
  return {
    unknownIntents: (options?: TaskLedger.QueryOptions & { readonly recordedBefore?: number | undefined }) =>
      selectEntries(sql.and([
        sql`state = 'intent'`,
        ...runFilter(options?.runId),
        ...(options?.recordedBefore === undefined ? [] : [sql`intent_at < ${options.recordedBefore}`])
      ])),
    uncollected: (options?: TaskLedger.QueryOptions) =>
      selectEntries(sql.and([sql`state IN ('posted', 'ready')`, ...runFilter(options?.runId)])),
    byCorrelationKey: (key: string) => Effect.map(selectEntries(sql`correlation_key = ${key}`), Arr.head),
    byTaskId: (taskId: string) => Effect.map(selectEntries(sql`task_id = ${taskId}`), Arr.head),
    byTag: (tag: string) => selectEntries(sql`tag = ${tag}`),
    costByRun: (runId: string) =>
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
  }
}

/** Builds the SQL ledger. @see TaskLedgerSql.make */
export const make = (
  options: Options = {}
): Effect.Effect<TaskLedger.Service, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const maxWrites = Math.max(1, options.maxWritesPerTransaction ?? 256)
    const queue = yield* Queue.unbounded<Pending>()
    yield* Effect.addFinalizer(() => Queue.shutdown(queue))
    yield* Queue.takeBetween(queue, 1, maxWrites).pipe(
      Effect.flatMap((group) => flush(sql, Chunk.toReadonlyArray(group))),
      Effect.forever,
      Effect.forkScoped
    )

    // A write has no span of its own: it cost more CPU than the rest of the caller's side.
    // The writer's statements keep their spans (sql.execute, sql.transaction).
    const submit = (write: Write, size: number): Effect.Effect<void, LedgerError> =>
      size === 0
        ? Effect.void
        : Deferred.make<void, LedgerError>().pipe(
          Effect.tap((done) => Queue.offer(queue, { write, done })),
          Effect.flatMap(Deferred.await)
        )

    return {
      recordIntents: (entries) => submit({ _tag: "Intents", entries }, entries.length),
      recordPosted: (entries) => submit({ _tag: "Posted", entries }, entries.length),
      recordReady: (taskIds) => submit({ _tag: "Ready", taskIds }, taskIds.length),
      recordCollected: (entries) => submit({ _tag: "Collected", entries }, entries.length),
      recordFailed: (entries) => submit({ _tag: "Failed", entries }, entries.length),
      ...queries(sql)
    }
  })
