/**
 * Serp.run end to end over a real socket (issue 19): the sandbox served on loopback, the client on undici or
 * fetch, a memory ledger, the live clock. Queue delays are short and the limits' window is one second, so each
 * test runs in a few seconds. After each run the ledger is read: every result taken is `collected`, and the run
 * cost what the served emulator billed.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as Money from "../src/Money.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as Serp from "../src/Serp.js"
import * as TaskLedger from "../src/TaskLedger.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { faulty } from "./support/poller.js"
import {
  type AnyOutcome,
  keywords,
  ledgerCost,
  ledgerStates,
  misattributed,
  postForeign,
  runAll,
  served,
  servedStats,
  summaries
} from "./support/serpLoopback.js"

const naver = (keyword: string): NaverOrganic.Task => ({ keyword })
const google = (keyword: string): GoogleOrganic.Task => ({ keyword, location_code: 2840, language_code: "en" })
const keyOf = (task: { readonly keyword: unknown }) => `job:${String(task.keyword)}`

/** The lines of tasks that came out with their own result: `<keyword>: <keyword>`, sorted. */
const withResults = (words: ReadonlyArray<string>) => words.map((word) => `${word}: ${word}`).sort()

/** The lines of tasks that came out with an error of `tag`, sorted. */
const withError = (words: ReadonlyArray<string>, tag: string) => words.map((word) => `${word}: ${tag}`).sort()

/** The lines of tasks whose ledger entry is in `state`, sorted. */
const allIn = (words: ReadonlyArray<string>, state: string) => words.map((word) => `${word}: ${state}`).sort()

/** The error of an outcome that has one. */
const errorOf = (outcome: AnyOutcome) => Either.isLeft(outcome.result) ? outcome.result.left : undefined

/** An amount in whole micro-dollars, so that amounts compare exactly. */
const micros = (usd: number) => Money.fromUsd(usd)

/**
 * What every clean run ends with: each of `n` tasks billed once, each collected once on the server, each
 * recorded collected, and the ledger's cost for the run equal to what the server billed.
 */
const billedAsRecorded = (n: number) =>
  Effect.gen(function*() {
    const stats = yield* servedStats
    const cost = yield* ledgerCost
    expect(stats.tasksBilled).toBe(n)
    expect(stats.tasksCollected).toBe(n)
    expect(cost.created).toBe(n)
    expect(micros(cost.cost)).toBe(micros(stats.totalCost))
    expect(yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.uncollected())).toEqual([])
  })

/** Each format over undici, and one over fetch. */
const clients: ReadonlyArray<
  readonly [format: "regular" | "advanced" | "html", name: string, client: Layer.Layer<HttpClient.HttpClient>]
> = [
  ["regular", "UndiciHttpClient", UndiciHttpClient.layer],
  ["advanced", "UndiciHttpClient", UndiciHttpClient.layer],
  ["html", "UndiciHttpClient", UndiciHttpClient.layer],
  ["advanced", "FetchHttpClient", FetchHttpClient.layer]
]

describe("Serp.run over a socket (live clock)", () => {
  for (const [format, name, client] of clients) {
    it.live(
      `both engines, ${format}, ${name}: each task once with its own result, collected, cost as billed`,
      () =>
        Effect.gen(function*() {
          const naverWords = keywords(20, `${format} naver`)
          const googleWords = keywords(20, `${format} google`)
          const [fromNaver, fromGoogle] = yield* Effect.all([
            runAll(NaverOrganic.engine, naverWords.map(naver), { format, correlationKey: keyOf }),
            runAll(GoogleOrganic.engine, googleWords.map(google), { format })
          ], { concurrency: "unbounded" })
          expect(summaries(fromNaver)).toEqual(withResults(naverWords))
          expect(summaries(fromGoogle)).toEqual(withResults(googleWords))
          // each result came from the task the emulator created for its keyword
          expect(yield* misattributed([...fromNaver, ...fromGoogle])).toEqual([])
          for (const outcome of fromNaver) expect(outcome.correlationKey).toBe(keyOf(outcome.task))
          expect(yield* ledgerStates([...fromNaver, ...fromGoogle])).toEqual(
            allIn([...naverWords, ...googleWords], "collected")
          )
          yield* billedAsRecorded(40)
        }).pipe(Effect.provide(served({
          served: client,
          // task_post replies list the created tasks in reverse, without their tags: each must still get its own id
          sandbox: { replyOrder: "reversed", taskPostEcho: "without_tag" }
        }))),
      30_000
    )
  }

  it.live(
    "every request fault on 30% of tasks_ready and task_get calls: each task once, with its result",
    () =>
      Effect.gen(function*() {
        const naverWords = keywords(60, "faulty naver")
        const googleWords = keywords(60, "faulty google")
        const [fromNaver, fromGoogle] = yield* Effect.all([
          runAll(NaverOrganic.engine, naverWords.map(naver), { format: "advanced" }),
          runAll(GoogleOrganic.engine, googleWords.map(google), { format: "advanced" })
        ], { concurrency: "unbounded" })
        expect(summaries(fromNaver)).toEqual(withResults(naverWords))
        expect(summaries(fromGoogle)).toEqual(withResults(googleWords))
        expect(yield* misattributed([...fromNaver, ...fromGoogle])).toEqual([])
        yield* billedAsRecorded(120)
        // the faults happened: failed task_get calls were asked again
        const calls = (yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).calls
        expect(calls.task_get.calls).toBeGreaterThan(120)
      }).pipe(Effect.provide(served(faulty))),
    30_000
  )

  it.live(
    "40202 on tasks_ready: every task comes out with its result, found through tasks_ready",
    () =>
      Effect.gen(function*() {
        const words = keywords(30, "limited")
        const outcomes = yield* runAll(NaverOrganic.engine, words.map(naver), { format: "regular" })
        expect(summaries(outcomes)).toEqual(withResults(words))
        const calls = (yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).calls
        expect(calls.tasks_ready.rejected).toBeGreaterThan(0)
        // none asked for by id before it was ready: one task_get per task
        expect(calls.task_get.calls).toBe(30)
        yield* billedAsRecorded(30)
      }).pipe(Effect.provide(served({
        // the account allows 2 tasks_ready calls a window where the client was told 20; no ask by id
        config: { limits: { tasksReadyPerMinute: 20 } },
        sandbox: { queueDelay: { normal: "1 second" }, limits: { perMinute: { tasks_ready: 2 } } },
        poller: { expectedWait: "1 minute" }
      }))),
    30_000
  )

  it.live(
    "1,100 ready tasks of another job fill tasks_ready's page: ours come out, asked by id",
    () =>
      Effect.gen(function*() {
        const foreign = yield* postForeign(NaverOrganic.engine, keywords(1100, "other job").map(naver))
        expect(foreign).toHaveLength(1100)
        const words = keywords(20, "ours")
        const outcomes = yield* runAll(NaverOrganic.engine, words.map(naver), { format: "advanced" })
        expect(summaries(outcomes)).toEqual(withResults(words))
        expect(yield* misattributed(outcomes)).toEqual([])
        expect(yield* ledgerStates(outcomes)).toEqual(allIn(words, "collected"))
        // the other job's tasks are left alone: none fetched
        const tasks = yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.tasks)
        const others = new Set(foreign)
        const theirs = tasks.filter((task) => others.has(task.id))
        expect(theirs.filter((task) => task.collected)).toEqual([])
        // the run cost what the server billed for our tasks: its total less the other job's
        const stats = yield* servedStats
        const cost = yield* ledgerCost
        expect(stats.tasksBilled).toBe(1120)
        expect(cost.created).toBe(20)
        expect(micros(cost.cost)).toBe(micros(stats.totalCost) - micros(Money.sumUsd(theirs.map((task) => task.cost))))
      }).pipe(Effect.provide(served({
        // asked by id only because of the full page: the expected wait is far beyond the test's timeout
        poller: { expectedWait: "1 minute" }
      }))),
    30_000
  )

  it.live(
    "expired tasks (40403) come out as NotFoundError; the others of the run get their results",
    () =>
      Effect.gen(function*() {
        const old = keywords(5, "expiring")
        const fresh = keywords(5, "fresh")
        // the first run gives up on them before they are done: posted, uncollected
        const first = yield* runAll(NaverOrganic.engine, old.map(naver), {
          format: "advanced",
          correlationKey: keyOf,
          deadline: "100 millis"
        })
        expect(summaries(first)).toEqual(withError(old, "SerpTimeoutError"))
        // past the results' retention, the same keys come back, with new ones
        yield* Effect.sleep("2500 millis")
        const again = yield* runAll(NaverOrganic.engine, [...old, ...fresh].map(naver), {
          format: "advanced",
          correlationKey: keyOf
        })
        expect(summaries(again)).toEqual([...withError(old, "NotFoundError"), ...withResults(fresh)].sort())
        for (const outcome of again.filter((outcome) => Either.isLeft(outcome.result))) {
          expect(errorOf(outcome)).toMatchObject({ _tag: "NotFoundError", code: 40403, taskId: outcome.posted?.id })
        }
        const states = yield* ledgerStates(again)
        expect(states.filter((state) => state.endsWith("collected"))).toEqual(allIn(fresh, "collected"))
        // the old keys were not posted again
        const stats = yield* servedStats
        expect(stats.tasksBilled).toBe(10)
        expect(micros((yield* ledgerCost).cost)).toBe(micros(stats.totalCost))
      }).pipe(Effect.provide(served({
        sandbox: { retention: { results: "2 seconds" } },
        poller: { expectedWait: "500 millis" }
      }))),
    30_000
  )

  it.live(
    "missing tasks (40401) come out as NotFoundError; the others of the run get their results",
    () =>
      Effect.gen(function*() {
        // one ledger, two servers: the second does not know the first one's tasks, as if it had lost them
        const ledger = Layer.succeed(TaskLedger.TaskLedger, yield* TaskLedger.makeMemory)
        const old = keywords(5, "vanished")
        const fresh = keywords(5, "fresh")
        const first = yield* runAll(NaverOrganic.engine, old.map(naver), {
          format: "regular",
          correlationKey: keyOf,
          deadline: "100 millis"
        }).pipe(Effect.provide(served({ ledger, sandbox: { queueDelay: { normal: "2 seconds" } } })))
        expect(summaries(first)).toEqual(withError(old, "SerpTimeoutError"))
        yield* Effect.gen(function*() {
          const again = yield* runAll(NaverOrganic.engine, [...old, ...fresh].map(naver), {
            format: "regular",
            correlationKey: keyOf
          })
          expect(summaries(again)).toEqual([...withError(old, "NotFoundError"), ...withResults(fresh)].sort())
          for (const outcome of again.filter((outcome) => Either.isLeft(outcome.result))) {
            expect(errorOf(outcome)).toMatchObject({ _tag: "NotFoundError", code: 40401, taskId: outcome.posted?.id })
          }
          expect(yield* ledgerStates(again)).toEqual([...allIn(old, "posted"), ...allIn(fresh, "collected")].sort())
          // the second server billed the fresh tasks only, as the second run's ledger says
          const stats = yield* servedStats
          expect(stats.tasksBilled).toBe(5)
          expect(micros((yield* ledgerCost).cost)).toBe(micros(stats.totalCost))
        }).pipe(Effect.provide(served({
          ledger,
          // another server: another seed, so that its task ids are not the first one's
          sandbox: { seed: 20 },
          poller: { expectedWait: "500 millis" }
        })))
      }),
    30_000
  )

  it.live(
    "a deadline shorter than the queue: SerpTimeoutError, still posted, and Serp.result gets them later",
    () =>
      Effect.gen(function*() {
        const words = keywords(10, "late")
        const outcomes = yield* runAll(GoogleOrganic.engine, words.map(google), {
          format: "advanced",
          correlationKey: keyOf,
          deadline: "300 millis"
        })
        expect(summaries(outcomes)).toEqual(withError(words, "SerpTimeoutError"))
        for (const outcome of outcomes) {
          expect(errorOf(outcome)).toMatchObject({
            _tag: "SerpTimeoutError",
            taskId: outcome.posted?.id,
            correlationKey: keyOf(outcome.task),
            deadline: 300
          })
        }
        expect(yield* ledgerStates(outcomes)).toEqual(allIn(words, "posted"))
        expect((yield* servedStats).tasksCollected).toBe(0)
        // later, each is fetched by its posted task
        const serp = yield* Serp.Serp
        const results = yield* Effect.forEach(outcomes, (outcome) =>
          outcome.posted === undefined
            ? Effect.succeed(`${String(outcome.task.keyword)}: not posted`)
            : Effect.map(
              serp.result(GoogleOrganic.engine, outcome.posted, { format: "advanced" }),
              (result) => `${String(outcome.task.keyword)}: ${result.keyword}`
            ), { concurrency: "unbounded" })
        expect(results.sort()).toEqual(withResults(words))
        expect(yield* ledgerStates(outcomes)).toEqual(allIn(words, "collected"))
        yield* billedAsRecorded(10)
      }).pipe(Effect.provide(served({ sandbox: { queueDelay: { normal: "2 seconds" } } }))),
    30_000
  )
})
