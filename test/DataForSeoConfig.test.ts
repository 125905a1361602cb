import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"

const fromEnv = (env: Record<string, string>) =>
  DataForSeoConfig.DataForSeoConfig.pipe(
    Effect.provide(
      DataForSeoConfig.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))
    )
  )

describe("DataForSeoConfig", () => {
  it("fills the documented defaults", () => {
    const settings = DataForSeoConfig.make({ login: "me", password: Redacted.make("pw") })
    expect(settings.baseUrl).toBe("https://api.dataforseo.com")
    expect(settings.limits).toEqual({
      taskPostPerMinute: 2000,
      tasksPerPost: 100,
      tasksReadyPerMinute: 20,
      taskGetPerMinute: 2000,
      simultaneousRequests: 30,
      window: Duration.minutes(1)
    })
    expect(Duration.toMillis(settings.requestTimeout)).toBe(60_000)
  })

  it("names the sandbox host, and takes any URL for the loopback emulator", () => {
    expect(DataForSeoConfig.resolveBaseUrl("sandbox")).toBe("https://sandbox.dataforseo.com")
    expect(DataForSeoConfig.resolveBaseUrl("production")).toBe("https://api.dataforseo.com")
    expect(DataForSeoConfig.resolveBaseUrl("http://127.0.0.1:40123/")).toBe("http://127.0.0.1:40123")
  })

  it.effect("reads credentials, host, timeout and limits from the environment", () =>
    Effect.gen(function* () {
      const settings = yield* fromEnv({
        DATAFORSEO_LOGIN: "me@example.com",
        DATAFORSEO_PASSWORD: "pw",
        DATAFORSEO_BASE_URL: "sandbox",
        DATAFORSEO_REQUEST_TIMEOUT: "15 seconds",
        DATAFORSEO_TASK_POST_PER_MINUTE: "10000",
        DATAFORSEO_SIMULTANEOUS_REQUESTS: "8"
      })
      expect(settings.login).toBe("me@example.com")
      expect(Redacted.value(settings.password)).toBe("pw")
      expect(settings.baseUrl).toBe("https://sandbox.dataforseo.com")
      expect(Duration.toMillis(settings.requestTimeout)).toBe(15_000)
      expect(settings.limits.taskPostPerMinute).toBe(10_000)
      expect(settings.limits.simultaneousRequests).toBe(8)
      expect(settings.limits.tasksReadyPerMinute).toBe(20)
    }))

  it.effect.each(["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD"])("a missing %s is a ConfigError naming it", (name) =>
    Effect.gen(function* () {
      const env: Record<string, string> = { DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw" }
      delete env[name]
      const result = yield* Effect.either(fromEnv(env))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain(name)
    }))

  it.effect("rejects more than 100 tasks per post", () =>
    Effect.gen(function* () {
      const result = yield* Effect.either(
        fromEnv({ DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw", DATAFORSEO_TASKS_PER_POST: "150" })
      )
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain("DATAFORSEO_TASKS_PER_POST")
    }))
})
