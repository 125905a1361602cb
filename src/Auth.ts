/**
 * How requests are authorized. DataForSEO uses HTTP Basic today; the service is a seam so that another
 * scheme (or a credential fetched from a vault per request) is one layer away.
 *
 * The `Authorization` header is among @effect/platform's redacted header names: it prints as `<redacted>`
 * in logs, spans, errors and the JSON of any request the library returns.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { DataForSeoConfig } from "./DataForSeoConfig.js"

/** The authorization service. */
export interface Service {
  /** Adds the credentials to a request. */
  readonly authorize: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest>
}

/** Tag of the authorization service. */
export class Auth extends Context.Tag("effect-dataforseo/Auth")<Auth, Service>() {}

/** HTTP Basic with the given login and password. */
export const basic = (login: string, password: Redacted.Redacted<string>): Service => {
  const header = Redacted.make(`Basic ${Buffer.from(`${login}:${Redacted.value(password)}`).toString("base64")}`)
  return {
    authorize: (request) =>
      Effect.succeed(HttpClientRequest.setHeader(request, "authorization", Redacted.value(header)))
  }
}

/** HTTP Basic with the credentials of `DataForSeoConfig`. */
export const layer: Layer.Layer<Auth, never, DataForSeoConfig> = Layer.effect(
  Auth,
  Effect.map(DataForSeoConfig, (settings) => basic(settings.login, settings.password))
)
