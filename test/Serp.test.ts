import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { join } from "node:path"
import type { AnyEngine } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as Serp from "../src/Serp.js"
import * as SerpNode from "../src/SerpNode.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskLedger from "../src/TaskLedger.js"
import * as TaskLedgerSqlite from "../src/TaskLedgerSqlite.js"
import { driven } from "./support/batcher.js"
import { tempDir } from "./support/ledger/sqlite.js"
import { layer, runAll as runWhole } from "./support/serp.js"

const naver = (keyword: string, depth?: number): NaverOrganic.Task =>
  depth === undefined ? { keyword } : { keyword, depth }
const google = (keyword: string): GoogleOrganic.Task => ({ keyword, location_code: 2840, language_code: "en" })
const keywords = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`)
/** The keyword as written, raw or not. */
type Keyword = string | { readonly encoded: string }
const text = (keyword: Keyword) => typeof keyword === "string" ? keyword : keyword.encoded
const keyOf = (task: { readonly keyword: Keyword }) => `job:${text(task.keyword)}`

const stats = Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)

/** The state the ledger holds for a key. */
const stateOf = (key: string) =>
  Effect.flatMap(
    TaskLedger.TaskLedger,
    (ledger) =>
      Effect.map(ledger.byCorrelationKey(key), Option.match({ onNone: () => "none", onSome: (entry) => entry.state }))
  )

/** What an outcome says, in a line: the keyword found, or the error's tag. */
const summary = (outcome: Serp.Outcome<{ readonly keyword: Keyword }, { readonly keyword?: string | null }>) =>
  Either.match(outcome.result, {
    onLeft: (error) => `${text(outcome.task.keyword)}: ${error._tag}`,
    onRight: (result) => `${text(outcome.task.keyword)}: ${result.keyword}`
  })

/** A whole run, under TestClock. */
const runAll = <E extends AnyEngine, F extends "regular" | "advanced" | "html">(
  engine: E,
  tasks: Iterable<Serp.TaskOf<E>>,
  options: Serp.RunOptions<Serp.TaskOf<E>, F>
) => driven(runWhole(engine, tasks, options), "100 millis")

describe("Serp.run", () => {
  for (const format of ["regular", "advanced", "html"] as const) {
    it.effect(`every task comes out once, both engines, invalid ones with their error, ${format}`, () =>
      Effect.gen(function*() {
        const naverTasks = [...keywords(4, "naver").map((k) => naver(k)), naver("too deep", 701)]
        const googleTasks = [...keywords(4, "google").map(google), google("")]
        const [fromNaver, fromGoogle] = yield* Effect.all([
          runAll(NaverOrganic.engine, naverTasks, { format, correlationKey: keyOf }),
          runAll(GoogleOrganic.engine, googleTasks, { format })
        ], { concurrency: "unbounded" })
        expect(fromNaver.map(summary).sort()).toEqual([
          "naver 0: naver 0",
          "naver 1: naver 1",
          "naver 2: naver 2",
          "naver 3: naver 3",
          "too deep: InvalidTaskError"
        ])
        expect(fromGoogle.map(summary).sort()).toEqual([
          ": InvalidTaskError",
          "google 0: google 0",
          "google 1: google 1",
          "google 2: google 2",
          "google 3: google 3"
        ])
        for (const outcome of fromNaver) {
          expect(outcome.correlationKey).toBe(keyOf(outcome.task))
          expect(outcome.posted === undefined).toBe(Either.isLeft(outcome.result))
        }
        // the poller's results were taken: all recorded collected
        expect(yield* stateOf("job:naver 0")).toBe("collected")
        const uncollected = yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.uncollected())
        expect(uncollected).toEqual([])
        expect((yield* stats).tasksCreated).toBe(8)
      }).pipe(Effect.provide(layer())))
  }

  it.effect("a task past the deadline ends with SerpTimeoutError and stays collectable in the ledger", () =>
    Effect.gen(function*() {
      const outcomes = yield* runAll(NaverOrganic.engine, keywords(3, "slow").map((k) => naver(k)), {
        format: "advanced",
        correlationKey: keyOf,
        deadline: "1 minute"
      })
      expect(outcomes.map(summary).sort()).toEqual([
        "slow 0: SerpTimeoutError",
        "slow 1: SerpTimeoutError",
        "slow 2: SerpTimeoutError"
      ])
      const error = outcomes[0]!.result
      expect(Either.isLeft(error) && error.left).toMatchObject({
        _tag: "SerpTimeoutError",
        taskId: outcomes[0]!.posted?.id,
        deadline: 60_000,
        retryable: true
      })
      for (const key of ["job:slow 0", "job:slow 1", "job:slow 2"]) {
        expect(["posted", "ready"]).toContain(yield* stateOf(key))
      }
    }).pipe(Effect.provide(layer({ sandbox: { queueDelay: { normal: "10 minutes" } } }))))

  it.effect("reads no more than maxInFlight tasks ahead of the outcomes taken", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      let read = 0
      function* tasks() {
        for (let i = 0; i < 1000; i++) {
          read++
          yield naver(`long ${i}`)
        }
      }
      const taken = yield* driven(
        Stream.runCollect(
          Stream.take(serp.run(NaverOrganic.engine, tasks(), { format: "regular", maxInFlight: 20 }), 5)
        ),
        "100 millis"
      )
      expect(Chunk.size(taken)).toBe(5)
      expect(read).toBeGreaterThanOrEqual(20)
      expect(read).toBeLessThanOrEqual(20 + 5 + 1)
      // a stream source is read the same way, and comes out whole
      let pulled = 0
      const source = Stream.range(0, 199, 1).pipe(
        Stream.tap(() => Effect.sync(() => pulled++)),
        Stream.map((i) => naver(`stream ${i}`))
      )
      const firstFive = yield* driven(
        Stream.runCollect(
          Stream.take(serp.run(NaverOrganic.engine, source, { format: "regular", maxInFlight: 50 }), 5)
        ),
        "100 millis"
      )
      expect(Chunk.size(firstFive)).toBe(5)
      expect(pulled).toBeLessThanOrEqual(50 + 5 + 1)
      pulled = 0
      const all = yield* driven(
        Stream.runCount(serp.run(NaverOrganic.engine, source, { format: "regular", maxInFlight: 50 })),
        "1 second"
      )
      expect(all).toBe(200)
      expect(pulled).toBe(200)
    }).pipe(Effect.provide(layer())))

  it.effect("a run option out of its range fails the run with InvalidOptionError naming it, before any task is read", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      let read = 0
      function* tasks() {
        read++
        yield naver("never read")
      }
      const bad: ReadonlyArray<readonly [string, Partial<Serp.RunOptions<NaverOrganic.Task, "regular">>]> = [
        ["maxInFlight", { maxInFlight: 0 }],
        ["maxInFlight", { maxInFlight: 2.5 }],
        ["maxInFlight", { maxInFlight: Number.NaN }],
        ["deadline", { deadline: 0 }],
        ["deadline", { deadline: -5 }],
        // a value from an untyped source, as a config file may give
        ["deadline", { deadline: "5 parsecs" as Duration.DurationInput }]
      ]
      for (const [option, given] of bad) {
        const run = serp.run(NaverOrganic.engine, tasks(), { format: "regular", ...given })
        const error = yield* Effect.flip(Stream.runDrain(run))
        expect(error).toBeInstanceOf(Serp.InvalidOptionError)
        expect(error).toMatchObject({ _tag: "InvalidOptionError", option })
        const handled = yield* Effect.flip(
          serp.runWith(NaverOrganic.engine, tasks(), { format: "regular", ...given }, () => Effect.void)
        )
        expect(handled).toMatchObject({ _tag: "InvalidOptionError", option })
      }
      expect(read).toBe(0)
      // an infinite deadline is none
      const outcomes = yield* driven(
        Stream.runCollect(
          serp.run(NaverOrganic.engine, [naver("no deadline")], { format: "regular", deadline: Duration.infinity })
        ),
        "100 millis"
      )
      expect(Chunk.toReadonlyArray(outcomes).map(summary)).toEqual(["no deadline: no deadline"])
    }).pipe(Effect.provide(layer())))
})

describe("Serp collected means taken", () => {
  it.effect("a result is recorded collected once the consumer pulls the next one, or the stream ends well", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const tasks = keywords(4, "pull").map((k) => naver(k))
      const stream = serp.run(NaverOrganic.engine, tasks, { format: "regular", correlationKey: keyOf })
      const states = () => Effect.forEach(tasks, (task) => stateOf(keyOf(task)))
      yield* Effect.scoped(Effect.gen(function*() {
        const pull = yield* Stream.toPull(stream)
        const first = yield* driven(pull, "100 millis")
        expect(Chunk.size(first)).toBe(1)
        // handed out, not yet taken
        expect((yield* states()).filter((s) => s === "collected")).toEqual([])
        yield* driven(pull, "100 millis")
        const after = yield* states()
        expect(after.filter((s) => s === "collected")).toHaveLength(1)
        expect(yield* stateOf(keyOf(Chunk.unsafeGet(first, 0).task))).toBe("collected")
      }))
      // taken: the first; the second was in hand when the scope closed well, so it counts as taken too
      expect((yield* states()).filter((s) => s === "collected")).toHaveLength(2)
    }).pipe(Effect.provide(layer())))

  it.effect("Stream.take(1) of 4: only the one taken is recorded collected", () =>
    Effect.gen(function*() {
      const tasks = keywords(4, "take").map((k) => naver(k))
      const serp = yield* Serp.Serp
      const taken = yield* driven(
        Stream.runCollect(
          Stream.take(serp.run(NaverOrganic.engine, tasks, { format: "advanced", correlationKey: keyOf }), 1)
        ),
        "100 millis"
      )
      const takenKey = Chunk.unsafeGet(taken, 0).correlationKey
      const states = yield* Effect.forEach(tasks, (task) => Effect.map(stateOf(keyOf(task)), (s) => [keyOf(task), s]))
      for (const [key, state] of states) {
        if (key === takenKey) expect(state).toBe("collected")
        else expect(["posted", "ready"]).toContain(state)
      }
    }).pipe(Effect.provide(layer())))

  it.effect("a consumer that fails leaves the outcome in hand uncollected", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const tasks = keywords(3, "crash").map((k) => naver(k))
      const error = yield* driven(
        Effect.flip(
          Stream.runForEach(
            serp.run(NaverOrganic.engine, tasks, { format: "regular", correlationKey: keyOf }),
            () => Effect.fail("crash" as const)
          )
        ),
        "100 millis"
      )
      expect(error).toBe("crash")
      const states = yield* Effect.forEach(tasks, (task) => stateOf(keyOf(task)))
      expect(states.filter((s) => s === "collected")).toEqual([])
    }).pipe(Effect.provide(layer())))

  it.effect("runWith records collected once the handler succeeded; a failing handler leaves it uncollected", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const tasks = keywords(4, "handled").map((k) => naver(k))
      const handled: Array<string> = []
      const error = yield* driven(
        Effect.flip(serp.runWith(
          NaverOrganic.engine,
          tasks,
          { format: "regular", correlationKey: keyOf },
          (outcome): Effect.Effect<void, { readonly failedOn: string | undefined }> =>
            handled.length === 2
              ? Effect.fail({ failedOn: outcome.correlationKey })
              : Effect.sync(() => {
                handled.push(outcome.correlationKey ?? "")
              })
        )),
        "100 millis"
      )
      expect(handled).toHaveLength(2)
      for (const key of handled) expect(yield* stateOf(key)).toBe("collected")
      const failedOn = "failedOn" in error ? error.failedOn ?? "" : ""
      expect(failedOn).not.toBe("")
      expect(["posted", "ready"]).toContain(yield* stateOf(failedOn))
      const states = yield* Effect.forEach(tasks, (task) => stateOf(keyOf(task)))
      expect(states.filter((s) => s === "collected")).toHaveLength(2)
    }).pipe(Effect.provide(layer())))

  it.effect("a second run with the same keys on the same ledger posts nothing new and gets every result", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const tasks = keywords(5, "resume").map((k) => naver(k))
      // the first run stops after two results: the other three stay posted, uncollected
      yield* driven(
        Stream.runDrain(
          Stream.take(serp.run(NaverOrganic.engine, tasks, { format: "regular", correlationKey: keyOf }), 2)
        ),
        "100 millis"
      )
      const ledger = yield* TaskLedger.TaskLedger
      expect(yield* ledger.uncollected()).toHaveLength(3)
      const before = yield* stats
      const again = yield* runAll(NaverOrganic.engine, tasks, { format: "regular", correlationKey: keyOf })
      // the two taken by the first run come out as such, not fetched again; the other three with their results
      const taken = again.filter((outcome) => Either.isLeft(outcome.result))
      expect(taken.map(summary)).toHaveLength(2)
      expect(taken.map(summary).every((line) => line.endsWith(": AlreadyCollectedError"))).toBe(true)
      const results = again.filter((outcome) => Either.isRight(outcome.result)).map(summary)
      expect(results).toHaveLength(3)
      expect(results.every((line) => line.split(": ")[0] === line.split(": ")[1])).toBe(true)
      const after = yield* stats
      expect(after.tasksCreated).toBe(5)
      expect(after.calls.task_post.calls).toBe(before.calls.task_post.calls)
      expect(after.calls.task_get.calls - before.calls.task_get.calls).toBeLessThanOrEqual(3)
      expect(yield* ledger.uncollected()).toEqual([])
    }).pipe(Effect.provide(layer())))

  it.effect("resume: true collects what the run left, keys given or not, and each task comes out once", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const ledger = yield* TaskLedger.TaskLedger
      // a first process of the run: 4 tasks without keys, 3 with, and only 2 outcomes taken
      const keyless = keywords(4, "keyless").map((k) => naver(k))
      const keyed = keywords(3, "keyed").map((k) => naver(k))
      const first = Stream.merge(
        serp.run(NaverOrganic.engine, keyless, { format: "regular" }),
        serp.run(NaverOrganic.engine, keyed, { format: "regular", correlationKey: keyOf })
      )
      yield* driven(Stream.runDrain(Stream.take(first, 2)), "100 millis")
      const left = yield* ledger.uncollected()
      expect(left).toHaveLength(5)
      // the rerun: the same keyed tasks and one new one; the keyless ones are not given again
      const rerun = [...keyed, naver("new one")]
      const again = yield* runAll(NaverOrganic.engine, rerun, {
        format: "regular",
        correlationKey: keyOf,
        resume: true
      })
      const lines = again.map(summary)
      // every left-over comes out once with its result, as the task recorded it
      for (const entry of left) {
        const keyword = String(entry.request["keyword"])
        expect(lines.filter((line) => line.startsWith(`${keyword}: `))).toEqual([`${keyword}: ${keyword}`])
      }
      expect(lines.filter((line) => line.startsWith("new one: "))).toEqual(["new one: new one"])
      // a keyed task taken by the first process comes out as taken before
      const keyedTaken = keyed.length - left.filter((entry) => entry.correlationKey.startsWith("job:")).length
      expect(lines.filter((line) => line.endsWith(": AlreadyCollectedError"))).toHaveLength(keyedTaken)
      expect(again).toHaveLength(left.length + 1 + keyedTaken)
      expect(again.find((outcome) => outcome.task.keyword === left[0]!.request["keyword"])?.correlationKey).toBe(
        left[0]!.correlationKey
      )
      expect((yield* stats).tasksCreated).toBe(8)
      expect(yield* ledger.uncollected()).toEqual([])
    }).pipe(Effect.provide(layer())))

  it.effect("resume: true posts an intent id_list does not list, once, and collects it", () =>
    Effect.gen(function*() {
      const ledger = yield* TaskLedger.TaskLedger
      const batcher = yield* TaskBatcher.TaskBatcher
      // a process that recorded its intent and died before its POST left
      yield* ledger.recordIntents([{
        correlationKey: "lost",
        runId: batcher.runId,
        engine: NaverOrganic.engine.name,
        request: { keyword: "never sent", tag: "dfs:lost" },
        tag: "dfs:lost"
      }])
      yield* TestClock.adjust("1 second")
      const again = yield* runAll(NaverOrganic.engine, [], { format: "regular", resume: true })
      expect(again.map(summary)).toEqual(["never sent: never sent"])
      expect(again[0]?.correlationKey).toBe("lost")
      expect((yield* stats).tasksCreated).toBe(1)
      expect(yield* stateOf("lost")).toBe("collected")
      expect(yield* ledger.unknownIntents()).toEqual([])
    }).pipe(Effect.provide(layer())))

  it.effect("resume: true leaves the left-overs of other engines and other runs alone", () =>
    Effect.gen(function*() {
      const ledger = yield* TaskLedger.TaskLedger
      const batcher = yield* TaskBatcher.TaskBatcher
      const intent = (correlationKey: string, runId: string, engine: string) => ({
        correlationKey,
        runId,
        engine,
        request: { keyword: correlationKey, tag: `dfs:${correlationKey}` },
        tag: `dfs:${correlationKey}`
      })
      yield* ledger.recordIntents([
        intent("other-run", "another run", NaverOrganic.engine.name),
        intent("other-engine", batcher.runId, GoogleOrganic.engine.name)
      ])
      yield* TestClock.adjust("1 second")
      const again = yield* runAll(NaverOrganic.engine, [naver("mine")], { format: "regular", resume: true })
      expect(again.map(summary)).toEqual(["mine: mine"])
      expect((yield* ledger.unknownIntents()).map((entry) => entry.correlationKey).sort()).toEqual([
        "other-engine",
        "other-run"
      ])
    }).pipe(Effect.provide(layer())))
})

describe("Serp single tasks", () => {
  it.effect("submit posts one task, result fetches it and records it collected", () =>
    Effect.gen(function*() {
      const serp = yield* Serp.Serp
      const posted = yield* driven(serp.submit(GoogleOrganic.engine, google("single"), { correlationKey: "one" }))
      expect(posted.correlationKey).toBe("one")
      expect(yield* stateOf("one")).toBe("posted")
      const result = yield* driven(serp.result(GoogleOrganic.engine, posted, { format: "advanced" }), "100 millis")
      expect(result.keyword).toBe("single")
      expect(yield* stateOf("one")).toBe("collected")
    }).pipe(Effect.provide(layer())))
})

describe("SerpNode.layerConfig", () => {
  /** The stack from a map of variables, against the emulator served on loopback. */
  const fromVariables = (url: string, ledgerFile?: string, runId?: string) =>
    SerpNode.layerConfig({ batcher: { window: "10 millis" }, poller: { expectedWait: "1 second" } }).pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(
        new Map([
          ["DATAFORSEO_LOGIN", "sandbox"],
          ["DATAFORSEO_PASSWORD", "sandbox"],
          ["DATAFORSEO_BASE_URL", url],
          ...(ledgerFile === undefined ? [] : [["DATAFORSEO_LEDGER_FILE", ledgerFile] as const]),
          ...(runId === undefined ? [] : [["DATAFORSEO_RUN_ID", runId] as const])
        ])
      )))
    )

  const job = (keys: ReadonlyArray<string>) =>
    Effect.flatMap(Serp.Serp, (serp) =>
      Stream.runCollect(
        serp.run(NaverOrganic.engine, keys.map((k) => naver(k)), { format: "regular", correlationKey: keyOf })
      ))

  it.live(
    "gives the whole stack from the environment, the SQLite ledger on DATAFORSEO_LEDGER_FILE",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const { url } = yield* Sandbox.serve({ queueDelay: { normal: 0, high: 0 } })
        const filename = join(yield* tempDir, "serp.sqlite")
        const outcomes = yield* Effect.provide(job(["file 0", "file 1"]), fromVariables(url, filename))
        expect(Chunk.toReadonlyArray(outcomes).map(summary).sort()).toEqual(["file 0: file 0", "file 1: file 1"])
        // the file holds the run: both results collected
        const states = yield* Effect.provide(
          Effect.all([stateOf("job:file 0"), stateOf("job:file 1")]),
          TaskLedgerSqlite.layerSqlite({ filename })
        )
        expect(states).toEqual(["collected", "collected"])
        // without the variable, a memory ledger: the file's entries are not there
        const memory = yield* Effect.provide(
          Effect.zipRight(job(["memory 0"]), stateOf("job:file 0")),
          fromVariables(url)
        )
        expect(memory).toBe("none")
      })),
    30_000
  )

  it.live(
    "DATAFORSEO_RUN_ID names the run: a later stack on the same file resumes what an earlier one left, keys or not",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const { emulator, url } = yield* Sandbox.serve({ queueDelay: { normal: 0, high: 0 } })
        const filename = join(yield* tempDir, "nightly.sqlite")
        const first = Effect.flatMap(Serp.Serp, (serp) =>
          Effect.zip(
            serp.run(NaverOrganic.engine, keywords(3, "nightly").map((k) => naver(k)), { format: "regular" }).pipe(
              Stream.take(1),
              Stream.runCollect
            ),
            Effect.map(TaskBatcher.TaskBatcher, (batcher) => batcher.runId)
          ))
        const [taken, runId] = yield* Effect.provide(first, fromVariables(url, filename, "nightly"))
        expect(runId).toBe("nightly")
        const again = yield* Effect.provide(
          Effect.flatMap(Serp.Serp, (serp) =>
            Stream.runCollect(serp.run(NaverOrganic.engine, [], { format: "regular", resume: true }))),
          fromVariables(url, filename, "nightly")
        )
        const lines = [...Chunk.toReadonlyArray(taken), ...Chunk.toReadonlyArray(again)].map(summary).sort()
        expect(lines).toEqual(["nightly 0: nightly 0", "nightly 1: nightly 1", "nightly 2: nightly 2"])
        expect((yield* emulator.stats).tasksCreated).toBe(3)
      })),
    30_000
  )
})
