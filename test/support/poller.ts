/**
 * The poller over the batcher's test stack (the sandbox in-process, a memory ledger), for tests: the poller,
 * the batcher, the client and the emulator are all exposed.
 */
import * as Layer from "effect/Layer"
import * as TaskPoller from "../../src/TaskPoller.js"
import { layer as batcherLayer, type Setup as BatcherSetup } from "./batcher.js"

export interface Setup extends BatcherSetup {
  readonly poller?: TaskPoller.Options
}

/** TaskPoller over TaskBatcher + DataForSeoClient + memory ledger + sandbox, queue delays of 2 s by default. */
export const layer = (setup: Setup = {}) =>
  TaskPoller.layer({ expectedWait: "1 minute", backoff: "2 seconds", ...setup.poller }).pipe(
    Layer.provideMerge(
      batcherLayer({ ...setup, sandbox: { queueDelay: { normal: "2 seconds" }, sparse: 0, ...setup.sandbox } })
    )
  )
