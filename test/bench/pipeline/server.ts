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
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { createInterface } from "node:readline"
import type { SandboxOptions } from "../../../src/sandbox/Options.js"
import * as Sandbox from "../../../src/sandbox/Sandbox.js"

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

let current: { readonly scope: Scope.CloseableScope; readonly server: Sandbox.SandboxServer } | undefined

const serve = (options: SandboxOptions) =>
  Effect.gen(function*() {
    if (current !== undefined) yield* Scope.close(current.scope, Exit.void)
    current = undefined
    const scope = yield* Scope.make()
    const server = yield* Scope.extend(Sandbox.serve(options), scope)
    current = { scope, server }
    return `url ${server.url}`
  })

const stats = Effect.gen(function*() {
  if (current === undefined) return yield* Effect.dieMessage("stats before serve")
  const emulator = current.server.emulator
  const s = yield* emulator.stats
  const tasks = yield* emulator.tasks
  let first = Infinity
  let last = -Infinity
  let collected = 0
  for (const task of tasks) {
    if (task.postedAt < first) first = task.postedAt
    if (task.postedAt > last) last = task.postedAt
    if (task.collected) collected++
  }
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
  return `stats ${JSON.stringify(answer)}`
})

const command = (line: string): Effect.Effect<string, unknown> => {
  const space = line.indexOf(" ")
  const verb = space === -1 ? line : line.slice(0, space)
  const rest = space === -1 ? "" : line.slice(space + 1)
  switch (verb) {
    case "serve":
      return Effect.flatMap(Effect.try((): SandboxOptions => JSON.parse(rest === "" ? "{}" : rest)), serve)
    case "stats":
      return stats
    default:
      return Effect.succeed(`error unknown command ${JSON.stringify(verb)}`)
  }
}

// Commands run one after the other, in the order they arrive.
let chain: Promise<void> = Promise.resolve()
const lines = createInterface({ input: process.stdin })
lines.on("line", (line) => {
  chain = chain.then(() =>
    Effect.runPromise(command(line.trim())).then(
      (answer) => {
        process.stdout.write(`${answer}\n`)
      },
      (error: unknown) => {
        process.stdout.write(`error ${String(error).replace(/\n/g, " ")}\n`)
      }
    )
  )
})
lines.on("close", () => {
  void chain.then(() => process.exit(0))
})
