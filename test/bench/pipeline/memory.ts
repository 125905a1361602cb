/**
 * The memory line of `pipeline.ts`, in a process of its own: the peak RSS of a run of 200,000 tasks over that of a
 * run of 20,000. Each run is a process of its own (`memoryRun.ts`); the sandbox is another one, fresh for each run.
 *
 * Prints `bench pipeline-memory ratio=<x> target=1.2 rss_mb=<peak of the large run> ...`, and the detail on stderr.
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { createInterface } from "node:readline"
import type { SandboxOptions } from "../../../src/sandbox/Options.js"
import { account, check, here, memoryLine, runLine, server } from "./common.js"
import type { MemoryRun, Progress } from "./memoryRun.js"

const sizes = (process.env["BENCH_PIPELINE_MEMORY_TASKS"] ?? "20000,200000").split(",").map(Number)

/**
 * The small run gets 2 minutes, the large one 10: a run still going then is stopped. The large run needs about
 * 7 minutes on 2 shared cores, the sandbox taking a third of one.
 */
const capOf = (count: number) => (count <= 20_000 ? 120_000 : 600_000)

const sandboxOptions: SandboxOptions = {
  ...account,
  queueDelay: { normal: memoryLine.queueDelayMs, high: memoryLine.queueDelayMs },
  limits: {
    perMinute: {
      task_post: memoryLine.limits.post,
      task_get: memoryLine.limits.get,
      tasks_ready: memoryLine.limits.ready
    },
    window: memoryLine.limits.window
  }
}

/** A run that died before it could report: what its last progress line said. */
interface Died {
  readonly _tag: "Died"
  readonly code: number | null
  readonly last: Progress | undefined
}

/** Runs `memoryRun.ts` for `count` tasks against `url`; what it prints, or how far it got if it died. */
const memoryRun = (url: string, count: number, capMs: number) =>
  Effect.async<MemoryRun | Died>((resume) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--expose-gc", join(here, "memoryRun.ts"), url, String(count), String(capMs)],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let result: MemoryRun | undefined
    let last: Progress | undefined
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("result ")) result = JSON.parse(line.slice("result ".length))
      if (line.startsWith("progress ")) last = JSON.parse(line.slice("progress ".length))
    })
    // the child stops itself at the cap; this is for a child that cannot
    const timer = setTimeout(() => child.kill(), capMs + 60_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed(result ?? { _tag: "Died", code, last }))
    })
    return Effect.sync(() => child.kill())
  })

const program = Effect.gen(function*() {
  const sandbox = yield* server
  const runs: Array<MemoryRun> = []
  for (const count of sizes) {
    const outcome = yield* memoryRun(yield* sandbox.serve(sandboxOptions), count, capOf(count))
    if ("_tag" in outcome) {
      // a run that died (out of memory, say) is reported with what its last progress line said
      const peak = outcome.last?.maxRssMb ?? NaN
      console.error(
        `pipeline-memory: the ${count}-task run died (exit code ${outcome.code}) with ${outcome.last?.done} ` +
          `tasks out and a peak RSS of ${peak.toFixed(0)} MB at its last report`
      )
      runs.push({
        tasks: count,
        done: outcome.last?.done ?? 0,
        failed: 0,
        complete: false,
        wallMs: NaN,
        cpuMs: NaN,
        maxRssMb: peak,
        heapAfterGcMb: NaN,
        rssByTenth: []
      })
      continue
    }
    const run = outcome
    const stats = yield* sandbox.stats
    const rejected = stats.taskPost.rejected + stats.tasksReady.rejected + stats.taskGet.rejected
    yield* check(rejected === 0, `pipeline-memory: the sandbox refused ${rejected} calls`)
    if (run.complete) {
      yield* check(
        run.done === count && run.failed === 0,
        `pipeline-memory: ${run.done} outcomes, ${run.failed} failed`
      )
      yield* check(stats.collected === count, `pipeline-memory: ${stats.collected} of ${count} collected`)
    }
    console.error(
      `pipeline-memory: ${run.done} of ${count} tasks out in ${(run.wallMs / 1000).toFixed(1)} s` +
        `${run.complete ? "" : " (stopped at the cap)"}, ${
          ((run.cpuMs * 1000) / Math.max(1, run.done)).toFixed(0)
        } µs ` +
        `CPU a task; peak RSS ${run.maxRssMb.toFixed(0)} MB, heap after GC ${run.heapAfterGcMb.toFixed(0)} MB; ` +
        `RSS at each tenth of the tasks: ${run.rssByTenth.join(", ")} MB`
    )
    runs.push(run)
  }
  const small = runs[0]
  const large = runs[runs.length - 1]
  if (small === undefined || large === undefined) return
  console.log(
    `bench pipeline-memory ratio=${(large.maxRssMb / small.maxRssMb).toFixed(2)} target=1.2 rss_mb=${
      large.maxRssMb.toFixed(0)
    } small_rss_mb=${small.maxRssMb.toFixed(0)} done=${large.done},${small.done} complete=${
      large.complete && small.complete
    }`
  )
})

if (process.argv.includes("--line")) {
  runLine("pipeline-memory", program, sizes.reduce((sum, count) => sum + capOf(count) + 90_000, 0))
}
