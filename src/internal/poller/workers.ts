/**
 * The workers: as many fibers as task_get calls may be in flight, each asking for the waits due one at a time, and
 * a keeper fiber. A call runs in its worker's fiber, not a fiber of its own: a fiber per call costs on every call.
 * Stopping a call costs its worker instead, which the keeper replaces. A call is stopped when its wait's caller is
 * interrupted, or when it passes the request timeout: the keeper watches the workers' deadlines on one alarm.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type * as Scope from "effect/Scope"
import { TimeoutError } from "../../DataForSeoError.js"
import type { DataForSeoError } from "../../DataForSeoError.js"
import type { Poller, Verdict, Watch, Worker } from "./state.js"
import { enqueue, takeDue, unregister } from "./state.js"
import { defect, endWith, jittered, sleep } from "./wait.js"

/** Puts a wait to sleep for its `attempt`th backoff from `first` ms (doubled each time, `maxBackoff` at most). */
const backOff = (poller: Poller, watch: Watch, first: number, attempt: number): Effect.Effect<void> =>
  Effect.flatMap(
    jittered(Math.min(poller.maxBackoff, first * 2 ** attempt)),
    (millis) => sleep(poller, watch, millis)
  )

/** After a transient failure: the wait sleeps its backoff in full, or ends once too many came in a row. */
const afterFailure = (poller: Poller, watch: Watch, error: DataForSeoError): Effect.Effect<void> => {
  if (++watch.failures >= poller.maxFailures) return endWith(poller, watch, error)
  return backOff(poller, watch, poller.retryDelay, watch.failures - 1)
}

/** The error of a task_get call stopped at the request timeout. */
const timedOut = (poller: Poller, watch: Watch): TimeoutError =>
  new TimeoutError({
    endpoint: watch.engine.paths.taskGet(watch.format, watch.id),
    timeoutMillis: poller.requestTimeout
  })

/** Sets the keeper's alarm at `at`, unless it rings sooner (then nothing is to be done: `undefined`). */
const arm = (poller: Poller, at: number, now: number): Effect.Effect<void> | undefined => {
  const keeper = poller.keeper
  if (keeper.alarmAt <= at) return undefined
  keeper.alarm?.cancel()
  keeper.alarmAt = at
  return Effect.map(
    poller.alarms.set(at - now, () => {
      keeper.alarm = undefined
      keeper.alarmAt = Infinity
      keeper.check = true
      keeper.latch.unsafeOpen()
    }),
    (alarm) => {
      if (keeper.alarmAt === at) keeper.alarm = alarm
      else alarm.cancel()
    }
  )
}

/**
 * A call ended, or was stopped: the worker and its wait let go of each other, and the keeper's alarm is let go when
 * no call is left in course.
 */
const callEnded = (poller: Poller, self: Worker): void => {
  if (self.watch !== undefined) self.watch.inFlight = undefined
  self.deadline = undefined
  self.watch = undefined
  const keeper = poller.keeper
  if (--keeper.calls > 0) return
  keeper.alarm?.cancel()
  keeper.alarm = undefined
  keeper.alarmAt = Infinity
}

/** Interrupts a worker in a call; the keeper replaces it. */
const stop = (poller: Poller, self: Worker): void => {
  self.fiber?.unsafeInterruptAsFork(FiberId.none)
  poller.workers.delete(self)
  callEnded(poller, self)
  poller.keeper.lost++
  poller.keeper.latch.unsafeOpen()
}

/** One task_get call for a due wait, then the wait's next sleep, or its end. */
const serve = (poller: Poller, self: Worker, watch: Watch): Effect.Effect<void> => {
  if (watch.failure !== undefined) return endWith(poller, watch, watch.failure)
  watch.state = "fetching"
  watch.woken = false
  watch.asked++
  // while the call is in course, this worker may be stopped: at the request timeout, or by `cancel`
  watch.inFlight = self
  self.watch = watch
  poller.keeper.calls++
  return Effect.clockWith((clock) => {
    const now = clock.unsafeCurrentTimeMillis()
    self.deadline = now + poller.requestTimeout
    const called = Effect.matchCauseEffect(watch.call, {
      onFailure: (cause) => {
        callEnded(poller, self)
        return settle(poller, watch, Exit.failCause(cause))
      },
      onSuccess: (verdict) => {
        callEnded(poller, self)
        return settle(poller, watch, Exit.succeed(verdict))
      }
    })
    const armed = arm(poller, self.deadline, now)
    return armed === undefined ? called : Effect.zipRight(armed, called)
  })
}

/** What a call's outcome leaves to do for its wait. */
const settle = (poller: Poller, watch: Watch, exit: Exit.Exit<Verdict>): Effect.Effect<void> => {
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
      return backOff(poller, watch, poller.backoff, watch.waits++)
    }
    case "Retry":
      return afterFailure(poller, watch, verdict.error)
  }
}

/**
 * One worker: asks task_get for the waits due, one at a time, for ever (waiting while none is due). It does not
 * yield between two (as `Effect.forever` would): it waits at each call, and the runtime makes a busy fiber yield
 * anyway.
 */
const work = (poller: Poller, self: Worker): Effect.Effect<never> => {
  const loop: Effect.Effect<never> = Effect.suspend(() => {
    const watch = takeDue(poller)
    if (watch !== undefined) return Effect.zipRight(serve(poller, self, watch), loop)
    poller.dueLatch.unsafeClose()
    return Effect.zipRight(poller.dueLatch.await, loop)
  })
  return loop
}

/** Forks one worker in `scope`. */
const startWorker = (poller: Poller, scope: Scope.Scope): Effect.Effect<void> => {
  const self: Worker = { fiber: undefined, deadline: undefined, watch: undefined }
  poller.workers.add(self)
  return Effect.map(Effect.forkIn(work(poller, self), scope), (fiber) => {
    self.fiber = fiber
  })
}

/** Stops the calls past their deadline; their waits retry after a backoff. The alarm is set for the next. */
const stopLateCalls = (poller: Poller): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    let next = Infinity
    for (const worker of [...poller.workers]) {
      if (worker.deadline === undefined) continue
      if (worker.deadline > now) {
        next = Math.min(next, worker.deadline)
        continue
      }
      const watch = worker.watch
      stop(poller, worker)
      if (watch !== undefined) poller.keeper.late.push(watch)
    }
    return (next === Infinity ? undefined : arm(poller, next, now)) ?? Effect.void
  })

/** One round of the keeper: late calls stopped, lost workers replaced, late waits put to retry. */
const keep = (poller: Poller, scope: Scope.Scope): Effect.Effect<void> =>
  Effect.gen(function*() {
    const keeper = poller.keeper
    keeper.latch.unsafeClose()
    if (keeper.check) {
      keeper.check = false
      yield* stopLateCalls(poller)
    }
    const lost = keeper.lost
    keeper.lost = 0
    for (let i = 0; i < lost; i++) yield* startWorker(poller, scope)
    const late = keeper.late
    keeper.late = []
    for (const watch of late) {
      if (watch.state !== "done") yield* afterFailure(poller, watch, timedOut(poller, watch))
    }
  })

/** Forks the workers in `scope`, and the keeper. */
export const startWorkers = (poller: Poller): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    for (let i = 0; i < poller.concurrency; i++) yield* startWorker(poller, scope)
    yield* Effect.forkIn(Effect.forever(Effect.zipRight(poller.keeper.latch.await, keep(poller, scope))), scope)
  })

/** Ends a wait whose caller was interrupted: it is forgotten, and a call in course for it is stopped. */
export const cancel = (poller: Poller, watch: Watch): void => {
  if (watch.state === "done") return
  watch.state = "done"
  watch.alarm?.cancel()
  watch.alarm = undefined
  unregister(poller, watch)
  if (watch.inFlight !== undefined) stop(poller, watch.inFlight)
}
