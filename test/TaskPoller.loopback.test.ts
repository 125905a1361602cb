/**
 * The poller over a real socket: the sandbox served on loopback, reached with UndiciHttpClient, on the live
 * clock. Queue delays are short and the limits' window is one second, so each test runs in a few seconds.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type { AnyEngine, ResultFormat } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskPoller from "../src/TaskPoller.js"
import { faulty, layer, loopback, type Setup } from "./support/poller.js"

const naver = (keyword: string): NaverOrganic.Task => ({ keyword })
const google = (keyword: string): GoogleOrganic.Task => ({ keyword, location_code: 2840, language_code: "en" })

const keywords = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`)

/** The stack over loopback: live clock, compressed limits, tasks done 300 ms after posting. */
const served = (setup: Setup = {}) => layer(loopback(setup))

/** Posts tasks through the batcher; every one must be created. */
const post = <T>(engine: AnyEngine, tasks: ReadonlyArray<T>) =>
  Effect.flatMap(
    TaskBatcher.TaskBatcher,
    (batcher) =>
      Effect.map(batcher.submitAll(engine, tasks), (outcomes) => outcomes.map((outcome) => Either.getOrThrow(outcome)))
  )

/** Every task of `posted` through `results`: [task id, keyword or error] in the order they came. */
const collect = <E extends AnyEngine, F extends ResultFormat>(
  engine: E,
  posted: ReadonlyArray<TaskBatcher.PostedTask>,
  format: F
) =>
  Effect.flatMap(TaskPoller.TaskPoller, (poller) =>
    Effect.map(
      Stream.runCollect(poller.results(engine, posted, { format })),
      (outcomes) => Chunk.toReadonlyArray(outcomes).map(([task, outcome]) => [task.id, keywordOf(outcome)] as const)
    ))

const keywordOf = (outcome: Either.Either<{ readonly keyword?: string | null | undefined }, unknown>) =>
  Either.isRight(outcome) ? outcome.right.keyword : `error: ${JSON.stringify(outcome.left)}`

/** What each posted task must come out as: its id with its keyword, once, sorted. */
const expected = (posted: ReadonlyArray<TaskBatcher.PostedTask>, prefix: string) =>
  posted.map((task, i) => [task.id, `${prefix} ${i}`] as const).sort()

const sorted = (outcomes: ReadonlyArray<readonly [string, unknown]>) => [...outcomes].sort()

/** Posts 250 tasks of each engine and collects both at once, advanced. */
const bothEngines = (prefix: string) =>
  Effect.gen(function*() {
    const naverPosted = yield* post(NaverOrganic.engine, keywords(250, `${prefix} naver`).map(naver))
    const googlePosted = yield* post(GoogleOrganic.engine, keywords(250, `${prefix} google`).map(google))
    const [fromNaver, fromGoogle] = yield* Effect.all([
      collect(NaverOrganic.engine, naverPosted, "advanced"),
      collect(GoogleOrganic.engine, googlePosted, "advanced")
    ], { concurrency: "unbounded" })
    expect(sorted(fromNaver)).toEqual(expected(naverPosted, `${prefix} naver`))
    expect(sorted(fromGoogle)).toEqual(expected(googlePosted, `${prefix} google`))
    const emulator = yield* Sandbox.Emulator
    const tasks = yield* emulator.tasks
    expect(tasks).toHaveLength(500)
    expect(tasks.filter((task) => !task.collected)).toEqual([])
    const stats = yield* emulator.stats
    expect(stats.tasksBilled).toBe(500)
    expect([...stats.byTag.values()].every((tally) => tally.billed === 1)).toBe(true)
    expect(yield* Effect.flatMap(TaskPoller.TaskPoller, (poller) => poller.outstanding)).toBe(0)
    return stats
  })

describe("TaskPoller over a socket (UndiciHttpClient, live clock)", () => {
  it.live(
    "500 tasks of both engines, advanced: each comes out once with its keyword, fetched once",
    () =>
      Effect.gen(function*() {
        const stats = yield* bothEngines("clean")
        // found through tasks_ready: one task_get per task, and no tasks_ready call refused
        expect(stats.calls.task_get.calls).toBe(500)
        expect(stats.calls.tasks_ready.calls).toBeGreaterThan(0)
        expect(stats.calls.tasks_ready.rejected).toBe(0)
      }).pipe(Effect.provide(served())),
    30_000
  )

  it.live(
    "every request fault on 30% of tasks_ready and task_get calls: each task once, with its result",
    () =>
      Effect.gen(function*() {
        const stats = yield* bothEngines("faulty")
        // each fault is a failed call, asked again
        expect(stats.calls.task_get.calls).toBeGreaterThan(550)
        expect(stats.calls.tasks_ready.calls).toBeGreaterThan(0)
      }).pipe(Effect.provide(served(faulty))),
    60_000
  )

  it.live(
    "a task_get that failed is asked again after its backoff, though tasks_ready lists the task meanwhile",
    () =>
      Effect.gen(function*() {
        const [posted] = yield* post(GoogleOrganic.engine, [google("backed off")])
        yield* Effect.flatMap(
          Sandbox.Emulator,
          (emulator) => emulator.scriptFaults("task_get", ["http_500", "http_500", "http_500"])
        )
        const poller = yield* TaskPoller.TaskPoller
        const started = Date.now()
        const result = yield* poller.awaitResult(GoogleOrganic.engine, posted!.id, { format: "advanced" })
        const seconds = (Date.now() - started) / 1000
        expect(result.keyword).toBe("backed off")
        const calls = (yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).calls
        expect(calls.task_get.calls).toBe(4)
        // waits of 400, 800 and 1,600 ms, each at least 80% of that: 2.24 s. Woken by each tasks_ready reply
        // (every 50 ms), the three retries came within a quarter of a second.
        expect(seconds).toBeGreaterThan(2.24)
        expect(calls.tasks_ready.calls).toBeGreaterThan(10)
      }).pipe(Effect.provide(served({
        config: { retry: { baseDelay: "400 millis" } },
        poller: { maxBackoff: "10 seconds" }
      }))),
    30_000
  )

  it.live("40202 on tasks_ready: no task fails, the poller slows down", () =>
    Effect.gen(function*() {
      const posted = yield* post(NaverOrganic.engine, keywords(50, "limited").map(naver))
      const started = Date.now()
      const outcomes = yield* collect(NaverOrganic.engine, posted, "regular")
      const seconds = (Date.now() - started) / 1000
      expect(sorted(outcomes)).toEqual(expected(posted, "limited"))
      const calls = (yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).calls
      // every task found through tasks_ready and fetched once, none asked for by id before it was done
      expect(calls.task_get.calls).toBe(50)
      expect(calls.tasks_ready.rejected).toBeGreaterThan(0)
      // Each 40202 halves the pace (20, 10, 5, 2, 1 calls a window), which then comes back by one call a window:
      // a few refusals at first, then one every other window at most. At the 20 a window the client was told,
      // 18 calls of every window would be refused.
      expect(calls.tasks_ready.rejected).toBeLessThanOrEqual(5 + Math.ceil(seconds / 2))
    }).pipe(Effect.provide(served({
      // the account allows 2 tasks_ready calls a window where the client was told 20; no ask by id
      config: { limits: { tasksReadyPerMinute: 20 } },
      sandbox: { queueDelay: { normal: "3 seconds" }, limits: { perMinute: { tasks_ready: 2 } } },
      poller: { expectedWait: "1 minute" }
    }))), 30_000)
})
