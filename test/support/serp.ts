/**
 * Serp over the poller's test stack (the sandbox in-process, a memory ledger unless another is given), for tests:
 * Serp, the poller, the batcher, the ledger and the emulator are all exposed.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { AnyEngine, ResultFormat } from "../../src/Engine.js"
import * as Serp from "../../src/Serp.js"
import { layer as pollerLayer, type Setup } from "./poller.js"

/** Serp over TaskPoller + TaskBatcher + DataForSeoClient + ledger + sandbox, queue delays of 2 s by default. */
export const layer = (setup: Setup = {}) => Serp.layer.pipe(Layer.provideMerge(pollerLayer(setup)))

/** A whole run, every outcome in the order they came. */
export const runAll = <E extends AnyEngine, F extends ResultFormat>(
  engine: E,
  tasks: Iterable<Serp.TaskOf<E>>,
  options: Serp.RunOptions<Serp.TaskOf<E>, F>
) =>
  Effect.flatMap(
    Serp.Serp,
    (serp) => Effect.map(Stream.runCollect(serp.run(engine, tasks, options)), Chunk.toReadonlyArray)
  )
