/**
 * Benchmark: the full life of 100,000 tasks (intent, posted, ready, collected) recorded through the
 * SQLite `TaskLedger`, against the same rows written by plain better-sqlite3 prepared statements, one
 * transaction per batch of 100 (one task_post) per stage. Same process, same schema (the ledger's
 * migrations), same pragmas (WAL, synchronous FULL; `BENCH_LEDGER_SYNC=normal` for NORMAL).
 *
 * The machine is shared, so the two sides alternate in slices of 5,000 tasks (each side keeps its own
 * growing file) and the ratio is of the summed times: a burst of load elsewhere hits both sides alike.
 * Prints `bench ledger-sqlite ratio=<ledger / baseline> target=2`; details go to stderr.
 */
import Sqlite from "better-sqlite3"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TaskLedger from "../../src/TaskLedger.js"
import * as TaskLedgerSqlite from "../../src/TaskLedgerSqlite.js"

const tasks = Number(process.env["BENCH_LEDGER_TASKS"] ?? 100_000)
const sliceSize = 5_000
const batchSize = 100
const runId = "bench-run"
const synchronous = process.env["BENCH_LEDGER_SYNC"] === "normal" ? "normal" : "full"

const keyOf = (i: number) => `bench-${String(i).padStart(8, "0")}`
const idOf = (i: number) => `07231252-7652-0139-0000-${String(i).padStart(12, "0")}`
const requestOf = (i: number) => ({
  keyword: `keyword number ${i}`,
  location_code: 2840,
  language_code: "en",
  depth: 10,
  priority: 1,
  tag: keyOf(i)
})

const batchesOf = (from: number, to: number) => Arr.chunksOf(Arr.range(from, to - 1), batchSize)

/** The plain loop: prepared statements, one transaction per batch and stage. */
const makeBaseline = (filename: string) => {
  const db = new Sqlite(filename)
  db.pragma("journal_mode = WAL")
  db.pragma(`synchronous = ${synchronous}`)
  const insert = db.prepare(
    `INSERT INTO dataforseo_task_ledger (correlation_key, run_id, engine, request, tag, state, intent_at)
     VALUES (?, ?, ?, ?, ?, 'intent', ?) ON CONFLICT (correlation_key) DO NOTHING`
  )
  const posted = db.prepare(
    `UPDATE dataforseo_task_ledger SET state = 'posted', task_id = ?, cost = ?, posted_at = ?
     WHERE correlation_key = ? AND state = 'intent'`
  )
  const ready = db.prepare(
    `UPDATE dataforseo_task_ledger SET state = 'ready', ready_at = ? WHERE task_id = ? AND state = 'posted'`
  )
  const collected = db.prepare(
    `UPDATE dataforseo_task_ledger SET state = 'collected', collected_at = ?
     WHERE task_id = ? AND state IN ('posted', 'ready')`
  )
  const stage = (run: (i: number, now: number) => unknown) =>
    db.transaction((batch: ReadonlyArray<number>) => {
      const now = Date.now()
      for (const i of batch) run(i, now)
    })
  const intents = stage((i, now) =>
    insert.run(keyOf(i), runId, "google/organic", JSON.stringify(requestOf(i)), keyOf(i), now)
  )
  const post = stage((i, now) => posted.run(idOf(i), 0.0006, now, keyOf(i)))
  const mark = stage((i, now) => ready.run(now, idOf(i)))
  const collect = stage((i, now) => collected.run(now, idOf(i)))
  const count = db.prepare(`SELECT COUNT(*) AS n FROM dataforseo_task_ledger WHERE state = 'collected'`).pluck()
  return {
    run: (from: number, to: number) =>
      Effect.sync(() => {
        for (const batch of batchesOf(from, to)) {
          intents(batch)
          post(batch)
          mark(batch)
          collect(batch)
        }
      }),
    collected: Effect.sync(() => count.get()),
    close: Effect.sync(() => db.close())
  }
}

/** The same life through the ledger. */
const ledgerRun = (from: number, to: number) =>
  Effect.gen(function*() {
    const ledger = yield* TaskLedger.TaskLedger
    for (const batch of batchesOf(from, to)) {
      yield* ledger.recordIntents(batch.map((i) => ({
        correlationKey: keyOf(i),
        runId,
        engine: "google/organic",
        request: requestOf(i),
        tag: keyOf(i)
      })))
      yield* ledger.recordPosted(batch.map((i) => ({ correlationKey: keyOf(i), taskId: idOf(i), cost: 0.0006 })))
      yield* ledger.recordReady(batch.map(idOf))
      yield* ledger.recordCollected(batch.map((i) => ({ taskId: idOf(i) })))
    }
  })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

const measure = (dir: string, label: string, n: number) =>
  Effect.gen(function*() {
    const ledgerFile = join(dir, `${label}-ledger.sqlite`)
    const baselineFile = join(dir, `${label}-baseline.sqlite`)
    // The baseline's table comes from the ledger's own migrations.
    yield* Effect.provide(Effect.void, TaskLedgerSqlite.layerSqlite({ filename: baselineFile }))
    const baseline = makeBaseline(baselineFile)
    let ledgerMs = 0
    let baselineMs = 0
    yield* Effect.gen(function*() {
      for (let from = 0, slice = 0; from < n; from += sliceSize, slice++) {
        const to = Math.min(n, from + sliceSize)
        // Alternate which side goes first, so that neither always follows the other's checkpoint.
        if (slice % 2 === 0) {
          baselineMs += yield* timed(baseline.run(from, to))
          ledgerMs += yield* timed(ledgerRun(from, to))
        } else {
          ledgerMs += yield* timed(ledgerRun(from, to))
          baselineMs += yield* timed(baseline.run(from, to))
        }
      }
      const ledger = yield* TaskLedger.TaskLedger
      const cost = yield* ledger.costByRun(runId)
      const last = yield* ledger.byCorrelationKey(keyOf(n - 1))
      const baselineCollected = yield* baseline.collected
      if (
        cost.tasks !== n || cost.created !== n || baselineCollected !== n ||
        Option.getOrNull(Option.map(last, (e) => e.state)) !== "collected"
      ) {
        return yield* Effect.dieMessage(
          `ledger recorded ${JSON.stringify(cost)}, baseline ${
            String(baselineCollected)
          }, expected ${n} collected tasks`
        )
      }
    }).pipe(
      Effect.provide(TaskLedgerSqlite.layerSqlite({ filename: ledgerFile, synchronous })),
      Effect.ensuring(baseline.close)
    )
    return { ledgerMs, baselineMs }
  })

const program = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "bench-ledger-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )
  // Warm both paths (JIT, statement caches) on throw-away files first.
  yield* measure(dir, "warm", 5_000)
  const { baselineMs, ledgerMs } = yield* measure(dir, "run", tasks)
  console.error(
    `ledger-sqlite: ${tasks} tasks x 4 stages, batches of ${batchSize}, synchronous ${synchronous}: ` +
      `ledger ${ledgerMs.toFixed(0)} ms, baseline ${baselineMs.toFixed(0)} ms`
  )
  console.log(`bench ledger-sqlite ratio=${(ledgerMs / baselineMs).toFixed(2)} target=2`)
})

await Effect.runPromise(Effect.scoped(program))
