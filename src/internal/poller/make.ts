/**
 * The poller's constructor: the options read, the state record made, the tasks_ready loop forked in the
 * scope. The work lives in the sections (`tasksReady`, `taskGet`, `await`), each a set of functions of that
 * record.
 *
 * @since 0.1.0
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { DataForSeoClient } from "../../DataForSeoClient.js"
import { DataForSeoConfig } from "../../DataForSeoConfig.js"
import * as Pacer from "../../Pacer.js"
import { TaskLedger } from "../../TaskLedger.js"
import { defaultBackoff, defaultMaxBackoff, type Options, resultSchemaKeys, type Service } from "../../TaskPoller.js"
import * as Alarms from "../alarms.js"
import { Fifo } from "../fifo.js"
import { rateLimited } from "../waits.js"
import { awaitResult, results, watchResult } from "./await.js"
import { oldest, type Poller } from "./state.js"
import { readyLoop, signalReady } from "./tasksReady.js"
import { startWorkers } from "./workers.js"

const millis = (input: Duration.DurationInput | undefined, fallback: Duration.DurationInput): number =>
  Duration.toMillis(Duration.decode(input ?? fallback))

/** The poller's state, from its options (checked by `validateOptions`) and the services it runs on. */
const makePoller = (options: Options) =>
  Effect.gen(function*() {
    const settings = yield* DataForSeoConfig
    const limits = settings.limits
    const poller: Poller = {
      client: yield* DataForSeoClient,
      ledger: yield* TaskLedger,
      readyPacer: yield* Pacer.make({ limit: limits.tasksReadyPerMinute, window: limits.window, spread: true }),
      getPacer: yield* Pacer.make({ limit: limits.taskGetPerMinute, window: limits.window, spread: true }),
      alarms: Alarms.make(),
      concurrency: options.concurrency ?? limits.simultaneousRequests,
      due: new Fifo(),
      dueLatch: yield* Effect.makeLatch(false),
      workers: new Set(),
      requestTimeout: Duration.toMillis(settings.requestTimeout),
      keeper: {
        latch: yield* Effect.makeLatch(false),
        lost: 0,
        late: [],
        check: false,
        calls: 0,
        alarm: undefined,
        alarmAt: Infinity
      },
      busy: yield* Effect.makeLatch(false),
      expectedWait: millis(options.expectedWait, Duration.minutes(2)),
      backoff: millis(options.backoff, defaultBackoff),
      maxBackoff: millis(options.maxBackoff, defaultMaxBackoff),
      retryDelay: Duration.toMillis(settings.retry.baseDelay),
      maxFailures: options.maxFailures ?? 8,
      maxOutstanding: options.maxOutstanding ?? 10_000,
      watches: new Map(),
      engines: new Map(),
      count: 0,
      seenReady: 0,
      early: new Set()
    }
    return poller
  })

/** Builds the poller; its tasks_ready loop lives as long as the scope. */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const poller = yield* makePoller(options)
    yield* Effect.forkScoped(readyLoop(poller))
    yield* startWorkers(poller)
    const service: Service = {
      awaitResult: (engine, taskId, { format }) =>
        awaitResult(poller, engine, taskId, format, engine[resultSchemaKeys[format]]),
      watch: (engine, taskId, { format }, onOutcome) =>
        watchResult(poller, engine, taskId, format, engine[resultSchemaKeys[format]], onOutcome),
      results: (engine, tasks, { format }) => results(poller, engine, tasks, format, engine[resultSchemaKeys[format]]),
      ready: (taskIds) => signalReady(poller, taskIds),
      outstanding: Effect.sync(() => poller.count),
      status: Effect.zipWith(
        rateLimited("tasks_ready", poller.readyPacer),
        rateLimited("task_get", poller.getPacer),
        (ready, get) => ({
          outstanding: poller.count,
          seenReady: poller.seenReady,
          oldestWaiting: oldest(poller),
          waiting: [...ready, ...get]
        })
      )
    }
    return service
  })
