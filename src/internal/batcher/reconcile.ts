/**
 * Reconciliation through id_list: finding, by their tags, the tasks that POSTs of unknown outcome created.
 * `postedSince` pages through id_list. `listedSince` shares one pass among the batches of unknown outcome of
 * a burst of faults. `listedForResume` keeps one pass for the resumed keys it covers. Their inputs are
 * explicit (a client, a scope, a `Passes` record), so that other pipelines that resume posted work can
 * use them too.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Service as Client } from "../../DataForSeoClient.js"
import type { DataForSeoError } from "../../DataForSeoError.js"
import { formatApiDateTime, IdListItem, type IdListRequest } from "../../IdList.js"
import type { TaskLedger } from "../../TaskLedger.js"

/** The tasks an id_list pass found, by tag. */
export type Listed = ReadonlyMap<string, ReadonlyArray<{ id: string; cost: number }>>

/** An id_list pass and the reconciliations waiting for its answer; `since` can still move back until it starts. */
interface Pass {
  since: number
  readonly found: Deferred.Deferred<Listed, DataForSeoError>
}

/** The last id_list pass made for resumed keys: the tasks posted from `since` to `until`, when it last served. */
interface ResumePass {
  readonly since: number
  readonly until: number
  readonly found: Listed
  usedAt: number
}

/** The id_list passes of one batcher, and what they need. Made by `makePasses`, changed only here. */
export interface Passes {
  readonly client: Client
  /** The scope passes run in: a caller interrupted meanwhile does not leave the others waiting. */
  readonly scope: Scope.Scope
  /** How long id_list is given to list a task whose POST outcome is unknown. */
  readonly settleDelay: Duration.Duration
  /** Resumed keys are looked up one after the other, so that one pass serves them all. */
  readonly resumeLock: Effect.Semaphore
  /**
   * When the batcher started, or later met a POST of unknown outcome: every POST of an intent still
   * without outcome (from an earlier process, or given up on here) was sent before then.
   */
  lastUnknownAt: number
  /** The pass that has not started yet: reconciliations that ask now join it. */
  gathering: Pass | undefined
  /** Ends when the last pass made has ended: passes run one at a time. */
  previousPass: Effect.Effect<void>
  /**
   * The last pass made for resumed keys. It may list every task of a busy account's window: `forgetPass`
   * drops it once a minute has passed without a resume, rather than the batcher holding it for ever.
   */
  resumePass: ResumePass | undefined
  /** Whether `forgetPass` is running. */
  forgetting: boolean
}

/** The passes of a batcher that starts now. */
export const makePasses = (client: Client, scope: Scope.Scope, settleDelay: Duration.Duration): Effect.Effect<Passes> =>
  Effect.gen(function*() {
    return {
      client,
      scope,
      settleDelay,
      resumeLock: yield* Effect.makeSemaphore(1),
      lastUnknownAt: yield* Clock.currentTimeMillis,
      gathering: undefined,
      previousPass: Effect.void,
      resumePass: undefined,
      forgetting: false
    }
  })

/** Notes that a POST of unknown outcome was met now: later resumes list the tasks posted up to now. */
export const markUnknown = (passes: Passes): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.sync(() => {
      passes.lastUnknownAt = Math.max(passes.lastUnknownAt, now)
    }))

/** Tasks of the account posted from `since` to `until` (default: now), by id_list with metadata, grouped by tag. */
export const postedSince = (client: Client, since: number, until?: number) =>
  Effect.gen(function*() {
    const to = until ?? (yield* Clock.currentTimeMillis)
    const found = new Map<string, Array<{ id: string; cost: number }>>()
    for (let offset = 0;; offset += 1000) {
      const request: IdListRequest = {
        datetime_from: formatApiDateTime(new Date(since - 60_000)),
        datetime_to: formatApiDateTime(new Date(to + 60_000)),
        limit: 1000,
        offset,
        sort: "asc",
        include_metadata: true
      }
      const reply = yield* client.post("/v3/serp/id_list", [request], IdListItem, { retry: "transient" })
      const items = reply.tasks[0]?.result ?? []
      for (const item of items) {
        const tag = item.metadata?.["tag"]
        if (typeof tag !== "string") continue
        const listed = found.get(tag) ?? []
        listed.push({ id: item.id, cost: item.cost ?? 0 })
        found.set(tag, listed)
      }
      if (items.length < 1000) return found
    }
  })

/** How long an id_list pass waits for other reconciliations to join it: a second more on top of `settleDelay`. */
const passGathering = Duration.seconds(1)

/**
 * `postedSince`, shared. A pass pages through every task the account posted in its window, so one pass
 * per batch of unknown outcome would multiply id_list calls when faults come in bursts. Instead, at most
 * one pass runs at a time, and a pass starts `passGathering` after the first ask (and once the running
 * one has ended): every reconciliation that asks meanwhile joins it, and it answers them all from the
 * earliest `since` among them.
 */
export const listedSince = (passes: Passes, since: number): Effect.Effect<Listed, DataForSeoError> =>
  // a pass is made and forked in one uninterruptible step: a pass made and never run would hold every
  // later reconciliation for ever
  Effect.uninterruptibleMask((restore) =>
    Effect.suspend(() => {
      const joined = passes.gathering
      if (joined !== undefined) {
        joined.since = Math.min(joined.since, since)
        return restore(Deferred.await(joined.found))
      }
      const pass: Pass = { since, found: Deferred.unsafeMake(FiberId.none) }
      const ended = Deferred.unsafeMake<void>(FiberId.none)
      const after = passes.previousPass
      passes.gathering = pass
      passes.previousPass = Deferred.await(ended)
      const run = after.pipe(
        Effect.zipRight(Effect.sleep(passGathering)), // the other batches of a burst of faults join it meanwhile
        Effect.zipRight(
          Effect.suspend(() => {
            passes.gathering = undefined
            return postedSince(passes.client, pass.since)
          })
        ),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            if (passes.gathering === pass) passes.gathering = undefined // interrupted before it started
            return Deferred.done(pass.found, exit)
          })
        ),
        Effect.ensuring(Deferred.done(ended, Exit.void))
      )
      // the pass runs in the batcher's scope (interruptible, as the scope must be able to close): a caller
      // interrupted meanwhile does not leave the others waiting
      return Effect.zipRight(
        Effect.forkIn(Effect.interruptible(run), passes.scope),
        restore(Deferred.await(pass.found))
      )
    })
  )

/** How long the last resume pass is kept after it last served. */
const passKeptFor = Duration.toMillis(Duration.minutes(1))

/** Drops the resume pass once it has not served for `passKeptFor`. */
const forgetPass = (passes: Passes) =>
  Effect.gen(function*() {
    for (;;) {
      const wait = passes.resumePass === undefined
        ? 0
        : passes.resumePass.usedAt + passKeptFor - (yield* Clock.currentTimeMillis)
      if (wait <= 0) break
      yield* Effect.sleep(Duration.millis(wait))
    }
    passes.resumePass = undefined
    passes.forgetting = false
  })

/**
 * id_list for a resumed key whose intent (recorded at `intentAt`) has no known outcome. That intent may
 * come from a process that crashed mid-POST, or from a batch this batcher gave up on: either way its
 * POSTs were sent before `lastUnknownAt`, so the pass lists the tasks posted up to then, once
 * `settleDelay` has passed since (id_list has had the time to list them). One pass serves every resumed
 * key it covers (keys are resumed one after the other, so resuming thousands pages through id_list once,
 * not once per key); a key whose intent is older than the pass, or an unknown outcome met since, makes a
 * new one.
 */
export const listedForResume = (passes: Passes, intentAt: number): Effect.Effect<Listed, DataForSeoError> =>
  passes.resumeLock.withPermits(1)(
    Effect.gen(function*() {
      for (;;) {
        const until = passes.lastUnknownAt
        const now = yield* Clock.currentTimeMillis
        const wait = until + Duration.toMillis(passes.settleDelay) - now
        if (wait > 0) {
          yield* Effect.sleep(Duration.millis(wait))
          continue // an unknown outcome may have come meanwhile
        }
        const kept = passes.resumePass
        if (kept !== undefined && kept.since <= intentAt && kept.until >= until) {
          kept.usedAt = now
          return kept.found
        }
        const since = Math.min(intentAt, kept?.since ?? intentAt)
        const found = yield* postedSince(passes.client, since, until)
        passes.resumePass = { since, until, found, usedAt: yield* Clock.currentTimeMillis }
        if (!passes.forgetting) {
          passes.forgetting = true
          yield* Effect.forkIn(forgetPass(passes), passes.scope)
        }
        return found
      }
    })
  )

/**
 * The task id_list lists for a tag that no other submission holds. A caller's tag may repeat, but two
 * submissions sharing one are never unresolved at once (the batcher's busy tags), so the one task of that
 * tag the ledger does not already give to another key is this submission's.
 */
export const claim = (ledger: TaskLedger.Service, found: Listed, tag: string) =>
  Effect.filter(found.get(tag) ?? [], (task) => Effect.map(ledger.byTaskId(task.id), Option.isNone)).pipe(
    Effect.map((free) => Option.fromNullable(free[free.length - 1]))
  )
