/**
 * The HTTP service: one configured `HttpClient` (base URL, authorization, JSON, gzip accepted, a timeout
 * per request, a cap on simultaneous requests) and two typed calls, `get` and `post`, that decode the
 * reply's envelope with Schema, generic over each task's result.
 *
 * Request-level status codes and HTTP 401 / 402 / 404 / 500 become typed failures. Task-level codes stay
 * values in `tasks[i].status_code`: one failed task is not a failed request.
 *
 * Transient failures are retried with exponential backoff and jitter, a bounded number of times, by a
 * policy chosen per call (`RetryMode`): a POST that may have created billed tasks must not be blindly
 * repeated, so `post` retries by default only what is known to have created nothing.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import * as Auth from "./Auth.js"
import { DataForSeoConfig, type RetrySettings } from "./DataForSeoConfig.js"
import { type DataForSeoError, TimeoutError } from "./DataForSeoError.js"
import * as Envelope from "./Envelope.js"
import * as Deadlines from "./internal/deadlines.js"
import * as Failure from "./internal/failure.js"
import * as Permits from "./internal/permits.js"
import * as Transport from "./internal/transport.js"
import type * as Pacer from "./Pacer.js"
import * as StatusCode from "./StatusCode.js"

/**
 * Which failures of a call are sent again.
 * - `"transient"`: everything that may pass on a later try (network errors, timeouts, HTTP 500,
 *   request-level 5xxxx, 40202, 40209). The default of `get`: reading is free and has no side effect.
 * - `"safe"`: only what created nothing for sure (`refusedAsWhole`): a reply whose request-level code
 *   refused the call as a whole, or a request never sent. The default of `post`.
 * - `"none"`: never.
 */
export type RetryMode = Failure.RetryMode

/** Per-call options. */
export interface CallOptions {
  readonly retry?: RetryMode | undefined
  /**
   * Overrides the configured request timeout for this call. `Duration.infinity` sets none: a caller that bounds
   * the call itself (interrupting it) saves the fiber a deadline costs.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Paces each try of the call: the slot covers the HTTP exchange only (sent to reply read), so decoding
   * and backoff waits never hold it.
   */
  readonly pacer?: Pacer.Pacer | undefined
  /**
   * The call's span: its name (default `DataForSeoClient.get` / `.post`) and attributes beside the path, the
   * method and the HTTP status. A caller that would wrap the call in a span of its own names this one
   * instead: one span per call.
   */
  readonly span?: {
    readonly name?: string | undefined
    /** The span's parent, when it is not the current span (a call made in another fiber for a caller). */
    readonly parent?: Tracer.AnySpan | undefined
    readonly attributes?: Readonly<Record<string, unknown>> | undefined
  } | undefined
}

/** The HTTP service. */
export interface Service {
  /** `GET path` and decode the envelope, each `result[]` element with `result`. */
  readonly get: <A, I, R>(
    path: string,
    result: Schema.Schema<A, I, R>,
    options?: CallOptions
  ) => Effect.Effect<Envelope.Envelope<A>, DataForSeoError, R>
  /** `POST path` with a JSON array body and decode the envelope. */
  readonly post: <A, I, R>(
    path: string,
    body: ReadonlyArray<unknown>,
    result: Schema.Schema<A, I, R>,
    options?: CallOptions
  ) => Effect.Effect<Envelope.Envelope<A>, DataForSeoError, R>
}

/** Tag of the HTTP service. */
export class DataForSeoClient extends Context.Tag("effect-dataforseo/DataForSeoClient")<DataForSeoClient, Service>() {}

/** Whether `mode` sends the call again after `error`. */
export const shouldRetry: (mode: RetryMode, error: DataForSeoError) => boolean = Failure.shouldRetry

/**
 * Whether the call created nothing for sure: a reply whose request-level code refused it as a whole (40202,
 * 40209, 50000, 50001, 50303, 50304, ...), or a request that was never sent (a refused connection, a name
 * that does not resolve, a failed TLS handshake, an invalid URL). The failures a POST that may create
 * billed tasks can send again as it is.
 */
export const refusedAsWhole: (error: DataForSeoError) => boolean = Failure.refusedAsWhole

/** The backoff between tries: exponential from `baseDelay`, jittered, at most `times` retries. */
export const retrySchedule = (settings: RetrySettings) =>
  Schedule.exponential(settings.baseDelay).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(settings.times)))

const utf8 = new TextDecoder()

/**
 * Effect's own tracer, in place while a program installs none. It keeps no span and nothing inside a call reads
 * one, so a call makes its span only for another tracer: the span and its attributes cost on every call.
 */
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** A reply as the call's outcome: its envelope with each result decoded, or the typed failure its status means. */
const read = <A, I, R>(
  path: string,
  { bytes, status }: Transport.Exchanged,
  result: Schema.Schema<A, I, R>
): Effect.Effect<Envelope.Envelope<A>, DataForSeoError, R> => {
  const body = Envelope.gunzip(path, bytes)
  if (Either.isLeft(body)) return Effect.fail(body.left)
  const text = utf8.decode(body.right)
  if (status !== 200) {
    const reply = Envelope.decodeStatus(text)
    const code = reply._tag === "Some" ? reply.value.status_code : StatusCode.fromHttpStatus(status)
    const message = reply._tag === "Some" ? reply.value.status_message : `HTTP ${status}`
    return Effect.fail(StatusCode.toError(code, message, { httpStatus: status }))
  }
  const envelope = Envelope.decodeWire(path, text)
  if (Either.isLeft(envelope)) return Effect.fail(envelope.left)
  if (!StatusCode.isSuccess(envelope.right.status_code)) {
    return Effect.fail(StatusCode.toError(envelope.right.status_code, envelope.right.status_message))
  }
  return Envelope.decodeResults(path, envelope.right, result)
}

/** Builds the service from its configuration, the authorization and an `HttpClient`. */
export const make: Effect.Effect<Service, never, DataForSeoConfig | Auth.Auth | HttpClient.HttpClient> = Effect.gen(
  function*() {
    const settings = yield* DataForSeoConfig
    const auth = yield* Auth.Auth
    // fair, and a release wakes one waiter: thousands of calls may wait for a few permits
    const permits = Permits.make(settings.limits.simultaneousRequests)
    const deadlines = Deadlines.make()
    // One span per call, `DataForSeoClient.get` / `.post`, carries the path and the HTTP status: the
    // HttpClient's own span would repeat it, at a cost on every call.
    const send = Transport.exchanger(yield* HttpClient.HttpClient, (request) =>
      request.pipe(
        HttpClientRequest.prependUrl(settings.baseUrl),
        HttpClientRequest.acceptJson,
        HttpClientRequest.setHeader("accept-encoding", "gzip")
      ))
    const schedule = retrySchedule(settings.retry)

    /** One exchange of `request`, stopped through `stop` when its caller gives it up. */
    const exchange = (
      endpoint: string,
      request: HttpClientRequest.HttpClientRequest,
      timeout: Duration.Duration,
      stop: Transport.Stop
    ) =>
      auth.authorize(request).pipe(
        Effect.flatMap((authorized) => send(authorized, stop)),
        Effect.mapError((error) => Transport.transportError(endpoint, error)),
        (exchanged) =>
          Duration.isFinite(timeout)
            ? deadlines.within(
              exchanged,
              timeout,
              () => new TimeoutError({ endpoint, timeoutMillis: Duration.toMillis(timeout) })
            )
            : exchanged
      )

    /**
     * The exchange `make` gives, once `pacer` (when given) lets it go, then holding a permit. Both are freed when it
     * ends, and an exchange ended early (interrupted, or past its deadline) is stopped. One masked region for the
     * three: `pacer.pace(permits.withPermit(...))` of an exchange that stops itself costs three on every call.
     */
    const gated = <A, E, R>(make: (stop: Transport.Stop) => Effect.Effect<A, E, R>, pacer: Pacer.Pacer | undefined) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.clockWith((clock) => {
          const slot = pacer?.unsafeClaim(clock.unsafeCurrentTimeMillis())
          const stop: Transport.Stop = { abort: undefined }
          const effect = make(stop)
          let permit: Permits.Entry | undefined
          const run = () => {
            permit = permits.enter()
            return restore(permit.wait === undefined ? effect : Effect.zipRight(permit.wait, effect))
          }
          const leave = () => {
            permit?.leave()
            slot?.end(clock.unsafeCurrentTimeMillis())
          }
          return Effect.matchCauseEffect(
            slot?.wait === undefined ? run() : Effect.zipRight(restore(slot.wait), Effect.suspend(run)),
            {
              onFailure: (cause) => {
                stop.abort?.()
                leave()
                return Effect.failCause(cause)
              },
              onSuccess: (a) => {
                leave()
                return Effect.succeed(a)
              }
            }
          )
        })
      )

    const call = <A, I, R>(
      method: "GET" | "POST",
      request: HttpClientRequest.HttpClientRequest,
      path: string,
      result: Schema.Schema<A, I, R>,
      options: CallOptions
    ): Effect.Effect<Envelope.Envelope<A>, DataForSeoError, R> => {
      const timeout = Duration.decode(options.timeout ?? settings.requestTimeout)
      const mode = options.retry ?? (method === "GET" ? "transient" : "safe")
      const paced = gated((stop) => exchange(path, request, timeout, stop), options.pacer)
      const tries = (span: Tracer.Span | undefined) => {
        const attempt = Effect.flatMap(paced, (reply) => {
          span?.attribute("http.response.status_code", reply.status)
          return read(path, reply, result)
        })
        return mode === "none"
          ? attempt
          : Effect.retry(attempt, { schedule, while: (error) => shouldRetry(mode, error) })
      }
      return Effect.withFiberRuntime((fiber) =>
        fiber.currentTracer === builtInTracer ? tries(undefined) : Effect.useSpan(
          options.span?.name ?? `DataForSeoClient.${method === "GET" ? "get" : "post"}`,
          {
            kind: "client",
            // the call site is always this line: capturing it would cost a stack trace per call
            captureStackTrace: false,
            ...(options.span?.parent === undefined ? {} : { parent: options.span.parent }),
            attributes: { "dataforseo.path": path, "http.request.method": method, ...options.span?.attributes }
          },
          // not made the parent of what runs inside: nothing inside makes spans (the HttpClient's are disabled), and
          // providing it would cost as much as the span itself
          tries
        )
      )
    }

    return {
      get: (path, result, options = {}) => call("GET", HttpClientRequest.get(path), path, result, options),
      post: (path, body, result, options = {}) =>
        call("POST", HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(path), body), path, result, options)
    }
  }
)

/** The service, from `DataForSeoConfig`, `Auth` and an `HttpClient` (FetchHttpClient in production, the sandbox in tests). */
export const layer: Layer.Layer<DataForSeoClient, never, DataForSeoConfig | Auth.Auth | HttpClient.HttpClient> = Layer
  .effect(DataForSeoClient, make)

/** The service with HTTP Basic authorization from the configuration: needs `DataForSeoConfig` and an `HttpClient`. */
export const layerBasic: Layer.Layer<DataForSeoClient, never, DataForSeoConfig | HttpClient.HttpClient> = layer.pipe(
  Layer.provide(Auth.layer)
)
