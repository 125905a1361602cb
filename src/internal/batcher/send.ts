/**
 * Sending a batch: one task_post call, its reply read and settled, a refused POST sent again after a
 * backoff, and a POST of unknown outcome handled as the policy says (reconciled through id_list by default).
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type DataForSeoError, describe as describeError } from "../../DataForSeoError.js"
import type { TaskSide } from "../../Engine.js"
import type * as Envelope from "../../Envelope.js"
import { metrics } from "../../TaskBatcher.js"
import type { LedgerError } from "../../TaskLedger.js"
import { postOutcome } from "../failure.js"
import { during } from "../waits.js"
import { abandon, failAll, refuse, resolve, settle } from "./outcomes.js"
import { claim, listedSince, markUnknown } from "./reconcile.js"
import { matchReply } from "./reply.js"
import type { Batcher, Created, Pending } from "./state.js"

/** Sends `batch` (its `attempt`-th send) and settles every task of it, or hands it on to a resend or a reconciliation. */
export const send = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  batch: ReadonlyArray<Pending>,
  attempt: number
): Effect.Effect<void, LedgerError> =>
  Effect.gen(function*() {
    const sentAt = yield* Clock.currentTimeMillis
    yield* Metric.increment(metrics.calls)
    // the client's span is the POST's span: one span a POST, named for the batcher
    const reply = yield* Effect.either(
      b.client.post(engine.paths.taskPost, batch.map((p) => p.request), Schema.Unknown, {
        retry: "none",
        pacer: b.pacer,
        span: {
          name: "TaskBatcher.post",
          attributes: {
            "dataforseo.engine": engine.name,
            "dataforseo.tasks": batch.length,
            "dataforseo.attempt": attempt
          }
        }
      })
    )
    if (Either.isRight(reply)) return yield* settleReply(b, engine, batch, attempt, sentAt, reply.right)
    const error = reply.left
    // refused as a whole and worth resending, refused for good, or unknown
    switch (postOutcome(error)) {
      case "refused":
        return yield* refuse(b, batch, error)
      case "resend": {
        // a 40202: the account allows fewer calls than the pace sends, so the pace of every engine slows down
        if (error._tag === "RateLimitError" && error.code === 40202) yield* slowDown(b, engine)
        if (attempt >= b.maxAttempts) return yield* refuse(b, batch, error)
        yield* during(b.waits, "BackingOff", batch.length)(Effect.sleep(Duration.times(b.backoff, 2 ** (attempt - 1))))
        return yield* send(b, engine, batch, attempt + 1)
      }
      case "unknown":
        return yield* unknown(b, engine, batch, attempt, sentAt, { cause: describeError(error), reason: error })
    }
  })

/** Settles the tasks a task_post reply names; the submissions it does not name have an unknown outcome. */
const settleReply = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  batch: ReadonlyArray<Pending>,
  attempt: number,
  sentAt: number,
  reply: Envelope.Envelope<unknown>
): Effect.Effect<void, LedgerError> =>
  Effect.gen(function*() {
    const { failed, missing, posted, strays } = yield* matchReply(batch, reply)
    yield* settle(b, engine.name, posted, failed)
    if (missing.length === 0) return
    // created tasks the reply does not tie to a submission are billed: posting the rest again could bill them
    // twice, unless id_list ties every one of them to a submission by its tag
    const cause = strays.length > 0
      ? `the task_post reply created ${strays.length} task(s) it did not tie to a submission`
      : "missing from the task_post reply"
    return yield* unknown(b, engine, missing, attempt, sentAt, { cause, strays })
  })

/**
 * Slows the pace of every engine after a 40202: the account allows fewer calls than configured (another
 * client uses some, or its real limit is lower).
 */
const slowDown = <Task>(b: Batcher, engine: TaskSide<Task>) =>
  Effect.gen(function*() {
    const before = yield* b.pacer.currentLimit
    const after = yield* b.pacer.rateLimited
    if (after < before) {
      yield* Effect.logWarning("task_post rate limited (40202): pacing slowed").pipe(
        Effect.annotateLogs({ engine: engine.name, limit: after, window: Duration.format(b.pacer.window) })
      )
    }
  })

/** Why a batch's outcome is unknown: in words, the POST's error, and the created tasks its reply tied to no submission. */
interface Unknowable {
  readonly cause: string
  readonly reason?: DataForSeoError
  readonly strays?: ReadonlyArray<{ readonly id: string; readonly cost: number }>
}

/**
 * A batch whose POST (sent at `sentAt`) has an unknown outcome: abandoned, sent again, or looked up in
 * id_list (its tasks found are settled, the others sent again), as the policy says. When the reply created
 * tasks it tied to no submission (`strays`), nothing is sent again blindly: the rest is sent again only once
 * id_list has tied every such task to a submission, and abandoned otherwise.
 */
const unknown = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  batch: ReadonlyArray<Pending>,
  attempt: number,
  sentAt: number,
  { cause, reason, strays = [] }: Unknowable
): Effect.Effect<void, LedgerError> =>
  Effect.gen(function*() {
    const policy = b.policy
    yield* markUnknown(b.passes)
    yield* Effect.logWarning("task_post outcome unknown").pipe(
      Effect.annotateLogs({ engine: engine.name, tasks: batch.length, attempt, cause, policy })
    )
    const detail = {
      ...(reason === undefined ? {} : { reason }),
      ...(strays.length === 0 ? {} : { unmatched: strays })
    }
    if (policy === "at-most-once" || (policy === "at-least-once" && strays.length > 0)) {
      return yield* abandon(b, batch, cause, detail)
    }
    if (attempt >= b.maxAttempts) return yield* abandon(b, batch, `${cause} (after ${attempt} attempts)`, detail)
    if (policy === "at-least-once") return yield* send(b, engine, batch, attempt + 1)
    const found = yield* during(b.waits, "Reconciling", batch.length)(
      Effect.zipRight(Effect.sleep(b.passes.settleDelay), Effect.either(listedSince(b.passes, sentAt)))
    )
    if (Either.isLeft(found)) {
      return yield* abandon(b, batch, `${cause}; id_list failed: ${describeError(found.left)}`, detail)
    }
    const posted: Array<Created> = []
    const missing: Array<Pending> = []
    for (const pending of batch) {
      const task = yield* claim(b.ledger, found.right, pending.tag)
      if (Option.isSome(task)) {
        posted.push({ correlationKey: pending.correlationKey, taskId: task.value.id, cost: task.value.cost, pending })
      } else missing.push(pending)
    }
    yield* settle(b, engine.name, posted, [])
    if (missing.length === 0) return
    const claimed = new Set(posted.map((created) => created.taskId))
    const untied = strays.filter((stray) => !claimed.has(stray.id))
    if (untied.length > 0) return yield* abandon(b, missing, cause, { ...detail, unmatched: untied })
    yield* send(b, engine, missing, attempt + 1)
  })

/** Runs a batch to its end; whatever happens, every caller of the batch gets an outcome. */
export const run = <Task>(b: Batcher, engine: TaskSide<Task>, batch: ReadonlyArray<Pending>) =>
  b.ledger
    .recordIntents(batch)
    .pipe(
      Effect.zipRight(send(b, engine, batch, 1)),
      // a batch cut short (a ledger failure, a defect) may have created tasks whose ids are not recorded
      Effect.catchAll((error) => Effect.zipRight(markUnknown(b.passes), failAll(b, batch, () => error))),
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : Effect.zipRight(
            markUnknown(b.passes),
            Effect.sync(() => {
              for (const p of batch) resolve(b, p, Exit.failCause(exit.cause))
            })
          )
      )
    )
