/**
 * The Serp constructor: the services read, each method a call of the sections (`run`, `taken`).
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Service } from "../../Serp.js"
import { TaskBatcher } from "../../TaskBatcher.js"
import { TaskLedger } from "../../TaskLedger.js"
import { TaskPoller } from "../../TaskPoller.js"
import { outcomes } from "./run.js"
import { recordCollected, recordTaken, takenOnPull } from "./taken.js"

/** Builds the facade over the batcher, the poller and the ledger in context. */
export const make = Effect.gen(function*() {
  const batcher = yield* TaskBatcher
  const poller = yield* TaskPoller
  const ledger = yield* TaskLedger
  const services = { batcher, poller, ledger }
  const service: Service = {
    run: (engine, tasks, options) =>
      takenOnPull(outcomes(services, engine, tasks, options), (outcome) => recordTaken(ledger, outcome)).pipe(
        Stream.withSpan("Serp.run", { attributes: { engine: engine.name, format: options.format } })
      ),
    runWith: (engine, tasks, options, handler) =>
      Stream.runForEach(
        outcomes(services, engine, tasks, options),
        (outcome) => Effect.zipRight(handler(outcome), recordTaken(ledger, outcome))
      ).pipe(Effect.withSpan("Serp.runWith", { attributes: { engine: engine.name, format: options.format } })),
    submit: Effect.fn("Serp.submit")((engine, task, options) => batcher.submit(engine, task, options)),
    result: Effect.fn("Serp.result")(function*(engine, posted, options) {
      const result = yield* poller.awaitResult(engine, posted.id, options)
      yield* recordCollected(ledger, posted.id)
      return result
    })
  }
  return service
})
