/**
 * Everything the library needs to know about the account: credentials, host, request timeout, retry
 * bounds and the account's limits. Limits are configuration, never constants buried in code: DataForSEO
 * documents 2,000 calls a minute but raises them per account.
 *
 * @example
 * import { DataForSeoConfig } from "effect-dataforseo"
 * import { Redacted } from "effect"
 *
 * // explicit values
 * DataForSeoConfig.layer({ login: "me@example.com", password: Redacted.make("secret") })
 * // or from DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, DATAFORSEO_BASE_URL, ...
 * DataForSeoConfig.layerConfig
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { checked, httpUrl, nonBlank, wholeAtLeast } from "./internal/rules.js"

/** The production API host. */
export const productionUrl = "https://api.dataforseo.com"

/** DataForSEO's remote sandbox host: same API, dummy data, free. */
export const sandboxUrl = "https://sandbox.dataforseo.com"

/** The account's limits. Defaults are the documented ones (reference §2). */
export interface Limits {
  /** task_post calls a minute, shared by every engine of the account (2,000). */
  readonly taskPostPerMinute: number
  /** Tasks in one task_post call (100). */
  readonly tasksPerPost: number
  /** tasks_ready calls a minute (20). */
  readonly tasksReadyPerMinute: number
  /** task_get calls a minute (2,000). */
  readonly taskGetPerMinute: number
  /** Requests in flight at once (30). */
  readonly simultaneousRequests: number
  /**
   * The window the "per minute" limits are counted over: one minute against DataForSEO. Shorter only to
   * compress time against the sandbox emulator, in tests and benchmarks.
   */
  readonly window: Duration.Duration
}

/** Most tasks one task_post call may carry: the API answers 40006 for each task past it. */
export const maxTasksPerPost = 100

/** The documented limits. */
export const defaultLimits: Limits = {
  taskPostPerMinute: 2000,
  tasksPerPost: 100,
  tasksReadyPerMinute: 20,
  taskGetPerMinute: 2000,
  simultaneousRequests: 30,
  window: Duration.minutes(1)
}

/**
 * Most retries of one call. The wait doubles with each retry: with the default 500 ms, the 20th alone
 * waits about three days (500 ms × 2^19). A larger count is a mistake, not a policy.
 */
export const maxRetryTimes = 20

/** Bounds of the retry of transient failures: `times` retries, exponential from `baseDelay`, with jitter. */
export interface RetrySettings {
  readonly times: number
  readonly baseDelay: Duration.Duration
}

/** The resolved configuration. */
export interface Settings {
  readonly login: string
  readonly password: Redacted.Redacted<string>
  /** Host the `/v3/...` paths are resolved against, without a trailing slash. */
  readonly baseUrl: string
  /** Time allowed to one HTTP request, reply body included. */
  readonly requestTimeout: Duration.Duration
  readonly retry: RetrySettings
  readonly limits: Limits
}

/** What `layer` takes: credentials are required, everything else has the documented default. */
export interface Options {
  readonly login: string
  readonly password: Redacted.Redacted<string>
  /** `"production"` (default), `"sandbox"`, or any absolute http(s) URL (the loopback emulator's, for instance). */
  readonly baseUrl?: "production" | "sandbox" | (string & {}) | undefined
  readonly requestTimeout?: Duration.DurationInput | undefined
  readonly retry?: Partial<{ readonly times: number; readonly baseDelay: Duration.DurationInput }> | undefined
  readonly limits?:
    | (Partial<Omit<Limits, "window">> & { readonly window?: Duration.DurationInput | undefined })
    | undefined
}

/** The configuration service. */
export class DataForSeoConfig extends Context.Tag("effect-dataforseo/DataForSeoConfig")<DataForSeoConfig, Settings>() {}

/** Resolves `"production"` / `"sandbox"` to their hosts and strips a trailing slash from any other URL. */
export const resolveBaseUrl = (baseUrl: string | undefined): string => {
  if (baseUrl === undefined || baseUrl === "production") return productionUrl
  if (baseUrl === "sandbox") return sandboxUrl
  return baseUrl.replace(/\/+$/, "")
}

/** Builds the settings from options, filling the documented defaults. */
export const make = (options: Options): Settings => ({
  login: options.login,
  password: options.password,
  baseUrl: resolveBaseUrl(options.baseUrl),
  requestTimeout: Duration.decode(options.requestTimeout ?? Duration.seconds(60)),
  retry: {
    times: options.retry?.times ?? 4,
    baseDelay: Duration.decode(options.retry?.baseDelay ?? Duration.millis(500))
  },
  limits: {
    ...defaultLimits,
    ...options.limits,
    window: Duration.decode(options.limits?.window ?? defaultLimits.window)
  }
})

const baseUrlMustBe = `must be "production", "sandbox" or an absolute http(s) URL without query or fragment`
const retryTimesMustBe = `must be a whole number from 0 to ${maxRetryTimes}`

/**
 * The settings, checked: a login and a password that are not blank, the base URL an absolute http(s) URL,
 * every limit a positive whole number (`tasksPerPost` at most 100), the window and the request timeout
 * longer than zero, `retry.times` a whole number up to `maxRetryTimes`. A `ConfigError` names the first
 * field that is not (`baseUrl`, `limits.tasksPerPost`, ...). A limit of 0 would stall every call. More than
 * 100 tasks a POST would have the API refuse the rest with 40006.
 */
export const validate = (settings: Settings): Either.Either<Settings, ConfigError.ConfigError> => {
  const { limits } = settings
  const positive = (duration: Duration.Duration) => Duration.greaterThan(duration, Duration.zero)
  const count = "must be a positive whole number"
  return checked(settings, [
    [["login"], nonBlank(settings.login), "must not be blank"],
    [["password"], nonBlank(Redacted.value(settings.password)), "must not be blank"],
    [["baseUrl"], httpUrl(settings.baseUrl), baseUrlMustBe],
    [["limits", "taskPostPerMinute"], wholeAtLeast(1, limits.taskPostPerMinute), count],
    [
      ["limits", "tasksPerPost"],
      wholeAtLeast(1, limits.tasksPerPost) && limits.tasksPerPost <= maxTasksPerPost,
      `must be a whole number from 1 to ${maxTasksPerPost}`
    ],
    [["limits", "tasksReadyPerMinute"], wholeAtLeast(1, limits.tasksReadyPerMinute), count],
    [["limits", "taskGetPerMinute"], wholeAtLeast(1, limits.taskGetPerMinute), count],
    [["limits", "simultaneousRequests"], wholeAtLeast(1, limits.simultaneousRequests), count],
    [["limits", "window"], positive(limits.window), "must be longer than zero"],
    [["requestTimeout"], positive(settings.requestTimeout), "must be longer than zero"],
    [
      ["retry", "times"],
      wholeAtLeast(0, settings.retry.times) && settings.retry.times <= maxRetryTimes,
      retryTimesMustBe
    ]
  ])
}

/** The configuration from explicit values; a value out of range is a `ConfigError` naming it (see `validate`). */
export const layer = (options: Options): Layer.Layer<DataForSeoConfig, ConfigError.ConfigError> =>
  Layer.effect(DataForSeoConfig, validate(make(options)))

const positiveInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

/** A variable that must hold more than white space. */
const nonBlankString = (name: string) =>
  Config.string(name).pipe(Config.validate({ message: `${name} must not be blank`, validation: nonBlank }))

/**
 * The settings read from configuration (environment variables by default):
 * DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD (required), DATAFORSEO_BASE_URL (`production`, `sandbox` or a URL),
 * DATAFORSEO_REQUEST_TIMEOUT (a duration such as `30 seconds`), DATAFORSEO_RETRY_TIMES, and the limits
 * DATAFORSEO_TASK_POST_PER_MINUTE, DATAFORSEO_TASKS_PER_POST, DATAFORSEO_TASKS_READY_PER_MINUTE,
 * DATAFORSEO_TASK_GET_PER_MINUTE, DATAFORSEO_SIMULTANEOUS_REQUESTS. A missing or blank credential, a base URL that
 * is not `production`, `sandbox` or an absolute http(s) URL, and more than `maxRetryTimes` retries each fail
 * with a `ConfigError` that names the variable.
 */
export const config: Config.Config<Settings> = Config.all({
  login: nonBlankString("DATAFORSEO_LOGIN"),
  password: Config.redacted(nonBlankString("DATAFORSEO_PASSWORD")),
  baseUrl: Config.string("DATAFORSEO_BASE_URL").pipe(
    Config.validate({
      message: `DATAFORSEO_BASE_URL ${baseUrlMustBe}`,
      validation: (url) => httpUrl(resolveBaseUrl(url))
    }),
    Config.withDefault("production")
  ),
  requestTimeout: Config.duration("DATAFORSEO_REQUEST_TIMEOUT").pipe(Config.withDefault(Duration.seconds(60))),
  retryTimes: Config.integer("DATAFORSEO_RETRY_TIMES").pipe(
    Config.validate({
      message: `DATAFORSEO_RETRY_TIMES ${retryTimesMustBe}`,
      validation: (n) => n >= 0 && n <= maxRetryTimes
    }),
    Config.withDefault(4)
  ),
  limits: Config.all({
    taskPostPerMinute: positiveInt("DATAFORSEO_TASK_POST_PER_MINUTE", defaultLimits.taskPostPerMinute),
    tasksPerPost: positiveInt("DATAFORSEO_TASKS_PER_POST", defaultLimits.tasksPerPost).pipe(
      Config.validate({
        message: `DATAFORSEO_TASKS_PER_POST must be at most ${maxTasksPerPost}`,
        validation: (n) => n <= maxTasksPerPost
      })
    ),
    tasksReadyPerMinute: positiveInt("DATAFORSEO_TASKS_READY_PER_MINUTE", defaultLimits.tasksReadyPerMinute),
    taskGetPerMinute: positiveInt("DATAFORSEO_TASK_GET_PER_MINUTE", defaultLimits.taskGetPerMinute),
    simultaneousRequests: positiveInt("DATAFORSEO_SIMULTANEOUS_REQUESTS", defaultLimits.simultaneousRequests),
    window: Config.succeed(defaultLimits.window)
  })
}).pipe(
  Config.mapOrFail(({ retryTimes, ...settings }) => validate(make({ ...settings, retry: { times: retryTimes } })))
)

/** The configuration read from `config` (environment variables unless another ConfigProvider is set). */
export const layerConfig: Layer.Layer<DataForSeoConfig, ConfigError.ConfigError> = Layer.effect(
  DataForSeoConfig,
  config
)
