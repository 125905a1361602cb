/**
 * The batcher's constructor: the options read, the state record made, the lanes closed with the scope.
 * The work lives in the sections (`admission`, `packing`, `send`, `reconcile`, `outcomes`, `submit`,
 * `stream`), each a set of functions of that record.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { DataForSeoClient } from "../../DataForSeoClient.js"
import { DataForSeoConfig, maxTasksPerPost } from "../../DataForSeoConfig.js"
import * as Money from "../../Money.js"
import * as Pacer from "../../Pacer.js"
import * as Prices from "../../Prices.js"
import { type Options, type Service, validateOptions } from "../../TaskBatcher.js"
import { TaskLedger } from "../../TaskLedger.js"
import { inCourse, rateLimited } from "../waits.js"
import type { Lane } from "./lane.js"
import { closeLanes } from "./packing.js"
import { makePasses } from "./reconcile.js"
import type { Batcher, KeyInFlight, Pending } from "./state.js"
import { submitStream } from "./stream.js"
import { submit, submitAll } from "./submit.js"

/** The batcher's state, from its options and the services it runs on. */
const makeBatcher = (options: Options) =>
  Effect.gen(function*() {
    const settings = yield* DataForSeoConfig
    const client = yield* DataForSeoClient
    const ledger = yield* TaskLedger
    const runId = options.runId ??
      `run-${(yield* Clock.currentTimeMillis).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    // validated by DataForSeoConfig, and bounded here too: a POST of more would be refused with 40006
    const maxTasks = Math.min(settings.limits.tasksPerPost, maxTasksPerPost)
    const pacer = yield* Pacer.make({
      limit: settings.limits.taskPostPerMinute,
      window: settings.limits.window,
      spread: options.spread ?? true
    })
    const inFlight = yield* Effect.makeSemaphore(settings.limits.simultaneousRequests)
    const scope = yield* Effect.scope
    const passes = yield* makePasses(client, scope, Duration.decode(options.settleDelay ?? Duration.seconds(10)))
    const batcher: Batcher = {
      runId,
      // Keys the batcher makes itself are `<runId>:<instance>:<n>`: unique to this batcher even when another
      // one, maybe in an earlier process, used the same run id on the same ledger (a key already recorded
      // would have its new task refused by the ledger after the POST billed it)
      keyPrefix: `${runId}:${Math.random().toString(36).slice(2, 10).padEnd(8, "0")}:`,
      window: Duration.decode(options.window ?? Duration.millis(50)),
      policy: options.policy ?? "reconcile",
      prices: options.prices ?? Prices.standard,
      maxAttempts: options.maxAttempts ?? 5,
      backoff: Duration.decode(options.backoff ?? Duration.seconds(1)),
      maxTasks,
      budget: options.budget === undefined ? undefined : Money.fromUsd(options.budget),
      // enough to fill every simultaneous request and one batch more
      admissionWindow: maxTasks * (settings.limits.simultaneousRequests + 1),
      // four times what fills every request slot, so that groups waiting for id_list (a settle delay and a
      // pass) do not soon leave the slots idle
      streamInHand: 4 * (settings.limits.simultaneousRequests + 1),
      client,
      ledger,
      pacer,
      inFlight,
      scope,
      passes,
      sequence: 0,
      // what the ledger already holds for the run counts: a restarted job does not spend its budget twice
      // in whole micro-dollars, so that a long run's sums stay exact
      spent: Money.fromUsd((yield* ledger.costByRun(runId)).cost),
      reserved: Money.zero,
      closed: false,
      lanes: new Map<string, Lane<Pending>>(),
      busy: new Set<string>(),
      keyWaiters: new Map<string, KeyInFlight>(),
      waits: new Set()
    }
    return batcher
  })

/** Builds the batcher; its packing fibers live as long as the scope. Options out of range are a `ConfigError`. */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    yield* validateOptions(options)
    const b = yield* makeBatcher(options)
    // Callers still waiting when the batcher closes are interrupted rather than left hanging.
    yield* Effect.addFinalizer(() => closeLanes(b))
    const service: Service = {
      runId: b.runId,
      submit: (engine, task, submitOptions) => submit(b, engine, task, submitOptions),
      submitAll: (engine, tasks, submitOptions) => submitAll(b, engine, tasks, submitOptions),
      submitStream: (engine, tasks, streamOptions) => submitStream(b, engine, tasks, streamOptions),
      committed: Effect.sync(() => Money.toUsd(Money.add(b.spent, b.reserved))),
      waiting: Effect.map(rateLimited("task_post", b.pacer), (cut) => [...inCourse(b.waits), ...cut])
    }
    return service
  })
