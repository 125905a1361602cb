import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import type { AnyEngine, ResultFormat } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import { readTask } from "../src/internal/poller/taskGet.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskLedger from "../src/TaskLedger.js"
import * as TaskPoller from "../src/TaskPoller.js"
import { driven } from "./support/batcher.js"
import { layer } from "./support/poller.js"
import { recordingTracer } from "./support/tracer.js"

const naver = (keyword: string): NaverOrganic.Task => ({ keyword })
const google = (keyword: string): GoogleOrganic.Task => ({ keyword, location_code: 2840, language_code: "en" })

const stats = Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)

/** Posts tasks through the batcher; every one must be created. */
const post = <T>(engine: AnyEngine, tasks: ReadonlyArray<T>) =>
  Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) =>
    Effect.map(
      driven(batcher.submitAll(engine, tasks)),
      (outcomes) => outcomes.map((outcome) => Either.getOrThrow(outcome))
    ))

/** Every task of `posted` through `results`, collected: [task id, outcome] in the order they came. */
const collect = <E extends AnyEngine, F extends ResultFormat>(
  engine: E,
  posted: ReadonlyArray<TaskBatcher.PostedTask>,
  format: F,
  limit: Duration.DurationInput = "1 hour"
) =>
  Effect.flatMap(TaskPoller.TaskPoller, (poller) =>
    Effect.map(
      driven(Stream.runCollect(poller.results(engine, posted, { format })), "100 millis", limit),
      Chunk.toReadonlyArray
    ))

const keywords = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`)

const keywordOf = (outcome: Either.Either<{ readonly keyword?: string | null | undefined }, unknown>) =>
  Either.isRight(outcome) ? outcome.right.keyword : `error: ${JSON.stringify(outcome.left)}`

describe("TaskPoller", () => {
  for (const format of ["regular", "advanced", "html"] as const) {
    it.effect(`collects both engines' tasks at once, ${format}`, () =>
      Effect.gen(function*() {
        const naverPosted = yield* post(NaverOrganic.engine, keywords(3, "naver").map(naver))
        const googlePosted = yield* post(GoogleOrganic.engine, keywords(3, "google").map(google))
        const poller = yield* TaskPoller.TaskPoller
        const [fromNaver, fromGoogle] = yield* driven(
          Effect.all([
            Stream.runCollect(poller.results(NaverOrganic.engine, naverPosted, { format })),
            Stream.runCollect(poller.results(GoogleOrganic.engine, googlePosted, { format }))
          ], { concurrency: "unbounded" }),
          "100 millis"
        )
        const byId = (
          outcomes: Chunk.Chunk<
            readonly [TaskBatcher.PostedTask, Either.Either<{ readonly keyword?: string | null | undefined }, unknown>]
          >
        ) => Chunk.toReadonlyArray(outcomes).map(([task, outcome]) => [task.id, keywordOf(outcome)]).sort()
        expect(byId(fromNaver)).toEqual(naverPosted.map((task, i) => [task.id, `naver ${i}`]).sort())
        expect(byId(fromGoogle)).toEqual(googlePosted.map((task, i) => [task.id, `google ${i}`]).sort())
        // found through tasks_ready, well before any task was asked for by id
        const calls = (yield* stats).calls
        expect(calls.tasks_ready.calls).toBeGreaterThan(0)
        expect(calls.task_get.calls).toBe(6)
        expect(yield* poller.outstanding).toBe(0)
      }).pipe(Effect.provide(layer())))
  }

  it.effect("one tasks_ready call serves several engines: the all-engines list, the engine's own for one", () =>
    Effect.gen(function*() {
      const naverPosted = yield* post(NaverOrganic.engine, [naver("both")])
      const googlePosted = yield* post(GoogleOrganic.engine, [google("both")])
      const { spans, tracer } = recordingTracer()
      const paths = (from: number) =>
        spans.slice(from).filter((span) => span.name === "TaskPoller.tasksReady").map((span) =>
          span.attributes.get("dataforseo.path")
        )
      yield* Effect.scoped(Effect.gen(function*() {
        const poller = yield* TaskPoller.make()
        yield* driven(
          Effect.all([
            Stream.runDrain(poller.results(NaverOrganic.engine, naverPosted, { format: "regular" })),
            Stream.runDrain(poller.results(GoogleOrganic.engine, googlePosted, { format: "regular" }))
          ], { concurrency: "unbounded" }),
          "100 millis"
        )
        expect(paths(0)).toContain("/v3/serp/tasks_ready")
        expect(paths(0)).not.toContain(NaverOrganic.engine.paths.tasksReady)
        const from = spans.length
        const [one] = yield* post(NaverOrganic.engine, [naver("alone")])
        yield* driven(poller.awaitResult(NaverOrganic.engine, one!.id, { format: "regular" }), "100 millis")
        expect(paths(from)).toContain(NaverOrganic.engine.paths.tasksReady)
        expect(paths(from)).not.toContain("/v3/serp/tasks_ready")
      })).pipe(Effect.withTracer(tracer))
    }).pipe(Effect.provide(layer())))

  it.effect("each task comes out exactly once, recorded ready and not collected", () =>
    Effect.gen(function*() {
      const posted = yield* post(NaverOrganic.engine, keywords(40, "once").map(naver))
      const outcomes = yield* collect(NaverOrganic.engine, posted, "advanced")
      expect(outcomes.map(([task]) => task.id).sort()).toEqual(posted.map((task) => task.id).sort())
      expect(outcomes.every(([, outcome]) => Either.isRight(outcome))).toBe(true)
      const ledger = yield* TaskLedger.TaskLedger
      for (const task of posted) {
        const entry = yield* ledger.byTaskId(task.id)
        expect(Option.map(entry, (e) => e.state)).toEqual(Option.some("ready"))
      }
    }).pipe(Effect.provide(layer())))

  it.effect("asks tasks_ready only while tasks are outstanding", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("10 minutes")
      expect((yield* stats).calls.tasks_ready.calls).toBe(0)
      const posted = yield* post(GoogleOrganic.engine, [google("one")])
      const outcomes = yield* collect(GoogleOrganic.engine, posted, "regular")
      expect(keywordOf(outcomes[0]![1])).toBe("one")
      const after = (yield* stats).calls.tasks_ready.calls
      expect(after).toBeGreaterThan(0)
      yield* TestClock.adjust("10 minutes")
      expect((yield* stats).calls.tasks_ready.calls).toBe(after)
    }).pipe(Effect.provide(layer())))

  it.effect("survives every request fault on tasks_ready and task_get", () =>
    Effect.gen(function*() {
      const posted = yield* post(NaverOrganic.engine, keywords(30, "faulty").map(naver))
      const outcomes = yield* collect(NaverOrganic.engine, posted, "advanced")
      expect(outcomes.map(([task, outcome]) => [task.id, keywordOf(outcome)]).sort()).toEqual(
        posted.map((task, i) => [task.id, `faulty ${i}`]).sort()
      )
      const calls = (yield* stats).calls
      expect(calls.task_get.calls).toBeGreaterThan(30)
    }).pipe(Effect.provide(layer({
      sandbox: {
        faults: { probability: { tasks_ready: Sandbox.everyFault(0.5), task_get: Sandbox.everyFault(0.3) } }
      }
    }))))

  it.effect("scripted faults: a task_get that collected the task and lost the reply is asked again", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("tasks_ready", ["http_500", "truncated_json", "drop_before_processing"])
      yield* emulator.scriptFaults("task_get", [
        "drop_after_processing",
        "truncated_gzip",
        "malformed_json",
        "slow_reply",
        "internal_error"
      ])
      const posted = yield* post(GoogleOrganic.engine, keywords(5, "scripted").map(google))
      const outcomes = yield* collect(GoogleOrganic.engine, posted, "html")
      expect(outcomes.map(([task, outcome]) => [task.id, keywordOf(outcome)]).sort()).toEqual(
        posted.map((task, i) => [task.id, `scripted ${i}`]).sort()
      )
    }).pipe(Effect.provide(layer())))

  it.effect("40202 on tasks_ready slows it down and loses nothing", () =>
    Effect.gen(function*() {
      const posted = yield* post(NaverOrganic.engine, keywords(5, "limited").map(naver))
      const outcomes = yield* collect(NaverOrganic.engine, posted, "regular")
      expect(outcomes.filter(([, outcome]) => Either.isRight(outcome))).toHaveLength(5)
      const calls = (yield* stats).calls.tasks_ready
      expect(calls.rejected).toBeGreaterThan(0)
      // each 40202 halves the pace: far fewer refusals than the 20 calls a minute the client was told
      expect(calls.rejected).toBeLessThan(10)
    }).pipe(Effect.provide(layer({
      // the account allows 2 tasks_ready calls a minute where the client was told 20; no ask by id for an hour
      sandbox: { queueDelay: { normal: "30 seconds" }, limits: { perMinute: { tasks_ready: 2 } } },
      poller: { expectedWait: "1 hour" }
    }))))

  it.effect("a full page of other jobs' ready tasks does not hide ours", () =>
    Effect.gen(function*() {
      const client = yield* DataForSeoClient.DataForSeoClient
      // another job: 1,000 tasks posted with the raw client, done first, never collected
      for (let call = 0; call < 10; call++) {
        const body = Array.from(
          { length: 100 },
          (_, i) => Either.getOrThrow(NaverOrganic.engine.encodeTask(naver(`foreign ${call * 100 + i}`)))
        )
        yield* client.post(NaverOrganic.engine.paths.taskPost, body, Schema.Unknown)
      }
      yield* TestClock.adjust("5 seconds")
      const posted = yield* post(NaverOrganic.engine, keywords(3, "ours").map(naver))
      // expectedWait is an hour: only the full page can send ours to task_get within the test's 10 minutes
      const outcomes = yield* collect(NaverOrganic.engine, posted, "advanced", "10 minutes")
      expect(outcomes.map(([task, outcome]) => [task.id, keywordOf(outcome)]).sort()).toEqual(
        posted.map((task, i) => [task.id, `ours ${i}`]).sort()
      )
      const tasks = yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.tasks)
      expect(tasks.filter((task) => task.keyword.startsWith("foreign") && task.collected)).toHaveLength(0)
    }).pipe(Effect.provide(layer({ poller: { expectedWait: "1 hour" } }))))

  /**
   * A Google task posted, then collected by another process (tasks_ready never lists it, task_get by id finds it),
   * and this poller's wait for it, in the advanced format.
   */
  const collectedElsewhere = (keyword: string) =>
    Effect.gen(function*() {
      const [posted] = yield* post(GoogleOrganic.engine, [google(keyword)])
      yield* TestClock.adjust("5 seconds")
      const client = yield* DataForSeoClient.DataForSeoClient
      yield* client.get(GoogleOrganic.engine.paths.taskGet("regular", posted!.id), Schema.Unknown)
      const poller = yield* TaskPoller.TaskPoller
      return yield* driven(
        Effect.either(poller.awaitResult(GoogleOrganic.engine, posted!.id, { format: "advanced" })),
        "1 second",
        "10 minutes"
      )
    })

  it.effect("a task another process collected still comes out, by id", () =>
    Effect.gen(function*() {
      const result = yield* Effect.flatten(collectedElsewhere("taken"))
      expect(result.keyword).toBe("taken")
    }).pipe(Effect.provide(layer())))

  it.effect("a ledger that cannot record a task found ready ends its wait with the store's error, not a hang", () =>
    Effect.gen(function*() {
      const outcome = yield* collectedElsewhere("unrecorded")
      expect(Either.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "LedgerStoreError", message: "disk full" })
    }).pipe(Effect.provide(layer({
      ledger: Layer.effect(
        TaskLedger.TaskLedger,
        Effect.map(TaskLedger.makeMemory, (ledger) => ({
          ...ledger,
          recordReady: () => Effect.fail(new TaskLedger.LedgerStoreError({ message: "disk full" }))
        }))
      )
    }))))

  it.effect("missing and expired tasks end with NotFoundError 40401 and 40403; the others come out", () =>
    Effect.gen(function*() {
      const [old] = yield* post(NaverOrganic.engine, [naver("old")])
      yield* TestClock.adjust("2 hours")
      const [fresh] = yield* post(NaverOrganic.engine, [naver("fresh")])
      const missing = { ...fresh!, id: "07231252-7652-0139-0000-301b3ccdda6f" }
      const outcomes = yield* collect(NaverOrganic.engine, [old!, missing, fresh!], "advanced", "10 minutes")
      const byId = new Map(outcomes.map(([task, outcome]) => [task.id, outcome]))
      expect(byId.get(old!.id)).toMatchObject({ left: { _tag: "NotFoundError", code: 40403, taskId: old!.id } })
      expect(byId.get(missing.id)).toMatchObject({ left: { _tag: "NotFoundError", code: 40401 } })
      expect(keywordOf(byId.get(fresh!.id)!)).toBe("fresh")
      // one task_get each: a final code is not asked again
      expect((yield* stats).calls.task_get.calls).toBe(3)
    }).pipe(Effect.provide(layer({
      sandbox: { retention: { results: "1 hour", tasksReady: "1 hour" } },
      poller: { expectedWait: "10 seconds" }
    }))))

  it.effect("a task that failed at execution ends with its typed error, alone", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.scriptTaskFaults(["none", "se_error", "none"]))
      const posted = yield* post(NaverOrganic.engine, keywords(3, "mixed").map(naver))
      const outcomes = yield* collect(NaverOrganic.engine, posted, "regular")
      const byId = new Map(outcomes.map(([task, outcome]) => [task.id, outcome]))
      expect(byId.get(posted[1]!.id)).toMatchObject({ left: { _tag: "ServerError", code: 40101 } })
      expect(keywordOf(byId.get(posted[0]!.id)!)).toBe("mixed 0")
      expect(keywordOf(byId.get(posted[2]!.id)!)).toBe("mixed 2")
    }).pipe(Effect.provide(layer())))

  it.effect("a result that does not decode is a DecodeError with its path, and stays collectable", () =>
    Effect.gen(function*() {
      const [posted] = yield* post(GoogleOrganic.engine, [google("strict")])
      const poller = yield* TaskPoller.TaskPoller
      const strict = { ...GoogleOrganic.engine, AdvancedResult: Schema.Struct({ keyword: Schema.Number }) }
      const failed = yield* driven(
        Effect.flip(poller.awaitResult(strict, posted!.id, { format: "advanced" })),
        "100 millis"
      )
      expect(failed).toMatchObject({ _tag: "DecodeError", path: "tasks.0.result.0.keyword" })
      // final: not asked again
      expect((yield* stats).calls.task_get.calls).toBe(1)
      const result = yield* driven(
        poller.awaitResult(GoogleOrganic.engine, posted!.id, { format: "advanced" }),
        "1 second",
        "10 minutes"
      )
      expect(result.keyword).toBe("strict")
      const entry = yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.byTaskId(posted!.id))
      expect(Option.map(entry, (e) => e.state)).toEqual(Option.some("ready"))
    }).pipe(Effect.provide(layer())))

  it.effect("a wait interrupted during its task_get stops the call, and the poller keeps serving the others", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      // the first task_get hangs (a slow reply), the others answer
      yield* emulator.scriptFaults("task_get", ["slow_reply"])
      const [first, ...rest] = yield* post(NaverOrganic.engine, keywords(3, "cut").map(naver))
      const poller = yield* TaskPoller.TaskPoller
      const stopped = yield* Effect.fork(poller.awaitResult(NaverOrganic.engine, first!.id, { format: "regular" }))
      yield* driven(Effect.sleep("10 seconds"), "100 millis", "11 seconds")
      expect((yield* stats).calls.task_get.calls).toBe(1)
      yield* stopped.interruptAsFork(stopped.id())
      yield* driven(stopped.await, "100 millis", "1 second")
      expect(yield* poller.outstanding).toBe(0)
      // one worker and one request at a time: the others come out only if the call was stopped (its request
      // ended) and its worker replaced
      const outcomes = yield* collect(NaverOrganic.engine, rest, "regular", "1 minute")
      expect(outcomes.map(([, outcome]) => keywordOf(outcome)).sort()).toEqual(["cut 1", "cut 2"])
    }).pipe(Effect.provide(layer({
      poller: { concurrency: 1 },
      config: { requestTimeout: "1 hour", limits: { simultaneousRequests: 1 } }
    }))))

  it.effect("a task_get call past the request timeout is stopped and asked again; its worker is replaced", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      // the first task_get hangs for 5 minutes; the request timeout is 10 s
      yield* emulator.scriptFaults("task_get", ["slow_reply"])
      const posted = yield* post(NaverOrganic.engine, keywords(2, "late").map(naver))
      // one worker and one request at a time: the other task comes out only once the late call was stopped
      const outcomes = yield* collect(NaverOrganic.engine, posted, "regular", "1 minute")
      expect(outcomes.map(([, outcome]) => keywordOf(outcome)).sort()).toEqual(["late 0", "late 1"])
      expect((yield* stats).calls.task_get.calls).toBe(3)
    }).pipe(Effect.provide(layer({
      poller: { concurrency: 1 },
      config: { requestTimeout: "10 seconds", limits: { simultaneousRequests: 1 } }
    }))))

  it.effect("watch hands each outcome to its callback once, and a stopped wait never calls it", () =>
    Effect.gen(function*() {
      const [kept, stopped] = yield* post(NaverOrganic.engine, [naver("kept"), naver("stopped")])
      const poller = yield* TaskPoller.TaskPoller
      const seen: Array<string> = []
      const onOutcome = (exit: Exit.Exit<{ readonly keyword?: string | null | undefined }, unknown>) => {
        seen.push(Exit.isSuccess(exit) ? `${exit.value.keyword}` : "failed")
      }
      yield* poller.watch(NaverOrganic.engine, kept!.id, { format: "regular" }, onOutcome)
      const stop = yield* poller.watch(NaverOrganic.engine, stopped!.id, { format: "regular" }, onOutcome)
      expect(yield* poller.outstanding).toBe(2)
      stop()
      expect(yield* poller.outstanding).toBe(1)
      yield* driven(Effect.sleep("2 minutes"), "1 second", "3 minutes")
      expect(seen).toEqual(["kept"])
      expect(yield* poller.outstanding).toBe(0)
      expect((yield* stats).calls.task_get.calls).toBe(1)
    }).pipe(Effect.provide(layer())))

  it.effect("a ready signal fetches a task tasks_ready has not listed yet", () =>
    Effect.gen(function*() {
      const [posted] = yield* post(NaverOrganic.engine, [naver("signalled")])
      const poller = yield* TaskPoller.TaskPoller
      const waiting = yield* Effect.fork(
        poller.awaitResult(NaverOrganic.engine, posted!.id, { format: "regular" })
      )
      yield* TestClock.adjust("1 second") // the first tasks_ready call: the task is not done yet
      yield* TestClock.adjust("4 seconds")
      yield* poller.ready([posted!.id, "someone else's"])
      const result = yield* driven(waiting.await, "100 millis", "1 second")
      expect(result).toMatchObject({ _tag: "Success", value: { keyword: "signalled" } })
      expect((yield* stats).calls.tasks_ready.calls).toBe(1)
    }).pipe(Effect.provide(layer({
      // one tasks_ready call an hour, and no direct ask within the hour: only the signal can fetch it in time
      config: { limits: { tasksReadyPerMinute: 1, window: "1 hour" } },
      poller: { expectedWait: "1 hour" }
    }))))

  it.effect("a ready signal that comes before the wait is kept: the wait asks task_get at once", () =>
    Effect.gen(function*() {
      const [posted] = yield* post(NaverOrganic.engine, [naver("early")])
      const poller = yield* TaskPoller.TaskPoller
      yield* TestClock.adjust("5 seconds")
      yield* poller.ready([posted!.id])
      const result = yield* driven(
        poller.awaitResult(NaverOrganic.engine, posted!.id, { format: "regular" }),
        "100 millis",
        "1 second"
      )
      expect(result.keyword).toBe("early")
      expect((yield* stats).calls.task_get.calls).toBe(1)
    }).pipe(Effect.provide(layer({
      config: { limits: { tasksReadyPerMinute: 1, window: "1 hour" } },
      poller: { expectedWait: "1 hour" }
    }))))

  it.effect("options out of range are a ConfigError naming the option", () =>
    Effect.gen(function*() {
      const refused = (options: TaskPoller.Options) =>
        Effect.map(Effect.flip(Effect.scoped(TaskPoller.make(options))), (error) => String(error))
      const provided = Effect.provide(layer())
      expect(yield* provided(refused({ maxFailures: 0 }))).toContain("maxFailures")
      expect(yield* provided(refused({ concurrency: 2.5 }))).toContain("concurrency")
      expect(yield* provided(refused({ maxOutstanding: Number.NaN }))).toContain("maxOutstanding")
      expect(yield* provided(refused({ backoff: "soon" as Duration.DurationInput }))).toContain("backoff")
      expect(yield* provided(refused({ expectedWait: -1 }))).toContain("expectedWait")
      expect(yield* provided(refused({ backoff: "0 millis" }))).toContain("backoff")
      expect(yield* provided(refused({ backoff: "1 minute", maxBackoff: "10 seconds" }))).toContain(
        "Invalid data at maxBackoff: \"must be at least backoff\""
      )
      expect(TaskPoller.validateOptions({ backoff: "1 second", maxBackoff: "1 second", maxFailures: 3 })._tag).toBe(
        "Right"
      )
    }))

  it("40102 is a final outcome that keeps the cost", () => {
    const step = readTask({
      version: "0.1",
      status_code: 20000,
      status_message: "Ok.",
      cost: 0,
      tasks_count: 1,
      tasks_error: 1,
      tasks: [{
        id: "t1",
        status_code: 40102,
        status_message: "No Search Results.",
        cost: 0.0006,
        result_count: 0,
        path: [],
        result: null
      }]
    }, "t1")
    expect(step).toMatchObject({
      _tag: "Done",
      outcome: { left: { _tag: "NoSearchResultsError", code: 40102, cost: 0.0006, taskId: "t1" } }
    })
    expect(readTask({ ...emptyEnvelope, tasks: [{ ...pendingTask, status_code: 40602 }] }, "t1")).toEqual({
      _tag: "Wait"
    })
    expect(readTask({ ...emptyEnvelope, tasks: [{ ...pendingTask, status_code: 20100 }] }, "t1")).toEqual({
      _tag: "Wait"
    })
  })
})

const emptyEnvelope = {
  version: "0.1",
  status_code: 20000,
  status_message: "Ok.",
  cost: 0,
  tasks_count: 1,
  tasks_error: 0,
  tasks: []
}
const pendingTask = {
  id: "t1",
  status_code: 40601,
  status_message: "Task Handed.",
  cost: 0,
  result_count: 0,
  path: [],
  result: null
}
