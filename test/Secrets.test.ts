import * as Headers from "@effect/platform/Headers"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Auth from "../src/Auth.js"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"
import { clientWith, login, password } from "./support/client.js"
import * as FakeHttp from "./support/FakeHttp.js"

const basic = Buffer.from(`${login}:${password}`).toString("base64")
const leaks = (text: string) => text.includes(password) || text.includes(basic)

describe("the password never leaks", () => {
  it.effect("from any error the client returns, in message, toString, JSON or inspection", () =>
    Effect.gen(function*() {
      const scripts: ReadonlyArray<FakeHttp.Reply> = [
        { status: 401, body: "{}" },
        { status: 500, body: "" },
        { status: 200, body: "{oops" },
        { transport: "ECONNRESET" },
        FakeHttp.json({ version: "x", status_code: 40202, status_message: "Rate", tasks: null })
      ]
      for (const reply of scripts) {
        const { client } = yield* clientWith([reply], { retry: { times: 0 } })
        const error = yield* Effect.flip(client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown))
        for (const text of [error.message, String(error), JSON.stringify(error), Inspectable.format(error)]) {
          expect(leaks(text)).toBe(false)
        }
      }
    }))

  it.effect("from the authorized request when it is logged or printed", () =>
    Effect.gen(function*() {
      const auth = Auth.basic(login, Redacted.make(password))
      const request = yield* auth.authorize(HttpClientRequest.get("https://api.dataforseo.com/v3/appendix/user_data"))
      expect(request.headers["authorization"]).toBe(`Basic ${basic}`)
      const logged: Array<string> = []
      const capture = Logger.make(({ message }) => logged.push(Inspectable.format(message)))
      yield* Effect.log(request).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      expect(logged).toHaveLength(1)
      expect(logged[0]).toContain("<redacted>")
      expect(leaks(logged.join("\n"))).toBe(false)
      // span attributes and error reports print headers through Headers.redact
      expect(Redacted.isRedacted(Headers.redact(request.headers, ["authorization"])["authorization"])).toBe(true)
      expect(leaks(JSON.stringify(Headers.redact(request.headers, ["authorization"])))).toBe(false)
    }))

  it("from the configuration's JSON and string form", () => {
    const settings = DataForSeoConfig.make({ login, password: Redacted.make(password) })
    expect(leaks(JSON.stringify(settings))).toBe(false)
    expect(leaks(String(settings.password))).toBe(false)
    expect(leaks(Inspectable.format(settings))).toBe(false)
  })
})
