/**
 * The state of one poller as its sections share it: its settings, its services, the tasks it waits for and
 * their engines. Each section is a set of top-level functions of this record.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Cause from "effect/Cause"
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import type { Service as Client } from "../../DataForSeoClient.js"
import type { DataForSeoError } from "../../DataForSeoError.js"
import type { EnginePaths, ResultFormat } from "../../Engine.js"
import type * as Pacer from "../../Pacer.js"
import type { Oldest } from "../../Progress.js"
import type { LedgerStoreError, TaskLedger } from "../../TaskLedger.js"
import type { PollError } from "../../TaskPoller.js"
import type { Alarm, Alarms } from "../alarms.js"
import type { Fifo } from "../fifo.js"

/** What the poller needs of an engine: its name and its paths. */
export interface EngineRef {
  readonly name: string
  readonly paths: EnginePaths
}

/** One of the poller's workers: its fiber (once forked), and the wait whose call it makes, until when. */
export interface Worker {
  fiber: Fiber.RuntimeFiber<never> | undefined
  deadline: number | undefined
  watch: Watch | undefined
}

/** The keeper's work: workers stopped, to replace; waits whose call passed its deadline; the deadlines' alarm. */
export interface Keeper {
  readonly latch: Effect.Latch
  lost: number
  late: Array<Watch>
  /** Set when the alarm rang: calls past their deadline are to stop. */
  check: boolean
  /** task_get calls in course. */
  calls: number
  alarm: Alarm | undefined
  alarmAt: number
}

/** What a task_get call for a wait leaves to do: nothing (it ended the wait), or wait, or retry. */
export type Verdict =
  | { readonly _tag: "Ended" | "Wait" }
  | { readonly _tag: "Retry"; readonly error: DataForSeoError }

/** Where a wait stands. */
export type WatchState = "sleeping" | "due" | "fetching" | "done"

/**
 * One wait for one task's result. Several waits may share a task id (other formats, other callers). A wait is
 * plain data: it sleeps on an alarm, is queued as due when its alarm rings or its task shows ready, and the
 * poller's workers ask task_get for it. Its caller's fiber is parked until `resume` hands it the outcome.
 */
export interface Watch {
  readonly id: string
  readonly engine: EngineRef
  readonly format: ResultFormat
  /** The caller's span: the task_get calls made for the wait are its children. */
  readonly parent: Option.Option<Tracer.AnySpan>
  /** One task_get call; on a result or a final error it ends the wait and hands the caller its outcome. */
  readonly call: Effect.Effect<Verdict>
  /** Hands the caller a failure. */
  readonly fail: (cause: Cause.Cause<PollError>) => void
  /** When the wait began (epoch ms). */
  readonly since: number
  state: WatchState
  /** The alarm of a sleeping wait. */
  alarm: Alarm | undefined
  /** The worker whose task_get call for the wait is in course. */
  inFlight: Worker | undefined
  /** Set by a wake-up during a task_get call: the wait asks again at once if the task was not ready. */
  woken: boolean
  /** task_get calls made for this wait. */
  asked: number
  /** "Not yet" replies in a row, and transient failures in a row. */
  waits: number
  failures: number
  /** Whether the ledger holds this task ready (or was asked to record it). */
  recorded: boolean
  /** Set when recording the task ready failed in the store: the wait ends with it. */
  failure: LedgerStoreError | undefined
}

/** One poller: made once by `make`, passed to every section. */
export interface Poller {
  readonly client: Client
  readonly ledger: TaskLedger.Service
  readonly readyPacer: Pacer.Pacer
  readonly getPacer: Pacer.Pacer
  /** Wakes waits whose delay has passed. */
  readonly alarms: Alarms
  /** task_get calls in flight at once: the number of workers. */
  readonly concurrency: number
  /** Waits due for a task_get call, in the order they became due. */
  readonly due: Fifo<Watch>
  /** Open while waits are due: idle workers wait on it. */
  readonly dueLatch: Effect.Latch
  /** The workers in course. */
  readonly workers: Set<Worker>
  /** Milliseconds a task_get call may take: a call still going then is stopped, and asked again. */
  readonly requestTimeout: number
  /** What the keeper fiber has to do; its latch is open while there is something. */
  readonly keeper: Keeper
  /** Open while tasks are outstanding: the tasks_ready loop waits on it. */
  readonly busy: Effect.Latch
  /** Milliseconds before a task is asked for directly. */
  readonly expectedWait: number
  /** Milliseconds of the first wait after "not yet", and of the longest. */
  readonly backoff: number
  readonly maxBackoff: number
  /** Milliseconds of the first wait after a transient failure. */
  readonly retryDelay: number
  readonly maxFailures: number
  readonly maxOutstanding: number
  /** The waits by task id. */
  readonly watches: Map<string, Array<Watch>>
  /** Outstanding waits by engine name, with the engine. */
  readonly engines: Map<string, { readonly engine: EngineRef; count: number }>
  /** Outstanding waits in all. */
  count: number
  /** Tasks seen ready since the poller was built. */
  seenReady: number
  /**
   * Ids a caller said ready before anyone waited for them (a pingback ahead of the wait), oldest first, at most
   * `earlySignals`: a wait for one of them asks task_get at once.
   */
  readonly early: Set<string>
}

/** How many early ready signals the poller keeps. */
export const earlySignals = 10_000

/** What a new wait is for. */
export interface WatchFor {
  readonly engine: EngineRef
  readonly id: string
  readonly format: ResultFormat
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly call: Watch["call"]
  readonly fail: Watch["fail"]
}

/** A new wait, registered (not yet due): the tasks_ready loop starts if it was idle. */
export const register = (poller: Poller, what: WatchFor, since: number): Watch => {
  // every field written out, in one order: each wait has the same shape (a spread gives each a slower one)
  const watch: Watch = {
    id: what.id,
    engine: what.engine,
    format: what.format,
    parent: what.parent,
    call: what.call,
    fail: what.fail,
    since,
    state: "sleeping",
    alarm: undefined,
    inFlight: undefined,
    woken: false,
    asked: 0,
    waits: 0,
    failures: 0,
    recorded: false,
    failure: undefined
  }
  const same = poller.watches.get(what.id)
  // one wait per task, most often: an array of one is lighter than a set
  if (same === undefined) poller.watches.set(what.id, [watch])
  else same.push(watch)
  const counted = poller.engines.get(what.engine.name)
  if (counted === undefined) poller.engines.set(what.engine.name, { engine: what.engine, count: 1 })
  else counted.count++
  poller.count++
  poller.busy.unsafeOpen()
  return watch
}

/** Removes a wait. The tasks_ready loop closes its latch itself once nothing is outstanding. */
export const unregister = (poller: Poller, watch: Watch): void => {
  const same = poller.watches.get(watch.id)
  const index = same === undefined ? -1 : same.indexOf(watch)
  if (same === undefined || index === -1) return
  same.splice(index, 1)
  if (same.length === 0) poller.watches.delete(watch.id)
  const counted = poller.engines.get(watch.engine.name)
  if (counted !== undefined && --counted.count === 0) poller.engines.delete(watch.engine.name)
  poller.count--
}

/** Queues a wait for a task_get call. */
export const enqueue = (poller: Poller, watch: Watch): void => {
  watch.alarm?.cancel()
  watch.alarm = undefined
  watch.state = "due"
  poller.due.push(watch)
  poller.dueLatch.unsafeOpen()
}

/** The next wait due, if any: waits that ended while queued are passed over. */
export const takeDue = (poller: Poller): Watch | undefined => {
  for (let watch = poller.due.shift(); watch !== undefined; watch = poller.due.shift()) {
    if (watch.state === "due") return watch
  }
  return undefined
}

/**
 * Wakes a wait: it asks task_get now. A wait backing off after a failure sleeps its backoff in full (tasks_ready
 * lists a task until it is collected, and would retry a failing server at its pace); one in a call asks again
 * at once if the call says "not yet".
 */
export const wake = (poller: Poller, watch: Watch): void => {
  if (watch.state === "fetching") watch.woken = true
  else if (watch.state === "sleeping" && watch.failures === 0) enqueue(poller, watch)
}

/** The task waited for longest: the first id of `watches` (ids are kept in the order their first wait began). */
export const oldest = (poller: Poller): Oldest | undefined => {
  for (const [taskId, same] of poller.watches) {
    for (const watch of same) return { taskId, since: watch.since }
  }
  return undefined
}
