import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import * as TaskLedger from "../src/TaskLedger.js"
import { ledgerContract } from "./support/ledger/contract.js"
import { layerTempSqlite } from "./support/ledger/sqlite.js"

describe("TaskLedger contract: memory", () => {
  ledgerContract(() => TaskLedger.layerMemory)
})

describe("TaskLedger contract: SQLite", () => {
  ledgerContract(() => layerTempSqlite())
})

describe("TaskLedger contract: SQLite, one write per transaction", () => {
  ledgerContract(() => layerTempSqlite({ maxWritesPerTransaction: 1, synchronous: "normal" }))
})

// Writes over a few keys and ids, so that one write often names an entry twice.
const key = fc.constantFrom("k1", "k2", "k3")
const taskId = fc.constantFrom("t1", "t2")
const some = <A>(item: fc.Arbitrary<A>) => fc.array(item, { minLength: 1, maxLength: 4 })
const write = fc.oneof(
  some(key).map((keys) => ({ _tag: "Intents" as const, keys })),
  some(fc.tuple(key, taskId)).map((pairs) => ({ _tag: "Posted" as const, pairs })),
  some(taskId).map((ids) => ({ _tag: "Ready" as const, ids })),
  some(taskId).map((ids) => ({ _tag: "Collected" as const, ids })),
  some(fc.oneof(key.map((k) => ({ correlationKey: k })), taskId.map((t) => ({ taskId: t })))).map((refs) => ({
    _tag: "Failed" as const,
    refs
  }))
)
type Write = typeof write extends fc.Arbitrary<infer A> ? A : never

const run = (writes: ReadonlyArray<Write>, layer: Layer.Layer<TaskLedger.TaskLedger, unknown>) =>
  Effect.gen(function*() {
    const ledger = yield* TaskLedger.TaskLedger
    const outcomes: Array<string> = []
    for (const w of writes) {
      const written = w._tag === "Intents"
        ? ledger.recordIntents(
          w.keys.map((k, i) => ({
            correlationKey: k,
            runId: "run",
            engine: "naver/organic",
            request: { keyword: `${k} ${i}` }
          }))
        )
        : w._tag === "Posted"
        ? ledger.recordPosted(w.pairs.map(([k, t]) => ({ correlationKey: k, taskId: t, cost: 0.0006 })))
        : w._tag === "Ready"
        ? ledger.recordReady(w.ids)
        : w._tag === "Collected"
        ? ledger.recordCollected(w.ids.map((t) => ({ taskId: t, result: { of: t } })))
        : ledger.recordFailed(w.refs.map((ref) => ({ ...ref, code: 40501, message: "bad", billed: false })))
      const outcome = yield* Effect.either(written)
      outcomes.push(Either.isRight(outcome) ? "ok" : outcome.left.message)
    }
    const entries = yield* Effect.forEach(["k1", "k2", "k3"], (k) => ledger.byCorrelationKey(k))
    return { outcomes, entries }
  }).pipe(Effect.provide(layer))

describe("TaskLedger memory store", () => {
  it.effect.prop(
    "writes that name an entry twice, or are refused, end as in the SQLite store",
    [fc.array(write, { minLength: 1, maxLength: 8 })],
    ([later]) =>
      Effect.gen(function*() {
        // most writes need intents to act on: half the time, every key has one first
        const writes = later.length % 2 === 0
          ? [{ _tag: "Intents" as const, keys: ["k1", "k2", "k3"] }, ...later]
          : later
        const memory = yield* run(writes, TaskLedger.layerMemory)
        const sqlite = yield* run(writes, layerTempSqlite())
        expect(memory).toEqual(sqlite)
      }),
    { timeout: 60_000, fastCheck: { numRuns: 150 } }
  )
})
