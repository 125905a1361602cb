/** Builds a `DataForSeoClient` over a scripted fake `HttpClient`, with test credentials. */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Auth from "../../src/Auth.js"
import * as DataForSeoClient from "../../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../../src/DataForSeoConfig.js"
import * as FakeHttp from "./FakeHttp.js"

export const login = "user@example.com"
export const password = "s3cr3t-Pa55w0rd"

export const clientWith = (script: ReadonlyArray<FakeHttp.Reply>, options: Partial<DataForSeoConfig.Options> = {}) =>
  Effect.gen(function*() {
    const fake = yield* FakeHttp.make(script)
    const config = DataForSeoConfig.layer({ login, password: Redacted.make(password), ...options })
    const client = yield* DataForSeoClient.make.pipe(
      Effect.provide(
        Layer.mergeAll(Layer.succeed(HttpClient.HttpClient, fake.client), Auth.layer).pipe(Layer.provideMerge(config))
      )
    )
    return { client, recorded: fake.recorded }
  })
