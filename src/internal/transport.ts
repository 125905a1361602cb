/**
 * The client's exchanges: a request sent and its reply read whole, in one step when the `HttpClient` offers one
 * (`UndiciHttpClient` does); and a failed exchange as a `TransportError` that names its cause: the system error
 * code of the innermost error (`ECONNREFUSED`, `ENOTFOUND`, `ERR_SSL_...`) and the host.
 *
 * @since 0.1.0
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import { TransportError } from "../DataForSeoError.js"

/** A reply read whole: its HTTP status and its body. */
export interface Exchanged {
  readonly status: number
  readonly bytes: Uint8Array
}

/**
 * How a caller stops an exchange it gave up (interrupted it, or its deadline passed): the exchange sets `abort` as
 * it sends. An exchange given one leaves stopping to the caller, who must call `abort` if it ends the exchange
 * early. One given none stops itself when interrupted, which costs a masked region on every call.
 */
export interface Stop {
  abort: (() => void) | undefined
}

/** Sends a request and reads its whole reply. */
export type Exchange = (
  request: HttpClientRequest.HttpClientRequest,
  stop?: Stop
) => Effect.Effect<Exchanged, HttpClientError.HttpClientError>

const ExchangeKey = Symbol.for("effect-dataforseo/Transport/Exchange")

/**
 * `client`, carrying `exchange`: the same calls in one step, for a caller that reads every reply whole and wants no
 * span of the client's own. A client made from it (`mapRequest`, ...) does not carry it.
 */
export const withExchange = (client: HttpClient.HttpClient, exchange: Exchange): HttpClient.HttpClient =>
  Object.assign(client, { [ExchangeKey]: exchange })

/**
 * How to send requests through `client` after `prepare`, without the client's span: the client's own one-step
 * exchange when it carries one, else `execute` then `arrayBuffer` (which stop themselves: `stop` is not used).
 */
export const exchanger = (
  client: HttpClient.HttpClient,
  prepare: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
): Exchange => {
  const own: unknown = Reflect.get(client, ExchangeKey)
  if (typeof own === "function") {
    const exchange = own as Exchange
    return (request, stop) => exchange(prepare(request), stop)
  }
  const prepared = client.pipe(HttpClient.mapRequest(prepare), HttpClient.withTracerDisabledWhen(() => true))
  return (request) =>
    Effect.flatMap(
      prepared.execute(request),
      (response) =>
        Effect.map(response.arrayBuffer, (buffer) => ({ status: response.status, bytes: new Uint8Array(buffer) }))
    )
}

/** The innermost error of a chain of causes that has a system error `code`, else the innermost one. */
export const systemCause = (error: unknown): { readonly code?: string | undefined; readonly message: string } => {
  let found: { code?: string | undefined; message: string } = { message: String(error) }
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const code: unknown = Reflect.get(current, "code")
    const message: unknown = Reflect.get(current, "message")
    if (typeof message === "string") found = { ...found, message }
    if (typeof code === "string") return { code, message: typeof message === "string" ? message : code }
    // Node's "happy eyeballs" connect fails with an AggregateError whose `errors` carry the codes
    const errors: unknown = Reflect.get(current, "errors")
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : Reflect.get(current, "cause")
  }
  return found
}

const hostOf = (url: string): string | undefined => (URL.canParse(url) ? new URL(url).host : undefined)

/**
 * A failed exchange as a `TransportError` naming its cause: the system error code (`ECONNREFUSED`,
 * `ENOTFOUND`, ...) and the host, so that a caller (and a person) can tell a request never sent from one lost.
 */
export const transportError = (endpoint: string, error: HttpClientError.HttpClientError): TransportError => {
  const cause = systemCause(error.cause)
  const errorCode = cause.code ??
    (error._tag === "RequestError" && error.reason === "InvalidUrl" ? "ERR_INVALID_URL" : undefined)
  const host = hostOf(error.request.url)
  const detail = error.cause === undefined ? "" : `: ${cause.message}`
  const named = errorCode === undefined || detail.includes(errorCode) ? "" : ` (${errorCode})`
  return new TransportError({ endpoint, message: `${error.message}${detail}${named}`, errorCode, host })
}
