import { describe, expect, it } from "@effect/vitest"
import type * as ConfigError from "effect/ConfigError"
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
      DataForSeoConfig.layerConfig.pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
      )
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
    Effect.gen(function*() {
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

  it.effect.each(["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD"])(
    "a missing %s is a ConfigError naming it",
    (name) =>
      Effect.gen(function*() {
        const env: Record<string, string> = { DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw" }
        delete env[name]
        const result = yield* Effect.either(fromEnv(env))
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) expect(String(result.left)).toContain(name)
      })
  )

  it.effect("rejects more than 100 tasks per post", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(
        fromEnv({ DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw", DATAFORSEO_TASKS_PER_POST: "150" })
      )
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain("DATAFORSEO_TASKS_PER_POST")
    }))
})

describe("DataForSeoConfig.layerConfig refuses what cannot work, naming the variable", () => {
  const named = (result: Either.Either<DataForSeoConfig.Settings, ConfigError.ConfigError>) =>
    Either.match(result, {
      onLeft: (error) => (error._op === "InvalidData" ? error.path.join(".") : error._op),
      onRight: () => "valid"
    })
  const withEnv = (env: Record<string, string>) =>
    Effect.map(Effect.either(fromEnv({ DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw", ...env })), named)

  it.effect.each(
    [
      [{ DATAFORSEO_BASE_URL: "ftp://x" }, "DATAFORSEO_BASE_URL"],
      [{ DATAFORSEO_BASE_URL: "not a url" }, "DATAFORSEO_BASE_URL"],
      [{ DATAFORSEO_BASE_URL: "" }, "DATAFORSEO_BASE_URL"],
      [{ DATAFORSEO_BASE_URL: "api.dataforseo.com" }, "DATAFORSEO_BASE_URL"],
      [{ DATAFORSEO_BASE_URL: "https://api.dataforseo.com?debug=1" }, "DATAFORSEO_BASE_URL"],
      [{ DATAFORSEO_LOGIN: "" }, "DATAFORSEO_LOGIN"],
      [{ DATAFORSEO_LOGIN: "  " }, "DATAFORSEO_LOGIN"],
      [{ DATAFORSEO_PASSWORD: "" }, "DATAFORSEO_PASSWORD"],
      [{ DATAFORSEO_PASSWORD: " \t" }, "DATAFORSEO_PASSWORD"],
      [{ DATAFORSEO_RETRY_TIMES: "21" }, "DATAFORSEO_RETRY_TIMES"],
      [{ DATAFORSEO_RETRY_TIMES: "-1" }, "DATAFORSEO_RETRY_TIMES"]
    ] satisfies ReadonlyArray<readonly [Record<string, string>, string]>
  )("%o is a ConfigError naming %s", ([env, name]) =>
    Effect.gen(function*() {
      expect(yield* withEnv(env)).toBe(name)
    }))

  it.effect("takes production, sandbox, any http(s) URL, and 20 retries", () =>
    Effect.gen(function*() {
      const urls = yield* Effect.forEach(
        ["production", "sandbox", "http://127.0.0.1:40123/", "https://proxy.example.com/dataforseo"],
        (url) =>
          Effect.map(fromEnv({ DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw", DATAFORSEO_BASE_URL: url }), (s) =>
            s.baseUrl)
      )
      expect(urls).toEqual([
        "https://api.dataforseo.com",
        "https://sandbox.dataforseo.com",
        "http://127.0.0.1:40123",
        "https://proxy.example.com/dataforseo"
      ])
      const settings = yield* fromEnv({
        DATAFORSEO_LOGIN: "me",
        DATAFORSEO_PASSWORD: "pw",
        DATAFORSEO_RETRY_TIMES: "20"
      })
      expect(settings.retry.times).toBe(DataForSeoConfig.maxRetryTimes)
    }))
})

describe("DataForSeoConfig.layer", () => {
  const explicit = (options: Partial<DataForSeoConfig.Options>) =>
    Effect.either(
      Effect.provide(
        DataForSeoConfig.DataForSeoConfig,
        DataForSeoConfig.layer({ login: "me", password: Redacted.make("pw"), ...options })
      )
    )
  const named = (result: Either.Either<DataForSeoConfig.Settings, ConfigError.ConfigError>) =>
    Either.match(result, {
      onLeft: (error) => (error._op === "InvalidData" ? error.path.join(".") : error._op),
      onRight: () => "valid"
    })

  it.effect("takes values in range", () =>
    Effect.gen(function*() {
      const settings = yield* explicit({ limits: { tasksPerPost: 100, simultaneousRequests: 1 }, retry: { times: 0 } })
      expect(Either.map(settings, (s) => [s.limits.tasksPerPost, s.limits.simultaneousRequests, s.retry.times]))
        .toStrictEqual(
          Either.right([100, 1, 0])
        )
    }))

  it.effect.each(
    [
      [{ limits: { tasksPerPost: 150 } }, "limits.tasksPerPost"],
      [{ limits: { tasksPerPost: 0 } }, "limits.tasksPerPost"],
      [{ limits: { taskPostPerMinute: 0 } }, "limits.taskPostPerMinute"],
      [{ limits: { simultaneousRequests: 2.5 } }, "limits.simultaneousRequests"],
      [{ limits: { taskGetPerMinute: Number.NaN } }, "limits.taskGetPerMinute"],
      [{ limits: { window: "0 millis" } }, "limits.window"],
      [{ requestTimeout: "0 seconds" }, "requestTimeout"],
      [{ retry: { times: -1 } }, "retry.times"],
      [{ retry: { times: 21 } }, "retry.times"],
      [{ baseUrl: "ftp://x" }, "baseUrl"],
      [{ baseUrl: "not a url" }, "baseUrl"],
      [{ baseUrl: "" }, "baseUrl"],
      [{ baseUrl: "https://api.dataforseo.com#top" }, "baseUrl"],
      [{ login: "" }, "login"],
      [{ login: " " }, "login"],
      [{ password: Redacted.make("") }, "password"],
      [{ password: Redacted.make("\n") }, "password"]
    ] satisfies ReadonlyArray<readonly [Partial<DataForSeoConfig.Options>, string]>
  )(
    "a value out of range is a ConfigError naming it: %o",
    ([options, field]) =>
      Effect.gen(function*() {
        expect(named(yield* explicit(options))).toBe(field)
      })
  )

  it.effect("the environment's values are checked the same way", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(
        fromEnv({ DATAFORSEO_LOGIN: "me", DATAFORSEO_PASSWORD: "pw", DATAFORSEO_REQUEST_TIMEOUT: "0 seconds" })
      )
      expect(named(result)).toBe("requestTimeout")
    }))
})
