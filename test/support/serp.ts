/**
 * Serp over the poller's test stack (the sandbox in-process, a memory ledger unless another is given), for tests:
 * Serp, the poller, the batcher, the ledger and the emulator are all exposed.
 */
import * as Layer from "effect/Layer"
import * as Serp from "../../src/Serp.js"
import { layer as pollerLayer, type Setup } from "./poller.js"

/** Serp over TaskPoller + TaskBatcher + DataForSeoClient + ledger + sandbox, queue delays of 2 s by default. */
export const layer = (setup: Setup = {}) => Serp.layer.pipe(Layer.provideMerge(pollerLayer(setup)))
