/**
 * The machinery of the crash test (test/Serp.crash.test.ts): the child process started and killed, the outcomes
 * file read as it grows, the emulator watched for task_post calls, and a seeded random source.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import * as GoogleOrganic from "../../src/GoogleOrganic.js"
import type * as Emulator from "../../src/sandbox/Emulator.js"
import type { ChildSummary, OutcomeLine } from "./crashRun.js"

const root = fileURLToPath(new URL("../..", import.meta.url))

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running child process of the crash test. */
export interface Child {
  readonly startedAt: number
  /** Its exit, once it exited. */
  readonly exit: () => ChildExit | undefined
  /** Waits for its exit. */
  readonly exited: Effect.Effect<ChildExit>
  /** Sends SIGKILL, at once. */
  readonly kill: () => void
  readonly stdout: () => string
  /** The last 8,000 characters of its stderr. */
  readonly stderr: () => string
}

/**
 * Starts `crashChild.ts` with `env` in place of every DATAFORSEO_* variable of this process. It is killed with
 * SIGKILL if the scope closes while it runs.
 */
export const startChild = (
  env: Record<string, string>,
  outcomesFile: string
): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const inherited = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("DATAFORSEO_"))
      )
      const child = spawn(process.execPath, ["--import", "tsx", "test/support/crashChild.ts", outcomesFile], {
        cwd: root,
        env: { ...inherited, ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      return watch(child)
    }),
    (child) => Effect.sync(() => child.exit() === undefined && child.kill())
  )

const watch = (child: ChildProcess): Child => {
  let stdout = ""
  let stderr = ""
  let exit: ChildExit | undefined
  const waiting: Array<(exit: ChildExit) => void> = []
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8_000)))
  child.once("exit", (code, signal) => {
    exit = { code, signal }
    for (const resume of waiting.splice(0)) resume({ code, signal })
  })
  return {
    startedAt: Date.now(),
    exit: () => exit,
    exited: Effect.async<ChildExit>((resume) => {
      if (exit !== undefined) return resume(Effect.succeed(exit))
      waiting.push((done) => resume(Effect.succeed(done)))
    }),
    kill: () => child.kill("SIGKILL"),
    stdout: () => stdout,
    stderr: () => stderr
  }
}

/** The summary line a child prints when its run completes, if it printed one. */
export const summaryOf = (stdout: string): ChildSummary | undefined => {
  const line = stdout.split("\n").find((text) => text.startsWith("{\"written\":"))
  return line === undefined ? undefined : JSON.parse(line)
}

/** Counts the lines of a file as it grows, reading only what was added since the last count. */
export const lineCounter = (file: string): () => number => {
  let offset = 0
  let lines = 0
  return () => {
    if (!Fs.existsSync(file)) return lines
    const size = Fs.statSync(file).size
    if (size <= offset) return lines
    const added = Buffer.alloc(size - offset)
    const fd = Fs.openSync(file, "r")
    Fs.readSync(fd, added, 0, added.length, offset)
    Fs.closeSync(fd)
    offset = size
    for (const byte of added) if (byte === 10) lines++
    return lines
  }
}

/** The outcomes file read whole: its lines, and the lines a kill cut short (not JSON). */
export const readOutcomes = (file: string): { readonly lines: Array<OutcomeLine>; readonly torn: number } => {
  const text = Fs.existsSync(file) ? Fs.readFileSync(file, "utf8") : ""
  const lines: Array<OutcomeLine> = []
  let torn = 0
  for (const line of text.split("\n")) {
    if (line === "") continue
    try {
      lines.push(JSON.parse(line))
    } catch {
      torn++
    }
  }
  return { lines, torn }
}

/** What the watched emulator has seen: requests, task_post calls, and what to do at each task_post. */
export interface Traffic {
  requests: number
  posts: number
  /** Called when a task_post arrives, before the emulator handles it. */
  onPost: (() => void) | undefined
}

/** The emulator, with every request counted and each task_post announced to `traffic.onPost` first. */
export const watched = (emulator: Emulator.Service, traffic: Traffic): Emulator.Service => ({
  ...emulator,
  handle: (request) =>
    Effect.suspend(() => {
      traffic.requests++
      if (request.method === "POST" && request.url.endsWith(GoogleOrganic.engine.paths.taskPost)) {
        traffic.posts++
        traffic.onPost?.()
      }
      return emulator.handle(request)
    })
})

/** A seeded source of numbers in [0, 1) (mulberry32): the same seed, the same kills. */
export const seeded = (seed: number): () => number => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
