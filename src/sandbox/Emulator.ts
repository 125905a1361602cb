/**
 * The DataForSEO emulator: accounts, billing, the task queue, tasks_ready, task_get, id_list, the errors
 * endpoint, webhook_resend, user_data, the limits with their codes, and injected faults, as one state
 * machine over Effect's Clock. It answers plain requests (`handle`) with plain replies; `Sandbox` serves
 * it as an in-process `HttpClient` or over loopback.
 *
 * Time is read from the Clock of the calling fiber and the queue is computed from timestamps (a task is
 * done when `now >= postedAt + delay`), so `TestClock.adjust` moves every task forward with no background
 * work. Only webhook delivery runs in a fiber (see `internal/webhookDelivery`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { RequestFault, SandboxFunction, TaskFault } from "./Faults.js"
import * as internal from "./internal/emulator.js"
import type { WebhookSource } from "./internal/webhookDelivery.js"
import type { ResolvedOptions, SandboxOptions } from "./Options.js"

/** A request as the emulator sees it, whatever carried it. Header names are lower case. */
export interface EmulatorRequest {
  readonly method: string
  /** Absolute URL, or a path starting with `/v3/`. */
  readonly url: string
  readonly headers: { readonly [name: string]: string | undefined }
  readonly body: Uint8Array | undefined
}

/** The emulator's answer: a reply, or a connection dropped without one. */
export type EmulatorResponse =
  | {
    readonly _tag: "Reply"
    readonly status: number
    readonly headers: { readonly [name: string]: string }
    /** The JSON text, or bytes (a gzip body). */
    readonly body: string | Uint8Array
  }
  | { readonly _tag: "Drop" }

/** Tasks and money for one tag or one keyword. */
export interface TaskTally {
  readonly created: number
  readonly billed: number
  readonly cost: number
}

/** Calls of one function: received (faulted and unauthorized ones included), refused by a limit, and the busiest window. */
export interface CallTally {
  readonly calls: number
  readonly rejected: number
  /** The highest number of calls received in any window of the limits (one minute unless `limits.window` says otherwise). */
  readonly peakPerMinute: number
}

/** A snapshot of what the emulator has done, for tests' assertions. */
export interface SandboxStats {
  readonly tasksCreated: number
  readonly tasksBilled: number
  readonly totalCost: number
  readonly byTag: ReadonlyMap<string, TaskTally>
  readonly byKeyword: ReadonlyMap<string, TaskTally>
  readonly calls: { readonly [F in SandboxFunction]: CallTally }
  readonly webhooks: { readonly delivered: number; readonly failed: number }
}

/** One task as the emulator holds it. */
export interface TaskInfo {
  readonly id: string
  readonly login: string
  readonly engine: string
  readonly keyword: string
  readonly tag: string | undefined
  readonly priority: 1 | 2
  readonly depth: number
  readonly postedAt: number
  readonly doneAt: number
  readonly cost: number
  readonly collected: boolean
  readonly fault: TaskFault | undefined
}

/** The emulator's interface. */
export interface Service {
  /** Answers one API request. Runs in the caller's fiber, on its Clock. */
  readonly handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>
  /** What has been created, billed and called so far. */
  readonly stats: Effect.Effect<SandboxStats>
  /** One task by id. */
  readonly task: (id: string) => Effect.Effect<Option.Option<TaskInfo>>
  /** Every task of every account, in posting order. */
  readonly tasks: Effect.Effect<ReadonlyArray<TaskInfo>>
  /** The balance of an account. */
  readonly balance: (login: string) => Effect.Effect<Option.Option<number>>
  /** Appends faults to the script of a function: its next calls get them in order. */
  readonly scriptFaults: (fn: SandboxFunction, faults: ReadonlyArray<RequestFault | "none">) => Effect.Effect<void>
  /** Appends execution faults for the next created tasks. */
  readonly scriptTaskFaults: (faults: ReadonlyArray<TaskFault | "none">) => Effect.Effect<void>
  /** The queue of webhook deliveries, consumed by the webhook delivery loop. */
  readonly webhooks: WebhookSource
  /** The options in force. */
  readonly options: ResolvedOptions
}

/** The emulator as a service, for tests that inspect it or script faults. */
export class Emulator extends Context.Tag("effect-dataforseo/sandbox/Emulator")<Emulator, Service>() {}

/**
 * Builds an emulator. The state lives in this object; share it between an in-process client and a
 * loopback server by building it once.
 *
 * @example
 * const emulator = yield* Emulator.make({ queueDelay: { normal: 0 } })
 * const reply = yield* emulator.handle({ method: "GET", url: "/v3/appendix/user_data", headers, body: undefined })
 */
export const make: (input?: SandboxOptions) => Effect.Effect<Service> = internal.make
