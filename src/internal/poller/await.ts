/**
 * The waits: one task's result (`awaitResult`), a stream of tasks with their outcomes (`results`), and the
 * workers that ask task_get for the waits due.
 *
 * A wait is plain data, not a fiber: its caller's fiber is parked until the outcome comes. It sleeps on an alarm
 * until its task shows ready or it is time to ask task_get by id. Then it is queued as due, and one of the
 * poller's workers (as many as task_get calls may be in flight) asks for it, and either ends it or puts it to
 * sleep again, with backoff and jitter while the task is not ready.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ResultFormat } from "../../Engine.js"
import type { PostedTask } from "../../TaskBatcher.js"
import { metrics, type PollError } from "../../TaskPoller.js"
import { isStream } from "../stream.js"
import type { EngineRef, Poller, Watch, Worker } from "./state.js"
import { enqueue, register, takeDue, unregister } from "./state.js"
import { fetchOnce, type Step } from "./taskGet.js"
import { recordReady } from "./tasksReady.js"

/** What a task_get call for a wait leaves to do: nothing (the wait ended), or wait, or retry. */
type Verdict = { readonly _tag: "Ended" } | Exclude<Step<never>, { readonly _tag: "Done" }>

const ended: Verdict = { _tag: "Ended" }

/** `millis` spread by ±20%, so that tasks posted together do not ask together for ever. */
const jittered = (millis: number): Effect.Effect<number> =>
  Effect.map(Random.nextRange(0.8, 1.2), (factor) => Math.round(millis * factor))

/** Puts a wait to sleep for `millis`: its alarm queues it as due then. */
const sleep = (poller: Poller, watch: Watch, millis: number): Effect.Effect<void> => {
  watch.state = "sleeping"
  return Effect.map(poller.alarms.set(millis, () => enqueue(poller, watch)), (alarm) => {
    // ended meanwhile (interrupted): the alarm has nothing to wake
    if (watch.state === "sleeping") watch.alarm = alarm
    else alarm.cancel()
  })
}

/** Counts the outcome of one wait. */
const count = (outcome: Either.Either<unknown, PollError>): Effect.Effect<void> =>
  Either.isRight(outcome)
    ? Metric.increment(metrics.results)
    : Metric.increment(
      Metric.tagged(
        Metric.tagged(metrics.errors, "error", outcome.left._tag),
        "code",
        "code" in outcome.left ? String(outcome.left.code) : "none"
      )
    )

/** Ends a wait that a caller still waits for: `hand` gives the caller the outcome. */
const end = (
  poller: Poller,
  watch: Watch,
  outcome: Either.Either<unknown, PollError>,
  hand: () => void
): Effect.Effect<void> => {
  if (watch.state === "done") return Effect.void
  watch.state = "done"
  unregister(poller, watch)
  return Effect.map(count(outcome), hand)
}

/** Ends a wait with an error. */
const endWith = (poller: Poller, watch: Watch, error: PollError): Effect.Effect<void> =>
  end(poller, watch, Either.left(error), () => watch.fail(Cause.fail(error)))

/** Ends a wait whose call died (a bug): the caller dies with the same cause. */
const defect = (poller: Poller, watch: Watch, cause: Cause.Cause<never>): void => {
  watch.state = "done"
  unregister(poller, watch)
  watch.fail(cause)
}

/** A caller parked until its wait ends: its fiber's resume, or the outcome kept until it parks. */
interface Parked<A> {
  resume: ((outcome: Effect.Effect<A, PollError>) => void) | undefined
  kept: Effect.Effect<A, PollError> | undefined
}

const hand = <A>(parked: Parked<A>, outcome: Effect.Effect<A, PollError>): void => {
  if (parked.resume === undefined) parked.kept = outcome
  else parked.resume(outcome)
}

/** The ledger told of a task found ready by task_get itself (not through tasks_ready or a signal). */
const recordFound = (poller: Poller, watch: Watch): Effect.Effect<PollError | undefined> => {
  if (watch.recorded) return Effect.succeed(undefined)
  watch.recorded = true
  poller.seenReady++
  return recordReady(poller, [watch.id])
}

/** One task_get call for a wait; a result (or a final error) ends the wait and hands the caller its outcome. */
const fetchFor = <A, I>(
  poller: Poller,
  watch: Watch,
  schema: Schema.Schema<A, I>,
  parked: Parked<A>
): Effect.Effect<Verdict> =>
  Effect.flatMap(fetchOnce(poller, watch, watch.format, schema), (step): Effect.Effect<Verdict> => {
    if (step._tag !== "Done") return Effect.succeed(step)
    const outcome = step.outcome
    if (Either.isLeft(outcome)) return Effect.as(endWith(poller, watch, outcome.left), ended)
    return Effect.flatMap(recordFound(poller, watch), (failure) =>
      Effect.as(
        failure === undefined
          ? end(poller, watch, outcome, () => hand(parked, Effect.succeed(outcome.right)))
          : endWith(poller, watch, failure),
        ended
      ))
  })

/** One task_get call for a due wait, then the wait's next sleep, or its end. */
const serve = (poller: Poller, self: Worker, watch: Watch): Effect.Effect<void> => {
  if (watch.failure !== undefined) return endWith(poller, watch, watch.failure)
  watch.state = "fetching"
  watch.woken = false
  watch.asked++
  // while the call is in course, `cancel` may interrupt this worker: a wait whose caller is gone stops its call
  watch.inFlight = self
  const call = Option.isSome(watch.parent) ? Effect.withParentSpan(watch.call, watch.parent.value) : watch.call
  return Effect.flatMap(Effect.exit(call), (exit): Effect.Effect<void> => {
    watch.inFlight = undefined
    if (watch.state === "done") return Effect.void // ended, or interrupted during the call
    if (Exit.isFailure(exit)) return Effect.sync(() => defect(poller, watch, exit.cause))
    const verdict = exit.value
    switch (verdict._tag) {
      case "Ended":
        return Effect.void
      case "Wait": {
        watch.failures = 0
        if (watch.failure !== undefined) return endWith(poller, watch, watch.failure)
        if (watch.woken) return Effect.sync(() => enqueue(poller, watch))
        const backoff = Math.min(poller.maxBackoff, poller.backoff * 2 ** watch.waits++)
        return Effect.flatMap(jittered(backoff), (millis) => sleep(poller, watch, millis))
      }
      case "Retry": {
        if (++watch.failures >= poller.maxFailures) return endWith(poller, watch, verdict.error)
        const backoff = Math.min(poller.maxBackoff, poller.retryDelay * 2 ** (watch.failures - 1))
        return Effect.flatMap(jittered(backoff), (millis) => sleep(poller, watch, millis))
      }
    }
  })
}

/** The next wait due, once there is one. */
const nextDue = (poller: Poller): Effect.Effect<Watch> =>
  Effect.suspend(() => {
    const watch = takeDue(poller)
    if (watch !== undefined) return Effect.succeed(watch)
    poller.dueLatch.unsafeClose()
    return Effect.zipRight(poller.dueLatch.await, nextDue(poller))
  })

/** One worker: asks task_get for the waits due, one at a time, for ever. */
const work = (poller: Poller, self: Worker): Effect.Effect<never> =>
  Effect.forever(Effect.flatMap(nextDue(poller), (watch) => serve(poller, self, watch)))

/** Forks one worker in `scope`. */
const startWorker = (poller: Poller, scope: Scope.Scope): Effect.Effect<void> => {
  const self: Worker = { fiber: undefined }
  return Effect.map(Effect.forkIn(work(poller, self), scope), (fiber) => {
    self.fiber = fiber
  })
}

/**
 * Forks the workers in `scope`, and a keeper that replaces each worker `cancel` interrupted. A call runs in its
 * worker's fiber, not a fiber of its own: stopping the call of a wait whose caller is gone costs a worker, which
 * is rare, where a fiber per call costs on every call.
 */
export const startWorkers = (poller: Poller): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    for (let i = 0; i < poller.concurrency; i++) yield* startWorker(poller, scope)
    const replace = Effect.suspend(() => {
      poller.lostWorkers.latch.unsafeClose()
      const lost = poller.lostWorkers.count
      poller.lostWorkers.count = 0
      return lost === 0 ? Effect.void : Effect.repeatN(startWorker(poller, scope), lost - 1)
    })
    yield* Effect.forkIn(Effect.forever(Effect.zipRight(poller.lostWorkers.latch.await, replace)), scope)
  })

/** Ends a wait whose caller was interrupted: it is forgotten, and a call in course for it is stopped. */
const cancel = (poller: Poller, watch: Watch): void => {
  if (watch.state === "done") return
  watch.state = "done"
  watch.alarm?.cancel()
  watch.alarm = undefined
  unregister(poller, watch)
  const fiber = watch.inFlight?.fiber
  watch.inFlight = undefined
  if (fiber === undefined) return
  fiber.unsafeInterruptAsFork(FiberId.none)
  poller.lostWorkers.count++
  poller.lostWorkers.latch.unsafeOpen()
}

/** One task's result, once it is ready, in `format`, decoded with `schema`. */
export const awaitResult = <A, I>(
  poller: Poller,
  engine: EngineRef,
  taskId: string,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Effect.Effect<A, PollError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const parked: Parked<A> = { resume: undefined, kept: undefined }
      const watch: Watch = register(poller, {
        engine,
        id: taskId,
        format,
        parent: yield* Effect.option(Effect.currentSpan),
        call: Effect.suspend(() => fetchFor(poller, watch, schema, parked)),
        fail: (cause) => hand(parked, Effect.failCause(cause))
      }, yield* Clock.currentTimeMillis)
      if (poller.early.delete(taskId)) enqueue(poller, watch)
      else yield* sleep(poller, watch, poller.expectedWait)
      return yield* restore(Effect.async<A, PollError>((resume) => {
        if (parked.kept !== undefined) return resume(parked.kept)
        parked.resume = resume
        return Effect.sync(() => cancel(poller, watch))
      }))
    })
  )

/** Each task with its outcome, as outcomes come; at most `maxOutstanding` tasks waited for at once. */
export const results = <A, I, E, R>(
  poller: Poller,
  engine: EngineRef,
  tasks: Stream.Stream<PostedTask, E, R> | Iterable<PostedTask>,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Stream.Stream<readonly [PostedTask, Either.Either<A, PollError>], E, R> =>
  Stream.mapEffect(
    isStream(tasks) ? tasks : Stream.fromIterable(tasks),
    (posted) =>
      Effect.map(
        Effect.either(awaitResult(poller, engine, posted.id, format, schema)),
        (outcome): readonly [PostedTask, Either.Either<A, PollError>] => [posted, outcome]
      ),
    { concurrency: poller.maxOutstanding, unordered: true }
  )
