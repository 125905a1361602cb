import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import type { TaskSide } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskLedger from "../src/TaskLedger.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { driven, layer } from "./support/batcher.js"
import { recordingTracer } from "./support/tracer.js"

const naver = (keyword: string, extra: Partial<NaverOrganic.Task> = {}): NaverOrganic.Task => ({ keyword, ...extra })
const google = (keyword: string): GoogleOrganic.Task => ({ keyword, location_code: 2840, language_code: "en" })

const submitAll = <T>(engine: TaskSide<T>, tasks: ReadonlyArray<T>) =>
  Effect.flatMap(
    TaskBatcher.TaskBatcher,
    (batcher) =>
      Effect.forEach(tasks, (task) => Effect.either(batcher.submit(engine, task)), { concurrency: "unbounded" })
  )

const stats = Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)

/** What a key recorded (or in flight) for another task is answered with. */
const keyRefused = { _tag: "InvalidTaskError", field: "correlationKey" }

/** Two tasks submitted at once under one key: the second while the first is in flight. */
const submittedAtOnce = <A, B>(key: string, first: readonly [TaskSide<A>, A], second: readonly [TaskSide<B>, B]) =>
  Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) =>
    driven(
      Effect.all(
        [
          Effect.either(batcher.submit(first[0], first[1], { correlationKey: key })),
          Effect.either(batcher.submit(second[0], second[1], { correlationKey: key }))
        ],
        { concurrency: "unbounded" }
      )
    ))

/**
 * One batcher of the run `nightly`, as one process of a nightly job would be (each call a batcher of its own,
 * on the test's ledger): its `submitAll` of Naver `keywords`.
 */
const nightly = (keywords: ReadonlyArray<string>, options: TaskBatcher.Options = {}) =>
  Effect.scoped(
    Effect.flatMap(TaskBatcher.make({ runId: "nightly", window: "20 millis", ...options }), (batcher) =>
      driven(batcher.submitAll(NaverOrganic.engine, keywords.map((k) => naver(k)))))
  )

/**
 * The intents an earlier run left in the test's ledger, one per `[key, keyword]`: a Naver task tagged
 * `dfs:<key>`. Returns their requests, as that run sent them.
 */
const earlierIntents = (entries: ReadonlyArray<readonly [key: string, keyword: string]>) =>
  Effect.flatMap(TaskLedger.TaskLedger, (ledger) => {
    const intents = entries.map(([correlationKey, keyword]) => {
      const request = { keyword, tag: `dfs:${correlationKey}` }
      return { correlationKey, runId: "earlier-run", engine: "naver/organic", request, tag: request.tag }
    })
    return Effect.as(ledger.recordIntents(intents), intents.map((intent) => intent.request))
  })

/** What a run that crashed after sending its POST leaves: the tasks of `requests` exist, the ledger has no reply. */
const postedBeforeTheCrash = (requests: ReadonlyArray<{ readonly keyword: string; readonly tag: string }>) =>
  Effect.flatMap(
    DataForSeoClient.DataForSeoClient,
    (client) => client.post(NaverOrganic.paths.taskPost, requests, Schema.Unknown)
  )

describe("TaskBatcher packing", () => {
  it.effect("10,000 single-task submissions from 1,000 fibers make exactly 100 POSTs", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const fibers = Array.from({ length: 1000 }, (_, f) => f)
      const outcomes = yield* driven(
        Effect.forEach(
          fibers,
          (f) =>
            Effect.forEach(
              Array.from({ length: 10 }, (_, i) => naver(`keyword ${f}-${i}`)),
              (task) => batcher.submit(NaverOrganic.engine, task),
              { concurrency: "unbounded" }
            ),
          { concurrency: "unbounded" }
        )
      )
      const posted = outcomes.flat()
      expect(posted).toHaveLength(10_000)
      expect(new Set(posted.map((task) => task.id)).size).toBe(10_000)
      expect(new Set(posted.map((task) => task.tag)).size).toBe(10_000)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(100)
      expect(s.tasksCreated).toBe(10_000)
      expect([...s.byTag.values()].every((tally) => tally.billed === 1)).toBe(true)
    }).pipe(Effect.provide(layer({ batcher: { window: "1 second" } }))))

  it.effect("never more than 100 tasks a POST, even with settings that say more: no 40006", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const outcomes = yield* driven(
        batcher.submitAll(NaverOrganic.engine, Array.from({ length: 300 }, (_, i) => naver(`k${i}`)))
      )
      expect(outcomes.filter(Either.isLeft)).toEqual([])
      const s = yield* stats
      expect({ calls: s.calls.task_post.calls, created: s.tasksCreated }).toEqual({ calls: 3, created: 300 })
    }).pipe(Effect.provide(layer({ unchecked: { tasksPerPost: 150 } }))))

  it.effect("a partial batch leaves after the window; engines are packed apart", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const result = yield* driven(
        Effect.all(
          [
            Effect.forEach([naver("a"), naver("b"), naver("c")], (t) => batcher.submit(NaverOrganic.engine, t), {
              concurrency: "unbounded"
            }),
            Effect.forEach([google("x"), google("y")], (t) => batcher.submit(GoogleOrganic.engine, t), {
              concurrency: "unbounded"
            })
          ],
          { concurrency: "unbounded" }
        )
      )
      expect(result[0].map((t) => t.engine)).toEqual(["naver/organic", "naver/organic", "naver/organic"])
      expect(result[1].map((t) => t.engine)).toEqual(["google/organic", "google/organic"])
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(2)
      expect(s.tasksCreated).toBe(5)
    }).pipe(Effect.provide(layer())))

  it.effect("sets a unique tag when the caller sets none, and keeps the caller's tag", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const [auto, mine] = yield* driven(
        Effect.all([
          batcher.submit(NaverOrganic.engine, naver("a")),
          batcher.submit(NaverOrganic.engine, naver("b", { tag: "mine" }))
        ], {
          concurrency: "unbounded"
        })
      )
      expect(auto.tag).toBe(`dfs:${auto.correlationKey}`)
      expect(auto.correlationKey.startsWith(batcher.runId)).toBe(true)
      expect(mine.tag).toBe("mine")
      const s = yield* stats
      expect(s.byTag.get("mine")?.created).toBe(1)
      expect(s.byKeyword.get("b")?.created).toBe(1)
    }).pipe(Effect.provide(layer())))

  it.effect("a caller's tag in the batcher's own form is refused, unless it is the one the batcher would set", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const first = yield* driven(batcher.submit(NaverOrganic.engine, naver("x")))
      // the next tag but one the batcher would set itself: the two would share a POST, and id_list lookups
      const forged = first.tag.replace(/1$/, "3")
      const outcomes = yield* driven(
        Effect.all(
          [
            Effect.either(batcher.submit(NaverOrganic.engine, naver("a", { tag: forged }))),
            Effect.either(batcher.submit(NaverOrganic.engine, naver("b"))),
            Effect.either(
              batcher.submit(NaverOrganic.engine, naver("c", { tag: "dfs:job-3" }), { correlationKey: "job-3" })
            ),
            Effect.either(
              batcher.submit(NaverOrganic.engine, naver("d", { tag: "dfs:job-3" }), { correlationKey: "job-4" })
            )
          ],
          { concurrency: "unbounded" }
        )
      )
      expect(
        outcomes.map((o) => (Either.isRight(o)
          ? o.right.tag
          : o.left._tag === "InvalidTaskError"
          ? `invalid ${o.left.field}`
          : o.left._tag)
        )
      ).toEqual([
        "invalid tag",
        forged,
        "dfs:job-3",
        "invalid tag"
      ])
      expect((yield* stats).tasksCreated).toBe(3)
    }).pipe(Effect.provide(layer())))
})

describe("TaskBatcher rate limits", () => {
  it.effect("under a compressed limit the observed rate never crosses it and nothing is refused", () =>
    Effect.gen(function*() {
      const outcomes = yield* driven(
        submitAll(NaverOrganic.engine, Array.from({ length: 2_000 }, (_, i) => naver(`k${i}`)))
      )
      expect(outcomes.every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(20)
      expect(s.calls.task_post.rejected).toBe(0)
      expect(s.calls.task_post.peakPerMinute).toBeLessThanOrEqual(3)
    }).pipe(
      Effect.provide(
        layer({
          config: { limits: { taskPostPerMinute: 3, window: "1 second" } },
          sandbox: { limits: { perMinute: { task_post: 3 }, window: "1 second" } }
        })
      )
    ))

  it.effect("a server allowing fewer calls than configured: the shared pace slows on 40202, for both engines, and the backlog completes with no rate-limited outcome", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const [naverOutcomes, googleOutcomes] = yield* driven(
        Effect.all([
          batcher.submitAll(NaverOrganic.engine, Array.from({ length: 1_500 }, (_, i) => naver(`k${i}`))),
          batcher.submitAll(GoogleOrganic.engine, Array.from({ length: 1_500 }, (_, i) => google(`k${i}`)))
        ], { concurrency: "unbounded" })
      )
      const failed = [...(naverOutcomes ?? []), ...(googleOutcomes ?? [])].filter(Either.isLeft)
      expect(failed.map((o) => o.left._tag)).toEqual([])
      const s = yield* stats
      expect(s.tasksBilled).toBe(3_000)
      // without the shared pace slowing down, 1,000 of the 3,000 tasks failed with RateLimitError. Refusals
      // still happen: the 30 POSTs in flight (paced at the configured rate) when the first 40202 came, then
      // one each time the pace probes above the account's limit, fewer than the POSTs it lets through
      const accepted = s.calls.task_post.calls - s.calls.task_post.rejected
      expect(accepted).toBe(30)
      expect(s.calls.task_post.rejected).toBeGreaterThan(0)
      expect(s.calls.task_post.rejected).toBeLessThan(30 + accepted)
    }).pipe(
      Effect.provide(
        layer({
          config: { limits: { taskPostPerMinute: 20, window: "1 second" } },
          sandbox: { limits: { perMinute: { task_post: 4 }, window: "1 second" } }
        })
      )
    ))

  it.effect("a 40202 from another client of the account: nothing was created, the same call is sent again", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["rate_limited", "rate_limited"])
      const outcomes = yield* driven(submitAll(NaverOrganic.engine, [naver("a"), naver("b")]))
      expect(outcomes.every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(3)
      expect(s.tasksCreated).toBe(2)
    }).pipe(Effect.provide(layer())))
})

describe("TaskBatcher per-task outcomes", () => {
  it.effect("an invalid task fails alone, with the field named, before any HTTP call", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const error = yield* Effect.flip(batcher.submit(NaverOrganic.engine, naver("a", { depth: 701 })))
      expect(error).toMatchObject({ _tag: "InvalidTaskError", field: "depth" })
      expect((yield* stats).calls.task_post.calls).toBe(0)
    }).pipe(Effect.provide(layer())))

  it.effect("a task-level error fails its task while the others of the batch are posted", () =>
    Effect.gen(function*() {
      // The duplicate-task limit refuses the second identical payload (same keyword, same caller tag).
      const outcomes = yield* driven(
        submitAll(NaverOrganic.engine, [naver("same", { tag: "t" }), naver("other"), naver("same", { tag: "t" })])
      )
      const codes = outcomes.map((o) => (Either.isRight(o) ? 20100 : "code" in o.left ? o.left.code : o.left._tag))
      expect(codes.filter((c) => c === 20100)).toHaveLength(2)
      expect(codes.filter((c) => c === 40205)).toHaveLength(1)
      const failed = outcomes.find(Either.isLeft)
      expect(failed?.left).toMatchObject({ _tag: "RateLimitError", code: 40205 })
      const s = yield* stats
      // tasks sharing a tag never share a POST
      expect(s.calls.task_post.calls).toBe(2)
      expect(s.byTag.get("t")).toMatchObject({ created: 1, billed: 1 })
      const ledger = yield* TaskLedger.TaskLedger
      const entries = yield* ledger.byTag("t")
      expect(entries.map((e) => e.state).sort()).toEqual(["failed", "posted"])
      expect(entries.find((e) => e.state === "failed")?.failure).toMatchObject({ code: 40205, billed: false })
    }).pipe(Effect.provide(layer({ sandbox: { limits: { duplicateTasksPerHour: 1 } } }))))

  it.effect("a request refused as a whole fails every task of the POST, unbilled, with its typed error", () =>
    Effect.gen(function*() {
      const outcomes = yield* driven(submitAll(NaverOrganic.engine, [naver("a"), naver("b")]))
      for (const outcome of outcomes) {
        expect(Either.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "AuthError", code: 40100 })
      }
      const ledger = yield* TaskLedger.TaskLedger
      const batcher = yield* TaskBatcher.TaskBatcher
      expect(yield* ledger.costByRun(batcher.runId)).toMatchObject({ tasks: 2, created: 0, cost: 0 })
      expect((yield* stats).tasksCreated).toBe(0)
    }).pipe(Effect.provide(layer({ config: { password: Redacted.make("wrong") } }))))
})

describe("TaskBatcher observability", () => {
  it.effect("one span per POST, TaskBatcher.post, carrying the engine, the tasks, the attempt and the HTTP status", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      yield* driven(submitAll(NaverOrganic.engine, Array.from({ length: 250 }, (_, i) => naver(`k${i}`))))
      const posts = spans.filter((span) => span.name === "TaskBatcher.post")
      expect((yield* stats).calls.task_post.calls).toBe(3)
      expect(posts.map((span) => span.attributes.get("dataforseo.tasks")).sort()).toEqual([100, 100, 50])
      for (const post of posts) {
        expect(post.kind).toBe("client")
        expect(post.attributes.get("dataforseo.engine")).toBe("naver/organic")
        expect(post.attributes.get("dataforseo.attempt")).toBe(1)
        expect(post.attributes.get("dataforseo.path")).toBe(NaverOrganic.paths.taskPost)
        expect(post.attributes.get("http.response.status_code")).toBe(200)
      }
      // no span inside it: the client's span is this one, and the HttpClient's own would repeat it
      expect(spans.filter((span) => span.name !== "TaskBatcher.post")).toEqual([])
    }).pipe(Effect.withTracer(tracer), Effect.provide(layer()))
  })

  it.effect("metrics count calls, created tasks, cost and errors by code", () =>
    Effect.gen(function*() {
      const count = (metric: Metric.Metric.Counter<number>) => Effect.map(Metric.value(metric), (state) => state.count)
      const duplicates = Metric.tagged(TaskBatcher.metrics.errors, "code", "40205")
      const before = yield* Effect.all([
        count(TaskBatcher.metrics.calls),
        count(TaskBatcher.metrics.tasksPosted),
        count(TaskBatcher.metrics.cost),
        count(duplicates)
      ])
      // the sandbox refuses the second task with the same keyword and tag (40205)
      yield* driven(
        submitAll(NaverOrganic.engine, [naver("same", { tag: "t" }), naver("other"), naver("same", { tag: "t" })])
      )
      const after = yield* Effect.all([
        count(TaskBatcher.metrics.calls),
        count(TaskBatcher.metrics.tasksPosted),
        count(TaskBatcher.metrics.cost),
        count(duplicates)
      ])
      const [calls, posted, cost, errors] = after.map((value, i) => value - (before[i] ?? 0))
      expect({ calls, posted, errors }).toEqual({ calls: 2, posted: 2, errors: 1 })
      expect(cost).toBeCloseTo(2 * 0.0006, 10)
    }).pipe(Effect.provide(layer({ sandbox: { limits: { duplicateTasksPerHour: 1 } } }))))
})

describe("TaskBatcher billing safety", () => {
  it.effect("reconcile (default): a connection dropped after the tasks were created finds them in id_list; none is posted twice", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["drop_after_processing"])
      const outcomes = yield* driven(submitAll(NaverOrganic.engine, [naver("a"), naver("b"), naver("c")]))
      expect(outcomes.every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(1)
      expect(s.calls.id_list.calls).toBe(1)
      expect(s.tasksBilled).toBe(3)
      const ids = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right.id] : []))
      const tasks = yield* emulator.tasks
      expect(tasks.map((t) => t.id).sort()).toEqual([...ids].sort())
      const ledger = yield* TaskLedger.TaskLedger
      expect(yield* ledger.unknownIntents()).toHaveLength(0)
    }).pipe(Effect.provide(layer())))

  it.effect("reconcile: batches whose outcomes are unknown at the same time share one id_list pass", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", [
        "drop_after_processing",
        "drop_after_processing",
        "drop_after_processing"
      ])
      const outcomes = yield* driven(
        submitAll(NaverOrganic.engine, Array.from({ length: 300 }, (_, i) => naver(`k${i}`)))
      )
      expect(outcomes.every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(3)
      // one pass pages through all 300 tasks (fewer than the 1,000 of a page): one call, not one per batch
      expect(s.calls.id_list.calls).toBe(1)
      expect(s.tasksBilled).toBe(300)
      expect([...s.byTag.values()].every((t) => t.billed === 1)).toBe(true)
    }).pipe(Effect.provide(layer())))

  it.effect("reconcile: a connection dropped before processing finds nothing, so the tasks are posted once more", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["drop_before_processing"])
      const outcomes = yield* driven(submitAll(NaverOrganic.engine, [naver("a"), naver("b")]))
      expect(outcomes.every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(2)
      expect(s.tasksBilled).toBe(2)
      expect([...s.byTag.values()].every((t) => t.billed === 1)).toBe(true)
    }).pipe(Effect.provide(layer())))

  it.effect("reconcile: a reply slower than the timeout, or truncated, is reconciled too", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["slow_reply", "truncated_json", "malformed_json"])
      const outcomes = yield* driven(
        Effect.forEach(
          [["a", "b"], ["c"], ["d"]],
          (keywords) => submitAll(NaverOrganic.engine, keywords.map((k) => naver(k)))
        )
      )
      expect(outcomes.flat().every(Either.isRight)).toBe(true)
      const s = yield* stats
      expect(s.tasksBilled).toBe(4)
      expect(s.calls.task_post.calls).toBe(3)
      expect([...s.byTag.values()].every((t) => t.billed === 1)).toBe(true)
    }).pipe(Effect.provide(layer({ sandbox: { slowReply: "1 minute" } }))))

  it.effect("a key recorded for another engine's task is refused, not answered with that task", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const first = yield* driven(batcher.submit(GoogleOrganic.engine, google("shoes"), { correlationKey: "shoes" }))
      const naverOutcome = yield* driven(
        Effect.either(batcher.submit(NaverOrganic.engine, naver("shoes"), { correlationKey: "shoes" }))
      )
      expect(first.engine).toBe("google/organic")
      // before, this was the Google task's id, labelled naver/organic
      expect(Either.isLeft(naverOutcome) && naverOutcome.left).toMatchObject(keyRefused)
      // the same while the first task is still in flight
      const [googleAgain, naverAgain] = yield* submittedAtOnce("boots", [GoogleOrganic.engine, google("boots")], [
        NaverOrganic.engine,
        naver("boots")
      ])
      expect(Either.isRight(googleAgain)).toBe(true)
      expect(Either.isLeft(naverAgain) && naverAgain.left).toMatchObject(keyRefused)
      expect((yield* stats).tasksCreated).toBe(2)
    }).pipe(Effect.provide(layer())))

  it.effect("a key recorded for another task of the same engine (another keyword, another option) is refused, not answered with that task", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const first = yield* driven(batcher.submit(NaverOrganic.engine, naver("shoes"), { correlationKey: "k" }))
      for (const task of [naver("boots"), naver("shoes", { depth: 20 }), naver("shoes", { tag: "mine" })]) {
        const outcome = yield* driven(Effect.either(batcher.submit(NaverOrganic.engine, task, { correlationKey: "k" })))
        // before, each was the task of "shoes": another keyword's results under this one
        expect(Either.isLeft(outcome) && outcome.left).toMatchObject(keyRefused)
      }
      // the same task again is the recorded one
      const again = yield* driven(batcher.submit(NaverOrganic.engine, naver("shoes"), { correlationKey: "k" }))
      expect(again).toEqual(first)
      // the same while the first task is still in flight
      const [inFlight, other] = yield* submittedAtOnce("h", [NaverOrganic.engine, naver("hats")], [
        NaverOrganic.engine,
        naver("caps")
      ])
      expect(Either.isRight(inFlight)).toBe(true)
      expect(Either.isLeft(other) && other.left).toMatchObject(keyRefused)
      expect((yield* stats).tasksCreated).toBe(2)
    }).pipe(Effect.provide(layer())))

  it.effect("a run id used again on the same ledger (a restarted job) records every new task: no key is made twice", () =>
    Effect.gen(function*() {
      const ledger = yield* TaskLedger.TaskLedger
      // two batchers one after the other, as two processes of the same nightly run would be
      const outcomes = [...(yield* nightly(["a", "b"])), ...(yield* nightly(["c", "d"]))]
      // before, the second run's keys were nightly:1 and nightly:2 again: its tasks were billed, and the ledger
      // refused their ids
      expect(outcomes.filter(Either.isLeft)).toEqual([])
      const posted = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
      expect(new Set(posted.map((t) => t.correlationKey)).size).toBe(4)
      expect(yield* ledger.costByRun("nightly")).toMatchObject({ tasks: 4, created: 4 })
      expect((yield* stats).tasksBilled).toBe(4)
    }).pipe(Effect.provide(layer())))

  it.effect("at-most-once: an unknown outcome is a PostOutcomeUnknownError and stays an unknown intent", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["drop_after_processing"])
      const [outcome] = yield* driven(submitAll(NaverOrganic.engine, [naver("a")]))
      expect(outcome && Either.isLeft(outcome) && outcome.left).toMatchObject({ _tag: "PostOutcomeUnknownError" })
      const ledger = yield* TaskLedger.TaskLedger
      expect((yield* ledger.unknownIntents()).map((e) => e.request["keyword"])).toEqual(["a"])
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(1)
      expect(s.tasksBilled).toBe(1)
    }).pipe(Effect.provide(layer({ batcher: { policy: "at-most-once" } }))))

  it.effect("at-least-once: an unknown outcome is re-posted at once (a double charge is possible, as asked)", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["drop_after_processing"])
      const [outcome] = yield* driven(submitAll(NaverOrganic.engine, [naver("a")]))
      expect(outcome && Either.isRight(outcome)).toBe(true)
      const s = yield* stats
      expect(s.calls.id_list.calls).toBe(0)
      expect(s.tasksBilled).toBe(2)
    }).pipe(Effect.provide(layer({ batcher: { policy: "at-least-once" } }))))

  it.effect("resuming: a caller's correlation key already posted is not posted again", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const first = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      const again = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      expect(again).toEqual(first)
      expect((yield* stats).tasksBilled).toBe(1)
    }).pipe(Effect.provide(layer())))

  it.effect("resuming: a key whose POST was refused (nothing created, nothing billed) is posted when submitted again; a billed failure is returned", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      const batcher = yield* TaskBatcher.TaskBatcher
      const ledger = yield* TaskLedger.TaskLedger
      yield* emulator.scriptFaults("task_post", ["rate_limited"])
      const refused = yield* driven(
        Effect.either(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      )
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "RateLimitError", code: 40202 })
      // before, the key returned its 40202 for ever: a job re-run after a bad minute never posted the task
      // the task was never created: the key is free for it, or for the task fixed (here, another depth)
      const again = yield* driven(
        batcher.submit(NaverOrganic.engine, naver("a", { depth: 20 }), { correlationKey: "job-1" })
      )
      const [task] = yield* emulator.tasks
      expect(again).toMatchObject({ id: task?.id, correlationKey: "job-1", tag: "dfs:job-1" })
      expect(Option.map(yield* ledger.byCorrelationKey("job-1"), (e) => e.request)).toEqual(
        Option.some({ keyword: "a", depth: 20, tag: "dfs:job-1" })
      )
      expect(Option.map(yield* ledger.byCorrelationKey("job-1"), (e) => e.state)).toEqual(Option.some("posted"))
      // a failure that cost money stays the key's outcome
      yield* earlierIntents([["job-2", "b"]])
      yield* ledger.recordFailed([{
        correlationKey: "job-2",
        taskId: "t-2",
        cost: 0.0006,
        code: 40101,
        message: "Task failed.",
        billed: true
      }])
      const billed = yield* driven(
        Effect.either(batcher.submit(NaverOrganic.engine, naver("b"), { correlationKey: "job-2" }))
      )
      expect(Either.isLeft(billed) && billed.left).toMatchObject({ code: 40101, taskId: "t-2" })
      const s = yield* stats
      expect({ calls: s.calls.task_post.calls, created: s.tasksCreated }).toEqual({ calls: 2, created: 1 })
    }).pipe(Effect.provide(layer({ batcher: { maxAttempts: 1 } }))))

  it.effect("resuming after a crash: an intent whose POST created the task is found in id_list, not posted again", () =>
    Effect.gen(function*() {
      // The state a crash leaves: an intent recorded, its POST sent (the task exists), no reply recorded.
      const ledger = yield* TaskLedger.TaskLedger
      yield* postedBeforeTheCrash(yield* earlierIntents([["job-9", "a"]]))
      const batcher = yield* TaskBatcher.TaskBatcher
      const resumed = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-9" }))
      const [task] = yield* Effect.flatMap(Sandbox.Emulator, (e) => e.tasks)
      expect(resumed).toMatchObject({ id: task?.id, tag: "dfs:job-9" })
      expect((yield* stats).tasksBilled).toBe(1)
      expect(Option.map(yield* ledger.byCorrelationKey("job-9"), (e) => e.state)).toEqual(Option.some("posted"))
      // the POST was sent just before the "crash" and id_list lists it only after a lag, shorter than
      // settleDelay (1 s here): a lookup made at once would miss the task and post it a second time
    }).pipe(Effect.provide(layer({ sandbox: { idListLag: "500 millis" } }))))

  it.effect("a resumed key's id_list pass ends when its POSTs could last have been sent: what the batcher posted since is not paged", () =>
    Effect.gen(function*() {
      yield* postedBeforeTheCrash(yield* earlierIntents([["job-9", "a"]]))
      const [task] = yield* Effect.flatMap(Sandbox.Emulator, (e) => e.tasks)
      const batcher = yield* TaskBatcher.TaskBatcher
      yield* TestClock.adjust("2 minutes")
      // 1,500 tasks posted since: with them, the window would hold two pages of id_list
      yield* driven(batcher.submitAll(NaverOrganic.engine, Array.from({ length: 1500 }, (_, i) => naver(`k${i}`))))
      const resumed = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-9" }))
      expect(resumed.id).toBe(task?.id)
      expect((yield* stats).calls.id_list.calls).toBe(1)
    }).pipe(Effect.provide(layer())))

  it.effect("a batch cut short by the ledger after its POST is looked up, when resubmitted, once id_list has had time to list it", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      yield* TestClock.adjust("5 seconds") // long after the batcher started
      const first = yield* driven(
        Effect.either(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      )
      expect(Either.isLeft(first) && first.left._tag).toBe("LedgerStoreError")
      const again = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      const [task] = yield* Effect.flatMap(Sandbox.Emulator, (e) => e.tasks)
      expect(again.id).toBe(task?.id)
      expect((yield* stats).tasksBilled).toBe(1)
    }).pipe(
      Effect.provide(
        layer({
          sandbox: { idListLag: "500 millis" },
          // the first recordPosted fails: the task exists, the ledger holds only its intent
          ledger: Layer.effect(
            TaskLedger.TaskLedger,
            Effect.map(TaskLedger.makeMemory, (memory) => {
              let failures = 1
              return TaskLedger.TaskLedger.of({
                ...memory,
                recordPosted: (list) =>
                  failures-- > 0
                    ? Effect.fail(new TaskLedger.LedgerStoreError({ message: "disk full" }))
                    : memory.recordPosted(list)
              })
            })
          )
        })
      )
    ))

  it.effect("a key given up on (at-most-once) and submitted again is looked up once id_list has had time to list it", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const emulator = yield* Sandbox.Emulator
      yield* TestClock.adjust("5 seconds") // long after the batcher started
      yield* emulator.scriptFaults("task_post", ["drop_after_processing"])
      const first = yield* driven(
        Effect.either(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      )
      expect(Either.isLeft(first) && first.left._tag).toBe("PostOutcomeUnknownError")
      const again = yield* driven(batcher.submit(NaverOrganic.engine, naver("a"), { correlationKey: "job-1" }))
      const [task] = yield* emulator.tasks
      expect(again.id).toBe(task?.id)
      expect((yield* stats).tasksBilled).toBe(1)
    }).pipe(Effect.provide(layer({ batcher: { policy: "at-most-once" }, sandbox: { idListLag: "500 millis" } }))))

  it.effect("a resume pass serves the keys resumed after it until a minute passes without one; then it is dropped", () =>
    Effect.gen(function*() {
      // four intents of a crashed run, whose POST created their tasks
      yield* postedBeforeTheCrash(
        yield* earlierIntents(["a", "b", "c", "d"].map((keyword) => [`job-${keyword}`, keyword] as const))
      )
      const batcher = yield* TaskBatcher.TaskBatcher
      const resume = (keyword: string) =>
        driven(batcher.submit(NaverOrganic.engine, naver(keyword), { correlationKey: `job-${keyword}` }))
      const idListCalls = Effect.map(stats, (s) => s.calls.id_list.calls)
      yield* resume("a")
      // each resume keeps it a minute more
      for (const keyword of ["b", "c"]) {
        yield* TestClock.adjust("50 seconds")
        yield* resume(keyword)
      }
      expect(yield* idListCalls).toBe(1)
      yield* TestClock.adjust("61 seconds")
      // a minute without a resume: the pass was dropped (it may hold a whole window of a busy account)
      const resumed = yield* resume("d")
      expect(yield* idListCalls).toBe(2)
      expect(resumed.tag).toBe("dfs:job-d")
      expect((yield* stats).tasksBilled).toBe(4)
    }).pipe(Effect.provide(layer())))

  it.effect("resuming many intents of unknown outcome pages through id_list once, not once per key", () =>
    Effect.gen(function*() {
      const tasks = Array.from({ length: 50 }, (_, i) => naver(`k${i}`))
      const keyOf = (_: NaverOrganic.Task, i: number) => `job-${i}`
      const requests = yield* earlierIntents(tasks.map((task, i) => [keyOf(task, i), String(task.keyword)] as const))
      // the crashed run's POSTs created every other task
      yield* postedBeforeTheCrash(requests.filter((_, i) => i % 2 === 0))
      const created = new Map((yield* Effect.flatMap(Sandbox.Emulator, (e) => e.tasks)).map((t) => [t.tag, t.id]))
      const batcher = yield* TaskBatcher.TaskBatcher
      const outcomes = yield* driven(batcher.submitAll(NaverOrganic.engine, tasks, { correlationKey: keyOf }))
      const ids = outcomes.map((outcome) => (Either.isRight(outcome) ? outcome.right.id : outcome.left._tag))
      expect(ids.filter((_, i) => i % 2 === 0)).toEqual(
        requests.filter((_, i) => i % 2 === 0).map((r) => created.get(r.tag))
      )
      expect(new Set(ids).size).toBe(50)
      const s = yield* stats
      expect({ idList: s.calls.id_list.calls, taskPost: s.calls.task_post.calls, billed: s.tasksBilled }).toEqual({
        idList: 1,
        taskPost: 2,
        billed: 50
      })
    }).pipe(Effect.provide(layer())))
})

describe("TaskBatcher budget", () => {
  it.effect("a task that would cross the run's budget fails with BudgetExceededError and is not posted", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const outcomes = yield* driven(
        Effect.forEach(["a", "b", "c", "d", "e"], (k) => Effect.either(batcher.submit(NaverOrganic.engine, naver(k))))
      )
      expect(outcomes.map((o) => (Either.isRight(o) ? "posted" : o.left._tag))).toEqual([
        "posted",
        "posted",
        "posted",
        "BudgetExceededError",
        "BudgetExceededError"
      ])
      expect((yield* stats).tasksBilled).toBe(3)
      expect(yield* batcher.committed).toBeCloseTo(0.0018)
    }).pipe(Effect.provide(layer({ batcher: { budget: 0.002 } }))))

  it.effect("a budget is counted exactly: 10,105 tasks of $0.0006 fit a budget of $6.063, and the run commits exactly 6.063", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const outcomes = yield* driven(
        batcher.submitAll(NaverOrganic.engine, Array.from({ length: 10_105 }, (_, i) => naver(`k${i}`)))
      )
      // summed as USD numbers, 10,105 x 0.0006 reaches 6.063000000001001: past the budget by more than any allowance
      expect(outcomes.filter(Either.isRight)).toHaveLength(10_105)
      expect(yield* batcher.committed).toBe(6.063)
      const more = yield* driven(Effect.either(batcher.submit(NaverOrganic.engine, naver("one more"))))
      expect(Either.isLeft(more) && more.left._tag).toBe("BudgetExceededError")
    }).pipe(Effect.provide(layer({ batcher: { budget: 6.063 } }))))

  it.effect("a restarted run counts what the ledger holds for it: the budget is not spent twice", () =>
    Effect.gen(function*() {
      const run = (keywords: ReadonlyArray<string>) =>
        Effect.map(
          nightly(keywords, { budget: 0.002 }),
          (outcomes) => outcomes.map((o) => (Either.isRight(o) ? "posted" : o.left._tag))
        )
      const first = yield* run(["a", "b", "c"])
      const second = yield* run(["d", "e"])
      expect(first).toEqual(["posted", "posted", "posted"])
      // $0.0018 of $0.002 already spent by the first process: one more task would cross the budget
      expect(second).toEqual(["BudgetExceededError", "BudgetExceededError"])
      expect((yield* stats).tasksBilled).toBe(3)
    }).pipe(Effect.provide(layer())))

  it.effect("with the account's prices (layerAccountPrices), the budget is checked against them", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      // standard prices would post all five (5 x $0.0006); the account pays $0.01 a task
      const outcomes = yield* driven(
        batcher.submitAll(NaverOrganic.engine, ["a", "b", "c", "d", "e"].map((k) => naver(k)))
      )
      expect(outcomes.map((o) => (Either.isRight(o) ? "posted" : o.left._tag))).toEqual([
        "posted",
        "posted",
        "BudgetExceededError",
        "BudgetExceededError",
        "BudgetExceededError"
      ])
      expect(yield* batcher.committed).toBeCloseTo(0.02)
      expect((yield* stats).calls.user_data.calls).toBe(1)
    }).pipe(
      Effect.provide(layer({ accountPrices: true, batcher: { budget: 0.025 }, sandbox: { prices: { normal: 0.01 } } }))
    ))

  it.effect.each(
    [
      [{ runId: "" }, "runId"],
      [{ runId: "r".repeat(201) }, "runId"],
      [{ budget: Number.NaN }, "budget"],
      [{ budget: -1 }, "budget"],
      [{ maxAttempts: 0 }, "maxAttempts"],
      [{ prices: { normal: Number.NaN, high: 0.0012, extraPageFactor: 0.75 } }, "prices.normal"]
    ] satisfies ReadonlyArray<readonly [TaskBatcher.Options, string]>
  )(
    "options out of range are a ConfigError naming them, not a batcher that ignores them: %o",
    ([options, field]) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Effect.provide(TaskBatcher.TaskBatcher, layer({ batcher: options })))
        expect(ConfigError.isConfigError(error) && error._op === "InvalidData" ? error.path.join(".") : error).toBe(
          field
        )
      })
  )

  it.effect("with the account's prices, options are checked before user_data is called", () =>
    Effect.gen(function*() {
      // the wrong password makes any call fail: the error says which came first
      const layerOf = layer({
        accountPrices: true,
        config: { password: Redacted.make("wrong") },
        batcher: { budget: Number.NaN }
      })
      const error = yield* Effect.flip(Effect.provide(TaskBatcher.TaskBatcher, layerOf))
      expect(ConfigError.isConfigError(error) && error._op === "InvalidData" ? error.path.join(".") : error).toBe(
        "budget"
      )
    }))

  it.effect("the batcher is not built when the account's prices cannot be read", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(
          TaskBatcher.TaskBatcher,
          layer({ accountPrices: true, config: { password: Redacted.make("wrong") } })
        )
      )
      expect(error._tag).toBe("AuthError")
    }))
})

describe("TaskBatcher under faults", () => {
  it.effect(
    "every emulator fault on 10% of the calls over 10,000 tasks: none lost, none billed twice",
    () =>
      Effect.gen(function*() {
        const batcher = yield* TaskBatcher.TaskBatcher
        // 2% of the tasks repeat an earlier one (same keyword, same tag): the duplicate-task limit answers 40205.
        const tasks = Array.from({ length: 10_000 }, (_, i) =>
          i % 50 === 49
            ? naver(`kw ${i - 1}`, { tag: `dup-${i - 1}` })
            : naver(`kw ${i}`, i % 50 === 48 ? { tag: `dup-${i}` } : {}))
        const outcomes = yield* driven(
          Effect.forEach(tasks, (task) => Effect.either(batcher.submit(NaverOrganic.engine, task)), {
            concurrency: "unbounded"
          }),
          "100 millis",
          "6 hours"
        )
        expect(outcomes).toHaveLength(10_000)
        const posted = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
        const failed = outcomes.flatMap((o) => (Either.isLeft(o) ? [o.left] : []))
        const failureTags = new Set(failed.map((e) => e._tag))
        // only the refusals this run provokes, never a 40006, never a lost or unknown outcome under "reconcile"
        const sample = failed.filter((e) => e._tag !== "RateLimitError").slice(0, 3).map((e) =>
          `${e._tag}: ${e.message}`
        )
        expect(sample).toEqual([])
        expect([...failureTags]).toEqual(["RateLimitError"])
        expect(failed.every((e) => "code" in e && e.code === 40205)).toBe(true)
        expect(failed.length).toBe(200)
        expect(posted.length).toBe(9_800)

        const emulator = yield* Sandbox.Emulator
        const s = yield* emulator.stats
        const faulted = s.calls.task_post.calls - 100 - 2 // a clean run makes 100 POSTs, plus the 40205 duplicates' extra batches
        expect(faulted).toBeGreaterThan(0)
        // no double charge: every tag billed exactly once, and every billed task is one the caller holds
        expect([...s.byTag.values()].every((tally) => tally.billed === 1)).toBe(true)
        expect(s.tasksBilled).toBe(9_800)
        const created = yield* emulator.tasks
        expect(new Set(created.map((t) => t.id))).toEqual(new Set(posted.map((t) => t.id)))
        // the ledger agrees: nothing unknown, every id recorded
        const ledger = yield* TaskLedger.TaskLedger
        expect(yield* ledger.unknownIntents()).toHaveLength(0)
        expect(yield* ledger.costByRun(batcher.runId)).toMatchObject({ tasks: 10_000, created: 9_800 })
      }).pipe(
        Effect.provide(
          layer({
            batcher: { maxAttempts: 8 },
            sandbox: {
              seed: 7,
              slowReply: "1 minute",
              idListLag: "500 millis", // shorter than the settle delay (1 s here), as a lag must be for reconciliation to work
              limits: { duplicateTasksPerHour: 1 },
              faults: {
                probability: {
                  task_post: {
                    http_500: 0.015,
                    internal_error: 0.015,
                    rate_limited: 0.015,
                    drop_before_processing: 0.015,
                    drop_after_processing: 0.015,
                    slow_reply: 0.0125,
                    truncated_json: 0.0075,
                    malformed_json: 0.0075
                  }
                }
              }
            }
          })
        )
      ),
    120_000
  )

  it.live(
    "over a socket (UndiciHttpClient, live clock), every fault on 40% of the calls: none lost, none billed twice",
    () =>
      Effect.gen(function*() {
        const batcher = yield* TaskBatcher.TaskBatcher
        const tasks = Array.from({ length: 3_000 }, (_, i) => naver(`socket kw ${i}`))
        const outcomes = yield* batcher.submitAll(NaverOrganic.engine, tasks)
        const posted = outcomes.flatMap((o) => (Either.isRight(o) ? [o.right] : []))
        const failed = outcomes.flatMap((o) => (Either.isLeft(o) ? [`${o.left._tag}: ${o.left.message}`] : []))
        expect(failed).toEqual([])
        expect(posted).toHaveLength(3_000)

        const emulator = yield* Sandbox.Emulator
        const s = yield* emulator.stats
        expect(s.calls.task_post.calls).toBeGreaterThan(30) // a clean run makes 30 POSTs
        expect(s.calls.id_list.calls).toBeGreaterThan(0) // unknown outcomes (drops, timeouts, broken replies) were looked up
        expect([...s.byTag.values()].every((tally) => tally.billed === 1)).toBe(true)
        expect(s.tasksBilled).toBe(3_000)
        expect(new Set((yield* emulator.tasks).map((t) => t.id))).toEqual(new Set(posted.map((t) => t.id)))
        const ledger = yield* TaskLedger.TaskLedger
        expect(yield* ledger.unknownIntents()).toHaveLength(0)
      }).pipe(
        Effect.provide(
          layer({
            served: UndiciHttpClient.layer,
            config: { requestTimeout: "1 second" },
            batcher: { maxAttempts: 10, settleDelay: "300 millis", backoff: "20 millis" },
            sandbox: {
              seed: 11,
              slowReply: "3 seconds",
              idListLag: "100 millis",
              faults: { probability: { task_post: Sandbox.everyFault(0.4) } }
            }
          })
        )
      ),
    60_000
  )

  it.effect(
    "a keyed job run again after a run under faults: what it missed is posted, nothing is billed twice",
    () =>
      Effect.gen(function*() {
        const batcher = yield* TaskBatcher.TaskBatcher
        const tasks = Array.from({ length: 3000 }, (_, i) => naver(`kw ${i}`))
        const keyOf = (_: NaverOrganic.Task, i: number) => `job-${i}`
        const run = driven(
          batcher.submitAll(NaverOrganic.engine, tasks, { correlationKey: keyOf }),
          "100 millis",
          "6 hours"
        )
        const first = yield* run
        // one try a POST: refusals (40202) and unknown outcomes (some of which created their tasks) are left over
        const firstFailures = new Set(first.flatMap((o) => (Either.isLeft(o) ? [o.left._tag] : [])))
        expect([...firstFailures].sort()).toEqual(["PostOutcomeUnknownError", "RateLimitError"])
        const second = yield* run
        // a task posted the first time is that task again, not a new one
        first.forEach((outcome, i) => {
          if (Either.isRight(outcome)) expect(second[i]).toEqual(outcome)
        })
        // keys refused or of unknown outcome the first time are posted (or found) now; before, a refused key
        // returned its 40202 for ever
        const recovered = (failure: string) =>
          first.filter((outcome, i) =>
            Either.isLeft(outcome) && outcome.left._tag === failure && Either.isRight(second[i] ?? outcome)
          ).length
        expect(recovered("RateLimitError")).toBeGreaterThan(200)
        expect(recovered("PostOutcomeUnknownError")).toBeGreaterThan(300)
        const emulator = yield* Sandbox.Emulator
        const s = yield* emulator.stats
        expect([...s.byTag.values()].every((tally) => tally.billed <= 1)).toBe(true)
        // every task the account was billed for is one a caller holds, or an intent the ledger still has to settle
        const ledger = yield* TaskLedger.TaskLedger
        const unknown = new Set((yield* ledger.unknownIntents()).map((e) => e.tag))
        const held = new Set(second.flatMap((o) => (Either.isRight(o) ? [o.right.id] : [])))
        for (const task of yield* emulator.tasks) expect(held.has(task.id) || unknown.has(task.tag)).toBe(true)
      }).pipe(
        Effect.provide(
          layer({
            batcher: { maxAttempts: 1 },
            sandbox: {
              seed: 7,
              slowReply: "1 minute",
              idListLag: "500 millis",
              faults: {
                probability: {
                  task_post: {
                    http_500: 0.03,
                    internal_error: 0.03,
                    rate_limited: 0.2,
                    drop_before_processing: 0.03,
                    drop_after_processing: 0.03,
                    slow_reply: 0.02,
                    truncated_json: 0.01,
                    malformed_json: 0.01
                  }
                }
              }
            }
          })
        )
      ),
    120_000
  )
})

describe("TaskBatcher.submitAll", () => {
  it.effect("posts many tasks in full batches and returns one outcome per task, in order", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const tasks = Array.from({ length: 250 }, (_, i) => naver(`k${i}`, i === 7 ? { depth: 0 } : {}))
      const outcomes = yield* driven(batcher.submitAll(NaverOrganic.engine, tasks))
      expect(outcomes).toHaveLength(250)
      expect(outcomes[7] && Either.isLeft(outcomes[7]) && outcomes[7].left).toMatchObject({
        _tag: "InvalidTaskError",
        field: "depth"
      })
      const emulator = yield* Sandbox.Emulator
      const created = new Map((yield* emulator.tasks).map((t) => [t.id, t.keyword]))
      outcomes.forEach((outcome, i) => {
        if (i !== 7) expect(Either.isRight(outcome) && created.get(outcome.right.id)).toBe(`k${i}`)
      })
      expect((yield* stats).calls.task_post.calls).toBe(3)
    }).pipe(Effect.provide(layer())))

  it.effect("matches each task of a reply to its submission by tag, whatever the order of the reply", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const tasks = Array.from({ length: 150 }, (_, i) => naver(`k${i}`, i % 3 === 0 ? { tag: `mine-${i}` } : {}))
      const outcomes = yield* driven(batcher.submitAll(NaverOrganic.engine, tasks))
      const emulator = yield* Sandbox.Emulator
      const created = new Map((yield* emulator.tasks).map((t) => [t.id, t.keyword]))
      expect(outcomes.map((outcome) => Either.isRight(outcome) && created.get(outcome.right.id))).toEqual(
        tasks.map((t) => t.keyword)
      )
      expect((yield* stats).calls.task_post.calls).toBe(2)
    }).pipe(Effect.provide(layer({ sandbox: { replyOrder: "reversed" } }))))

  it.effect("with correlation keys, a second run posts only what the first did not", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const key = (task: NaverOrganic.Task) => `job:${String(task.keyword)}`
      const first = yield* driven(
        batcher.submitAll(NaverOrganic.engine, [naver("a"), naver("b")], { correlationKey: key })
      )
      const second = yield* driven(
        batcher.submitAll(NaverOrganic.engine, [naver("a"), naver("b"), naver("c")], { correlationKey: key })
      )
      expect(second.slice(0, 2)).toEqual(first)
      expect((yield* stats).tasksBilled).toBe(3)
    }).pipe(Effect.provide(layer())))

  it.effect("a key submitted again while its task is in flight gets the same outcome, not a second task", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const key = (task: NaverOrganic.Task) => `job:${String(task.keyword)}`
      const [bulk, single] = yield* driven(
        Effect.all(
          [
            batcher.submitAll(NaverOrganic.engine, [naver("a"), naver("b"), naver("a")], { correlationKey: key }),
            Effect.either(batcher.submit(NaverOrganic.engine, naver("b"), { correlationKey: "job:b" }))
          ],
          { concurrency: "unbounded" }
        )
      )
      const [a, b, aAgain] = bulk
      expect(a !== undefined && b !== undefined && Either.isRight(a) && Either.isRight(b)).toBe(true)
      expect(aAgain).toEqual(a)
      expect(single).toEqual(b)
      const s = yield* stats
      expect({ created: s.tasksCreated, billed: s.tasksBilled }).toEqual({ created: 2, billed: 2 })
      const ledger = yield* TaskLedger.TaskLedger
      expect(yield* ledger.costByRun(batcher.runId)).toMatchObject({ tasks: 2, created: 2 })
    }).pipe(Effect.provide(layer())))

  it.effect("reads the caller's iterable as tasks go out: at most a window of them waits admitted", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const ledger = yield* TaskLedger.TaskLedger
      let pulled = 0
      let most = 0
      // each time a task is read, how many read so far are not created yet
      function* tasks() {
        for (let i = 0; i < 3000; i++) {
          const created = Effect.runSync(ledger.costByRun(batcher.runId)).created
          most = Math.max(most, pulled - created)
          pulled++
          yield naver(`k${i}`)
        }
      }
      const outcomes = yield* driven(batcher.submitAll(NaverOrganic.engine, tasks()))
      expect(outcomes.filter(Either.isRight).map((o) => o.right.tag)).toHaveLength(3000)
      expect(new Set(outcomes.map((o) => Either.isRight(o) && o.right.id)).size).toBe(3000)
      // two simultaneous requests: a window of 100 x (2 + 1) tasks
      expect(most).toBeLessThanOrEqual(300)
      expect(most).toBeGreaterThanOrEqual(200)
      expect((yield* stats).calls.task_post.calls).toBe(30)
    }).pipe(Effect.provide(layer({ config: { limits: { simultaneousRequests: 2 } } }))))

  it.effect("invalid tasks, refused as they are read, do not stall the reading", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      function* tasks() {
        for (let i = 0; i < 1000; i++) yield naver(`k${i}`, i % 3 === 0 ? { depth: 0 } : {})
      }
      const outcomes = yield* driven(batcher.submitAll(NaverOrganic.engine, tasks()))
      expect(outcomes).toHaveLength(1000)
      outcomes.forEach((outcome, i) =>
        expect(Either.isLeft(outcome) ? outcome.left._tag : "posted").toBe(i % 3 === 0 ? "InvalidTaskError" : "posted")
      )
    }).pipe(Effect.provide(layer({ config: { limits: { simultaneousRequests: 1 } } }))))

  it.effect("an empty list is an empty answer, with no call", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      expect(yield* batcher.submitAll(NaverOrganic.engine, [])).toEqual([])
      expect((yield* stats).calls.task_post.calls).toBe(0)
    }).pipe(Effect.provide(layer())))
})

describe("TaskBatcher.submitStream", () => {
  /** The keyword DataForSEO created each posted task of `pairs` for, against the keyword of the task it came with. */
  const createdFor = (
    pairs: ReadonlyArray<readonly [NaverOrganic.Task, Either.Either<TaskBatcher.PostedTask, TaskBatcher.SubmitError>]>
  ) =>
    Effect.map(Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.tasks), (tasks) => {
      const created = new Map(tasks.map((t) => [t.id, t.keyword]))
      return pairs.map((
        [task, outcome]
      ) => [task.keyword, Either.isRight(outcome) ? created.get(outcome.right.id) : outcome.left._tag])
    })

  it.effect("posts a stream's tasks in full batches and emits each task with its own outcome", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const tasks = Stream.map(Stream.range(1, 1000), (i) => naver(`k${i}`))
      const pairs = Chunk.toReadonlyArray(
        yield* driven(Stream.runCollect(batcher.submitStream(NaverOrganic.engine, tasks)))
      )
      const created = yield* createdFor(pairs)
      expect(created).toHaveLength(1000)
      expect(created.filter(([sent, got]) => sent !== got)).toEqual([])
      expect(new Set(pairs.map(([task]) => task.keyword)).size).toBe(1000)
      const s = yield* stats
      expect({ calls: s.calls.task_post.calls, created: s.tasksCreated }).toEqual({ calls: 10, created: 1000 })
    }).pipe(Effect.provide(layer({ sandbox: { replyOrder: "reversed" } }))))

  it.effect("a slow stream's tasks leave after the window: none waits for a group to fill", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const tasks = Stream.range(1, 5).pipe(
        Stream.schedule(Schedule.spaced("1 second")),
        Stream.map((i) => naver(`k${i}`))
      )
      const pairs = Chunk.toReadonlyArray(
        yield* driven(Stream.runCollect(batcher.submitStream(NaverOrganic.engine, tasks)))
      )
      expect((yield* createdFor(pairs)).map(([, got]) => got)).toEqual(["k1", "k2", "k3", "k4", "k5"])
      expect((yield* stats).calls.task_post.calls).toBe(5)
    }).pipe(Effect.provide(layer())))

  it.effect("reads the stream as tasks go out: an endless stream is read a bounded way ahead of what is taken, and what was handed over is posted and recorded", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      let read = 0
      const endless = Stream.iterate(1, (i) => i + 1).pipe(
        Stream.tap(() => Effect.sync(() => read++)),
        Stream.map((i) => naver(`k${i}`))
      )
      const pairs = yield* driven(
        Stream.runCollect(Stream.take(batcher.submitStream(NaverOrganic.engine, endless), 500))
      )
      expect(pairs.length).toBe(500)
      // four groups of 100 in hand per request slot (here 2 + 1), and the rest of the chunk of outcomes cut at 500
      expect(read).toBeLessThanOrEqual(500 + 4 * 3 * 100 + 100)
      // the groups in hand when the consumer stopped are posted without it, and recorded: no task paid for unrecorded
      yield* driven(Effect.sleep("10 seconds"))
      const created = (yield* stats).tasksCreated
      expect(created).toBeGreaterThan(500)
      expect((yield* (yield* TaskLedger.TaskLedger).costByRun(batcher.runId)).created).toBe(created)
    }).pipe(Effect.provide(layer({ config: { limits: { simultaneousRequests: 2 } } }))))

  it.effect("a slow consumer holds the reading back: what is read ahead of it stays bounded", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      let read = 0
      const endless = Stream.iterate(1, (i) => i + 1).pipe(
        Stream.tap(() => Effect.sync(() => read++)),
        Stream.map((i) => naver(`k${i}`))
      )
      // a second per group of outcomes taken: far slower than the batcher posts
      const slow = Stream.mapChunksEffect(
        batcher.submitStream(NaverOrganic.engine, endless),
        (chunk) => Effect.as(Effect.sleep("1 second"), chunk)
      )
      const pairs = yield* driven(Stream.runCollect(Stream.take(slow, 4000)), "250 millis")
      expect(pairs.length).toBe(4000)
      // the tasks in hand, posted or waiting to be taken (4 groups per request slot, here 2 + 1), and the chunk of
      // outcomes the consumer holds: the same bound after 4,000 as after 2,000
      expect(read).toBeLessThanOrEqual(4000 + (4 * 3 + 1) * 100)
    }).pipe(Effect.provide(layer({ config: { limits: { simultaneousRequests: 2 } } }))))

  it.effect("an invalid task comes out with its InvalidTaskError; the others are posted", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const tasks = Stream.fromIterable([naver("a"), naver("b", { depth: 0 }), naver("c")])
      const pairs = Chunk.toReadonlyArray(
        yield* driven(Stream.runCollect(batcher.submitStream(NaverOrganic.engine, tasks)))
      )
      expect(pairs.find(([task]) => task.keyword === "b")?.[1]).toMatchObject(
        Either.left({ _tag: "InvalidTaskError", field: "depth" })
      )
      expect((yield* createdFor(pairs)).filter(([sent]) => sent !== "b")).toEqual([["a", "a"], ["c", "c"]])
    }).pipe(Effect.provide(layer())))

  it.effect("with correlation keys, a stream run again posts only what the first run did not", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const options = { correlationKey: (task: NaverOrganic.Task) => `job:${String(task.keyword)}` }
      const run = (keywords: ReadonlyArray<string>) =>
        Effect.map(
          driven(Stream.runCollect(batcher.submitStream(
            NaverOrganic.engine,
            Stream.fromIterable(keywords.map((k) => naver(k))),
            options
          ))),
          (pairs) =>
            new Map(
              Chunk.toReadonlyArray(pairs).map(([task, outcome]) => [task.keyword, Either.getOrThrow(outcome).id])
            )
        )
      const first = yield* run(["a", "b"])
      const second = yield* run(["a", "b", "c"])
      expect([second.get("a"), second.get("b")]).toEqual([first.get("a"), first.get("b")])
      expect((yield* stats).tasksBilled).toBe(3)
    }).pipe(Effect.provide(layer())))

  it.effect(
    "every emulator fault on 20% of the calls: each task comes out once with its own task, none billed twice",
    () =>
      Effect.gen(function*() {
        const batcher = yield* TaskBatcher.TaskBatcher
        const tasks = Stream.map(Stream.range(1, 3000), (i) => naver(`k${i}`))
        const pairs = Chunk.toReadonlyArray(
          yield* driven(Stream.runCollect(batcher.submitStream(NaverOrganic.engine, tasks)), "100 millis", "6 hours")
        )
        const created = yield* createdFor(pairs)
        expect(created).toHaveLength(3000)
        expect(created.filter(([sent, got]) => sent !== got)).toEqual([])
        expect(new Set(pairs.map(([task]) => task.keyword)).size).toBe(3000)
        // groups come out as they settle: one waiting for id_list does not hold back those after it
        expect(pairs.map(([task]) => task.keyword)).not.toEqual(Array.from({ length: 3000 }, (_, i) => `k${i + 1}`))
        const s = yield* stats
        expect(s.calls.task_post.calls).toBeGreaterThan(30)
        expect([...s.byTag.values()].every((tally) => tally.billed === 1)).toBe(true)
        expect(yield* (yield* TaskLedger.TaskLedger).unknownIntents()).toHaveLength(0)
      }).pipe(
        Effect.provide(
          layer({
            batcher: { maxAttempts: 8 },
            sandbox: {
              seed: 11,
              slowReply: "1 minute",
              idListLag: "500 millis",
              faults: { probability: { task_post: Sandbox.everyFault(0.2) } }
            }
          })
        )
      ),
    60_000
  )

  it.effect("a stream that fails: every task read before comes out with its outcome, then the stream's error", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const read = Stream.range(1, 150).pipe(Stream.map((i) => naver(`k${i}`)))
      const tasks = Stream.concat(read, Stream.fail("the keyword source broke" as const))
      const out = Chunk.toReadonlyArray(
        yield* driven(Stream.runCollect(Stream.either(batcher.submitStream(NaverOrganic.engine, tasks))))
      )
      expect(out.at(-1)).toEqual(Either.left("the keyword source broke"))
      const pairs = out.slice(0, -1).map((element) => Either.getOrThrow(element))
      const created = yield* createdFor(pairs)
      expect(created).toHaveLength(150)
      expect(created.filter(([sent, got]) => sent !== got)).toEqual([])
      expect((yield* stats).tasksCreated).toBe(150)
    }).pipe(Effect.provide(layer())))
})

describe("TaskBatcher defects", () => {
  it.effect("a defect while a batch runs (here in the ledger) is the whole submitAll's, and each submit's: nobody hangs", () =>
    Effect.gen(function*() {
      const batcher = yield* TaskBatcher.TaskBatcher
      const bulk = yield* driven(Effect.exit(batcher.submitAll(NaverOrganic.engine, [naver("a"), naver("b")])))
      expect(Exit.isFailure(bulk) && Cause.isDie(bulk.cause)).toBe(true)
      const single = yield* driven(Effect.exit(batcher.submit(NaverOrganic.engine, naver("c"))))
      expect(Exit.isFailure(single) && Cause.isDie(single.cause)).toBe(true)
    }).pipe(
      Effect.provide(
        layer({
          ledger: Layer.effect(
            TaskLedger.TaskLedger,
            Effect.map(
              TaskLedger.makeMemory,
              (memory) =>
                TaskLedger.TaskLedger.of({ ...memory, recordPosted: () => Effect.dieMessage("a bug in a ledger") })
            )
          )
        })
      )
    ))
})

describe("TaskBatcher closing", () => {
  /** A batcher in a scope of its own, which the test closes. */
  const open = (setup?: Parameters<typeof layer>[0]) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(layer(setup), scope)
      return { batcher: Context.get(context, TaskBatcher.TaskBatcher), close: Scope.close(scope, Exit.void) }
    })

  /** `effect`, which must end within a second of virtual time: a caller left waiting fails the test. */
  const withinASecond = <A, E>(effect: Effect.Effect<A, E>) =>
    effect.pipe(
      Effect.timeoutFail({ duration: "1 second", onTimeout: () => "a caller was left hanging" }),
      Effect.fork,
      Effect.tap(() => TestClock.adjust("1 second")),
      Effect.flatMap(Fiber.join)
    )

  it.effect("closing the batcher interrupts the callers still waiting, whether their task is queued or being packed", () =>
    Effect.gen(function*() {
      const { batcher, close } = yield* open({ batcher: { window: "1 hour" } })
      // a partial batch: the packer holds it for the window
      const waiting = yield* Effect.fork(batcher.submit(NaverOrganic.engine, naver("a")))
      const bulk = yield* Effect.fork(batcher.submitAll(NaverOrganic.engine, [naver("b"), naver("c")]))
      yield* TestClock.adjust("1 second")
      yield* close
      const [one, all] = yield* withinASecond(Effect.all([Fiber.await(waiting), Fiber.await(bulk)]))
      expect([Exit.isInterrupted(one), Exit.isInterrupted(all)]).toEqual([true, true])
    }))

  it.effect("a batcher used after it was closed interrupts its caller rather than leave it waiting", () =>
    Effect.gen(function*() {
      const { batcher, close } = yield* open()
      yield* close
      const [one, all] = yield* withinASecond(
        Effect.all([
          Effect.exit(batcher.submit(NaverOrganic.engine, naver("a"))),
          Effect.exit(batcher.submitAll(NaverOrganic.engine, [naver("b")]))
        ])
      )
      expect([Exit.isInterrupted(one), Exit.isInterrupted(all)]).toEqual([true, true])
    }))

  it.effect("closing the batcher interrupts a submitAll reading an endless iterable", () =>
    Effect.gen(function*() {
      const { batcher, close } = yield* open()
      function* endless() {
        for (let i = 0;; i++) yield naver(`k${i}`)
      }
      const bulk = yield* Effect.fork(batcher.submitAll(NaverOrganic.engine, endless()))
      yield* TestClock.adjust("1 second")
      yield* close
      expect(Exit.isInterrupted(yield* withinASecond(Fiber.await(bulk)))).toBe(true)
    }))

  it.effect("closing the batcher interrupts the callers of a batch in flight and of one waiting for a request slot", () =>
    Effect.gen(function*() {
      const { batcher, close } = yield* open({
        sandbox: { latency: "1 minute" },
        config: { limits: { simultaneousRequests: 1 } }
      })
      const bulk = yield* Effect.fork(
        batcher.submitAll(NaverOrganic.engine, Array.from({ length: 150 }, (_, i) => naver(`k${i}`)))
      )
      yield* TestClock.adjust("1 second") // the first batch is in flight, the second waits for its slot
      yield* close
      expect(Exit.isInterrupted(yield* withinASecond(Fiber.await(bulk)))).toBe(true)
    }))
})
