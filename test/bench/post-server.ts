/**
 * The loopback sandbox of `post.ts`, in a process of its own so that the CPU it spends answering is
 * never counted as the client's (`process.cpuUsage` covers every thread of a process, workers included).
 *
 * A line protocol on stdin / stdout, one command at a time:
 * - `serve <SandboxOptions as JSON>`: closes the running sandbox, if any, and serves a fresh emulator
 *   (nothing posted, fresh limits); answers `url <http://127.0.0.1:port>`.
 * - `stats`: answers `stats <json>` with the task_post tally, the tasks created, the distinct tags and the
 *   first and last task_post arrival as the emulator's clock saw them (every task of a call is stamped
 *   with the call's arrival).
 *
 * Exits when stdin closes, so it never outlives the benchmark. `run.ts` starts every script of this
 * folder, this one too: without the `--child` flag that `post.ts` passes, it exits at once and prints nothing.
 */
import * as Effect from "effect/Effect"
import type * as Emulator from "../../src/sandbox/Emulator.js"
import { postingSpan, serveLines } from "./support/sandboxProcess.js"

/** What `stats` answers. */
export interface ServerStats {
  readonly calls: number
  readonly rejected: number
  readonly peakPerWindow: number
  readonly tasksCreated: number
  readonly tags: number
  readonly firstCallAt: number
  readonly lastCallAt: number
  /** CPU microseconds (user + system) this process spent since it started, for information. */
  readonly cpuMicros: number
}

if (!process.argv.includes("--child")) process.exit(0)

const stats = (emulator: Emulator.Service) =>
  Effect.gen(function*() {
    const s = yield* emulator.stats
    const { first, last } = postingSpan(yield* emulator.tasks)
    const cpu = process.cpuUsage()
    const answer: ServerStats = {
      calls: s.calls.task_post.calls,
      rejected: s.calls.task_post.rejected,
      peakPerWindow: s.calls.task_post.peakPerMinute,
      tasksCreated: s.tasksCreated,
      tags: s.byTag.size,
      firstCallAt: first,
      lastCallAt: last,
      cpuMicros: cpu.user + cpu.system
    }
    return answer
  })

serveLines(stats)
