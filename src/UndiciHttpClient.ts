/**
 * An `HttpClient` for Node on undici, as `NodeHttpClient.layerUndici` from `@effect/platform-node` (the same
 * dispatcher, the same requests, the same `UndiciRequestOptions`), with lighter response bodies.
 *
 * The platform's undici response reads its body through `Effect.cached`, built anew for every response and
 * run with `Effect.runSync`: a fiber, a synchronized reference and its semaphore per reply. On a client
 * making thousands of calls a minute that is about a seventh of its CPU per call (`post-cpu-detail` in
 * `npm run bench`). Here a response reads its body once, into one promise that every reader shares
 * (`arrayBuffer`, `text`, `json`, `urlParamsBody`, `formData`, and `stream` after any of them), so bodies
 * may be read more than once, in any order, as with the platform's response. `stream` before any other
 * reader streams the body as it arrives, without buffering it (the body is then gone for other readers,
 * a `Decode` error, as with the platform's).
 *
 * Interrupting a request, or the reading of its body, aborts it, as with every `HttpClient.make` client.
 *
 * @example
 * ```ts
 * import { DataForSeoClient, DataForSeoConfig } from "effect-dataforseo"
 * import * as UndiciHttpClient from "effect-dataforseo/UndiciHttpClient"
 * import { Layer } from "effect"
 *
 * const Live = DataForSeoClient.layerBasic.pipe(
 *   Layer.provide(DataForSeoConfig.layerConfig),
 *   Layer.provide(UndiciHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as Undici from "@effect/platform-node/Undici"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { EventEmitter } from "node:events"
import { Readable } from "node:stream"
import * as Transport from "./internal/transport.js"

const utf8 = new TextDecoder()

type UndiciBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/** A request's body as undici takes it, and the content type it sets. */
interface UndiciRequestBody {
  readonly body: UndiciBody
  readonly contentType?: string
}

const noBody: UndiciRequestBody = { body: null }

/**
 * The request body as undici takes it, with the content type it sets. A form is encoded as `fetch` would
 * (multipart, its boundary in the content type): undici's package does not take Node's global `FormData`,
 * which the platform's bodies hold. A raw body of another kind than undici takes is an `Encode` error.
 */
const toUndiciBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<UndiciRequestBody, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(noBody)
    case "Uint8Array":
      return Effect.succeed({ body: body.body })
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array || body.body instanceof Readable
        ? Effect.succeed({ body: body.body })
        : Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Encode",
            description: "a raw body must be a string, bytes or a Readable"
          })
        )
    case "FormData": {
      const encoded = new Response(body.formData)
      return Effect.tryPromise({
        try: () => encoded.arrayBuffer(),
        catch: (cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause })
      }).pipe(
        Effect.map((buffer) => ({
          body: new Uint8Array(buffer),
          contentType: encoded.headers.get("content-type") ?? "multipart/form-data"
        }))
      )
    }
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (readable) => ({ body: readable }))
  }
}

const ignore = () => {}

/** A response of undici's `request`: the body read once, shared by every reader. */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  /** The whole body, once some reader asked for it. */
  private bytes: Promise<ArrayBuffer> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Undici.Dispatcher.ResponseData
  ) {
    super()
    // an error of a body nobody reads must not crash the process
    source.body.on("error", ignore)
  }

  get status(): number {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    return Headers.fromInput(this.source.headers)
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => (this.bytes ??= this.source.body.arrayBuffer()),
      catch: (cause) => this.decodeError(cause)
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.arrayBuffer, (buffer) => utf8.decode(buffer))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({ try: () => (text === "" ? null : JSON.parse(text)), catch: (cause) => this.decodeError(cause) })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (buffer) =>
      Effect.tryPromise({
        try: () => new Response(buffer, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    if (this.bytes !== undefined) {
      return Stream.map(Stream.fromEffect(this.arrayBuffer), (buffer) => new Uint8Array(buffer))
    }
    return NodeStream.fromReadable<HttpClientError.ResponseError, Uint8Array>(
      (): Readable => this.source.body,
      (cause) => this.decodeError(cause)
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/** What undici's `request` takes for `request` to `url`, with the `UndiciRequestOptions` of `fiber`'s context. */
const requestOptions = (
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: Undici.Dispatcher.RequestOptions["signal"],
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  { body, contentType }: UndiciRequestBody
): Undici.Dispatcher.RequestOptions => ({
  ...Option.getOrUndefined(
    Context.getOption(fiber.getFiberRef(FiberRef.currentContext), NodeHttpClient.UndiciRequestOptions)
  ),
  signal,
  method: request.method,
  headers: contentType === undefined ? request.headers : { ...request.headers, "content-type": contentType },
  origin: url.origin,
  path: url.pathname + url.search + url.hash,
  body,
  headersTimeout: 60 * 60 * 1000,
  bodyTimeout: 0
})

const transportFailure = (request: HttpClientRequest.HttpClientRequest) => (cause: unknown) =>
  new HttpClientError.RequestError({ request, reason: "Transport", cause })

/** What stops an exchange: undici takes an `EventEmitter` as a signal, lighter to make than an `AbortController`. */
class Abort extends EventEmitter {
  aborted = false
  abort(): void {
    if (this.aborted) return
    this.aborted = true
    this.emit("abort")
  }
}

/**
 * Sends `request` and reads its whole body, in one step: no response object, no span. Interrupting it aborts the
 * request, or the reading of its body; given `stop`, it leaves that to the caller (`stop.abort`). Its failures are
 * those of `execute` then `arrayBuffer`.
 */
const exchange = (dispatcher: Undici.Dispatcher) =>
(
  request: HttpClientRequest.HttpClientRequest,
  stop?: Transport.Stop
): Effect.Effect<Transport.Exchanged, HttpClientError.HttpClientError> => {
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (Either.isLeft(url)) {
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
  }
  const send = (body: UndiciRequestBody): Effect.Effect<Transport.Exchanged, HttpClientError.HttpClientError> =>
    Effect.withFiberRuntime((fiber) =>
      Effect.async<Transport.Exchanged, HttpClientError.HttpClientError>((resume) => {
        const signal = new Abort()
        dispatcher.request(requestOptions(request, url.right, signal, fiber, body)).then(
          (source) =>
            source.body.arrayBuffer().then(
              (buffer) => resume(Effect.succeed({ status: source.statusCode, bytes: new Uint8Array(buffer) })),
              (cause) => resume(Effect.fail(new UndiciResponse(request, source).decodeError(cause)))
            ),
          (cause) => resume(Effect.fail(transportFailure(request)(cause)))
        )
        const abort = () => signal.abort()
        if (stop === undefined) return Effect.sync(abort)
        stop.abort = abort
      })
    )
  // a GET (most calls) has no body to encode
  return request.body._tag === "Empty" ? send(noBody) : Effect.flatMap(toUndiciBody(request), send)
}

/**
 * The client over `dispatcher`. Each request takes the `NodeHttpClient.UndiciRequestOptions` of its fiber's
 * context, as the platform's client does; timeouts are left to Effect (`DataForSeoClient`'s own deadline).
 * `DataForSeoClient` sends its calls through the client's one-step exchange (`Transport.exchanger`).
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  Transport.withExchange(
    HttpClient.make((request, url, signal, fiber) =>
      Effect.flatMap(toUndiciBody(request), (body) =>
        Effect.tryPromise({
          try: () => dispatcher.request(requestOptions(request, url, signal, fiber, body)),
          catch: transportFailure(request)
        })).pipe(Effect.map((source) => new UndiciResponse(request, source)))
    ),
    exchange(dispatcher)
  )

/** The client over the `NodeHttpClient.Dispatcher` in context. */
export const layerWithoutDispatcher: Layer.Layer<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> = Layer
  .effect(
    HttpClient.HttpClient,
    Effect.map(NodeHttpClient.Dispatcher, make)
  )

/** The client over an undici `Agent` of its own, closed with the layer (`NodeHttpClient.dispatcherLayer`). */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.provide(
  layerWithoutDispatcher,
  NodeHttpClient.dispatcherLayer
)
