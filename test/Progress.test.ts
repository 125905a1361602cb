import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Progress from "../src/Progress.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as Serp from "../src/Serp.js"
import { driven } from "./support/batcher.js"
import { layer } from "./support/serp.js"

const tasks = (n: number, prefix: string): Array<NaverOrganic.Task> =>
  Array.from({ length: n }, (_, i) => ({ keyword: `${prefix} ${i}` }))

const progress = Effect.flatMap(Serp.Serp, (serp) => serp.progress)
const emulator = Sandbox.Emulator

/** Moves the TestClock forward in steps of 10 ms, letting forked fibers run between them. */
const advance = (millis: number) =>
  Effect.gen(function*() {
    for (let t = 0; t < millis; t += 10) {
      yield* TestClock.adjust("10 millis")
      yield* Effect.yieldNow()
    }
  })

/** A run of `input` forked, its outcomes collected. */
const forkRun = (
  input: ReadonlyArray<NaverOrganic.Task>,
  options: Partial<Serp.RunOptions<NaverOrganic.Task, "regular">> = {}
) =>
  Effect.flatMap(
    Serp.Serp,
    (serp) => Effect.fork(Stream.runCollect(serp.run(NaverOrganic.engine, input, { format: "regular", ...options })))
  )

describe("Progress through Serp", () => {
  it.effect("counts a run from submitted to collected, with its cost, pace and oldest task waiting", () =>
    Effect.gen(function*() {
      const start = yield* progress
      expect(start).toMatchObject({ submitted: 0, posted: 0, ready: 0, collected: 0, failed: 0, cost: 0, perMinute: 0 })
      expect(start.oldestWaiting).toBeUndefined()
      const run = yield* forkRun([...tasks(10, "count"), { keyword: "" }])
      yield* advance(1000)
      // posted, in DataForSEO's queue (2 s): none ready yet, the empty keyword refused at posting
      const waiting = yield* progress
      expect(waiting).toMatchObject({ submitted: 11, posted: 10, ready: 0, collected: 0, failed: 1 })
      expect(waiting.oldestWaiting?.since).toBeGreaterThan(0)
      expect(waiting.oldestWaiting?.since).toBeLessThanOrEqual(1000)
      expect(Progress.inFlight(waiting)).toBe(10)
      yield* driven(Fiber.join(run), "100 millis")
      const end = yield* progress
      const billed = (yield* (yield* emulator).stats).totalCost
      expect(end).toMatchObject({ submitted: 11, posted: 10, ready: 10, collected: 10, failed: 1, cost: billed })
      expect(end.perMinute).toBe(11)
      expect(end.oldestWaiting).toBeUndefined()
      expect(end.waiting).toEqual([])
      expect(Progress.inFlight(end)).toBe(0)
      // the counts age out of the minute's pace, not of the totals
      yield* TestClock.adjust("2 minutes")
      expect(yield* progress).toMatchObject({ collected: 10, perMinute: 0 })
    }).pipe(Effect.provide(layer())))

  it.effect("counts timeouts, failed tasks and tasks an earlier run took, each once", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const keyOf = (task: NaverOrganic.Task) => `p:${String(task.keyword)}`
      // three tasks wait past their deadline
      yield* driven(
        Stream.runDrain(serp.run(NaverOrganic.engine, tasks(3, "late"), { format: "regular", deadline: "1 second" })),
        "100 millis"
      )
      expect(yield* progress).toMatchObject({ submitted: 3, posted: 3, timedOut: 3, collected: 0 })
      // of two keyed tasks, the first fails at execution (40101) and the second is collected
      yield* (yield* emulator).scriptTaskFaults(["se_error"])
      yield* driven(
        Stream.runDrain(serp.run(NaverOrganic.engine, tasks(2, "taken"), { format: "regular", correlationKey: keyOf })),
        "100 millis"
      )
      expect(yield* progress).toMatchObject({ submitted: 5, posted: 5, collected: 1, failed: 1 })
      // run again: the failed one fails again (its result is asked again), the collected one was taken before
      yield* driven(
        Stream.runDrain(serp.run(NaverOrganic.engine, tasks(2, "taken"), { format: "regular", correlationKey: keyOf })),
        "100 millis"
      )
      const end = yield* progress
      expect(end).toMatchObject({ submitted: 7, posted: 7, timedOut: 3, collected: 1, alreadyCollected: 1, failed: 2 })
      expect(Progress.inFlight(end)).toBe(0)
    }).pipe(Effect.provide(layer({ sandbox: { queueDelay: { normal: "3 seconds" } } }))))

  it.effect("says when posting waits: reconciling a POST of unknown outcome, backing off a 40202", () =>
    Effect.gen(function*() {
      yield* (yield* emulator).scriptFaults("task_post", ["drop_after_processing"])
      const run = yield* forkRun(tasks(4, "unknown"))
      yield* advance(300)
      const reconciling = yield* progress
      expect(reconciling.waiting).toHaveLength(1)
      expect(reconciling.waiting[0]).toMatchObject({ _tag: "Reconciling", tasks: 4 })
      expect(Progress.format(reconciling, 300)).toContain("reconciling 4 task(s) of unknown POST outcome")
      yield* driven(Fiber.join(run), "100 millis")
      expect((yield* progress).waiting).toEqual([])

      yield* (yield* emulator).scriptFaults("task_post", ["rate_limited"])
      const limited = yield* forkRun(tasks(2, "limited"))
      yield* advance(50)
      const backingOff = (yield* progress).waiting
      expect(backingOff.map((waiting) => waiting._tag).sort()).toEqual(["BackingOff", "RateLimited"])
      expect(backingOff.find((waiting) => waiting._tag === "RateLimited")).toMatchObject({ endpoint: "task_post" })
      expect(backingOff.find((waiting) => waiting._tag === "BackingOff")).toMatchObject({ tasks: 2 })
      yield* driven(Fiber.join(limited), "100 millis")
      expect((yield* progress).collected).toBe(6)
    }).pipe(Effect.provide(layer())))

  it.effect("says when tasks_ready is rate limited (40202), until the pace has recovered", () =>
    Effect.gen(function*() {
      yield* (yield* emulator).scriptFaults("tasks_ready", ["rate_limited"])
      const run = yield* forkRun(tasks(2, "ready"))
      yield* advance(1000)
      expect((yield* progress).waiting).toEqual([
        new Progress.RateLimited({ endpoint: "tasks_ready", limit: 10, configured: 20 })
      ])
      yield* driven(Fiber.join(run), "100 millis")
      yield* TestClock.adjust("10 minutes")
      expect((yield* progress).waiting).toEqual([])
    }).pipe(Effect.provide(layer())))

  it.effect("progressEvery streams the progress at once, then every interval", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const samples = yield* Effect.fork(Stream.runCollect(Stream.take(serp.progressEvery("1 second"), 3)))
      yield* driven(
        Stream.runDrain(serp.run(NaverOrganic.engine, tasks(2, "every"), { format: "regular" })),
        "100 millis"
      )
      const taken = [...yield* Fiber.join(samples)]
      expect(taken).toHaveLength(3)
      expect(taken[0]?.submitted).toBe(0)
    }).pipe(Effect.provide(layer())))
})

describe("Progress values", () => {
  const sample = new Progress.Progress({
    submitted: 12,
    posted: 11,
    ready: 9,
    collected: 8,
    noResults: 1,
    timedOut: 0,
    alreadyCollected: 0,
    failed: 1,
    cost: 0.0066,
    perMinute: 42.4,
    oldestWaiting: { taskId: "t1", since: 1_000 },
    waiting: [new Progress.RateLimited({ endpoint: "tasks_ready", limit: 10, configured: 20 })]
  })

  it("formats in one line: counts, cost, pace, oldest wait, and what it waits on", () => {
    expect(Progress.format(sample, 31_000)).toBe(
      "12 submitted, 11 posted, 9 ready, 8 collected, 1 no results, 1 failed · $0.0066 · 42/min · oldest waiting 30 s; " +
        "tasks_ready rate limited (40202): 10 of 20 calls a window"
    )
    expect(Progress.inFlight(sample)).toBe(2)
  })

  it("round trips through its schema, as JSON", () => {
    const json = Schema.encodeSync(Progress.Progress)(sample)
    expect(JSON.parse(JSON.stringify(json))).toEqual(json)
    expect(Schema.decodeUnknownSync(Progress.Progress)(json)).toEqual(sample)
  })
})
