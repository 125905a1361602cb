import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Http from "node:http"
import { gunzipSync } from "node:zlib"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import { serveHttp } from "../support/httpServer.js"
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
