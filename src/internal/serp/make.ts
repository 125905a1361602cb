/**
 * The Serp constructor: the services read, each method a call of the sections (`run`, `taken`, `progress`).
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { Outcome, Service, TaskOf } from "../../Serp.js"
import { TaskBatcher } from "../../TaskBatcher.js"
import { TaskLedger } from "../../TaskLedger.js"
import { type Result, TaskPoller } from "../../TaskPoller.js"
import { fromPull, fromScopedPull } from "../stream.js"
import { countEnded, countPosted, makeCounts, snapshot } from "./progress.js"
import { outcomes } from "./run.js"
import { recordCollected, recordTaken, takenOnPull } from "./taken.js"

/** Builds the facade over the batcher, the poller and the ledger in context. */
export const make = Effect.gen(function*() {
  const batcher = yield* TaskBatcher
  const poller = yield* TaskPoller
  const ledger = yield* TaskLedger
  const counts = makeCounts()
  const services = { batcher, poller, ledger, counts }
  const collected = () => {
    counts.collected++
  }
  /** Records a result taken, and counts it. */
  const taken = <Task, A>(outcome: Outcome<Task, A>) => recordTaken(ledger, outcome, collected)
  const progress = snapshot(counts, batcher, poller)
  const service: Service = {
    run: (engine, tasks, options) =>
      fromScopedPull(Effect.gen(function*() {
        // one span for the run, made once: `Stream.withSpan` would provide it again at each element
        const span = yield* Effect.makeSpanScoped("Serp.run", {
          attributes: { engine: engine.name, format: options.format }
        })
        // the reading and the waits are forked under the span; a pull makes no span of its own
        type Out = Outcome<TaskOf<typeof engine>, Result<typeof engine, typeof options.format>>
        return yield* takenOnPull(
          (handedOut: (outcome: Out) => void) =>
            Effect.withParentSpan(outcomes(services, engine, tasks, options, handedOut), span),
          taken
        )
      })),
    runWith: (engine, tasks, options, handler) =>
      Effect.scoped(Effect.flatMap(outcomes(services, engine, tasks, options, () => {}), (pull) =>
        Stream.runForEach(
          fromPull(pull),
          (outcome) => Effect.zipRight(handler(outcome), taken(outcome))
        ))).pipe(Effect.withSpan("Serp.runWith", { attributes: { engine: engine.name, format: options.format } })),
    submit: Effect.fn("Serp.submit")(function*(engine, task, options) {
      counts.submitted++
      const posted = yield* Effect.either(batcher.submit(engine, task, options))
      if (Either.isRight(posted)) countPosted(counts, posted.right)
      else countEnded(counts, posted, yield* Clock.currentTimeMillis)
      return yield* posted
    }),
    result: Effect.fn("Serp.result")(function*(engine, posted, options) {
      const result = yield* Effect.either(poller.awaitResult(engine, posted.id, options))
      countEnded(counts, result, yield* Clock.currentTimeMillis)
      if (Either.isLeft(result)) return yield* result.left
      yield* recordCollected(ledger, posted.id, collected)
      return result.right
    }),
    progress,
    progressEvery: (interval) => Stream.repeatEffectWithSchedule(progress, Schedule.spaced(interval))
  }
  return service
})
