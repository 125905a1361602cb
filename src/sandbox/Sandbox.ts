/**
 * The DataForSEO sandbox, two ways:
 *
 * - `layer(options)`: an `HttpClient` backed by the emulator in-process (no sockets), plus the
 *   `Emulator` service for inspection. Every call runs in the caller's fiber, so `TestClock` drives the
 *   task queue. Swap it in wherever a program needs `HttpClient` and point the client at any base URL.
 * - `serve(options, { port, host })`: the same emulator behind a real HTTP server, on 127.0.0.1 and an
 *   ephemeral port unless told otherwise, for end-to-end tests, examples and benchmarks. Returns the
 *   server's URL. `npm run sandbox` runs it as a process of its own on a fixed port (`src/sandbox/main.ts`).
 *
 * The third way, the real `https://sandbox.dataforseo.com`, is a base-URL setting of the client.
 *
 * @example
 * import { Sandbox } from "effect-dataforseo/sandbox"
 *
 * const program = myProgram.pipe(Effect.provide(Sandbox.layer({ queueDelay: { normal: "1 second" } })))
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import * as UndiciHttpClient from "../UndiciHttpClient.js"
import * as Emulator from "./Emulator.js"
import type { SandboxFunction } from "./Faults.js"
import * as loopback from "./internal/loopbackServer.js"
import * as WebhookDelivery from "./internal/webhookDelivery.js"
import type { SandboxOptions } from "./Options.js"

export type { CallTally, SandboxStats, TaskInfo, TaskTally } from "./Emulator.js"
export type { FaultOptions, RequestFault, SandboxFunction, TaskFault } from "./Faults.js"
export { everyFault, requestFaults } from "./Faults.js"
export type { SandboxAccount, SandboxOptions } from "./Options.js"
/** The emulator service, provided by `layer`: inspect what was created and billed, script faults. */
export { Emulator } from "./Emulator.js"

/** The base URL to give a client backed by `layer`: any URL works, this one reads well in logs. */
export const inProcessBaseUrl = "http://sandbox.local"

const encoder = new TextEncoder()

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

const requestBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Uint8Array | undefined, HttpClientError.RequestError> => {
  const body = request.body
  const fail = (description: string) =>
    Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", description }))
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return typeof body.body === "string"
        ? Effect.succeed(encoder.encode(body.body))
        : body.body instanceof Uint8Array
        ? Effect.succeed(body.body)
        : fail("the sandbox accepts string or byte bodies")
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => concat([...chunks])),
        Effect.mapError((cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause }))
      )
    case "FormData":
      return fail("the DataForSEO API takes JSON bodies, not form data")
  }
}

/**
 * An `HttpClient` that answers every request with the emulator, in the caller's fiber. A dropped
 * connection fails with `RequestError` (reason `"Transport"`), as a real network would.
 */
export const inProcessClient = (emulator: Emulator.Service): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = yield* requestBody(request)
      const reply = yield* emulator.handle({
        method: request.method,
        url: url.toString(),
        headers: request.headers,
        body
      })
      if (reply._tag === "Drop") {
        return yield* Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            description: "the sandbox dropped the connection"
          })
        )
      }
      return HttpClientResponse.fromWeb(
        request,
        new Response(reply.body, { status: reply.status, headers: reply.headers })
      )
    })
  )

const clientFrom = (
  layer: Layer.Layer<HttpClient.HttpClient>
): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.map(Layer.build(layer), (context) => Context.get(context, HttpClient.HttpClient))

/** Starts webhook delivery for an emulator, in the current scope. */
const startWebhooks = (
  emulator: Emulator.Service,
  client: HttpClient.HttpClient | undefined,
  fallback: Layer.Layer<HttpClient.HttpClient>
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const webhookClient = client ?? (yield* clientFrom(fallback))
    yield* Effect.forkScoped(WebhookDelivery.run(emulator.webhooks, webhookClient, emulator.options.webhookTimeout))
  })

/**
 * Provides `HttpClient` backed by an in-process emulator, and the `Emulator` service to inspect it.
 * Webhooks are delivered with `options.webhookClient`, or fetch.
 *
 * @example
 * it.effect("posts", () =>
 *   Effect.gen(function*() {
 *     const client = yield* HttpClient.HttpClient
 *     // ... post tasks, TestClock.adjust("2 seconds"), fetch results
 *     const stats = yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)
 *   }).pipe(Effect.provide(Sandbox.layer())))
 */
export const layer = (options: SandboxOptions = {}): Layer.Layer<HttpClient.HttpClient | Emulator.Emulator> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const emulator = yield* Emulator.make(options)
      yield* startWebhooks(emulator, options.webhookClient, FetchHttpClient.layer)
      return Context.make(Emulator.Emulator, emulator).pipe(
        Context.add(HttpClient.HttpClient, inProcessClient(emulator))
      )
    })
  )

/**
 * The emulator as an HTTP app, to mount on an `HttpServer` of `@effect/platform-node` (a dropped
 * connection destroys the Node socket). `serve` uses the leaner `nodeListener` instead.
 */
export const httpApp = (emulator: Emulator.Service): HttpApp.Default =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = request.method === "GET" || request.method === "HEAD"
      ? undefined
      : yield* Effect.orElseSucceed(
        Effect.map(request.arrayBuffer, (buffer) => new Uint8Array(buffer)),
        () => undefined
      )
    const reply = yield* emulator.handle({
      method: request.method,
      url: `http://${request.headers["host"] ?? "127.0.0.1"}${request.url}`,
      headers: request.headers,
      body
    })
    if (reply._tag === "Drop") {
      NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
      return yield* Effect.interrupt
    }
    const init = {
      status: reply.status,
      headers: reply.headers,
      contentType: reply.headers["content-type"] ?? "application/json"
    }
    return typeof reply.body === "string"
      ? HttpServerResponse.text(reply.body, init)
      : HttpServerResponse.uint8Array(reply.body, init)
  })

/** A running loopback sandbox. */
export interface SandboxServer {
  /** `http://<host>:<port>`, the base URL to give a client (`127.0.0.1` when it listens on every address). */
  readonly url: string
  /** The emulator behind it, to inspect or script faults. */
  readonly emulator: Emulator.Service
}

/** Where `serve` listens. */
export interface ServeOptions {
  /** The TCP port. Default 0: a free port the system picks. A fixed port lets a job be killed and rerun against it. */
  readonly port?: number | undefined
  /** The address. Default `127.0.0.1`. `0.0.0.0` reaches it from other machines (the emulator has no real security). */
  readonly host?: string | undefined
}

/**
 * The server could not listen. `reason` says why: `"AddressInUse"` (another process holds the port),
 * `"AccessDenied"` (a port below 1024 without the right), `"InvalidPort"`, or `"Other"` (see `cause`).
 */
export class ServeError extends Schema.TaggedError<ServeError>()("ServeError", {
  reason: Schema.Literal("AddressInUse", "AccessDenied", "InvalidPort", "Other"),
  host: Schema.String,
  port: Schema.Number,
  message: Schema.String,
  /** The system's error, when there was one. */
  cause: Schema.optional(Schema.Defect)
}) {}

/** The path of the served emulator's totals, answered as JSON beside the API (never under `/v3`). */
export const statsPath: "/sandbox/stats" = loopback.statsPath

/**
 * What `GET /sandbox/stats` answers: what the emulator created, billed and was asked since it started,
 * whatever client or process asked.
 */
export interface StatsReport {
  readonly tasksCreated: number
  readonly tasksBilled: number
  /** Tasks whose result was fetched at least once (task_get). */
  readonly tasksCollected: number
  /** USD, all accounts. */
  readonly totalCost: number
  readonly calls: { readonly [F in SandboxFunction]: Emulator.CallTally }
  readonly webhooks: { readonly delivered: number; readonly failed: number }
  /** Each account's balance left, USD. */
  readonly accounts: ReadonlyArray<{ readonly login: string; readonly balance: number }>
}

/** The emulator's totals as `GET /sandbox/stats` reports them. */
export const statsReport: (emulator: Emulator.Service) => Effect.Effect<StatsReport> = loopback.statsReport

/**
 * Serves the emulator for the life of the scope, on 127.0.0.1 and a free port unless `serveOptions` say
 * otherwise. A port another process holds fails with `ServeError` (reason `"AddressInUse"`). Besides the
 * API, the server answers `GET /sandbox/stats` (`StatsReport` as JSON). Webhooks are delivered with
 * `options.webhookClient`, or `UndiciHttpClient`. Requests are answered on the Clock of the fiber that
 * called `serve` (so under `it.effect`, TestClock still drives the queue).
 *
 * @example
 * Effect.scoped(Effect.gen(function*() {
 *   const { url } = yield* Sandbox.serve()
 *   // point a client (fetch, DataForSeoClient, ...) at `url`
 *   const fixed = yield* Sandbox.serve({}, { port: 8642 }) // http://127.0.0.1:8642
 * }))
 */
export const serve = (
  options: SandboxOptions = {},
  serveOptions: ServeOptions = {}
): Effect.Effect<SandboxServer, ServeError, Scope.Scope> =>
  Effect.flatMap(Emulator.make(options), (emulator) => serveEmulator(emulator, options.webhookClient, serveOptions))

/**
 * The emulator as a plain Node request listener, run on the given runtime (so on its Clock). The
 * loopback server uses it rather than `httpApp` because it must outpace every benchmark run against it:
 * it skips the per-request server fiber, span and request wrapper, for about twice the throughput.
 */
export const nodeListener = (emulator: Emulator.Service, runtime: Runtime.Runtime<never>) => {
  const run = Runtime.runCallback(runtime)
  return (request: Http.IncomingMessage, response: Http.ServerResponse): void => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const cancel = run(
        emulator.handle({
          method: request.method ?? "GET",
          url: `http://${request.headers.host ?? "127.0.0.1"}${request.url ?? "/"}`,
          headers: {
            authorization: request.headers.authorization,
            "content-encoding": request.headers["content-encoding"]
          },
          body: chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
        }),
        {
          onExit: (exit) => {
            if (Exit.isFailure(exit)) {
              if (!response.headersSent) response.writeHead(500)
              response.end()
            } else if (exit.value._tag === "Drop") {
              request.socket.destroy()
            } else {
              response.writeHead(exit.value.status, exit.value.headers)
              response.end(exit.value.body)
            }
          }
        }
      )
      response.on("close", () => {
        if (!response.writableEnded) cancel()
      })
    })
  }
}

/** Serves an existing emulator (shared, for example, with an in-process client). See `serve`. */
export const serveEmulator = (
  emulator: Emulator.Service,
  webhookClient?: HttpClient.HttpClient,
  serveOptions: ServeOptions = {}
): Effect.Effect<SandboxServer, ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const host = serveOptions.host ?? "127.0.0.1"
    const port = serveOptions.port ?? 0
    if (!loopback.isValidPort(port)) {
      return yield* new ServeError({
        reason: "InvalidPort",
        host,
        port,
        message: `${port} is not a TCP port (0 to 65535)`
      })
    }
    const runtime = yield* Effect.runtime<never>()
    const listener = loopback.withStatsRoute(emulator, runtime, nodeListener(emulator, runtime))
    const server = yield* NodeHttpServer.make(() => Http.createServer({ keepAliveTimeout: 30_000 }, listener), {
      port,
      host
    }).pipe(
      Effect.mapError((error) =>
        new ServeError({ ...loopback.listenFailure(error.cause, host, port), host, port, cause: error.cause })
      )
    )
    yield* startWebhooks(emulator, webhookClient, UndiciHttpClient.layer)
    const address = server.address
    const bound = address._tag === "TcpAddress" ? address.port : 0
    return { url: loopback.urlOf(host, bound), emulator }
  })
