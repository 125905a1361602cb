/**
 * The makespan line of `pipeline.ts`, in a process of its own: 20,000 tasks through `Serp.run`, against the
 * sandbox's queue delay and limits, over the lower bound those allow.
 *
 * Prints `bench pipeline-makespan ratio=<x> target=1.15 measured_s=<s> bound_s=<s> ...`, and the detail on stderr.
 */
import * as Effect from "effect/Effect"
import type { SandboxOptions } from "../../../src/sandbox/Options.js"
import { account, drain, type Drained, runLine, server, type Setup, verify } from "./common.js"

/** The sandbox's queue delay and limits in this line; the library is given the same. */
export interface Pace {
  readonly tasks: number
  readonly tasksPerPost: number
  /** Calls per window. */
  readonly post: number
  readonly get: number
  readonly ready: number
  readonly windowMs: number
  readonly delayMs: number
}

/**
 * The documented limits in their proportions (task_post and task_get alike, tasks_ready a hundredth of them),
 * over a one-second window and scaled so that the run takes tens of seconds: task_post and task_get 500 calls
 * a window, tasks_ready 5. The queue delay is 3 s.
 */
export const pace: Pace = {
  tasks: Number(process.env["BENCH_PIPELINE_MAKESPAN_TASKS"] ?? 20_000),
  tasksPerPost: 100,
  post: 500,
  get: 500,
  ready: 5,
  windowMs: 1000,
  delayMs: 3000
}

/**
 * The earliest moment the last task can be collected, in ms from the first call, for a client that wastes
 * nothing. The sandbox refuses a call when its window already holds `limit` calls of that function (a
 * sliding window). So call k of a function can come a window after call k - limit at the earliest.
 * - Posting: post p carries tasks 100 p to 100 p + 99. It goes at floor(p / post) windows, in bursts of `post`
 *   calls: the most the window allows, and sooner than the library's evenly spread pace.
 * - A task is ready a queue delay after its post, never sooner.
 * - Getting: task i is fetched at the later of its ready time and the time of get i - `get` plus a window.
 *   Fetching tasks in the order they get ready is optimal, since each needs one call.
 * - Round trips count as zero. tasks_ready is not needed (the client knows the delay). The limit on
 *   simultaneous requests never binds when replies take no time.
 * With this line's numbers the task_get limit dominates: 20,000 gets at 500 a second take 40 s, the 200 posts
 * 0.4 s. The bound is then one queue delay plus (20,000 - 1) / 500 s, rounded down to whole windows: 42 s.
 */
export const lowerBound = (p: Pace): number => {
  const gets = new Array<number>(p.get).fill(0)
  let last = 0
  for (let i = 0; i < p.tasks; i++) {
    const post = Math.floor(i / p.tasksPerPost)
    const ready = Math.floor(post / p.post) * p.windowMs + p.delayMs
    const allowed = i >= p.get ? (gets[i % p.get] ?? 0) + p.windowMs : 0
    last = Math.max(ready, allowed)
    gets[i % p.get] = last
  }
  return last
}

const sandboxOptions: SandboxOptions = {
  ...account,
  queueDelay: { normal: pace.delayMs, high: pace.delayMs },
  limits: { perMinute: { task_post: pace.post, task_get: pace.get, tasks_ready: pace.ready }, window: pace.windowMs }
}

/**
 * The library under the same limits. The poller is set up as a user who knows the queue delay would: a task is
 * asked for by id once the delay has passed, then every second. Everything else is the default: `maxInFlight`
 * 10,000, 30 requests at once, the batcher's evenly spread posts, the memory ledger.
 */
const setup: Setup = {
  limits: {
    taskPostPerMinute: pace.post,
    taskGetPerMinute: pace.get,
    tasksReadyPerMinute: pace.ready,
    window: pace.windowMs
  },
  poller: { expectedWait: pace.delayMs, backoff: "1 second" }
}

const bound = lowerBound(pace)
/** A run still going at twice the bound is stopped: its ratio is then 2 or more. */
const capMs = 2 * bound

/** The line, from a run's figures. */
const report = (run: Drained) =>
  console.log(
    `bench pipeline-makespan ratio=${(run.wallMs / bound).toFixed(2)} target=1.15 measured_s=${
      (run.wallMs / 1000).toFixed(1)
    } bound_s=${(bound / 1000).toFixed(1)} done=${run.done} complete=${run.complete}`
  )

/** A run stopped at the cap: what it did so far, then the process ends. */
const onCap = (run: Drained) => {
  console.error(
    `pipeline-makespan: stopped at the cap after ${(run.wallMs / 1000).toFixed(1)} s with ${run.done} of ` +
      `${pace.tasks} tasks out; the bound ${(bound / 1000).toFixed(1)} s; CPU ${(run.cpuMs / 1000).toFixed(1)} s here`
  )
  report(run)
  process.exit(0)
}

const program = Effect.gen(function*() {
  const sandbox = yield* server
  const url = yield* sandbox.serve(sandboxOptions)
  const run = yield* drain(url, setup, pace.tasks, "pipeline-makespan", { ms: capMs, onCap })
  const stats = yield* verify("pipeline-makespan", pace.tasks, run, sandbox)
  console.error(
    `pipeline-makespan: ${run.done} tasks out in ${(run.wallMs / 1000).toFixed(1)} s; the bound ` +
      `${(bound / 1000).toFixed(1)} s; posting took ${((stats.lastPostAt - stats.firstPostAt) / 1000).toFixed(1)} s; ` +
      `calls ${stats.taskPost.calls} task_post, ${stats.tasksReady.calls} tasks_ready, ${stats.taskGet.calls} ` +
      `task_get; CPU ${(run.cpuMs / 1000).toFixed(1)} s here, ${(stats.cpuMs / 1000).toFixed(1)} s in the sandbox`
  )
  report(run)
})

if (process.argv.includes("--line")) runLine("pipeline-makespan", program, capMs + 60_000)
