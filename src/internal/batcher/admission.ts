/**
 * Admission: a task made ready to send (encoded, keyed, tagged, priced), checked against the budget, and,
 * for a caller's key, looked up in the ledger first, so that a key already posted is not posted again.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { BudgetExceededError, InvalidTaskError } from "../../DataForSeoError.js"
import type { TaskJson, TaskSide } from "../../Engine.js"
import * as Money from "../../Money.js"
import * as Prices from "../../Prices.js"
import * as StatusCode from "../../StatusCode.js"
import { ownTagPrefix, type PostedTask, type SubmitError } from "../../TaskBatcher.js"
import { canPostAgain } from "../../TaskLedger.js"
import { during } from "../waits.js"
import { claim, listedForResume } from "./reconcile.js"
import { sameJson } from "./sameJson.js"
import type { Batcher, Done, Outcome, Pending } from "./state.js"

/**
 * A task as it will be sent: encoded (every documented rule checked), its key and its tag set (the
 * caller's, or `dfs:<key>`), its cost estimated, its outcome to go to `done`. A caller's tag in the
 * batcher's own form is refused. Synchronous, as `reserve`: bulk submits pay no effect per task.
 */
const prepare = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  task: Task,
  key: string | undefined,
  done: Done
): Pending | InvalidTaskError => {
  const encoded = engine.encodeTask(task)
  if (Either.isLeft(encoded)) return encoded.left
  const correlationKey = key ?? `${b.keyPrefix}${++b.sequence}`
  const given = encoded.right["tag"]
  const own = ownTagPrefix + correlationKey
  if (typeof given === "string" && given.startsWith(ownTagPrefix) && given !== own) {
    return new InvalidTaskError({
      field: "tag",
      rule: `starts with "${ownTagPrefix}", which is kept for the tags the batcher sets itself`
    })
  }
  const tag = typeof given === "string" ? given : own
  // Object.assign, not a spread: V8 gives a spread copy a map on which every read of an absent field
  // (Prices.estimate reads three) is about fifteen times slower
  const json: TaskJson = typeof given === "string" ? encoded.right : Object.assign({}, encoded.right, { tag })
  const estimate = Money.fromUsd(Prices.estimate(engine, task, json, b.prices))
  const tracked = typeof given === "string" || key !== undefined
  return { request: json, correlationKey, runId: b.runId, engine: engine.name, tag, tracked, estimate, done }
}

/** Checks a prepared task against the budget: a refusal goes to its `done`; a task within it is returned, to be queued. */
const reserve = (b: Batcher, pending: Pending): Pending | undefined => {
  const committed = Money.add(b.spent, b.reserved)
  if (b.budget !== undefined && Money.add(committed, pending.estimate) > b.budget) {
    pending.done(Exit.fail(
      new BudgetExceededError({
        correlationKey: pending.correlationKey,
        estimated: Money.toUsd(pending.estimate),
        committed: Money.toUsd(committed),
        budget: Money.toUsd(b.budget)
      })
    ))
    return undefined
  }
  b.reserved = Money.add(b.reserved, pending.estimate)
  return pending
}

/** A task of the batcher's own key (the caller gave none): `prepare`, then `reserve`. */
export const admitNew = <Task>(b: Batcher, engine: TaskSide<Task>, task: Task, done: Done): Pending | undefined => {
  const pending = prepare(b, engine, task, undefined, done)
  if (!(pending instanceof InvalidTaskError)) return reserve(b, pending)
  done(Exit.fail(pending))
  return undefined
}

/** Hands a caller's key's outcome to the later submissions that wait for it, and frees the key. */
const settleKey = (b: Batcher, key: string, exit: Exit.Exit<PostedTask, SubmitError>): void => {
  const waiting = b.keyWaiters.get(key)
  b.keyWaiters.delete(key)
  for (const done of waiting?.waiters ?? []) done(exit)
}

/**
 * A key names one task: submitted with another (another engine's, another keyword or option), it is
 * refused, never answered with the first task's outcome.
 */
const otherTask = (first: { readonly engine: string; readonly request: object }, engine: string, request: TaskJson) =>
  first.engine !== engine
    ? new InvalidTaskError({ field: "correlationKey", rule: `is already recorded for a ${first.engine} task` })
    : sameJson(first.request, request)
    ? undefined
    : new InvalidTaskError({
      field: "correlationKey",
      rule: "is already recorded for another task (its request differs)"
    })

/**
 * The outcome the ledger holds for a caller's key, if the task went that far: posted tasks and billed
 * failures are returned as recorded; a failure that cost nothing and created no task is not an outcome
 * (the task, `request` now, is posted); an intent whose POST outcome is unknown is looked up in id_list
 * first. Other than a task never created, the key must name the same task (`request`, as it would be sent now).
 */
const recorded = (b: Batcher, key: string, engine: string, request: TaskJson) =>
  Effect.gen(function*() {
    const entry = yield* b.ledger.byCorrelationKey(key)
    if (Option.isNone(entry)) return Option.none<Outcome>()
    const e = entry.value
    // a task never created: the key is free for this one, whatever the other was (a fixed option, say)
    if (canPostAgain(e)) return Option.none<Outcome>()
    const other = otherTask(e, engine, request)
    if (other !== undefined) return Option.some<Outcome>(Either.left(other))
    const tag = e.tag ?? ownTagPrefix + key
    if (e.state === "failed") {
      const failure = e.failure ?? { code: 0, message: "failed" }
      return Option.some<Outcome>(Either.left(StatusCode.toError(failure.code, failure.message, { taskId: e.taskId })))
    }
    if (e.taskId !== undefined) {
      const posted = { id: e.taskId, cost: e.cost ?? 0, tag, correlationKey: key, engine }
      return Option.some<Outcome>(
        Either.right(e.state === "collected" ? { ...posted, collectedAt: e.collectedAt } : posted)
      )
    }
    const listed = yield* during(b.waits, "Reconciling", 1)(listedForResume(b.passes, e.intentAt))
    const found = yield* claim(b.ledger, listed, tag)
    if (Option.isNone(found)) return Option.none<Outcome>()
    yield* b.ledger.recordPosted([{ correlationKey: key, taskId: found.value.id, cost: found.value.cost }])
    return Option.some<Outcome>(Either.right({ ...found.value, tag, correlationKey: key, engine }))
  })

/** `admitNew`, after the ledger for a caller's key: a key it already holds gets its recorded outcome, not a new POST. */
export const admit = <Task>(b: Batcher, engine: TaskSide<Task>, task: Task, key: string | undefined, done: Done) =>
  key === undefined
    ? Effect.sync(() => admitNew(b, engine, task, done))
    : Effect.suspend(() => {
      const doneKey: Done = (exit) => {
        done(exit)
        settleKey(b, key, exit)
      }
      const pending = prepare(b, engine, task, key, doneKey)
      if (pending instanceof InvalidTaskError) {
        done(Exit.fail(pending))
        return Effect.succeed(undefined)
      }
      const waiting = b.keyWaiters.get(key)
      if (waiting !== undefined) {
        const other = otherTask(waiting, engine.name, pending.request)
        if (other === undefined) waiting.waiters.push(done)
        else done(Exit.fail(other))
        return Effect.succeed(undefined)
      }
      b.keyWaiters.set(key, { engine: engine.name, request: pending.request, waiters: [] })
      return Effect.map(Effect.either(recorded(b, key, engine.name, pending.request)), (previous) => {
        if (Either.isLeft(previous)) return doneKey(Exit.fail(previous.left))
        if (Option.isNone(previous.right)) return reserve(b, pending)
        const outcome = previous.right.value
        return doneKey(Either.isRight(outcome) ? Exit.succeed(outcome.right) : Exit.fail(outcome.left))
      }).pipe(
        Effect.onExit((exit) => (Exit.isFailure(exit)
          ? Effect.sync(() => settleKey(b, key, Exit.failCause(exit.cause)))
          : Effect.void)
        )
      )
    })
