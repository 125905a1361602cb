/**
 * Faults the sandbox can inject, per function, by probability or by script, so that tests can prove a
 * client survives what the real API and the network do: server errors, dropped connections (before the
 * request is processed, or after the tasks were created and billed: the ambiguous case), replies slower
 * than the client's timeout, broken JSON, and tasks that fail at execution (40101, 40103).
 *
 * @example
 * // the second task_post call loses its connection after the tasks were created
 * Sandbox.layer({ faults: { script: { task_post: ["none", "drop_after_processing"] } } })
 *
 * @since 0.1.0
 */
import { Prng } from "./internal/seeded.js"

/** The functions the sandbox counts, limits and can fault, one name per rate-limit bucket. */
export type SandboxFunction =
  | "task_post"
  | "tasks_ready"
  | "task_get"
  | "id_list"
  | "errors"
  | "webhook_resend"
  | "user_data"

/** Every sandbox function, in a stable order. */
export const functions: ReadonlyArray<SandboxFunction> = [
  "task_post",
  "tasks_ready",
  "task_get",
  "id_list",
  "errors",
  "webhook_resend",
  "user_data"
]

/**
 * A fault of a whole call:
 * - `http_500`: HTTP 500 (the request is not processed);
 * - `internal_error`: HTTP 200 with the request-level code 50000 (not processed);
 * - `rate_limited`: HTTP 200 with the request-level code 40202, as if another client of the account had
 *   used the minute's calls (not processed);
 * - `drop_before_processing`: the connection is dropped, nothing happened on the server;
 * - `drop_after_processing`: the call is processed (tasks created and billed), then the connection drops;
 * - `slow_reply`: the call is processed, the reply comes after `slowReplyMillis`;
 * - `truncated_json` / `malformed_json`: the call is processed, the body is cut or broken;
 * - `truncated_gzip`: the call is processed, the body is sent gzip-compressed and cut short.
 */
export type RequestFault =
  | "http_500"
  | "internal_error"
  | "rate_limited"
  | "drop_before_processing"
  | "drop_after_processing"
  | "slow_reply"
  | "truncated_json"
  | "malformed_json"
  | "truncated_gzip"

/** A fault of one task at execution: `se_error` is 40101 (billed), `execution_failed` is 40103. */
export type TaskFault = "se_error" | "execution_failed"

/** Fault settings. Scripts are consumed one entry per call (per task for `tasks`), before probabilities apply. */
export interface FaultOptions {
  /** Per function, the probability of each fault on a call. */
  readonly probability?: { readonly [F in SandboxFunction]?: { readonly [K in RequestFault]?: number } }
  /** Per function, the faults of its next calls in order; `"none"` lets a call through. */
  readonly script?: { readonly [F in SandboxFunction]?: ReadonlyArray<RequestFault | "none"> }
  /** Per created task, the probability of each execution fault. */
  readonly taskProbability?: { readonly [K in TaskFault]?: number }
  /** The execution faults of the next created tasks in order; `"none"` lets a task through. */
  readonly taskScript?: ReadonlyArray<TaskFault | "none">
}

/** The mutable fault state of one emulator: scripts being consumed, and a seeded generator for chances. */
export class FaultInjector {
  private readonly scripts = new Map<SandboxFunction, Array<RequestFault | "none">>()
  private readonly taskScript: Array<TaskFault | "none">
  private readonly rng: Prng
  constructor(private readonly options: FaultOptions, seed: number) {
    this.rng = new Prng(seed ^ 0x5bd1e995)
    for (const [fn, script] of Object.entries(options.script ?? {})) {
      const name = functions.find((f) => f === fn)
      if (name !== undefined && script !== undefined) this.scripts.set(name, [...script])
    }
    this.taskScript = [...(options.taskScript ?? [])]
  }

  /** Appends faults to a function's script (tests call this between calls). */
  script(fn: SandboxFunction, faults: ReadonlyArray<RequestFault | "none">): void {
    const script = this.scripts.get(fn) ?? []
    script.push(...faults)
    this.scripts.set(fn, script)
  }

  /** Appends execution faults for the next created tasks. */
  scriptTasks(faults: ReadonlyArray<TaskFault | "none">): void {
    this.taskScript.push(...faults)
  }

  /** The fault of the next call of `fn`, if any. */
  nextRequestFault(fn: SandboxFunction): RequestFault | undefined {
    const script = this.scripts.get(fn)
    if (script !== undefined && script.length > 0) {
      const next = script.shift()
      return next === "none" ? undefined : next
    }
    const chances = this.options.probability?.[fn]
    if (chances === undefined) return undefined
    for (const [fault, probability] of Object.entries(chances)) {
      if (probability !== undefined && probability > 0 && this.rng.chance(probability)) {
        return requestFaults.find((f) => f === fault)
      }
    }
    return undefined
  }

  /** The execution fault of the next created task, if any. */
  nextTaskFault(): TaskFault | undefined {
    if (this.taskScript.length > 0) {
      const next = this.taskScript.shift()
      return next === "none" ? undefined : next
    }
    const chances = this.options.taskProbability
    if (chances === undefined) return undefined
    if ((chances.se_error ?? 0) > 0 && this.rng.chance(chances.se_error ?? 0)) return "se_error"
    if ((chances.execution_failed ?? 0) > 0 && this.rng.chance(chances.execution_failed ?? 0)) return "execution_failed"
    return undefined
  }
}

/** Every fault a call can be given. */
export const requestFaults: ReadonlyArray<RequestFault> = [
  "http_500",
  "internal_error",
  "rate_limited",
  "drop_before_processing",
  "drop_after_processing",
  "slow_reply",
  "truncated_json",
  "malformed_json",
  "truncated_gzip"
]

/**
 * Every fault on `share` of the calls in all, each as likely as the others: a function's entry of
 * `probability`, e.g. `{ probability: { task_post: everyFault(0.1) } }`.
 */
export const everyFault = (share: number): { readonly [K in RequestFault]?: number } =>
  Object.fromEntries(requestFaults.map((fault) => [fault, share / requestFaults.length]))
