/**
 * One run of the memory line (`memory.ts`), in a process of its own so that its peak RSS is its own:
 * `node --import tsx --expose-gc memoryRun.ts <url> <tasks> <cap ms>`.
 *
 * It runs `tasks` Naver tasks through `Serp.run` (advanced format, 15 items each) against the sandbox at `url`,
 * which another process serves. The stack is the one a long job uses: the SQLite ledger in a temporary file
 * (the memory ledger keeps every entry by design), undici, and the default `maxInFlight`. The consumer only
 * counts the outcomes. It prints one line, `result <json>` (`MemoryRun`), with the peak RSS of the process
 * (`process.resourceUsage().maxRSS`) and the heap after a full GC at the end. A run still going at `cap` ms
 * is stopped and reported with `complete: false`. Every 5 s it prints `progress <json>` (the outcomes so far and
 * the peak RSS), so that a run that dies (out of memory) still tells how far it got.
 */
import * as Effect from "effect/Effect"
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { drain, type Drained, memoryLine } from "./common.js"

/** What one run prints. */
export interface MemoryRun {
  readonly tasks: number
  /** Outcomes that came out, and how many of them were errors. */
  readonly done: number
  readonly failed: number
  readonly complete: boolean
  readonly wallMs: number
  readonly cpuMs: number
  /** Peak resident set size of this process, MB. */
  readonly maxRssMb: number
  /** The heap used after a full GC once the run ended, MB. */
  readonly heapAfterGcMb: number
  /** RSS (MB) each time another tenth of the tasks came out. */
  readonly rssByTenth: ReadonlyArray<number>
}

const [url = "", count = "0", cap = "0"] = process.argv.slice(2)
const total = Number(count)
const ledgerFile = join(tmpdir(), `pipeline-bench-memory-${process.pid}.sqlite`)
const removeLedger = () => {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${ledgerFile}${suffix}`, { force: true })
}

const rssByTenth: Array<number> = []
const tenth = Math.max(1, Math.floor(total / 10))
let doneSoFar = 0

/** What `progress` lines hold. */
export interface Progress {
  readonly done: number
  readonly maxRssMb: number
}

/** Prints the run's figures, once it ended or at the cap. */
const report = (run: Drained) => {
  globalThis.gc?.()
  const result: MemoryRun = {
    tasks: total,
    done: run.done,
    failed: run.failed,
    complete: run.complete,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterGcMb: process.memoryUsage().heapUsed / 1e6,
    rssByTenth
  }
  process.stdout.write(`result ${JSON.stringify(result)}\n`)
}

const onCap = (run: Drained) => {
  report(run)
  removeLedger()
  process.exit(0)
}

const program = Effect.map(
  drain(url, memoryLine.setup(ledgerFile), total, `memory-${total}`, { ms: Number(cap), onCap }, (done) => {
    doneSoFar = done
    if (done % tenth === 0) rssByTenth.push(Math.round(process.memoryUsage.rss() / 1e6))
  }),
  report
)

if (url !== "") {
  removeLedger()
  setInterval(() => {
    const progress: Progress = { done: doneSoFar, maxRssMb: process.resourceUsage().maxRSS / 1024 }
    process.stdout.write(`progress ${JSON.stringify(progress)}\n`)
  }, 5_000).unref()
  Effect.runPromise(program).then(
    () => {
      removeLedger()
      process.exit(0)
    },
    (error) => {
      console.error(error)
      removeLedger()
      process.exit(1)
    }
  )
}
