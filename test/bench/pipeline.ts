/**
 * Benchmarks of the whole pipeline, `Serp.run` (issue 19): tasks posted through the batcher and collected through
 * the poller, against the loopback sandbox. Each line is a ratio of two figures measured side by side in one run.
 * Each line runs in a process of its own (`pipeline/<line>.ts`), and the sandbox in another
 * (`pipeline/server.ts`), so that its CPU and memory are never counted as the library's.
 *
 * - `bench pipeline-makespan ratio=<x> target=1.15 measured_s=<s> bound_s=<s>` (`pipeline/makespan.ts`): the
 *   wall time of 20,000 tasks through `Serp.run` (advanced format), from the first pull to the last outcome,
 *   over the lower bound the sandbox's queue delay (3 s) and limits allow. The limits keep the documented
 *   proportions over a one-second window: task_post and task_get 500 calls each, tasks_ready 5. The sandbox
 *   enforces them, and the library is given the same. The poller is told the delay (`expectedWait` 3 s, `backoff`
 *   1 s); the rest is the default. The bound is derived in `makespan.ts` (`lowerBound`): one queue delay plus the
 *   time the task_get limit needs for 20,000 calls, 42 s.
 * - `bench pipeline-memory ratio=<x> target=1.2 rss_mb=<MB>` (`pipeline/memory.ts`): the peak RSS of a run of
 *   200,000 tasks over that of a run of 20,000, each in a process of its own (`pipeline/memoryRun.ts`), with the
 *   SQLite ledger a long job uses (the memory ledger keeps every entry by design), a queue delay of 100 ms and
 *   limits that never bind. The consumer only counts the outcomes. `rss_mb` is the large run's peak.
 * - `bench pipeline-cpu ratio=<x> target=1.5` (`pipeline/cpu.ts`): the CPU per task of the library's process for
 *   2,000 tasks through `Serp.run` (advanced results of 15 items), over that of a hand-written loop over `fetch`
 *   and `JSON.parse` making the same calls (`pipeline/baseline.ts`): task_post in bodies of 100, tasks_ready, and
 *   task_get/advanced by id, 30 calls in flight on both sides. Medians of up to 5 rounds after a warm-up.
 *
 * Each line prints its detail on stderr. A run still going at its cap is stopped, and its line says
 * `complete=false`: its figures are those at the cap. For the makespan (capped at twice the bound) the ratio is
 * then a lower bound of the real one. For the memory line, `done` says how far each run got: the large run is
 * capped at ten minutes and the small one at two. The CPU line has 60 s for its runs. A whole run takes under
 * fifteen minutes.
 *
 * `BENCH_PIPELINE=makespan,memory,cpu` picks lines. `BENCH_PIPELINE_MAKESPAN_TASKS` (20000),
 * `BENCH_PIPELINE_MEMORY_TASKS` (20000,200000), `BENCH_PIPELINE_CPU_TASKS` (2000) and `BENCH_PIPELINE_CPU_ROUNDS` (5)
 * change the sizes. Exits non-zero when a line failed: a completed run lost or repeated a task, a task ended with
 * an error, or the sandbox refused a call.
 */
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = join(dirname(fileURLToPath(import.meta.url)), "pipeline")
const lines = (process.env["BENCH_PIPELINE"] ?? "makespan,memory,cpu").split(",")

let failed = 0
for (const line of lines) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", join(here, `${line}.ts`), "--line"], {
    stdio: "inherit"
  })
  if (run.status !== 0) {
    failed++
    console.error(`bench pipeline-${line} failed with exit code ${run.status}`)
  }
}
process.exit(failed === 0 ? 0 : 1)
