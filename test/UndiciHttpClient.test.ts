import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { serveHttp } from "./support/httpServer.js"

/** What the server saw of one request. */
interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/**
 * A loopback server for the life of the scope. `/echo` answers what it saw as JSON; `/big` 1 MB in 64 KB
 * writes; `/form` a urlencoded body; `/multipart` a multipart one; `/cookie` sets two cookies; `/hang` never
 * answers (the `closed` deferred completes when its client goes away).
 */
const server = Effect.gen(function*() {
  const closed = yield* Deferred.make<void>()
  const url = yield* serveHttp((request, body, response) => {
    const seen: Seen = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body: body.toString()
    }
    switch (request.url) {
      case "/big": {
        response.writeHead(200, { "content-type": "application/octet-stream" })
        for (let i = 0; i < 16; i++) response.write(Buffer.alloc(65_536, i))
        return response.end()
      }
      case "/form":
        response.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
        return response.end("keyword=caf%C3%A9&depth=100")
      case "/multipart":
        response.writeHead(200, { "content-type": "multipart/form-data; boundary=XyZ" })
        return response.end("--XyZ\r\nContent-Disposition: form-data; name=\"keyword\"\r\n\r\ncafé\r\n--XyZ--\r\n")
      case "/cookie":
        response.writeHead(200, { "set-cookie": ["a=1; Path=/", "b=2; HttpOnly"] })
        return response.end()
      case "/hang":
        response.on("close", () => Deferred.unsafeDone(closed, Exit.void))
        return
      default:
        response.writeHead(201, { "content-type": "application/json", "x-seen": "yes" })
        return response.end(JSON.stringify(seen))
    }
  })
  return { url, closed }
})

/** The server, and the client under test (the layer's own undici Agent, closed with the scope). */
const setup = Effect.gen(function*() {
  const { closed, url } = yield* server
  const client = Context.get(yield* Layer.build(UndiciHttpClient.layer), HttpClient.HttpClient)
  return { client: HttpClient.mapRequest(client, HttpClientRequest.prependUrl(url)), closed }
})

const seen = (response: { readonly json: Effect.Effect<unknown, unknown> }) =>
  Effect.map(response.json, (json): Seen => JSON.parse(JSON.stringify(json)))

describe("UndiciHttpClient", () => {
  it.scopedLive("a GET: status, headers, and a body every reader may read, in any order and more than once", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const response = yield* client.get("/echo?q=1", { headers: { "x-test": "a" } })
      expect(response.status).toBe(201)
      expect(response.headers["x-seen"]).toBe("yes")
      const text = yield* response.text
      const parsed = yield* seen(response)
      expect(parsed).toMatchObject({ method: "GET", path: "/echo?q=1", body: "" })
      expect(parsed.headers["x-test"]).toBe("a")
      expect(JSON.parse(text)).toEqual(yield* response.json)
      expect(new TextDecoder().decode(yield* response.arrayBuffer)).toBe(text)
      expect(new TextDecoder().decode(Chunk.toReadonlyArray(yield* Stream.runCollect(response.stream))[0])).toBe(text)
    }))

  it.scopedLive("sends every kind of request body: JSON bytes, a raw string, a stream, form data", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const json = yield* seen(
        yield* client.execute(
          HttpClientRequest.post("/echo").pipe(HttpClientRequest.bodyUnsafeJson([{ keyword: "café" }]))
        )
      )
      expect(json).toMatchObject({ method: "POST", body: "[{\"keyword\":\"café\"}]" })
      expect(json.headers["content-type"]).toBe("application/json")

      const raw = yield* seen(
        yield* client.execute(
          HttpClientRequest.post("/echo").pipe(
            HttpClientRequest.setBody(HttpBody.raw("plain text", { contentType: "text/plain" }))
          )
        )
      )
      expect(raw.body).toBe("plain text")

      const streamed = yield* seen(
        yield* client.execute(
          HttpClientRequest.post("/echo").pipe(
            HttpClientRequest.bodyStream(Stream.make("a", "b", "c").pipe(Stream.encodeText), {
              contentType: "text/plain"
            })
          )
        )
      )
      expect(streamed.body).toBe("abc")

      const form = new FormData()
      form.append("keyword", "café")
      const formSeen = yield* seen(
        yield* client.execute(HttpClientRequest.post("/echo").pipe(HttpClientRequest.bodyFormData(form)))
      )
      expect(formSeen.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(formSeen.body).toContain("name=\"keyword\"\r\n\r\ncafé\r\n")
    }))

  it.scopedLive("a raw body undici cannot send is an Encode error, without a request", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const error = yield* Effect.flip(
        client.execute(HttpClientRequest.post("/echo").pipe(HttpClientRequest.setBody(HttpBody.raw({ not: "bytes" }))))
      )
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode" })
    }))

  it.scopedLive("a body streamed as it arrives, before any other reader (then gone for them); after one, the bytes read", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const first = yield* client.get("/big")
      const streamed = yield* Stream.runCollect(first.stream)
      expect(Chunk.size(streamed)).toBeGreaterThan(1)
      expect(yield* Effect.flip(first.arrayBuffer)).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
      const bytes = Buffer.concat(Chunk.toReadonlyArray(streamed))
      expect(bytes.length).toBe(16 * 65_536)
      expect([bytes[0], bytes[65_536], bytes[bytes.length - 1]]).toEqual([0, 1, 15])

      const read = yield* client.get("/big")
      const buffer = yield* read.arrayBuffer
      const again = Buffer.concat(Chunk.toReadonlyArray(yield* Stream.runCollect(read.stream)))
      expect(again.equals(Buffer.from(buffer))).toBe(true)
    }))

  it.scopedLive("urlencoded and multipart bodies; cookies", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const form = yield* (yield* client.get("/form")).urlParamsBody
      expect(UrlParams.getFirst(form, "keyword")).toEqual(expect.objectContaining({ value: "café" }))
      const multipart = yield* (yield* client.get("/multipart")).formData
      expect(multipart.get("keyword")).toBe("café")
      const cookies = (yield* client.get("/cookie")).cookies
      expect(Object.keys(cookies.cookies).sort()).toEqual(["a", "b"])
      expect(cookies.cookies["b"]?.value).toBe("2")
    }))

  it.scopedLive("a malformed JSON body is a Decode error", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const error = yield* Effect.flip((yield* client.get("/form")).json)
      expect(error).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
    }))

  it.scopedLive("the fiber's UndiciRequestOptions apply to its requests", () =>
    Effect.gen(function*() {
      const { client } = yield* setup
      const kept = yield* seen(yield* client.get("/echo"))
      expect(kept.headers["connection"]).toBe("keep-alive")
      const reset = yield* seen(
        yield* client.get("/echo").pipe(
          Effect.provideService(NodeHttpClient.UndiciRequestOptions, { method: "GET", path: "/", reset: true })
        )
      )
      expect(reset.headers["connection"]).toBe("close")
    }))

  it.scopedLive("interrupting a request aborts it: the server sees its client go", () =>
    Effect.gen(function*() {
      const { client, closed } = yield* setup
      const fiber = yield* Effect.fork(client.get("/hang"))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(fiber)
      yield* Deferred.await(closed).pipe(
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "the request was not aborted" })
      )
    }))

  it.scopedLive("no server: a Transport error", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get("http://127.0.0.1:9/"))
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Transport" })
    }).pipe(Effect.provide(UndiciHttpClient.layer)))
})
