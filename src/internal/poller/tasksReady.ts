/**
 * The tasks_ready section: one loop that asks tasks_ready at its own pace while tasks are outstanding, and
 * sleeps on a latch while none are; and what a ready signal does (from tasks_ready or from a caller): record
 * the task ready in the ledger, then wake its waits.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import type { LedgerError, LedgerStoreError } from "../../TaskLedger.js"
import { allEnginesTasksReady, metrics, tasksReadyPage } from "../../TaskPoller.js"
import * as TasksReady from "../../TasksReady.js"
import type { Poller, Watch } from "./state.js"
import { earlySignals, wake } from "./state.js"

/** The engine's own list when one engine has tasks outstanding; the all-engines list otherwise. */
export const readyPath = (poller: Poller): string => {
  if (poller.engines.size === 1) {
    for (const { engine } of poller.engines.values()) return engine.paths.tasksReady
  }
  return allEnginesTasksReady
}

/** One tasks_ready call, made only if tasks are still outstanding once the pacer lets it go. */
const callTasksReady = (poller: Poller) =>
  Effect.suspend(() => {
    if (poller.count === 0) return Effect.succeed(undefined)
    const path = readyPath(poller)
    return Effect.zipRight(
      Metric.increment(metrics.tasksReadyCalls),
      poller.client.get(path, TasksReady.TasksReadyItem, {
        retry: "none",
        span: { name: "TaskPoller.tasksReady", attributes: { "dataforseo.outstanding": poller.count } }
      })
    )
  })

/**
 * Asks tasks_ready once, paced. A failed call fails no task: the next call comes at the next slot, and tasks
 * outstanding too long are asked for by id anyway. A 40202 slows the pacer down.
 */
export const askReady = (poller: Poller): Effect.Effect<void> =>
  Effect.flatMap(Effect.either(poller.readyPacer.pace(callTasksReady(poller))), (reply) => {
    if (Either.isRight(reply)) {
      if (reply.right === undefined) return Effect.void
      const items = reply.right.tasks.flatMap((task) => task.result ?? [])
      return onReadyList(poller, items.map((item) => item.id))
    }
    const error = reply.left
    return error._tag === "RateLimitError"
      ? Effect.asVoid(poller.readyPacer.rateLimited)
      : Effect.logDebug(`TaskPoller: tasks_ready failed, asked again at the next slot: ${error.message}`)
  })

/** The loop: while tasks are outstanding, tasks_ready as often as its pacer allows; while none are, nothing. */
export const readyLoop = (poller: Poller): Effect.Effect<never> =>
  Effect.forever(
    Effect.zipRight(
      poller.busy.await,
      Effect.zipRight(
        askReady(poller),
        Effect.sync(() => {
          if (poller.count === 0) poller.busy.unsafeClose()
        })
      )
    )
  )

/**
 * What a tasks_ready page says. Our ids are ready. A full page with none of ours may hide ours: every wait not
 * yet asked by id is woken, to ask task_get directly.
 */
export const onReadyList = (poller: Poller, ids: ReadonlyArray<string>): Effect.Effect<void> => {
  const ours = ids.filter((id) => poller.watches.has(id))
  if (ours.length === 0 && ids.length >= tasksReadyPage) return wakeUnasked(poller)
  return markReady(poller, ours)
}

/** Wakes every wait that has not asked task_get yet. */
const wakeUnasked = (poller: Poller): Effect.Effect<void> => {
  const unasked: Array<Watch> = []
  for (const same of poller.watches.values()) {
    for (const watch of same) if (watch.asked === 0) unasked.push(watch)
  }
  return Effect.sync(() => {
    for (const watch of unasked) wake(poller, watch)
  })
}

/**
 * A caller's signal that tasks are ready (a pingback, a postback): those waited for are fetched at once, the
 * others kept (`earlySignals` at most) for a wait that begins later.
 */
export const signalReady = (poller: Poller, ids: Iterable<string>): Effect.Effect<void> =>
  Effect.suspend(() => {
    const list = [...ids]
    for (const id of list) {
      if (poller.watches.has(id)) continue
      poller.early.delete(id)
      poller.early.add(id)
      if (poller.early.size > earlySignals) {
        for (const oldest of poller.early) {
          poller.early.delete(oldest)
          break
        }
      }
    }
    return markReady(poller, list)
  })

/**
 * Tasks known ready: recorded ready in the ledger (those it does not hold are left out), then their waits
 * woken. A store that fails ends those waits with its error: nothing was fetched, so nothing is lost.
 */
export const markReady = (poller: Poller, ids: Iterable<string>): Effect.Effect<void> => {
  const watches: Array<Watch> = []
  const toRecord: Array<string> = []
  for (const id of ids) {
    const same = poller.watches.get(id)
    if (same === undefined) continue
    let recorded = true
    for (const watch of same) {
      watches.push(watch)
      if (!watch.recorded) recorded = false
    }
    if (!recorded) toRecord.push(id)
  }
  if (watches.length === 0) return Effect.void
  poller.seenReady += toRecord.length
  return Effect.map(recordReady(poller, toRecord), (failure) => {
    for (const watch of watches) {
      if (failure !== undefined && !watch.recorded) watch.failure = failure
      watch.recorded = true
      wake(poller, watch)
    }
  })
}

/**
 * Records tasks ready, in one write. Ids the ledger refuses (it does not hold them as posted: tasks given by a
 * caller) are left out, and the others written again. Gives the store's failure, if the store failed.
 */
export const recordReady = (
  poller: Poller,
  ids: ReadonlyArray<string>
): Effect.Effect<LedgerStoreError | undefined> => {
  if (ids.length === 0) return Effect.succeed(undefined)
  const recorded = Effect.succeed(undefined)
  // a second refusal (the ledger changed between the two writes) is left as it is: the tasks are still collected
  const storeError = (error: LedgerError) => error._tag === "LedgerStoreError" ? Effect.succeed(error) : recorded
  return Effect.matchEffect(poller.ledger.recordReady(ids), {
    onFailure: (error) => {
      if (error._tag !== "InvalidTransition") return Effect.succeed(error)
      const out = new Set(error.rejected.map((rejection) => rejection.ref))
      const rest = ids.filter((id) => !out.has(id))
      if (rest.length === 0) return recorded
      return Effect.matchEffect(poller.ledger.recordReady(rest), { onFailure: storeError, onSuccess: () => recorded })
    },
    onSuccess: () => recorded
  })
}
