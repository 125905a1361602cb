/**
 * How tasks leave the batcher: the ledger first, then the caller. Every outcome frees the task's budget
 * reservation and its tag.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import { type DataForSeoError, PostOutcomeUnknownError } from "../../DataForSeoError.js"
import * as Money from "../../Money.js"
import { metrics, type PostedTask, type SubmitError } from "../../TaskBatcher.js"
import type { Batcher, Created, Failed, Pending, Unknown } from "./state.js"

/** Frees a task's reservation, and counts what it was charged. */
const release = (b: Batcher, pending: Pending, charged: number): void => {
  b.reserved = Money.subtract(b.reserved, pending.estimate)
  b.spent = Money.add(b.spent, Money.fromUsd(charged))
}

/** Frees a tag, and puts back on its lane the first task held back for it. */
const freeTag = (b: Batcher, tag: string): void => {
  b.busy.delete(tag)
  for (const lane of b.lanes.values()) {
    const index = lane.held.findIndex((p) => p.tag === tag)
    const [next] = index >= 0 ? lane.held.splice(index, 1) : []
    if (next !== undefined) {
      // back to the lane, so that a packer waiting for work sees it
      lane.offer(next)
      return
    }
  }
}

/** Hands a task its outcome, and frees its tag. */
export const resolve = (b: Batcher, pending: Pending, exit: Exit.Exit<PostedTask, SubmitError>): void => {
  pending.done(exit)
  if (pending.tracked) freeTag(b, pending.tag)
}

/** Hands every task of `batch` the same failure. */
export const failAll = (b: Batcher, batch: ReadonlyArray<Pending>, error: (pending: Pending) => SubmitError) =>
  Effect.sync(() => {
    for (const pending of batch) resolve(b, pending, Exit.fail(error(pending)))
  })

/** Interrupts the callers of `batch`: the batcher closed before their tasks' outcomes were known. */
export const interruptAll = (b: Batcher, batch: Iterable<Pending>): void => {
  for (const pending of batch) resolve(b, pending, Exit.interrupt(FiberId.none))
}

/** Records posted tasks and task-level failures durably, then tells their callers. */
export const settle = (b: Batcher, engine: string, posted: ReadonlyArray<Created>, failed: ReadonlyArray<Failed>) =>
  Effect.gen(function*() {
    if (posted.length > 0) yield* b.ledger.recordPosted(posted)
    if (failed.length > 0) {
      yield* b.ledger.recordFailed(
        failed.map(([p, error, billing]) => ({
          correlationKey: p.correlationKey,
          code: error.code,
          message: error.message,
          billed: billing.billed,
          // the id of a task refused at posting names nothing that can be fetched: kept for billed ones
          ...(billing.billed && error.taskId !== undefined ? { taskId: error.taskId, cost: billing.cost } : {})
        }))
      )
    }
    let charged = Money.zero
    for (const task of posted) {
      release(b, task.pending, task.cost)
      charged = Money.add(charged, Money.fromUsd(task.cost))
    }
    for (const [p, , billing] of failed) release(b, p, billing.billed ? billing.cost : 0)
    yield* Metric.incrementBy(metrics.tasksPosted, posted.length)
    yield* Metric.incrementBy(metrics.cost, Money.toUsd(charged))
    yield* Effect.forEach(
      failed,
      ([, error]) => Metric.increment(Metric.tagged(metrics.errors, "code", String(error.code))),
      {
        discard: true
      }
    )
    for (const { correlationKey, cost, pending, taskId } of posted) {
      resolve(b, pending, Exit.succeed({ id: taskId, cost, tag: pending.tag, correlationKey, engine }))
    }
    for (const [p, error] of failed) resolve(b, p, Exit.fail(error))
  })

/** Fails tasks whose POST created nothing. */
export const refuse = (b: Batcher, batch: ReadonlyArray<Pending>, error: DataForSeoError) =>
  Effect.gen(function*() {
    const code = "code" in error ? error.code : 0
    yield* b.ledger.recordFailed(
      batch.map((p) => ({ correlationKey: p.correlationKey, code, message: error.message, billed: false }))
    )
    for (const p of batch) release(b, p, 0)
    yield* Metric.incrementBy(Metric.tagged(metrics.errors, "code", String(code)), batch.length)
    yield* failAll(b, batch, () => error)
  })

/** Gives up on tasks whose creation is unknown: they stay intents in the ledger. */
export const abandon = (b: Batcher, batch: ReadonlyArray<Pending>, cause: string, detail: Unknown = {}) =>
  Effect.gen(function*() {
    for (const p of batch) release(b, p, 0)
    yield* failAll(
      b,
      batch,
      (p) => new PostOutcomeUnknownError({ correlationKey: p.correlationKey, tag: p.tag, cause, ...detail })
    )
  })
