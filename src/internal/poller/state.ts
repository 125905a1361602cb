/**
 * The state of one poller as its sections share it: its settings, its services, the tasks it waits for and
 * their engines. Each section is a set of top-level functions of this record.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Service as Client } from "../../DataForSeoClient.js"
import type { EnginePaths } from "../../Engine.js"
import type * as Pacer from "../../Pacer.js"
import type { Oldest } from "../../Progress.js"
import type { LedgerStoreError, TaskLedger } from "../../TaskLedger.js"
import type { Alarms } from "../alarms.js"
import type { Permits } from "../permits.js"

/** What the poller needs of an engine: its name and its paths. */
export interface EngineRef {
  readonly name: string
  readonly paths: EnginePaths
}

/** One wait for one task's result. Several waits may share a task id (other formats, other callers). */
export interface Watch {
  readonly id: string
  readonly engine: EngineRef
  /** When the wait began (epoch ms). */
  readonly since: number
  /** Completed to wake the wait: the task shows ready, or it is time to ask task_get. Replaced after each wake. */
  signal: Deferred.Deferred<void>
  /** task_get calls made for this wait. */
  asked: number
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
  /** One permit per task_get call that may be in flight. */
  readonly getPermits: Permits
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
  readonly watches: Map<string, Set<Watch>>
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

/** A new wait for `id`, registered: the tasks_ready loop starts if it was idle. */
export const register = (poller: Poller, engine: EngineRef, id: string): Effect.Effect<Watch> =>
  Effect.zipWith(Deferred.make<void>(), Clock.currentTimeMillis, (signal, since) => {
    const watch: Watch = { id, engine, since, signal, asked: 0, recorded: false, failure: undefined }
    if (poller.early.delete(id)) Deferred.unsafeDone(signal, Exit.void)
    const same = poller.watches.get(id)
    if (same === undefined) poller.watches.set(id, new Set([watch]))
    else same.add(watch)
    const counted = poller.engines.get(engine.name)
    if (counted === undefined) poller.engines.set(engine.name, { engine, count: 1 })
    else counted.count++
    poller.count++
    poller.busy.unsafeOpen()
    return watch
  })

/** Removes a wait. The tasks_ready loop closes its latch itself once nothing is outstanding. */
export const unregister = (poller: Poller, watch: Watch): Effect.Effect<void> =>
  Effect.sync(() => {
    const same = poller.watches.get(watch.id)
    if (same === undefined || !same.delete(watch)) return
    if (same.size === 0) poller.watches.delete(watch.id)
    const counted = poller.engines.get(watch.engine.name)
    if (counted !== undefined && --counted.count === 0) poller.engines.delete(watch.engine.name)
    poller.count--
  })

/** The task waited for longest: the first id of `watches` (ids are kept in the order their first wait began). */
export const oldest = (poller: Poller): Oldest | undefined => {
  for (const [taskId, same] of poller.watches) {
    for (const watch of same) return { taskId, since: watch.since }
  }
  return undefined
}

/** Wakes a wait: it asks task_get now. */
export const wake = (watch: Watch): Effect.Effect<boolean> => Deferred.succeed(watch.signal, undefined)
