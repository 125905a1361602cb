/**
 * The CPU line of `pipeline.ts`, in a process of its own: the CPU per task of this process for tasks through
 * `Serp.run` (advanced format, 15 items a result), over that of a hand-written loop over `fetch` and
 * `JSON.parse` making the same calls (`baseline.ts`). The sandbox is a child process, so its CPU is not counted.
 *
 * Prints `bench pipeline-cpu ratio=<x> target=1.5 ...`, and the detail on stderr.
 */
import * as Effect from "effect/Effect"
import type { SandboxOptions } from "../../../dist/sandbox/Options.js"
import { baseline } from "./baseline.js"
import {
  account,
  check,
  cpuMillis,
  drain,
  type Drained,
  median,
  runLine,
  type Server,
  server,
  type Setup,
  verify
} from "./common.js"

const TASKS = Number(process.env["BENCH_PIPELINE_CPU_TASKS"] ?? 2_000)
const ROUNDS = Number(process.env["BENCH_PIPELINE_CPU_ROUNDS"] ?? 5)
/** The line's time: a run still going when it runs out is stopped, and no further round starts. */
const BUDGET_MS = 60_000
/** Calls in flight on both sides: the library's default `simultaneousRequests`. */
const CONCURRENCY = 30

/**
 * A queue delay of 1 s, and limits that never bind (a one-second window) but tasks_ready's, 2 a second: the CPU
 * is spent on the calls, not on waiting for a limit.
 */
const delayMs = 1000
const limits = { post: 100_000, get: 100_000, ready: 2, windowMs: 1000 }

const sandboxOptions: SandboxOptions = {
  ...account,
  queueDelay: { normal: delayMs, high: delayMs },
  limits: {
    perMinute: { task_post: limits.post, task_get: limits.get, tasks_ready: limits.ready },
    window: limits.windowMs
  }
}

/** The library as a user who knows the delay sets it up: ask by id once the delay has passed, then every 250 ms. */
const setup: Setup = {
  limits: {
    taskPostPerMinute: limits.post,
    taskGetPerMinute: limits.get,
    tasksReadyPerMinute: limits.ready,
    window: limits.windowMs
  },
  poller: { expectedWait: delayMs, backoff: "250 millis" }
}

/** One side of the line, on a fresh sandbox: its CPU per task (µs), and the calls it made. */
interface CpuRun {
  readonly usPerTask: number
  readonly wallMs: number
  readonly complete: boolean
  readonly done: number
  /** task_post / tasks_ready / task_get calls the sandbox received. */
  readonly calls: string
}

const callsOf = (
  stats: { readonly taskPost: { calls: number }; tasksReady: { calls: number }; taskGet: { calls: number } }
) => `${stats.taskPost.calls}/${stats.tasksReady.calls}/${stats.taskGet.calls}`

/** One run's figures as the line keeps them. */
const cpuRun = (run: Drained, calls: string): CpuRun => ({
  usPerTask: (run.cpuMs * 1000) / Math.max(1, run.done),
  wallMs: run.wallMs,
  complete: run.complete,
  done: run.done,
  calls
})

/** A library run; `onCap` reports a run still going at `capMs` and ends the process. */
const library = (sandbox: Server, label: string, capMs: number, onCap: (run: CpuRun) => void) =>
  Effect.gen(function*() {
    const url = yield* sandbox.serve(sandboxOptions)
    const run = yield* drain(url, setup, TASKS, label, { ms: capMs, onCap: (run) => onCap(cpuRun(run, "?")) })
    const stats = yield* verify("pipeline-cpu", TASKS, run, sandbox)
    return cpuRun(run, callsOf(stats))
  })

/** The baseline: tasks_ready asked at its limit at most (every 500 ms, and 20 ms to spare for the trip). */
const handWritten = (sandbox: Server, label: string) =>
  Effect.gen(function*() {
    const url = yield* sandbox.serve(sandboxOptions)
    const started = performance.now()
    const usage = process.cpuUsage()
    const run = yield* Effect.promise(() =>
      baseline(url, TASKS, label, CONCURRENCY, limits.windowMs / limits.ready + 20)
    )
    const cpuMs = cpuMillis(process.cpuUsage(usage))
    const wallMs = performance.now() - started
    const stats = yield* sandbox.stats
    yield* check(
      run.fetched === TASKS && run.items === TASKS * 15 && stats.collected === TASKS,
      `pipeline-cpu baseline: ${run.fetched} results with ${run.items} items, ${stats.collected} collected`
    )
    const result: CpuRun = {
      usPerTask: (cpuMs * 1000) / TASKS,
      wallMs,
      complete: true,
      done: TASKS,
      calls: callsOf(stats)
    }
    return result
  })

const show = (run: CpuRun) =>
  `${run.usPerTask.toFixed(0)} µs a task over ${(run.wallMs / 1000).toFixed(1)} s${
    run.complete ? "" : ` (stopped at the cap, ${run.done} out)`
  }`

const libraryRuns: Array<CpuRun> = []
const baselineRuns: Array<CpuRun> = []

/** The line, from the runs so far: the medians of the measured rounds, or the warm-up runs when there are none. */
const report = (rounds: number) => {
  const measured = (runs: ReadonlyArray<CpuRun>) => (runs.length > 1 ? runs.slice(1) : runs)
  const libraryUs = median(measured(libraryRuns).map((run) => run.usPerTask))
  const baselineUs = median(measured(baselineRuns).map((run) => run.usPerTask))
  const complete = libraryRuns.every((run) => run.complete)
  const calls = `Serp.run ${libraryRuns.at(-1)?.calls}, baseline ${baselineRuns.at(-1)?.calls}`
  console.error(
    `pipeline-cpu: medians of ${rounds} rounds of ${TASKS} tasks: Serp.run ${libraryUs.toFixed(0)} µs a task, ` +
      `baseline ${baselineUs.toFixed(0)} µs; calls task_post/tasks_ready/task_get: ${calls}`
  )
  console.log(
    `bench pipeline-cpu ratio=${(libraryUs / baselineUs).toFixed(2)} target=1.5 library_us_per_task=${
      libraryUs.toFixed(0)
    } baseline_us_per_task=${baselineUs.toFixed(0)} rounds=${rounds} complete=${complete}`
  )
}

const program = Effect.gen(function*() {
  const sandbox = yield* server
  const budgetEnds = performance.now() + BUDGET_MS
  let rounds = 0
  // a library run still going when the budget runs out is reported as it stands, and ends the line
  const measure = (label: string) =>
    library(sandbox, label, Math.max(5_000, budgetEnds - performance.now()), (run) => {
      console.error(`pipeline-cpu: ${label} stopped at the cap: Serp.run ${show(run)}`)
      libraryRuns.push(run)
      report(rounds)
      process.exit(0)
    })
  // one warm-up run each
  baselineRuns.push(yield* handWritten(sandbox, "cpu-warm"))
  libraryRuns.push(yield* measure("cpu-warm"))
  console.error(`pipeline-cpu warm-up: Serp.run ${show(libraryRuns[0]!)}, baseline ${show(baselineRuns[0]!)}`)
  while (rounds < ROUNDS && performance.now() < budgetEnds) {
    // the order changes each round
    const libraryFirst = rounds % 2 === 0
    if (libraryFirst) libraryRuns.push(yield* measure(`cpu-r${rounds}`))
    baselineRuns.push(yield* handWritten(sandbox, `cpu-r${rounds}`))
    if (!libraryFirst) libraryRuns.push(yield* measure(`cpu-r${rounds}`))
    rounds++
    console.error(
      `pipeline-cpu round ${rounds}: Serp.run ${show(libraryRuns.at(-1)!)}, baseline ${show(baselineRuns.at(-1)!)}`
    )
  }
  report(rounds)
})

if (process.argv.includes("--line")) runLine("pipeline-cpu", program, BUDGET_MS + 120_000)
