/**
 * The state of one batcher as its sections share it: its settings, its services, and the few fields that
 * change (money, the key sequence, the lanes and their busy tags, the callers' keys in flight). Each section
 * is a set of top-level functions that take this record, so that what a function reads and writes shows
 * in its signature.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import type { Service as Client } from "../../DataForSeoClient.js"
import type { StatusError } from "../../DataForSeoError.js"
import type { PostOutcomeUnknownError } from "../../DataForSeoError.js"
import type { TaskJson } from "../../Engine.js"
import type * as Money from "../../Money.js"
import type * as Pacer from "../../Pacer.js"
import type * as Prices from "../../Prices.js"
import type { OutcomePolicy, PostedTask, SubmitError } from "../../TaskBatcher.js"
import type { IntentInput, PostedInput, TaskLedger } from "../../TaskLedger.js"
import type { Waits } from "../waits.js"
import type { Lane } from "./lane.js"
import type { Passes } from "./reconcile.js"

/** One outcome, as the batcher hands it back. */
export type Done = (exit: Exit.Exit<PostedTask, SubmitError>) => void

/** A task admitted and not yet resolved; also its ledger intent, as it is (no copy per task). */
export interface Pending extends IntentInput {
  /** The task's JSON, exactly as sent. */
  readonly request: TaskJson
  readonly tag: string
  /**
   * Whether the tag may repeat: a caller's tag, or one made from a caller's key. Only such tags are tracked
   * in `busy`; a tag made from the batcher's own sequence is unique.
   */
  readonly tracked: boolean
  /** What the task is estimated to cost, reserved against the budget until its outcome is known. */
  readonly estimate: Money.Micros
  /** Called once, with the task's outcome: completing a fiber per task would cost more than the work. */
  readonly done: Done
}

/** One task's outcome, as `submitAll` returns it. */
export type Outcome = Either.Either<PostedTask, SubmitError>

/** What a `PostOutcomeUnknownError` carries beside its cause in words. */
export type Unknown = Pick<PostOutcomeUnknownError, "reason" | "unmatched">

/** A task DataForSEO created for a submission: also its ledger entry, as it is (no copy per task). */
export interface Created extends PostedInput {
  readonly pending: Pending
}

/** A task the API refused or failed: its error, and whether (and how much) it was billed. */
export type Failed = readonly [Pending, StatusError, { billed: boolean; cost: number }]

/** A caller's key being admitted or posted: the task it names, and the later submissions waiting for its outcome. */
export interface KeyInFlight {
  readonly engine: string
  readonly request: TaskJson
  readonly waiters: Array<Done>
}

/** One batcher: made once by `make`, passed to every section. */
export interface Batcher {
  readonly runId: string
  /** Keys the batcher makes itself are `<keyPrefix><n>`: `<runId>:<instance>:`. */
  readonly keyPrefix: string
  /** How long a partial batch waits for more tasks. */
  readonly window: Duration.Duration
  readonly policy: OutcomePolicy
  readonly prices: Prices.Table
  readonly maxAttempts: number
  /** First backoff after a refused POST, doubled each time. */
  readonly backoff: Duration.Duration
  /** Tasks per POST at most. */
  readonly maxTasks: number
  readonly budget: Money.Micros | undefined
  /** How many tasks of one `submitAll` may be admitted and unresolved at once. */
  readonly admissionWindow: number
  /** Groups of a `submitStream` in hand at once. */
  readonly streamInHand: number
  readonly client: Client
  readonly ledger: TaskLedger.Service
  readonly pacer: Pacer.Pacer
  /** One permit per request that may be in flight. */
  readonly inFlight: Effect.Semaphore
  /** The batcher's scope: packers, batches and id_list passes live in it. */
  readonly scope: Scope.Scope
  readonly passes: Passes
  /** The last number used in a key the batcher made. */
  sequence: number
  /** USD charged in this run, as the ledger records it, in micro-dollars. */
  spent: Money.Micros
  /** What admitted tasks are estimated to cost until their outcomes are known. */
  reserved: Money.Micros
  /** Set as the batcher's scope closes: from then on no task is queued, and no packer started. */
  closed: boolean
  /** Each engine's lane of tasks waiting to be packed. */
  readonly lanes: Map<string, Lane<Pending>>
  /** Tags of the tasks packed and not yet resolved. A task whose tag is busy waits, so replies and id_list stay unambiguous. */
  readonly busy: Set<string>
  /**
   * Callers' keys being admitted or posted. A key is never looked up, nor posted, twice at once (that would
   * be a second, billed, task).
   */
  readonly keyWaiters: Map<string, KeyInFlight>
  /** The waits in course (reconciling, backing off), for `Progress`. */
  readonly waits: Waits
}
