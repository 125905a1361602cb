/**
 * The loopback sandbox in a process of its own, as the benchmarks use it, so that the CPU and memory it spends
 * answering are never counted as the library's; and the small statistics the benchmarks share.
 *
 * A line protocol on stdin / stdout, one command at a time:
 * - `serve <SandboxOptions as JSON>`: closes the running sandbox, if any, and serves a fresh emulator
 *   (nothing posted, fresh limits); answers `url <http://127.0.0.1:port>`.
 * - `stats`: answers `stats <json>`, what the script's own `stats` makes of the emulator.
 *
 * The process exits when stdin closes, so it never outlives the benchmark. This folder holds no benchmark:
 * `run.ts` starts only the scripts of `test/bench/` itself.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import type * as Emulator from "../../../src/sandbox/Emulator.js"
import type { SandboxOptions } from "../../../src/sandbox/Options.js"
import * as Sandbox from "../../../src/sandbox/Sandbox.js"

/** A failed check: the benchmark stops, and `run.ts` reports it. */
export class BenchFailure extends Error {}

export const check = (ok: boolean, message: string) => (ok ? Effect.void : Effect.die(new BenchFailure(message)))

/** The `q` quantile of `values` (0.5: the median), interpolated between the two nearest values. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const below = sorted[Math.floor(at)] ?? NaN
  const above = sorted[Math.ceil(at)] ?? NaN
  return below + (above - below) * (at - Math.floor(at))
}

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

export const cpuMillis = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000

/** Runs a benchmark's program with a deadline, and exits: 0 when it succeeded, 1 otherwise. */
export const runLine = (name: string, program: Effect.Effect<void, unknown, Scope.Scope>, deadlineMs: number) => {
  const watchdog = setTimeout(() => {
    console.error(`bench ${name}: not done after ${deadlineMs / 1000} s`)
    process.exit(1)
  }, deadlineMs)
  watchdog.unref()
  Effect.runPromise(Effect.scoped(program)).then(
    () => process.exit(0),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}

// --- the sandbox process's side -------------------------------------------------------------------------

/** The first and last task_post arrival of the emulator's tasks, on its clock (every task of a call has its arrival). */
export const postingSpan = (
  tasks: ReadonlyArray<Emulator.TaskInfo>
): { readonly first: number; readonly last: number } => {
  let first = Infinity
  let last = -Infinity
  for (const task of tasks) {
    if (task.postedAt < first) first = task.postedAt
    if (task.postedAt > last) last = task.postedAt
  }
  return { first, last }
}

/** Serves the line protocol on stdin / stdout; `stats` tells what `stats` answers of the running emulator. */
export const serveLines = <S>(stats: (emulator: Emulator.Service) => Effect.Effect<S>): void => {
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
  const command = (line: string): Effect.Effect<string, unknown> => {
    const space = line.indexOf(" ")
    const verb = space === -1 ? line : line.slice(0, space)
    const rest = space === -1 ? "" : line.slice(space + 1)
    switch (verb) {
      case "serve":
        return Effect.flatMap(Effect.try((): SandboxOptions => JSON.parse(rest === "" ? "{}" : rest)), serve)
      case "stats":
        return current === undefined
          ? Effect.succeed("error stats before serve")
          : Effect.map(stats(current.server.emulator), (answer) => `stats ${JSON.stringify(answer)}`)
      default:
        return Effect.succeed(`error unknown command ${JSON.stringify(verb)}`)
    }
  }
  // commands run one after the other, in the order they arrive
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
}

// --- the benchmark's side -------------------------------------------------------------------------------

/** The sandbox process, driven by its line protocol. */
export interface Server<S> {
  /** A fresh sandbox with these options; its URL. */
  readonly serve: (options: SandboxOptions) => Effect.Effect<string>
  readonly stats: Effect.Effect<S>
}

/**
 * Starts `script` (with `args`) under tsx for the life of the scope; closing its stdin makes it exit. A command
 * without an answer within `timeout` is a `BenchFailure`.
 */
export const sandboxProcess = <S>(script: string, args: ReadonlyArray<string>, timeout: Duration.DurationInput) =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "inherit"] })
      ),
      (child) =>
        Effect.async<void>((resume) => {
          if (child.exitCode !== null) return resume(Effect.void)
          const timer = setTimeout(() => child.kill(), 5_000)
          child.once("exit", () => {
            clearTimeout(timer)
            resume(Effect.void)
          })
          child.stdin.end()
        })
    )
    const answers = yield* Queue.unbounded<string>()
    createInterface({ input: child.stdout }).on("line", (line) => Queue.unsafeOffer(answers, line))
    child.once("exit", (code) => Queue.unsafeOffer(answers, `error the sandbox process exited with code ${code}`))

    const ask = (command: string, expected: string) =>
      Effect.sync(() => child.stdin.write(`${command}\n`)).pipe(
        Effect.zipRight(Queue.take(answers)),
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new BenchFailure(`no answer to ${command}`) }),
        Effect.flatMap((line) =>
          line.startsWith(`${expected} `)
            ? Effect.succeed(line.slice(expected.length + 1))
            : Effect.fail(new BenchFailure(`sandbox process: ${line}`))
        ),
        Effect.orDie
      )

    const server: Server<S> = {
      serve: (options) => ask(`serve ${JSON.stringify(options)}`, "url"),
      stats: Effect.map(ask("stats", "stats"), (json): S => JSON.parse(json))
    }
    return server
  })
