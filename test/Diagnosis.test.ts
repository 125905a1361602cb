import { describe, expect, it } from "@effect/vitest"
import { Cause, Config, ConfigProvider, Effect, Exit, FiberId, Logger, Runtime } from "effect"
import { vi } from "vitest"
import { DataForSeoConfig, DataForSeoError, Diagnosis, TaskBatcher } from "../src/index.js"
import { InvalidTransition } from "../src/TaskLedgerEntry.js"

const { AuthError, BillingError, DecodeError, RateLimitError, TransportError } = DataForSeoError

const unresolved = new TransportError({
  endpoint: "/v3/serp/google/organic/task_post",
  message:
    "Transport error (POST https://api.dataforseo.com/v3/serp/google/organic/task_post): getaddrinfo ENOTFOUND api.dataforseo.com",
  errorCode: "ENOTFOUND",
  host: "api.dataforseo.com"
})

const refused = new TransportError({
  endpoint: "/v3/serp/google/organic/task_post",
  message: "Transport error: connect ECONNREFUSED 127.0.0.1:9",
  errorCode: "ECONNREFUSED",
  host: "127.0.0.1:9"
})

const notAuthorized = new AuthError({
  code: 40100,
  message: "You are not authorized to access this resource.",
  retryable: false,
  httpStatus: 401
})

const decodeFailure = new DecodeError({
  message: "Expected number",
  path: "tasks.0.cost",
  endpoint: "/v3/serp/google/organic/task_post"
})

/** The ConfigError that reading `config` from `env` fails with. */
const configError = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.flip(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("Diagnosis.explain", () => {
  it("a host that does not resolve: the host, the code, nothing sent, and what to check", () => {
    expect(Diagnosis.explain(unresolved)).toEqual({
      headline: "The host api.dataforseo.com did not resolve (ENOTFOUND). Nothing was sent.",
      action: "Check the network connection and DNS, and DATAFORSEO_BASE_URL if you set it."
    })
  })

  it("a refused connection names host and port", () => {
    expect(Diagnosis.explain(refused)?.headline).toBe(
      "The connection to 127.0.0.1:9 was refused (ECONNREFUSED). Nothing was sent."
    )
  })

  it("a failed TLS handshake and an invalid URL are told apart", () => {
    const tls = new TransportError({
      endpoint: "/v3/x",
      message: "",
      errorCode: "ERR_SSL_WRONG_VERSION_NUMBER",
      host: "api.dataforseo.com"
    })
    expect(Diagnosis.explain(tls)?.headline).toBe(
      "The TLS handshake with api.dataforseo.com failed (ERR_SSL_WRONG_VERSION_NUMBER). Nothing was sent."
    )
    const untrusted = new TransportError({
      endpoint: "/v3/x",
      message: "",
      errorCode: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      host: "api.dataforseo.com"
    })
    expect(Diagnosis.explain(untrusted)?.action).toContain("NODE_EXTRA_CA_CERTS")
    const invalid = new TransportError({
      endpoint: "/v3/serp/google/organic/task_post",
      message: "",
      errorCode: "ERR_INVALID_URL"
    })
    expect(Diagnosis.explain(invalid)).toEqual({
      headline:
        "The request's URL for /v3/serp/google/organic/task_post is not valid (ERR_INVALID_URL). Nothing was sent.",
      action: "Set DATAFORSEO_BASE_URL to production, sandbox or a full URL such as https://api.dataforseo.com."
    })
  })

  it("a connection lost after sending does not claim that nothing was sent", () => {
    const reset = new TransportError({
      endpoint: "/v3/x",
      message: "",
      errorCode: "ECONNRESET",
      host: "api.dataforseo.com"
    })
    expect(Diagnosis.explain(reset)?.headline).toBe(
      "The connection to api.dataforseo.com failed before a reply came (ECONNRESET)."
    )
  })

  it("refused credentials (40100): the code, the server's message and the variables to check", () => {
    expect(Diagnosis.explain(notAuthorized)).toEqual({
      headline: "DataForSEO refused the credentials (40100: You are not authorized to access this resource).",
      action:
        "Check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD: the API login and password are on the API Access page of the DataForSEO dashboard."
    })
  })

  it("an IP not whitelisted (40207) is not told as bad credentials", () => {
    const error = new AuthError({
      code: 40207,
      message: "Access denied. Your IP is not whitelisted.",
      retryable: false
    })
    expect(Diagnosis.explain(error)?.headline).toBe(
      "This machine's IP address is not on the account's whitelist (40207: Access denied. Your IP is not whitelisted)."
    )
  })

  it("insufficient funds (40210) and the daily cost limit (40203): where to look", () => {
    const funds = new BillingError({ code: 40210, message: "Insufficient funds.", retryable: false })
    expect(Diagnosis.explain(funds)).toEqual({
      headline: "The account's balance is too low (40210: Insufficient funds).",
      action: "Add funds in the DataForSEO dashboard. The sandbox (DATAFORSEO_BASE_URL=sandbox) is free."
    })
    const limit = new BillingError({ code: 40203, message: "Cost limit exceeded.", retryable: false })
    expect(Diagnosis.explain(limit)?.action).toBe(
      "Raise the limit in the dashboard's API settings, or wait for the next day (UTC)."
    )
  })

  it("rate limits name the setting to lower", () => {
    const perMinute = new RateLimitError({
      code: 40202,
      message: "The rate-limit per minute has been exceeded.",
      retryable: true
    })
    expect(Diagnosis.explain(perMinute)?.headline).toBe(
      "Too many calls a minute for the account (40202: The rate-limit per minute has been exceeded)."
    )
    const atOnce = new RateLimitError({ code: 40209, message: "Too many simultaneous queries.", retryable: true })
    expect(Diagnosis.explain(atOnce)?.action).toContain("DATAFORSEO_SIMULTANEOUS_REQUESTS")
  })

  it("the run's budget: the amounts, and where it is set", () => {
    const error = new TaskBatcher.BudgetExceededError({
      correlationKey: "run:1:13",
      estimated: 0.0012,
      committed: 0.0492,
      budget: 0.05
    })
    expect(Diagnosis.explain(error)).toEqual({
      headline: "Task run:1:13 would take the run past its budget of $0.05 (about $0.0012 more, $0.0492 committed).",
      action: "Raise the budget of TaskBatcher.layer({ budget }), or post fewer tasks."
    })
  })

  it.effect("a missing DATAFORSEO_LOGIN is named, with where the credentials are", () =>
    Effect.gen(function*() {
      const error = yield* configError(Config.string("DATAFORSEO_LOGIN"), {})
      expect(Diagnosis.explain(error)).toEqual({
        headline: "DATAFORSEO_LOGIN is not set.",
        action:
          "Set DATAFORSEO_LOGIN: the API login and password are on the API Access page of the DataForSEO dashboard."
      })
    }))

  it.effect("the library's config: both credentials missing, then a value of the wrong type", () =>
    Effect.gen(function*() {
      const none = yield* configError(DataForSeoConfig.config, {})
      expect(Diagnosis.explain(none)?.headline).toBe("DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD are not set.")
      const badRetry = yield* configError(DataForSeoConfig.config, {
        DATAFORSEO_LOGIN: "me",
        DATAFORSEO_PASSWORD: "secret",
        DATAFORSEO_RETRY_TIMES: "many"
      })
      expect(Diagnosis.explain(badRetry)).toEqual({
        headline: "DATAFORSEO_RETRY_TIMES: Expected an integer value but received \"many\".",
        action: "Correct DATAFORSEO_RETRY_TIMES."
      })
    }))

  it("a Cause of parallel failures of the same kind is told once; a defect among them keeps the full report", () => {
    const parallel = Cause.parallel(Cause.fail(unresolved), Cause.fail(unresolved))
    expect(Diagnosis.explain(parallel)?.headline).toContain("api.dataforseo.com did not resolve (ENOTFOUND)")
    const withBug = Cause.sequential(Cause.fail(notAuthorized), Cause.die(new Error("bug")))
    expect(Diagnosis.explain(withBug)).toBeUndefined()
    const mixed = Cause.parallel(Cause.fail(notAuthorized), Cause.fail(refused))
    expect(Diagnosis.explain(mixed)?.headline).toBe(Diagnosis.explain(notAuthorized)?.headline)
  })

  it("interruptions are left aside, a fixable die is explained, an interruption alone is not", () => {
    const interrupted = Cause.interrupt(FiberId.none)
    expect(Diagnosis.explain(Cause.parallel(interrupted, Cause.fail(refused)))?.headline).toContain("ECONNREFUSED")
    expect(Diagnosis.explain(Cause.die(refused))?.headline).toContain("ECONNREFUSED")
    expect(Diagnosis.explain(interrupted)).toBeUndefined()
  })

  it("errors that wrap others, and what runPromise rejects with, are explained by what they hold", () => {
    expect(Diagnosis.explain(new Error("post failed", { cause: unresolved }))?.headline).toContain("ENOTFOUND")
    const rejected = Runtime.makeFiberFailure(Cause.fail(notAuthorized))
    expect(Diagnosis.explain(rejected)?.headline).toContain("40100")
  })

  it("a raw Node network error (before the library names it) is explained from its code and host", () => {
    const raw = Object.assign(new Error("getaddrinfo ENOTFOUND api.dataforseo.com"), {
      code: "ENOTFOUND",
      hostname: "api.dataforseo.com"
    })
    expect(Diagnosis.explain(new TypeError("fetch failed", { cause: raw }))?.headline).toBe(
      "The host api.dataforseo.com did not resolve (ENOTFOUND). Nothing was sent."
    )
  })

  it("bugs are not fixable: a reply that does not decode, a refused ledger transition, a plain Error", () => {
    expect(Diagnosis.explain(decodeFailure)).toBeUndefined()
    const transition = new InvalidTransition({ rejected: [{ ref: "k", to: "posted", reason: "unknown key" }] })
    expect(Diagnosis.explain(transition)).toBeUndefined()
    expect(Diagnosis.explain(new Error("boom"))).toBeUndefined()
    expect(Diagnosis.explain(Cause.fail(decodeFailure))).toBeUndefined()
  })
})

describe("Diagnosis.reportFailure", () => {
  /** Runs `self` under reportFailure: its exit, what went to console.error, and what was logged. */
  const reported = <A, E>(self: Effect.Effect<A, E>) =>
    Effect.gen(function*() {
      const logged: Array<string> = []
      const printed: Array<string> = []
      yield* Effect.acquireRelease(
        Effect.sync(() =>
          vi.spyOn(console, "error").mockImplementation((...args: Array<unknown>) => void printed.push(args.join(" ")))
        ),
        (spy) => Effect.sync(() => spy.mockRestore())
      )
      const logger = Logger.make(({ cause, logLevel }) => logged.push(`${logLevel.label} ${Cause.pretty(cause)}`))
      const exit = yield* Effect.exit(
        Diagnosis.reportFailure(self).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      )
      return { exit, printed, logged }
    }).pipe(Effect.scoped)

  it.effect("a fixable failure: its two lines on stderr, nothing logged, the same failure", () =>
    Effect.gen(function*() {
      const { exit, logged, printed } = yield* reported(Effect.fail(unresolved))
      expect(printed).toEqual([
        "The host api.dataforseo.com did not resolve (ENOTFOUND). Nothing was sent.\n" +
        "Check the network connection and DNS, and DATAFORSEO_BASE_URL if you set it."
      ])
      expect(logged).toEqual([])
      expect(exit).toStrictEqual(Exit.fail(unresolved))
    }))

  it.effect("a bug: the full cause logged as an error, nothing printed", () =>
    Effect.gen(function*() {
      const { exit, logged, printed } = yield* reported(Effect.fail(decodeFailure))
      expect(printed).toEqual([])
      expect(logged).toHaveLength(1)
      expect(logged[0]).toMatch(/^ERROR /)
      expect(logged[0]).toContain("DecodeError")
      expect(exit).toStrictEqual(Exit.fail(decodeFailure))
    }))

  it.effect("success and interruption print nothing", () =>
    Effect.gen(function*() {
      const ok = yield* reported(Effect.succeed(1))
      expect(ok.exit).toStrictEqual(Exit.succeed(1))
      const interrupted = yield* reported(Effect.interrupt)
      expect(Exit.isInterrupted(interrupted.exit)).toBe(true)
      expect([...ok.printed, ...ok.logged, ...interrupted.printed, ...interrupted.logged]).toEqual([])
    }))
})
