/**
 * Settings of the sandbox emulator: accounts, prices, queue delays, limits, faults, seed and retention.
 * Every field is optional; the defaults are shaped like the real API (reference §2, §8), with the queue
 * delays scaled down so that tests and examples do not wait minutes.
 *
 * @example
 * Sandbox.layer({
 *   accounts: [{ login: "me", password: "secret", balance: 5 }],
 *   queueDelay: { normal: "0 millis", high: "0 millis" },
 *   limits: { perMinute: { task_post: 10_000 } }
 * })
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import type { AnyEngine } from "../Engine.js"
import * as GoogleOrganic from "../GoogleOrganic.js"
import * as NaverOrganic from "../NaverOrganic.js"
import type { FaultOptions, SandboxFunction } from "./Faults.js"

/** One account of the emulated API. */
export interface SandboxAccount {
  readonly login: string
  readonly password: string
  /** Money left, USD. task_post fails with HTTP 402 / 40210 when a call costs more. */
  readonly balance: number
}

/** Everything the emulator can be told. */
export interface SandboxOptions {
  /** Engines served, found by their paths. Default: Naver organic and Google organic. */
  readonly engines?: ReadonlyArray<AnyEngine> | undefined
  /** Default: one account `sandbox` / `sandbox` with a balance of 100. */
  readonly accounts?: ReadonlyArray<SandboxAccount> | undefined
  /** Base price of a task's first page by priority, and the factor of each extra page (§8). */
  readonly prices?: {
    readonly normal?: number | undefined
    readonly high?: number | undefined
    readonly extraPageFactor?: number | undefined
  } | undefined
  /** Time from posting to completion, per priority. Default: normal 2 s, high 0.5 s. Zero is allowed. */
  readonly queueDelay?: {
    readonly normal?: Duration.DurationInput | undefined
    readonly high?: Duration.DurationInput | undefined
  } | undefined
  /** Account limits. */
  readonly limits?: {
    /** Calls per minute per function (sliding window). Default 2,000, tasks_ready 20. */
    readonly perMinute?: { readonly [F in SandboxFunction]?: number } | undefined
    /**
     * The window "per minute" is counted over (limits and the peak meter). Default one minute; shorter
     * to compress time in tests and benchmarks (match the client's `limits.window`).
     */
    readonly window?: Duration.DurationInput | undefined
    /** Requests in flight at once per account (40209). Default 30. */
    readonly simultaneous?: number | undefined
    /** Identical tasks allowed per hour (40205). Default: no limit. */
    readonly duplicateTasksPerHour?: number | undefined
    /** Identical tasks allowed per day (40206). Default: no limit. */
    readonly duplicateTasksPerDay?: number | undefined
  } | undefined
  readonly faults?: FaultOptions | undefined
  /** Seed of every generated value (results, ids, random faults). Default 1. */
  readonly seed?: number | undefined
  /**
   * The share of task_get results, and of the items in them, that leave optional descriptive fields out
   * (`pages_count`, `check_url`, an item's `title`, ...), as the real API sometimes does. In [0, 1],
   * seeded. Default 0: every field is sent.
   */
  readonly sparse?: number | undefined
  /** How long things are kept. Defaults from the reference: 30 days, html 7, tasks_ready 3, errors 7. */
  readonly retention?: {
    readonly results?: Duration.DurationInput | undefined
    readonly html?: Duration.DurationInput | undefined
    readonly tasksReady?: Duration.DurationInput | undefined
    readonly errors?: Duration.DurationInput | undefined
  } | undefined
  /** Server time spent on every accepted call (makes simultaneous requests observable). Default 0. */
  readonly latency?: Duration.DurationInput | undefined
  /** Delay of a `slow_reply` fault. Default 5 minutes. */
  readonly slowReply?: Duration.DurationInput | undefined
  /**
   * The order of the tasks of a task_post reply, which the API does not document: `"sent"` (default), or
   * `"reversed"`, to check that a client matches each task to its submission by what the task echoes.
   */
  readonly replyOrder?: "sent" | "reversed" | undefined
  /**
   * What a task_post reply echoes of each created task in `data`: `"full"` (default: the request, `tag`
   * included), `"without_tag"` (the request without its `tag`), or `"none"` (`data` is `null`). The API
   * documents the echo but not that it always carries the tag: a client must not lose a created task for it.
   */
  readonly taskPostEcho?: "full" | "without_tag" | "none" | undefined
  /**
   * How long a posted task takes to show in id_list. Default 0. Whether the real API lists a task at once
   * is not documented: a lag checks that a client looking a task up after a lost reply gives id_list time.
   */
  readonly idListLag?: Duration.DurationInput | undefined
  /** How long a webhook receiver has to answer (§7). Default 10 s. */
  readonly webhookTimeout?: Duration.DurationInput | undefined
  /** The client that delivers pingbacks and postbacks. Default: fetch (layer) or `UndiciHttpClient` (serve). */
  readonly webhookClient?: HttpClient.HttpClient | undefined
}

/** The options with every default applied, durations in milliseconds. */
export interface ResolvedOptions {
  readonly engines: ReadonlyArray<AnyEngine>
  readonly accounts: ReadonlyArray<SandboxAccount>
  readonly prices: { readonly normal: number; readonly high: number; readonly extraPageFactor: number }
  readonly queueDelay: { readonly normal: number; readonly high: number }
  readonly perMinute: { readonly [F in SandboxFunction]: number }
  readonly simultaneous: number
  /** The limits' window, ms. */
  readonly window: number
  readonly duplicateTasksPerHour: number
  readonly duplicateTasksPerDay: number
  readonly faults: FaultOptions
  readonly seed: number
  /** The share of sparse results, in [0, 1]. */
  readonly sparse: number
  readonly retention: {
    readonly results: number
    readonly html: number
    readonly tasksReady: number
    readonly errors: number
  }
  readonly latency: number
  readonly slowReply: number
  readonly replyOrder: "sent" | "reversed"
  readonly taskPostEcho: "full" | "without_tag" | "none"
  readonly idListLag: number
  readonly webhookTimeout: number
}

const DAY = 24 * 60 * 60 * 1000

const millis = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.decode(input))

/** The engines served when none are given. */
export const defaultEngines: ReadonlyArray<AnyEngine> = [NaverOrganic.engine, GoogleOrganic.engine]

/** Applies the defaults. */
export const resolve = (options: SandboxOptions = {}): ResolvedOptions => {
  const perMinute = options.limits?.perMinute ?? {}
  return {
    engines: options.engines ?? defaultEngines,
    accounts: options.accounts ?? [{ login: "sandbox", password: "sandbox", balance: 100 }],
    prices: {
      normal: options.prices?.normal ?? 0.0006,
      high: options.prices?.high ?? 0.0012,
      extraPageFactor: options.prices?.extraPageFactor ?? 0.75
    },
    queueDelay: {
      normal: millis(options.queueDelay?.normal, 2_000),
      high: millis(options.queueDelay?.high, 500)
    },
    perMinute: {
      task_post: perMinute.task_post ?? 2_000,
      tasks_ready: perMinute.tasks_ready ?? 20,
      task_get: perMinute.task_get ?? 2_000,
      id_list: perMinute.id_list ?? 2_000,
      errors: perMinute.errors ?? 2_000,
      webhook_resend: perMinute.webhook_resend ?? 2_000,
      user_data: perMinute.user_data ?? 2_000
    },
    simultaneous: options.limits?.simultaneous ?? 30,
    window: millis(options.limits?.window, 60_000),
    duplicateTasksPerHour: options.limits?.duplicateTasksPerHour ?? Infinity,
    duplicateTasksPerDay: options.limits?.duplicateTasksPerDay ?? Infinity,
    faults: options.faults ?? {},
    seed: options.seed ?? 1,
    sparse: Math.min(1, Math.max(0, options.sparse ?? 0)),
    retention: {
      results: millis(options.retention?.results, 30 * DAY),
      html: millis(options.retention?.html, 7 * DAY),
      tasksReady: millis(options.retention?.tasksReady, 3 * DAY),
      errors: millis(options.retention?.errors, 7 * DAY)
    },
    latency: millis(options.latency, 0),
    slowReply: millis(options.slowReply, 5 * 60_000),
    replyOrder: options.replyOrder ?? "sent",
    taskPostEcho: options.taskPostEcho ?? "full",
    idListLag: millis(options.idListLag, 0),
    webhookTimeout: millis(options.webhookTimeout, 10_000)
  }
}
