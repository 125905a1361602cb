/**
 * The client over real sockets, against real failures: a refused connection, a name that does not resolve, a
 * failed TLS handshake, an invalid URL, a connection dropped after the request arrived, and replies whose gzip
 * body is corrupt. Each is a typed failure that names its cause, and says whether the request was ever sent.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { gzipSync } from "node:zlib"
import * as Auth from "../src/Auth.js"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"
import type { DataForSeoError } from "../src/DataForSeoError.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as FakeHttp from "./support/FakeHttp.js"
import { closedPort, serveHttp } from "./support/httpServer.js"

/**
 * The client at `baseUrl` over `transport`, built in the scope of the calling test (the transport's
 * connections live as long as it); the settings are taken as they are, an invalid URL included.
 */
const clientAt = (baseUrl: string, transport: Layer.Layer<HttpClient.HttpClient>) => {
  const settings = DataForSeoConfig.make({
    login: "user",
    password: Redacted.make("secret"),
    baseUrl,
    requestTimeout: "10 seconds"
  })
  return Layer.build(
    DataForSeoClient.layer.pipe(
      Layer.provide(
        Layer.mergeAll(Auth.layer, transport).pipe(
          Layer.provideMerge(Layer.succeed(DataForSeoConfig.DataForSeoConfig, settings))
        )
      )
    )
  ).pipe(Effect.map(Context.get(DataForSeoClient.DataForSeoClient)))
}

const post = (client: DataForSeoClient.Service) =>
  Effect.flip(
    client.post("/v3/serp/google/organic/task_post", [{ keyword: "shoes" }], Schema.Unknown, { retry: "none" })
  )

const expectNeverSent = (error: DataForSeoError, codes: ReadonlyArray<string>, host: string) => {
  expect(error._tag).toBe("TransportError")
  if (error._tag !== "TransportError") return
  expect(codes).toContain(error.errorCode)
  expect(error.host).toBe(host)
  expect(error.message).toContain(error.errorCode)
  expect(error.neverSent).toBe(true)
  expect(DataForSeoClient.refusedAsWhole(error)).toBe(true)
}

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["UndiciHttpClient", UndiciHttpClient.layer],
  ["FetchHttpClient", FetchHttpClient.layer]
]

describe.each(transports)("DataForSeoClient over %s: requests never sent", (_name, transport) => {
  it.scopedLive("a refused connection is a TransportError with ECONNREFUSED and the host, never sent", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const client = yield* clientAt(`http://127.0.0.1:${port}`, transport)
      expectNeverSent(yield* post(client), ["ECONNREFUSED"], `127.0.0.1:${port}`)
    }))

  it.scopedLive("a host name that does not resolve is a TransportError with ENOTFOUND (or EAI_AGAIN), never sent", () =>
    Effect.gen(function*() {
      // .invalid is reserved (RFC 2606): no resolver answers it
      const client = yield* clientAt("http://api.dataforseo.invalid", transport)
      expectNeverSent(yield* post(client), ["ENOTFOUND", "EAI_AGAIN"], "api.dataforseo.invalid")
    }))

  it.scopedLive("a failed TLS handshake (https to a plain HTTP server) is a TransportError, never sent", () =>
    Effect.gen(function*() {
      let requests = 0
      const url = yield* serveHttp((_request, _body, response) => {
        requests++
        response.end("{}")
      })
      const https = url.replace("http://", "https://")
      const error = yield* post(yield* clientAt(https, transport))
      expect(error._tag).toBe("TransportError")
      if (error._tag !== "TransportError") return
      expect(error.errorCode === "EPROTO" || error.errorCode?.startsWith("ERR_SSL_")).toBe(true)
      expect(error.neverSent).toBe(true)
      expect(error.host).toBe(new URL(https).host)
      expect(requests).toBe(0)
    }))

  it.scopedLive("an invalid URL is a TransportError with ERR_INVALID_URL, never sent", () =>
    Effect.gen(function*() {
      const client = yield* clientAt("http://exa mple.com", transport)
      const error = yield* post(client)
      expect(error._tag).toBe("TransportError")
      if (error._tag !== "TransportError") return
      expect(error.errorCode).toBe("ERR_INVALID_URL")
      expect(error.neverSent).toBe(true)
    }))
})

describe.each(transports)("DataForSeoClient over %s: requests that may have been acted on", (_name, transport) => {
  it.scopedLive("a connection dropped after the request arrived is a TransportError that may have been sent", () =>
    Effect.gen(function*() {
      let requests = 0
      const url = yield* serveHttp((request) => {
        requests++
        request.socket.destroy()
      })
      const error = yield* post(yield* clientAt(url, transport))
      expect(error._tag).toBe("TransportError")
      if (error._tag !== "TransportError") return
      expect(requests).toBe(1)
      expect(error.neverSent).toBe(false)
      expect(error.host).toBe(new URL(url).host)
      expect(DataForSeoClient.refusedAsWhole(error)).toBe(false)
    }))

  // a server that answers nothing, or the head and part of a body: a call given up aborts its request
  for (const [what, answer] of [["no reply", false], ["a body cut short", true]] as const) {
    /** The server: when a request arrived, and when its connection closed. */
    const stalled = Effect.gen(function*() {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const url = yield* serveHttp((_request, _body, response) => {
        response.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        if (answer) {
          response.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
          response.write("{\"version\": ")
        }
        Deferred.unsafeDone(arrived, Exit.void)
      })
      return { url, arrived, closed }
    })

    it.scopedLive(`a call past its timeout (${what}) is a TimeoutError, and its request is aborted`, () =>
      Effect.gen(function*() {
        const { closed, url } = yield* stalled
        const client = yield* clientAt(url, transport)
        const error = yield* Effect.flip(
          client.get("/v3/serp/tasks_ready", Schema.Unknown, { retry: "none", timeout: "300 millis" })
        )
        expect(error._tag).toBe("TimeoutError")
        // the server sees its connection close: the request was let go, not left open
        expect(yield* Effect.timeout(Deferred.await(closed), "5 seconds")).toBeUndefined()
      }))

    it.scopedLive(`a call without a timeout, interrupted (${what}), has its request aborted`, () =>
      Effect.gen(function*() {
        const { arrived, closed, url } = yield* stalled
        const client = yield* clientAt(url, transport)
        const call = yield* Effect.fork(
          client.get("/v3/serp/tasks_ready", Schema.Unknown, { retry: "none", timeout: Duration.infinity })
        )
        yield* Deferred.await(arrived)
        yield* Fiber.interrupt(call)
        expect(yield* Effect.timeout(Deferred.await(closed), "5 seconds")).toBeUndefined()
      }))
  }
})

const envelope = JSON.stringify({
  version: "0.1.20200129",
  status_code: 20000,
  status_message: "Ok.",
  time: "0.01 sec.",
  cost: 0,
  tasks_count: 0,
  tasks_error: 0,
  tasks: []
})

describe("DataForSeoClient: a gzip body that does not inflate", () => {
  const truncated = gzipSync(envelope).subarray(0, 20)
  const corrupt = Buffer.concat([gzipSync(envelope).subarray(0, 10), Buffer.from("not deflate data at all")])

  it.scopedLive("over a socket (UndiciHttpClient), a 200 reply with a truncated gzip body is a DecodeError, not a defect", () =>
    Effect.gen(function*() {
      const url = yield* serveHttp((_request, _body, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        response.end(truncated)
      })
      const error = yield* post(yield* clientAt(url, UndiciHttpClient.layer))
      expect(error).toMatchObject({ _tag: "DecodeError", endpoint: "/v3/serp/google/organic/task_post", path: "" })
      expect(error.message).toContain("gzip")
    }))

  it.scoped("a corrupt or truncated gzip body is a DecodeError whatever the call", () =>
    Effect.gen(function*() {
      for (const bytes of [truncated, corrupt]) {
        const fake = yield* FakeHttp.make([{ status: 200, body: new Uint8Array(bytes) }])
        const client = yield* clientAt("https://api.dataforseo.com", Layer.succeed(HttpClient.HttpClient, fake.client))
        const error = yield* Effect.flip(
          client.get("/v3/serp/google/organic/tasks_ready", Schema.Unknown, { retry: "none" })
        )
        expect(error).toMatchObject({ _tag: "DecodeError", path: "" })
        expect(error.message).toContain("gzip")
      }
    }))
})
