/**
 * The loopback sandbox of `pipeline.ts`, in a process of its own: the CPU and memory it spends answering are
 * never counted as the library's (`process.cpuUsage` and the peak RSS cover the whole process).
 *
 * A line protocol on stdin / stdout, one command at a time:
 * - `serve <SandboxOptions as JSON>`: closes the running sandbox, if any, and serves a fresh emulator
 *   (nothing posted, fresh limits); answers `url <http://127.0.0.1:port>`.
 * - `stats`: answers `stats <json>` (`PipelineServerStats`): the calls of each function, the tasks created
 *   and collected, and the first and last task_post arrival on the emulator's clock.
 *
 * Exits when stdin closes, so it never outlives the benchmark. It lives in a folder of its own, so that
 * `run.ts` never starts it as a benchmark.
 */
import * as Effect from "effect/Effect"
import type * as Emulator from "../../../dist/sandbox/Emulator.js"
import { postingSpan, serveLines } from "../support/sandboxProcess.js"

/** The calls of one function: received, and refused by a limit. */
export interface Calls {
  readonly calls: number
  readonly rejected: number
}

/** What `stats` answers. */
export interface PipelineServerStats {
  readonly taskPost: Calls
  readonly tasksReady: Calls
  readonly taskGet: Calls
  readonly tasksCreated: number
  readonly collected: number
  readonly firstPostAt: number
  readonly lastPostAt: number
  /** CPU milliseconds (user + system) this process spent since it started, for information. */
  readonly cpuMs: number
}

const stats = (emulator: Emulator.Service) =>
  Effect.gen(function*() {
    const s = yield* emulator.stats
    const tasks = yield* emulator.tasks
    const { first, last } = postingSpan(tasks)
    let collected = 0
    for (const task of tasks) if (task.collected) collected++
    const cpu = process.cpuUsage()
    const calls = (fn: "task_post" | "tasks_ready" | "task_get"): Calls => ({
      calls: s.calls[fn].calls,
      rejected: s.calls[fn].rejected
    })
    const answer: PipelineServerStats = {
      taskPost: calls("task_post"),
      tasksReady: calls("tasks_ready"),
      taskGet: calls("task_get"),
      tasksCreated: s.tasksCreated,
      collected,
      firstPostAt: first,
      lastPostAt: last,
      cpuMs: (cpu.user + cpu.system) / 1000
    }
    return answer
  })

serveLines(stats)
