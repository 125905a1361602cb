import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Http from "node:http"
import { gunzipSync } from "node:zlib"
import * as DataForSeoClient from "../../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../../src/DataForSeoConfig.js"
import * as NaverOrganic from "../../src/NaverOrganic.js"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../../src/TaskBatcher.js"
import * as TaskLedger from "../../src/TaskLedger.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import { closedPort, serveHttp } from "../support/httpServer.js"
import { basic, type Envelope, waitUntil } from "./helpers.js"

interface Received {
  readonly method: string
  readonly url: string
  readonly encoding: string | undefined
  readonly body: Buffer
}

/** A real webhook receiver on loopback, for the life of the scope. */
const realReceiver = Effect.gen(function*() {
  const received: Array<Received> = []
  const url = yield* serveHttp((request, body, response) => {
    received.push({
      method: request.method ?? "",
      url: request.url ?? "",
      encoding: request.headers["content-encoding"],
      body
    })
    response.end("ok")
  })
  return { received, url }
})

const fetchJson = (url: string, init: RequestInit = {}) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, {
      ...init,
      headers: { authorization: basic(), "content-type": "application/json", ...init.headers }
    })
    const json: Envelope = JSON.parse(await response.text())
    return { status: response.status, json }
  })

describe("loopback", () => {
  it.live("serve: webhooks reach a real receiver, pingback GET and gzip postback POST", () =>
    Effect.scoped(Effect.gen(function*() {
      const hooks = yield* realReceiver
      const { url } = yield* Sandbox.serve({ queueDelay: { normal: 0, high: 0 } })
      const posted = yield* fetchJson(`${url}/v3/serp/naver/organic/task_post`, {
        method: "POST",
        body: JSON.stringify([{
          keyword: "웹훅",
          tag: "hook tag",
          pingback_url: `${hooks.url}/ping?id=$id&tag=$tag`,
          postback_url: `${hooks.url}/post/$id`,
          postback_data: "advanced"
        }])
      })
      const id = posted.json.tasks[0]?.id
      yield* waitUntil(Effect.sync(() => hooks.received.length === 2))
      const ping = hooks.received.find((r) => r.method === "GET")
      const back = hooks.received.find((r) => r.method === "POST")
      expect(ping?.url).toBe(`/ping?id=${id}&tag=hook%20tag`)
      expect(back?.url).toBe(`/post/${id}`)
      expect(back?.encoding).toBe("gzip")
      const body = JSON.parse(gunzipSync(back?.body ?? Buffer.alloc(0)).toString("utf8"))
      expect(body.tasks[0].result[0].items).toHaveLength(15)
    })))

  it.live("serve: a connection dropped before or after processing fails the caller; only the second created the task", () =>
    Effect.scoped(Effect.gen(function*() {
      const { emulator, url } = yield* Sandbox.serve({
        faults: { script: { task_post: ["drop_before_processing", "drop_after_processing"] } }
      })
      const call = Effect.either(
        fetchJson(`${url}/v3/serp/naver/organic/task_post`, {
          method: "POST",
          body: JSON.stringify([{ keyword: "x" }])
        })
      )
      expect(Either.isLeft(yield* call)).toBe(true)
      expect((yield* emulator.stats).tasksCreated).toBe(0)
      expect(Either.isLeft(yield* call)).toBe(true)
      expect((yield* emulator.stats).tasksCreated).toBe(1)
      const third = yield* call
      expect(Either.isRight(third) ? third.right.json.tasks[0]?.status_code : 0).toBe(20100)
    })))

  it.live("httpApp: the emulator mounted on an @effect/platform HttpServer", () =>
    Effect.scoped(Effect.gen(function*() {
      const emulator = yield* Emulator.make({ faults: { script: { task_post: ["none", "drop_before_processing"] } } })
      const server = yield* NodeHttpServer.make(() => Http.createServer(), { port: 0, host: "127.0.0.1" })
      yield* server.serve(Sandbox.httpApp(emulator))
      const url = `http://127.0.0.1:${server.address._tag === "TcpAddress" ? server.address.port : 0}`
      const call = Effect.either(
        fetchJson(`${url}/v3/serp/naver/organic/task_post`, {
          method: "POST",
          body: JSON.stringify([{ keyword: "x" }])
        })
      )
      const first = yield* call
      expect(Either.isRight(first) ? [first.right.status, first.right.json.tasks[0]?.status_code] : []).toEqual([
        200,
        20100
      ])
      expect(Either.isLeft(yield* call)).toBe(true)
      const unauthorized = yield* fetchJson(`${url}/v3/appendix/user_data`, {
        headers: { authorization: basic("sandbox", "nope") }
      })
      expect([unauthorized.status, unauthorized.json.status_code]).toEqual([401, 40100])
    })))
})

/** A job as a user runs it: its own client, batcher and ledger, against `baseUrl`, built and released with its scope. */
const job = (baseUrl: string, keywords: ReadonlyArray<string>) =>
  Effect.flatMap(
    TaskBatcher.TaskBatcher,
    (batcher) => batcher.submitAll(NaverOrganic.engine, keywords.map((keyword) => ({ keyword })))
  ).pipe(
    Effect.provide(
      TaskBatcher.layer({ window: "20 millis" }).pipe(
        Layer.provideMerge(DataForSeoClient.layerBasic),
        Layer.provideMerge(TaskLedger.layerMemory),
        Layer.provideMerge(
          DataForSeoConfig.layer({ login: "sandbox", password: Redacted.make("sandbox"), baseUrl })
        ),
        Layer.provide(UndiciHttpClient.layer)
      )
    )
  )

const readStats = (url: string) =>
  Effect.tryPromise(async () => {
    const response = await fetch(`${url}${Sandbox.statsPath}`)
    const report: Sandbox.StatsReport = JSON.parse(await response.text())
    return { status: response.status, report }
  })

describe("serve on a fixed port", () => {
  it.live("two jobs, one after the other, see one account: its tasks and its bill across both", () =>
    Effect.scoped(Effect.gen(function*() {
      const port = yield* closedPort
      const { emulator, url } = yield* Sandbox.serve({ queueDelay: { normal: 0, high: 0 } }, { port })
      expect(url).toBe(`http://127.0.0.1:${port}`)

      const first = yield* job(url, ["alpha", "beta", "gamma"])
      const second = yield* job(url, ["delta", "epsilon"])
      const ids = [...first, ...second].map((outcome) => Either.isRight(outcome) ? outcome.right.id : "failed")
      expect(new Set(ids).size).toBe(5)
      expect(ids).not.toContain("failed")

      // the second job's client sees the first job's tasks: one account on one server
      const ready = yield* fetchJson(`${url}/v3/serp/naver/organic/tasks_ready`)
      const listed = ready.json.tasks[0]?.result?.map((item) => item["id"])
      expect(new Set(listed)).toEqual(new Set(ids))

      const { report, status } = yield* readStats(url)
      expect(status).toBe(200)
      const stats = yield* emulator.stats
      expect(report).toMatchObject({ tasksCreated: 5, tasksBilled: 5, tasksCollected: 0, totalCost: 0.003 })
      expect([stats.tasksCreated, stats.tasksBilled, stats.calls.task_post.calls]).toEqual([5, 5, 2])
      expect(report.calls.task_post.calls).toBe(2)
      expect(report.calls.tasks_ready.calls).toBe(1)
      expect(report.accounts).toEqual([{ login: "sandbox", balance: 99.997 }])
    })))

  it.live("the stats route answers GET only, and no other path under /sandbox/; it is not an API call", () =>
    Effect.scoped(Effect.gen(function*() {
      const { emulator, url } = yield* Sandbox.serve()
      const post = yield* Effect.tryPromise(() => fetch(`${url}${Sandbox.statsPath}`, { method: "POST", body: "{}" }))
      const other = yield* Effect.tryPromise(() => fetch(`${url}/sandbox/nothing`))
      expect([post.status, other.status]).toEqual([405, 404])
      expect((yield* readStats(`${url}`)).report.calls.user_data.calls).toBe(0)
      expect(Object.values((yield* emulator.stats).calls).map((tally) => tally.calls)).toEqual([0, 0, 0, 0, 0, 0, 0])
    })))

  it.live("a port in use fails with a ServeError naming it, not a defect; the server holding it keeps serving", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* Sandbox.serve()
      const port = Number(new URL(url).port)
      const error = yield* Effect.flip(Sandbox.serve({}, { port }))
      expect(error).toBeInstanceOf(Sandbox.ServeError)
      expect([error._tag, error.reason, error.host, error.port]).toEqual([
        "ServeError",
        "AddressInUse",
        "127.0.0.1",
        port
      ])
      expect(error.message).toBe(`port ${port} on 127.0.0.1 is in use by another process`)
      expect((yield* readStats(url)).status).toBe(200)
    })))

  it.live("a port out of range fails with a ServeError, reason InvalidPort", () =>
    Effect.scoped(Effect.gen(function*() {
      const errors = yield* Effect.forEach([-1, 65536, 1.5], (port) => Effect.flip(Sandbox.serve({}, { port })))
      expect(errors.map((error) => [error.reason, error.port])).toEqual([
        ["InvalidPort", -1],
        ["InvalidPort", 65536],
        ["InvalidPort", 1.5]
      ])
    })))
})
