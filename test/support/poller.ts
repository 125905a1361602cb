/**
 * The poller over the batcher's test stack (the sandbox in-process, a memory ledger), for tests: the poller,
 * the batcher, the client and the emulator are all exposed.
 */
import * as Layer from "effect/Layer"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as TaskPoller from "../../src/TaskPoller.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
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

/** The limits' window of both the client and the emulator over loopback: a "minute" lasts a second. */
export const limitsWindow = "1 second"

/**
 * `setup` over loopback: the sandbox served on a real port and reached with UndiciHttpClient (unless `served`
 * says otherwise), on the live clock, tasks done 300 ms after posting, tasks asked for by id after 5 s.
 */
export const loopback = (setup: Setup = {}): Setup => ({
  ...setup,
  served: setup.served ?? UndiciHttpClient.layer,
  config: {
    requestTimeout: "10 seconds",
    ...setup.config,
    limits: { window: limitsWindow, ...setup.config?.limits }
  },
  sandbox: {
    seed: 19,
    queueDelay: { normal: "300 millis" },
    ...setup.sandbox,
    limits: { window: limitsWindow, ...setup.sandbox?.limits }
  },
  poller: { expectedWait: "5 seconds", backoff: "200 millis", maxBackoff: "1 second", ...setup.poller }
})

/**
 * Every request fault of the emulator on 30% of tasks_ready and task_get calls, over loopback. A task ends with a
 * transient failure only after `maxFailures` of them in a row: at 30% a call, 20 in a row has a chance of 3.5e-11
 * per task, so none may fail.
 */
export const faulty: Setup = {
  // a reply later than a second is lost; a window of 100 ms brings a pace cut by 40202 back sooner
  config: { requestTimeout: "1 second", retry: { baseDelay: "100 millis" }, limits: { window: "100 millis" } },
  sandbox: {
    slowReply: "2 seconds",
    limits: { window: "100 millis" },
    faults: { probability: { tasks_ready: Sandbox.everyFault(0.3), task_get: Sandbox.everyFault(0.3) } }
  },
  poller: { maxFailures: 20, maxBackoff: "500 millis" }
}
