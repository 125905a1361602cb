/**
 * What the pipeline benchmark and its child scripts share: the sandbox process, the library's stack, the tasks,
 * and small statistics.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as DataForSeoClient from "../../../dist/DataForSeoClient.js"
import * as DataForSeoConfig from "../../../dist/DataForSeoConfig.js"
import * as NaverOrganic from "../../../dist/NaverOrganic.js"
import type { SandboxOptions } from "../../../dist/sandbox/Options.js"
import * as Serp from "../../../dist/Serp.js"
import * as TaskBatcher from "../../../dist/TaskBatcher.js"
import * as TaskLedger from "../../../dist/TaskLedger.js"
import * as TaskLedgerSqlite from "../../../dist/TaskLedgerSqlite.js"
import * as TaskPoller from "../../../dist/TaskPoller.js"
import * as UndiciHttpClient from "../../../dist/UndiciHttpClient.js"
import {
  BenchFailure,
  check,
  cpuMillis,
  median,
  quantile,
  runLine,
  sandboxProcess,
  type Server as SandboxServer
} from "../support/sandboxProcess.js"
import type { PipelineServerStats } from "./server.js"

export { BenchFailure, check, cpuMillis, median, quantile, runLine }

export const here = dirname(fileURLToPath(import.meta.url))
export const login = "sandbox"
export const password = "sandbox"

// --- the sandbox process ---------------------------------------------------------------------------

/** The sandbox process, driven by its line protocol. */
export type Server = SandboxServer<PipelineServerStats>

/** Starts `server.ts` for the life of the scope; closing its stdin makes it exit. */
export const server = sandboxProcess<PipelineServerStats>(join(here, "server.ts"), [], "60 seconds")

// --- the library side -----------------------------------------------------------------------------------

/** How the library is set up for one run. */
export interface Setup {
  readonly limits: DataForSeoConfig.Options["limits"]
  readonly poller: TaskPoller.Options
  readonly batcher?: TaskBatcher.Options
  /** The SQLite ledger in this file (`synchronous: "normal"`); the memory ledger when absent. */
  readonly ledgerFile?: string
}

/**
 * Serp over the batcher, the poller, a ledger, the client and undici: the stack `SerpNode.layerConfig` builds, with
 * the SQLite ledger when `ledgerFile` is given and the memory ledger otherwise. The SQLite ledger commits with
 * `synchronous: "normal"` (`DATAFORSEO_LEDGER_SYNC=normal`): a long job that wants speed over surviving a power
 * loss sets that, and a commit then costs no fsync on this machine's disk.
 */
export const stack = (url: string, setup: Setup) =>
  Serp.layer.pipe(
    Layer.provideMerge(Layer.merge(TaskBatcher.layer(setup.batcher), TaskPoller.layer(setup.poller))),
    Layer.provideMerge(
      setup.ledgerFile === undefined
        ? TaskLedger.layerMemory
        : Layer.orDie(TaskLedgerSqlite.layerSqlite({ filename: setup.ledgerFile, synchronous: "normal" }))
    ),
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(
      DataForSeoConfig.layer({ login, password: Redacted.make(password), baseUrl: url, limits: setup.limits })
    ),
    Layer.provide(UndiciHttpClient.layer)
  )

/** `count` Naver tasks, made as they are read (never held as an array). Naver's default depth gives 15 items. */
export const tasks = (count: number, label: string): Stream.Stream<NaverOrganic.Task> =>
  Stream.map(Stream.range(1, count), (i): NaverOrganic.Task => ({ keyword: `keyword ${label} ${i}` }))

// --- the memory line's run, shared by the parent (the sandbox) and the child (the library) ----------------

/**
 * The memory line: a queue delay of 100 ms and limits that never bind (a one-second window), so that 200,000
 * tasks go as fast as the two processes can go. The poller is told the short delay.
 */
export const memoryLine = {
  queueDelayMs: 100,
  limits: { post: 100_000, get: 100_000, ready: 10, window: 1000 },
  setup: (ledgerFile: string): Setup => ({
    limits: {
      taskPostPerMinute: memoryLine.limits.post,
      taskGetPerMinute: memoryLine.limits.get,
      tasksReadyPerMinute: memoryLine.limits.ready,
      window: memoryLine.limits.window
    },
    poller: { expectedWait: memoryLine.queueDelayMs, backoff: memoryLine.queueDelayMs },
    ledgerFile
  })
}

// --- one run of the pipeline ---------------------------------------------------------------------------

/** An account that never runs out of money. */
export const account: SandboxOptions = { accounts: [{ login, password, balance: 1e9 }] }

/** The outcomes of one `Serp.run`, drained within a cap. */
export interface Drained {
  readonly done: number
  readonly failed: number
  /** False when the run was still going at the cap. */
  readonly complete: boolean
  /** From the first pull to the last outcome (to the moment it was stopped when incomplete). */
  readonly wallMs: number
  /** CPU of this process over the same time, every thread included. */
  readonly cpuMs: number
  /** The first error, for the report. */
  readonly firstError: string | undefined
}

/** How long a run may take, and what ends the process when it takes longer. */
export interface Cap {
  readonly ms: number
  /**
   * Called with the figures so far when the run is still going at `ms`. It reports them and ends the process
   * (`process.exit`): the run is not wound down, since interrupting thousands of waits can take longer than the
   * run, and an overloaded process may never get there.
   */
  readonly onCap: (run: Drained) => void
}

/**
 * Runs `count` Naver tasks through `Serp.run` in the advanced format against `url` and counts the outcomes, with a
 * progress line on stderr every 10 s. Building the stack is not counted. `onOutcome` is called with the count of
 * outcomes so far after each one.
 *
 * The cap is a plain Node timer, not an Effect one: a run that swamps Effect's scheduler would delay a timeout
 * fiber as much as its own work.
 */
export const drain = (
  url: string,
  setup: Setup,
  count: number,
  label: string,
  cap: Cap,
  onOutcome?: (done: number) => void
) =>
  Effect.scoped(Effect.gen(function*() {
    const serp = yield* Effect.provide(Serp.Serp, yield* Layer.build(stack(url, setup)))
    let done = 0
    let failed = 0
    let firstError: string | undefined
    let lastOutcomeAt = 0
    const cpu = process.cpuUsage()
    const started = performance.now()
    const figures = (complete: boolean): Drained => ({
      done,
      failed,
      complete,
      wallMs: (complete ? lastOutcomeAt : performance.now()) - started,
      cpuMs: cpuMillis(process.cpuUsage(cpu)),
      firstError
    })
    const ticker = setInterval(() => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0)
      console.error(`${label}: ${done} of ${count} out after ${seconds} s`)
    }, 10_000)
    const stop = setTimeout(() => cap.onCap(figures(false)), cap.ms)
    yield* Stream.runForEach(
      serp.run(NaverOrganic.engine, tasks(count, label), { format: "advanced" }),
      (outcome) =>
        Effect.sync(() => {
          done++
          lastOutcomeAt = performance.now()
          onOutcome?.(done)
          if (Either.isLeft(outcome.result)) {
            failed++
            firstError ??= `${outcome.result.left._tag}: ${outcome.result.left.message}`
          }
        })
    )
    clearTimeout(stop)
    clearInterval(ticker)
    return figures(true)
  }))

/** A completed run lost nothing, repeated nothing, and the sandbox refused nothing; the sandbox's figures. */
export const verify = (name: string, count: number, run: Drained, sandbox: Server) =>
  Effect.gen(function*() {
    const stats = yield* sandbox.stats
    const rejected = stats.taskPost.rejected + stats.tasksReady.rejected + stats.taskGet.rejected
    yield* check(rejected === 0, `${name}: the sandbox refused ${rejected} calls`)
    yield* check(run.done === count, `${name}: ${run.done} outcomes for ${count} tasks`)
    yield* check(run.failed === 0, `${name}: ${run.failed} tasks failed, the first with ${run.firstError}`)
    yield* check(
      stats.tasksCreated === count && stats.collected === count,
      `${name}: the sandbox created ${stats.tasksCreated} tasks and ${stats.collected} were collected`
    )
    return stats
  })
