/**
 * The batcher against what real networks and the real API do, beyond the emulator's own habits: requests
 * never sent (a refused connection, a name that does not resolve), a reply whose gzip body is cut short, a
 * task_post reply that does not echo the tags, a reply that does not decode. Each ends in an outcome per
 * task, with nothing billed twice and no created id lost.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskLedger from "../src/TaskLedger.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { driven, layer } from "./support/batcher.js"
import * as FakeHttp from "./support/FakeHttp.js"
import { closedPort } from "./support/httpServer.js"

const naver = (keyword: string): NaverOrganic.Task => ({ keyword })
const keywords = (count: number) => Array.from({ length: count }, (_, i) => naver(`k${i}`))

const submitAll = (tasks: ReadonlyArray<NaverOrganic.Task>) =>
  Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) => batcher.submitAll(NaverOrganic.engine, tasks))

const stats = Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)

/** The batcher, a memory ledger and the client at `baseUrl` over `transport`. */
const batcherAt = (baseUrl: string, transport: Layer.Layer<HttpClient.HttpClient>, options: TaskBatcher.Options = {}) =>
  TaskBatcher.layer({ window: "20 millis", backoff: "10 millis", maxAttempts: 3, ...options }).pipe(
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(TaskLedger.layerMemory),
    Layer.provideMerge(
      DataForSeoConfig.layer({
        login: "user",
        password: Redacted.make("secret"),
        baseUrl,
        requestTimeout: "10 seconds"
      })
    ),
    Layer.provide(transport)
  )

describe("TaskBatcher: a POST never sent created nothing", () => {
  const unreachable: ReadonlyArray<readonly [string, Effect.Effect<string>, ReadonlyArray<string>]> = [
    ["a refused connection", Effect.map(closedPort, (port) => `http://127.0.0.1:${port}`), ["ECONNREFUSED"]],
    ["a host name that does not resolve", Effect.succeed("http://api.dataforseo.invalid"), ["ENOTFOUND", "EAI_AGAIN"]]
  ]

  it.live.each(unreachable)(
    "%s: resent with backoff, then each task fails unbilled with the TransportError, no unknown intent",
    ([, baseUrl, codes]) =>
      Effect.gen(function*() {
        const url = yield* baseUrl
        const outcomes = yield* submitAll(keywords(150)).pipe(Effect.provide(batcherAt(url, UndiciHttpClient.layer)))
        expect(outcomes).toHaveLength(150)
        for (const outcome of outcomes) {
          expect(Either.isLeft(outcome)).toBe(true)
          if (Either.isRight(outcome)) continue
          expect(outcome.left._tag).toBe("TransportError")
          if (outcome.left._tag !== "TransportError") continue
          expect(codes).toContain(outcome.left.errorCode)
          expect(outcome.left.neverSent).toBe(true)
        }
      })
  )

  it.live("the ledger records those tasks as failed and unbilled: posting them again is allowed, and nothing waits on them", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const { entries, unknown } = yield* Effect.gen(function*() {
        const batcher = yield* TaskBatcher.TaskBatcher
        const ledger = yield* TaskLedger.TaskLedger
        yield* batcher.submitAll(NaverOrganic.engine, keywords(3), { correlationKey: (_task, i) => `job:${i}` })
        const entries = yield* Effect.forEach(["job:0", "job:1", "job:2"], (key) => ledger.byCorrelationKey(key))
        return { entries, unknown: yield* ledger.unknownIntents() }
      }).pipe(Effect.provide(batcherAt(`http://127.0.0.1:${port}`, UndiciHttpClient.layer)))
      expect(unknown).toHaveLength(0)
      for (const entry of entries) {
        expect(entry._tag).toBe("Some")
        if (entry._tag === "None") continue
        expect(entry.value.state).toBe("failed")
        expect(entry.value.failure?.billed).toBe(false)
        expect(entry.value.failure?.message).toContain("ECONNREFUSED")
        expect(TaskLedger.canPostAgain(entry.value)).toBe(true)
      }
    }))
})

describe("TaskBatcher: a reply that cannot be read", () => {
  it.effect("a 200 reply with a truncated gzip body: the POST's outcome is unknown and reconciled, each task out once, none billed twice", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["truncated_gzip"])
      const outcomes = yield* driven(submitAll(keywords(150)))
      expect(outcomes.filter(Either.isRight)).toHaveLength(150)
      const s = yield* stats
      expect(s.tasksBilled).toBe(150)
      expect(s.calls.id_list.calls).toBeGreaterThan(0)
      expect([...s.byTag.values()].every((t) => t.billed === 1)).toBe(true)
      expect(yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.unknownIntents())).toHaveLength(0)
    }).pipe(Effect.provide(layer())))

  it.effect("at-most-once: the PostOutcomeUnknownError carries the DecodeError of a truncated gzip reply", () =>
    Effect.gen(function*() {
      const emulator = yield* Sandbox.Emulator
      yield* emulator.scriptFaults("task_post", ["truncated_gzip"])
      const [outcome] = yield* driven(submitAll(keywords(1)))
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left).toMatchObject({
        _tag: "PostOutcomeUnknownError",
        reason: { _tag: "DecodeError", endpoint: NaverOrganic.paths.taskPost }
      })
    }).pipe(Effect.provide(layer({ batcher: { policy: "at-most-once" } }))))

  it.effect("an error passed through the batcher keeps its decode path", () =>
    Effect.gen(function*() {
      const reply = {
        version: "0.1.20200129",
        status_code: 20000,
        status_message: "Ok.",
        tasks: [{ id: "01291721-1535-0066-0000-8f0635c0dc89", status_code: "20100", status_message: "Task Created." }]
      }
      const fake = yield* FakeHttp.make([FakeHttp.json(reply)])
      const [outcome] = yield* driven(submitAll(keywords(1))).pipe(
        Effect.provide(
          batcherAt("https://api.dataforseo.com", Layer.succeed(HttpClient.HttpClient, fake.client), {
            policy: "at-most-once"
          })
        )
      )
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left).toMatchObject({
        _tag: "PostOutcomeUnknownError",
        reason: { _tag: "DecodeError", path: "tasks.0.status_code" }
      })
      expect(outcome !== undefined && Either.isLeft(outcome) && outcome.left.message).toContain("tasks.0.status_code")
    }))
})

describe("TaskBatcher: created ids are never thrown away", () => {
  it.effect("a reply that echoes the requests without their tags: each task matched by its request, none posted again", () =>
    Effect.gen(function*() {
      const tasks = [naver("c++ 100%"), naver("shoes"), naver("shoes and socks")]
      const outcomes = yield* driven(submitAll(tasks))
      const emulator = yield* Sandbox.Emulator
      const created = new Map((yield* emulator.tasks).map((task) => [task.id, task.keyword]))
      expect(outcomes.map((o) => (Either.isRight(o) ? created.get(o.right.id) : o.left._tag))).toEqual([
        "c++ 100%",
        "shoes",
        "shoes and socks"
      ])
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(1)
      expect(s.tasksBilled).toBe(3)
    }).pipe(Effect.provide(layer({ sandbox: { taskPostEcho: "without_tag", idListLag: "1 hour" } }))))

  it.effect("a reply in another order that echoes the keywords as the API decodes them, without tags: each task matched by its request", () =>
    Effect.gen(function*() {
      const created = (id: string, keyword: string) => ({
        id,
        status_code: 20100,
        status_message: "Task Created.",
        cost: 0.0006,
        data: {
          api: "serp",
          function: "task_post",
          se: "naver",
          se_type: "organic",
          keyword,
          device: "desktop",
          os: "windows"
        }
      })
      const reply = {
        version: "0.1.20200129",
        status_code: 20000,
        status_message: "Ok.",
        tasks: [created("id-plus", "a+b"), created("id-cpp", "c++ 100%")]
      }
      const fake = yield* FakeHttp.make([FakeHttp.json(reply)])
      const outcomes = yield* driven(submitAll([naver("c++ 100%"), naver("a+b")])).pipe(
        Effect.provide(batcherAt("https://api.dataforseo.com", Layer.succeed(HttpClient.HttpClient, fake.client)))
      )
      expect(outcomes.map((o) => (Either.isRight(o) ? o.right.id : o.left._tag))).toEqual(["id-cpp", "id-plus"])
      expect(yield* fake.recorded).toHaveLength(1)
    }))

  it.effect("a reply that echoes nothing: its created tasks are reported, the batch is not posted again, the tasks stay unknown intents", () =>
    Effect.gen(function*() {
      const outcomes = yield* driven(submitAll(keywords(3)))
      const emulator = yield* Sandbox.Emulator
      const created = (yield* emulator.tasks).map((task) => task.id).sort()
      for (const outcome of outcomes) {
        expect(Either.isLeft(outcome) && outcome.left._tag).toBe("PostOutcomeUnknownError")
        if (Either.isRight(outcome) || outcome.left._tag !== "PostOutcomeUnknownError") continue
        expect(outcome.left.unmatched?.map((task) => task.id).sort()).toEqual(created)
      }
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(1)
      expect(s.tasksBilled).toBe(3)
      expect(yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.unknownIntents())).toHaveLength(3)
    }).pipe(Effect.provide(layer({ sandbox: { taskPostEcho: "none", idListLag: "1 hour" } }))))

  it.effect("a reply that echoes nothing, with id_list up to date: each created task tied by its tag, none posted again", () =>
    Effect.gen(function*() {
      const tasks = keywords(3)
      const outcomes = yield* driven(submitAll(tasks))
      const emulator = yield* Sandbox.Emulator
      const byKeyword = new Map((yield* emulator.tasks).map((task) => [task.keyword, task.id]))
      expect(outcomes.map((outcome) => Either.isRight(outcome) ? outcome.right.id : outcome.left._tag)).toEqual(
        tasks.map((task) => byKeyword.get(String(task.keyword)))
      )
      const s = yield* stats
      expect(s.calls.task_post.calls).toBe(1)
      expect(s.tasksBilled).toBe(3)
      expect(yield* Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.unknownIntents())).toEqual([])
    }).pipe(Effect.provide(layer({ sandbox: { taskPostEcho: "none" } }))))
})
