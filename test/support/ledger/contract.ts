/**
 * The contract every TaskLedger store passes: one suite, run once per store with that store's layer.
 * Each test gets a fresh, empty ledger.
 */
import { expect, it } from "@effect/vitest"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { type IntentInput, InvalidTransition, type LedgerError, TaskLedger } from "../../../src/TaskLedger.js"

const intent = (n: number, overrides: Partial<IntentInput> = {}): IntentInput => ({
  correlationKey: `key-${String(n).padStart(4, "0")}`,
  runId: "run-1",
  engine: "google/organic",
  request: { keyword: `keyword ${n}`, location_code: 2840, language_code: "en", depth: 10 },
  ...overrides
})

const taskId = (n: number) => `07231252-7652-0139-0000-${String(n).padStart(12, "0")}`

const keys = (entries: ReadonlyArray<{ readonly correlationKey: string }>) => entries.map((e) => e.correlationKey)

const expectInvalid = (effect: Effect.Effect<void, LedgerError>) =>
  Effect.flip(effect).pipe(
    Effect.filterOrDieMessage(
      (error): error is InvalidTransition => error instanceof InvalidTransition,
      "expected InvalidTransition"
    )
  )

/** Registers the contract tests for the store that `makeLayer` builds (called once per test). */
export const ledgerContract = (makeLayer: () => Layer.Layer<TaskLedger, unknown>) => {
  const test = (name: string, body: Effect.Effect<void, unknown, TaskLedger>) =>
    it.effect(name, () => Effect.provide(body, makeLayer()))

  test(
    "records an intent with everything needed to re-post or reconcile it",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* TestClock.adjust(1_000)
      yield* ledger.recordIntents([intent(1, { tag: "my-tag" })])
      const entry = yield* ledger.byCorrelationKey("key-0001")
      expect(Option.getOrThrow(entry)).toEqual({
        correlationKey: "key-0001",
        runId: "run-1",
        engine: "google/organic",
        request: { keyword: "keyword 1", location_code: 2840, language_code: "en", depth: 10 },
        tag: "my-tag",
        state: "intent",
        intentAt: 1_000
      })
      expect(yield* ledger.byCorrelationKey("nope")).toEqual(Option.none())
    })
  )

  test(
    "follows a task through intent, posted, ready and collected",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2)])
      expect(keys(yield* ledger.unknownIntents())).toEqual(["key-0001", "key-0002"])

      yield* TestClock.adjust(10)
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }])
      expect(keys(yield* ledger.unknownIntents())).toEqual(["key-0002"])
      expect(keys(yield* ledger.uncollected())).toEqual(["key-0001"])

      yield* TestClock.adjust(10)
      yield* ledger.recordReady([taskId(1)])
      expect(keys(yield* ledger.uncollected())).toEqual(["key-0001"])

      yield* TestClock.adjust(10)
      yield* ledger.recordCollected([{ taskId: taskId(1), result: { items_count: 3, items: [{ rank: 1 }] } }])
      expect(yield* ledger.uncollected()).toEqual([])

      const entry = Option.getOrThrow(yield* ledger.byTaskId(taskId(1)))
      expect(entry).toMatchObject({
        correlationKey: "key-0001",
        state: "collected",
        taskId: taskId(1),
        cost: 0.0006,
        intentAt: 0,
        postedAt: 10,
        readyAt: 20,
        collectedAt: 30,
        result: { items_count: 3, items: [{ rank: 1 }] }
      })
      expect(entry.failure).toBeUndefined()
    })
  )

  test(
    "collects without a result, and straight from posted",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1)])
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }])
      yield* ledger.recordCollected([{ taskId: taskId(1) }])
      const entry = Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001"))
      expect(entry.state).toBe("collected")
      expect(entry.result).toBeUndefined()
      expect(entry.readyAt).toBeUndefined()
    })
  )

  test(
    "recording the same intent twice keeps one entry, the first",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(1, { request: { keyword: "other" } })])
      yield* TestClock.adjust(5)
      yield* ledger.recordIntents([intent(1, { runId: "run-2" })])
      const all = yield* ledger.unknownIntents()
      expect(all).toHaveLength(1)
      expect(all[0]).toMatchObject({ runId: "run-1", request: { keyword: "keyword 1" }, intentAt: 0 })
      // An intent already posted stays posted.
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 1 }])
      yield* ledger.recordIntents([intent(1)])
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001")).state).toBe("posted")
    })
  )

  test(
    "posted again with the same id is a no-op; a second id for one key is refused",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1)])
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }])
      yield* TestClock.adjust(100)
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }])
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001"))).toMatchObject({ postedAt: 0 })

      const error = yield* expectInvalid(
        ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(2), cost: 0.0006 }])
      )
      expect(error.rejected).toEqual([
        { ref: "key-0001", from: "posted", to: "posted", reason: `already posted as ${taskId(1)}` }
      ])
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001")).taskId).toBe(taskId(1))
      expect(yield* ledger.byTaskId(taskId(2))).toEqual(Option.none())
    })
  )

  test(
    "a refused call records nothing, not even its valid rows",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1)])
      const error = yield* expectInvalid(ledger.recordPosted([
        { correlationKey: "key-0001", taskId: taskId(1), cost: 1 },
        { correlationKey: "missing", taskId: taskId(2), cost: 1 }
      ]))
      expect(error.rejected).toEqual([
        { ref: "missing", to: "posted", reason: "no intent was recorded for this key" }
      ])
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001")).state).toBe("intent")
      expect(yield* ledger.byTaskId(taskId(1))).toEqual(Option.none())
    })
  )

  test(
    "a refused ready or collected call leaves every entry it named as it was",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2), intent(3)])
      yield* ledger.recordPosted([1, 2, 3].map((n) => ({ correlationKey: `key-000${n}`, taskId: taskId(n), cost: 1 })))
      yield* ledger.recordReady([taskId(1)])
      yield* ledger.recordFailed([{ taskId: taskId(3), code: 40102, message: "no results", billed: true }])
      const before = yield* Effect.forEach([1, 2, 3], (n) => ledger.byTaskId(taskId(n)))
      // the ready one and the posted one would be collected, the failed one refuses the call
      const collected = yield* expectInvalid(
        ledger.recordCollected([{ taskId: taskId(1), result: "r1" }, { taskId: taskId(2), result: "r2" }, {
          taskId: taskId(3)
        }])
      )
      expect(collected.rejected).toEqual([
        { ref: taskId(3), from: "failed", to: "collected", reason: "the task already failed" }
      ])
      const ready = yield* expectInvalid(ledger.recordReady([taskId(2), taskId(9)]))
      expect(ready.rejected).toEqual([{ ref: taskId(9), to: "ready", reason: "no posted task has this id" }])
      expect(yield* Effect.forEach([1, 2, 3], (n) => ledger.byTaskId(taskId(n)))).toEqual(before)
    })
  )

  test(
    "a task id already owned by another key is refused",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2)])
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 1 }])
      const error = yield* expectInvalid(
        ledger.recordPosted([{ correlationKey: "key-0002", taskId: taskId(1), cost: 1 }])
      )
      expect(error.rejected[0]).toMatchObject({ ref: "key-0002", from: "intent", to: "posted" })
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0002")).state).toBe("intent")
    })
  )

  test(
    "unknownIntents narrows by run and by intent time",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2, { runId: "run-2" })])
      yield* TestClock.adjust(1_000)
      yield* ledger.recordIntents([intent(3)])
      expect(keys(yield* ledger.unknownIntents({ runId: "run-1" }))).toEqual(["key-0001", "key-0003"])
      expect(keys(yield* ledger.unknownIntents({ runId: "run-2" }))).toEqual(["key-0002"])
      expect(keys(yield* ledger.unknownIntents({ recordedBefore: 1_000 }))).toEqual(["key-0001", "key-0002"])
      expect(keys(yield* ledger.unknownIntents({ runId: "run-1", recordedBefore: 1_000 }))).toEqual(["key-0001"])
      expect(yield* ledger.unknownIntents({ runId: "run-3" })).toEqual([])
    })
  )

  test(
    "reconciliation resolves unknown intents: found by id_list, or not created",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2), intent(3)])
      yield* TestClock.adjust(60_000)
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0012, postedAt: 7 }])
      yield* ledger.recordFailed([
        { correlationKey: "key-0002", code: 50000, message: "Internal Error.", billed: false },
        {
          correlationKey: "key-0003",
          taskId: taskId(3),
          cost: 0.0006,
          code: 40101,
          message: "Task failed.",
          billed: true
        }
      ])
      expect(yield* ledger.unknownIntents()).toEqual([])
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001"))).toMatchObject({
        state: "posted",
        postedAt: 7
      })
      const notCreated = Option.getOrThrow(yield* ledger.byCorrelationKey("key-0002"))
      expect(notCreated).toMatchObject({
        state: "failed",
        failedAt: 60_000,
        failure: { code: 50000, message: "Internal Error.", billed: false }
      })
      expect(notCreated.taskId).toBeUndefined()
      expect(notCreated.cost).toBeUndefined()
      expect(Option.getOrThrow(yield* ledger.byTaskId(taskId(3)))).toMatchObject({
        correlationKey: "key-0003",
        state: "failed",
        cost: 0.0006,
        failure: { code: 40101, billed: true }
      })
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: 3, created: 2, cost: 0.0018 })
    })
  )

  test(
    "a posted task can fail (by task id); failed and collected are final",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2), intent(3)])
      yield* ledger.recordPosted(
        [1, 2, 3].map((n) => ({ correlationKey: intent(n).correlationKey, taskId: taskId(n), cost: 1 }))
      )
      yield* ledger.recordReady([taskId(2)])
      yield* ledger.recordFailed([
        { taskId: taskId(1), code: 40101, message: "Task failed.", billed: true },
        { taskId: taskId(2), code: 40403, message: "Results expired.", billed: true }
      ])
      yield* ledger.recordCollected([{ taskId: taskId(3) }])

      // Repeated and late signals change nothing.
      yield* ledger.recordFailed([{ taskId: taskId(1), code: 50000, message: "again", billed: false }])
      yield* ledger.recordReady([taskId(1), taskId(3)])
      yield* ledger.recordCollected([{ taskId: taskId(3), result: { late: true } }])

      expect(Option.getOrThrow(yield* ledger.byTaskId(taskId(1)))).toMatchObject({
        state: "failed",
        failure: { code: 40101, message: "Task failed.", billed: true }
      })
      expect(Option.getOrThrow(yield* ledger.byTaskId(taskId(2))).state).toBe("failed")
      const collected = Option.getOrThrow(yield* ledger.byTaskId(taskId(3)))
      expect(collected.state).toBe("collected")
      expect(collected.result).toBeUndefined()

      const collectFailed = yield* expectInvalid(ledger.recordCollected([{ taskId: taskId(1) }]))
      expect(collectFailed.rejected).toEqual([
        { ref: taskId(1), from: "failed", to: "collected", reason: "the task already failed" }
      ])
      const failCollected = yield* expectInvalid(
        ledger.recordFailed([{ taskId: taskId(3), code: 40403, message: "x", billed: true }])
      )
      expect(failCollected.rejected[0]).toMatchObject({ from: "collected", to: "failed" })
      const postFailed = yield* expectInvalid(
        ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(9), cost: 1 }])
      )
      expect(postFailed.rejected[0]).toMatchObject({ from: "failed", to: "posted" })
      expect(yield* ledger.uncollected()).toEqual([])
    })
  )

  test(
    "a failure that cost nothing and created no task is tried again: a new intent replaces it; no other does",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2), intent(3), intent(4)])
      yield* ledger.recordPosted([{ correlationKey: "key-0003", taskId: taskId(3), cost: 0.0006 }])
      yield* ledger.recordFailed([
        { correlationKey: "key-0001", code: 40202, message: "Rate limit.", billed: false },
        {
          correlationKey: "key-0002",
          taskId: taskId(2),
          cost: 0.0006,
          code: 40101,
          message: "Task failed.",
          billed: true
        },
        { taskId: taskId(3), code: 40403, message: "Results expired.", billed: false },
        { correlationKey: "key-0004", code: 40501, message: "Invalid field.", billed: true }
      ])
      yield* TestClock.adjust(5_000)
      const retry = { keyword: "keyword 1 again" }
      yield* ledger.recordIntents(
        [1, 2, 3, 4].map((n) => intent(n, { runId: "run-2", request: n === 1 ? retry : intent(n).request }))
      )
      // the new try, as a fresh intent of the run that posts it: nothing of the failure is left
      const tried = Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001"))
      expect(tried).toEqual({ ...intent(1, { runId: "run-2", request: retry }), state: "intent", intentAt: 5_000 })
      expect(keys(yield* ledger.unknownIntents())).toEqual(["key-0001"])
      // a billed failure, or one with a task, stays as it was
      for (const key of ["key-0002", "key-0003", "key-0004"]) {
        expect(Option.getOrThrow(yield* ledger.byCorrelationKey(key))).toMatchObject({
          state: "failed",
          runId: "run-1"
        })
      }
      yield* ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }])
      expect(yield* ledger.costByRun("run-2")).toEqual({ runId: "run-2", tasks: 1, created: 1, cost: 0.0006 })
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: 3, created: 2, cost: 0.0012 })
    })
  )

  test(
    "a failure and the new try of its key written at once end as the new try",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2)])
      // queued together while it writes the first, the SQL store writes the others in one transaction
      yield* Effect.all(
        [
          ledger.recordIntents([intent(3)]),
          ledger.recordFailed([{ correlationKey: "key-0001", code: 50000, message: "Internal error.", billed: false }]),
          ledger.recordIntents([intent(1, { runId: "run-2" })]),
          ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 }]),
          ledger.recordFailed([{ correlationKey: "key-0002", code: 50000, message: "Internal error.", billed: false }])
        ],
        { concurrency: "unbounded" }
      )
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001"))).toMatchObject({
        state: "posted",
        runId: "run-2",
        taskId: taskId(1)
      })
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0002")).state).toBe("failed")
    })
  )

  test(
    "ready, collected and failed for unknown ids are refused",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1)])
      expect((yield* expectInvalid(ledger.recordReady([taskId(1)]))).rejected).toEqual([
        { ref: taskId(1), to: "ready", reason: "no posted task has this id" }
      ])
      expect((yield* expectInvalid(ledger.recordCollected([{ taskId: taskId(1) }]))).rejected[0]).toMatchObject({
        ref: taskId(1),
        to: "collected"
      })
      expect(
        (yield* expectInvalid(ledger.recordFailed([{ taskId: taskId(1), code: 1, message: "m", billed: false }])))
          .rejected[0]
      ).toMatchObject({ ref: taskId(1), to: "failed" })
      expect(
        (yield* expectInvalid(ledger.recordFailed([{ correlationKey: "nope", code: 1, message: "m", billed: false }])))
          .rejected[0]
      ).toMatchObject({ ref: "nope", to: "failed" })
      expect(Option.getOrThrow(yield* ledger.byCorrelationKey("key-0001")).state).toBe("intent")
    })
  )

  test(
    "byTag finds the entries sent with a tag",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([
        intent(1, { tag: "campaign-a" }),
        intent(2, { tag: "campaign-b" }),
        intent(3, { tag: "campaign-a" }),
        intent(4)
      ])
      expect(keys(yield* ledger.byTag("campaign-a"))).toEqual(["key-0001", "key-0003"])
      expect(yield* ledger.byTag("none")).toEqual([])
    })
  )

  test(
    "costByRun sums the recorded costs of one run",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2), intent(3), intent(4, { runId: "run-2" })])
      yield* ledger.recordPosted([
        { correlationKey: "key-0001", taskId: taskId(1), cost: 0.0006 },
        { correlationKey: "key-0002", taskId: taskId(2), cost: 0.0012 },
        { correlationKey: "key-0004", taskId: taskId(4), cost: 0.5 }
      ])
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: 3, created: 2, cost: 0.0018 })
      expect(yield* ledger.costByRun("run-2")).toEqual({ runId: "run-2", tasks: 1, created: 1, cost: 0.5 })
      expect(yield* ledger.costByRun("run-3")).toEqual({ runId: "run-3", tasks: 0, created: 0, cost: 0 })
    })
  )

  test(
    "costByRun adds up exactly: 500 tasks of $0.0006 cost 0.3, and mixed prices their exact decimal",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      const n = 500
      // standard, high priority, extra pages, live, PAA click: 0.0068 a round of seven
      const prices = [0.0006, 0.0012, 0.00045, 0.0009, 0.002, 0.0015, 0.00015]
      const all = Arr.range(1, n)
      const mixed = Arr.range(n + 1, n + 700)
      yield* ledger.recordIntents([
        ...all.map((i) => intent(i)),
        ...mixed.map((i) => intent(i, { runId: "run-mixed" }))
      ])
      yield* ledger.recordPosted(
        all.map((i) => ({ correlationKey: intent(i).correlationKey, taskId: taskId(i), cost: 0.0006 }))
      )
      yield* ledger.recordPosted(
        mixed.map((i) => ({
          correlationKey: intent(i).correlationKey,
          taskId: taskId(i),
          cost: prices[i % prices.length] ?? 0
        }))
      )
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: n, created: n, cost: 0.3 })
      expect(yield* ledger.costByRun("run-mixed")).toEqual({ runId: "run-mixed", tasks: 700, created: 700, cost: 0.68 })
      // each entry keeps the amount as the API sent it
      expect(Option.map(yield* ledger.byTaskId(taskId(506)), (e) => e.cost)).toEqual(Option.some(prices[506 % 7]))
    })
  )

  test(
    "empty batches are no-ops",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([])
      yield* ledger.recordPosted([])
      yield* ledger.recordReady([])
      yield* ledger.recordCollected([])
      yield* ledger.recordFailed([])
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: 0, created: 0, cost: 0 })
    })
  )

  test(
    "many fibers writing at once neither lose nor duplicate a row",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      const n = 300
      const all = Arr.range(1, n)
      // Every intent is written twice, by two different fibers, one task per call.
      yield* Effect.forEach([...all, ...all], (i) => ledger.recordIntents([intent(i)]), { concurrency: "unbounded" })
      expect(yield* ledger.unknownIntents()).toHaveLength(n)
      yield* Effect.forEach(
        all,
        (i) => ledger.recordPosted([{ correlationKey: intent(i).correlationKey, taskId: taskId(i), cost: 0.5 }]),
        { concurrency: "unbounded" }
      )
      yield* Effect.forEach(
        Arr.chunksOf(all, 7),
        (chunk) => ledger.recordReady(chunk.map(taskId)),
        { concurrency: "unbounded" }
      )
      yield* Effect.forEach(
        all.filter((i) => i % 2 === 0),
        (i) => ledger.recordCollected([{ taskId: taskId(i) }]),
        { concurrency: "unbounded" }
      )
      expect(yield* ledger.unknownIntents()).toEqual([])
      const open = yield* ledger.uncollected()
      expect(open.map((e) => e.taskId)).toEqual(all.filter((i) => i % 2 === 1).map(taskId))
      expect(open.every((e) => e.state === "ready")).toBe(true)
      expect(yield* ledger.costByRun("run-1")).toEqual({ runId: "run-1", tasks: n, created: n, cost: n * 0.5 })
    })
  )

  test(
    "a refused call does not disturb calls written at the same time",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2)])
      const outcomes = yield* Effect.all([
        Effect.either(ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 1 }])),
        Effect.either(ledger.recordPosted([{ correlationKey: "missing", taskId: taskId(3), cost: 1 }])),
        Effect.either(ledger.recordPosted([{ correlationKey: "key-0002", taskId: taskId(2), cost: 1 }]))
      ], { concurrency: "unbounded" })
      expect(outcomes.map(Either.isRight)).toEqual([true, false, true])
      expect(keys(yield* ledger.uncollected())).toEqual(["key-0001", "key-0002"])
    })
  )

  test(
    "calls written at the same time take effect in the order they were made",
    Effect.gen(function*() {
      const ledger = yield* TaskLedger
      yield* ledger.recordIntents([intent(1), intent(2)])
      yield* ledger.recordPosted([{ correlationKey: "key-0002", taskId: taskId(2), cost: 1 }])
      const outcomes = yield* Effect.all([
        // Ready before posted: the id is not known yet.
        Effect.either(ledger.recordReady([taskId(1)])),
        Effect.either(ledger.recordPosted([{ correlationKey: "key-0001", taskId: taskId(1), cost: 1 }])),
        // Collected before ready: the ready signal comes late and changes nothing.
        Effect.either(ledger.recordCollected([{ taskId: taskId(2) }])),
        Effect.either(ledger.recordReady([taskId(2)]))
      ], { concurrency: "unbounded" })
      expect(outcomes.map(Either.isRight)).toEqual([false, true, true, true])
      expect(Option.getOrThrow(yield* ledger.byTaskId(taskId(1))).state).toBe("posted")
      const collected = Option.getOrThrow(yield* ledger.byTaskId(taskId(2)))
      expect(collected.state).toBe("collected")
      expect(collected.readyAt).toBeUndefined()
    })
  )
}
