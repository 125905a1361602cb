/**
 * `npm run sandbox` as a person runs it: a process of its own on a fixed port, reached over HTTP, stopped
 * with a signal. And its command line, read by the private `standalone` module.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { settingsFrom } from "../../src/sandbox/internal/standalone.js"
import type * as Sandbox from "../../src/sandbox/Sandbox.js"
import { closedPort } from "../support/httpServer.js"
import { basic, type Envelope } from "./helpers.js"

const root = fileURLToPath(new URL("../..", import.meta.url))

/** A running `npm run sandbox` (as `node --import tsx src/sandbox/main.ts`) and what it printed so far. */
interface Running {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code, once it exited. */
  readonly exited: Effect.Effect<number | null>
}

/** Starts the sandbox process; it is killed with SIGKILL if the scope closes while it still runs. */
const start = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync((): Running => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/sandbox/main.ts", ...args], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
      const exited = Effect.async<number | null>((resume) => {
        if (child.exitCode !== null) return resume(Effect.succeed(child.exitCode))
        child.once("exit", (code) => resume(Effect.succeed(code)))
      })
      return { child, stdout: () => stdout, stderr: () => stderr, exited }
    }),
    ({ child }) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
  )

/** Waits until `check` holds, every 50 ms, for at most 20 s. */
const eventually = (check: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let waited = 0; waited < 20_000; waited += 50) {
      if (check()) return
      yield* Effect.sleep(Duration.millis(50))
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

const request = (url: string, init: RequestInit = {}) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url, {
      ...init,
      headers: { authorization: basic(), "content-type": "application/json", ...init.headers }
    })
    return { status: response.status, text: await response.text() }
  })

describe("npm run sandbox", () => {
  it.live("serves on the port asked, reports what it billed over HTTP, and stops on SIGTERM with a summary, exit 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const port = yield* closedPort
      const url = `http://127.0.0.1:${port}`
      const sandbox = yield* start(["--port", String(port), "--queue-delay", "0"])
      yield* eventually(() => sandbox.stdout().includes("\n"), "the start line")
      expect(sandbox.stdout()).toBe(
        `Sandbox emulator at ${url} (queue delay 0, high priority 500ms). Point a job at it with ` +
          `DATAFORSEO_BASE_URL=${url} DATAFORSEO_LOGIN=sandbox DATAFORSEO_PASSWORD=sandbox. ` +
          `What it billed: GET ${url}/sandbox/stats. Ctrl-C stops it.\n`
      )

      const posted = yield* request(`${url}/v3/serp/google/organic/task_post`, {
        method: "POST",
        body: JSON.stringify([{ keyword: "one", location_code: 2840, language_code: "en" }, {
          keyword: "two",
          location_code: 2840,
          language_code: "en"
        }])
      })
      const envelope: Envelope = JSON.parse(posted.text)
      expect(envelope.tasks.map((task) => task.status_code)).toEqual([20100, 20100])
      const fetched = yield* request(`${url}/v3/serp/google/organic/task_get/regular/${envelope.tasks[0]?.id}`)
      expect(JSON.parse(fetched.text).tasks[0].status_code).toBe(20000)

      const stats = yield* request(`${url}/sandbox/stats`)
      const report: Sandbox.StatsReport = JSON.parse(stats.text)
      expect(stats.status).toBe(200)
      expect(report).toMatchObject({ tasksCreated: 2, tasksBilled: 2, tasksCollected: 1, totalCost: 0.0012 })
      expect([report.calls.task_post.calls, report.calls.task_get.calls]).toEqual([1, 1])

      sandbox.child.kill("SIGTERM")
      expect(yield* sandbox.exited).toBe(0)
      expect(sandbox.stdout().trimEnd().split("\n").slice(1)).toEqual([
        "Sandbox stopped: 2 tasks created, 2 billed ($0.0012), 1 collected; calls: task_post 1, task_get 1"
      ])
      expect(sandbox.stderr()).toBe("")
    })))

  it.live("a port in use: two plain lines naming it on stderr, exit code 1, no stack trace", () =>
    Effect.scoped(Effect.gen(function*() {
      const port = yield* closedPort
      const first = yield* start(["--port", String(port)])
      yield* eventually(() => first.stdout().includes("\n"), "the first sandbox's start line")
      const second = yield* start([`--port=${port}`])
      expect(yield* second.exited).toBe(1)
      expect(second.stderr().trimEnd().split("\n")).toEqual([
        `The sandbox cannot start: port ${port} on 127.0.0.1 is in use by another process.`,
        "Stop that process, or pick another port with --port."
      ])
      expect(second.stdout()).toBe("")
    })))
})

describe("npm run sandbox: the command line", () => {
  it("defaults: port 8642 on 127.0.0.1, the emulator's own queue delays", () => {
    expect(settingsFrom([], {})).toEqual(Either.right({ port: 8642, host: "127.0.0.1", options: {}, help: false }))
  })

  it("SANDBOX_PORT and SANDBOX_HOST, then flags, the later winning", () => {
    const settings = settingsFrom(
      ["--port", "9001", "--queue-delay=1500", "--high-queue-delay", "2 seconds", "--seed", "7"],
      { SANDBOX_PORT: "9000", SANDBOX_HOST: "0.0.0.0" }
    )
    expect(Either.map(settings, ({ host, options, port }) => ({
      host,
      port,
      seed: options.seed,
      normal: Duration.toMillis(Duration.decode(options.queueDelay?.normal ?? 0)),
      high: Duration.toMillis(Duration.decode(options.queueDelay?.high ?? 0))
    }))).toEqual(Either.right({ host: "0.0.0.0", port: 9001, seed: 7, normal: 1500, high: 2000 }))
  })

  it("a bad value or an unknown flag is a UsageError saying which", () => {
    const message = (args: ReadonlyArray<string>, env: { readonly [name: string]: string } = {}) =>
      Either.match(settingsFrom(args, env), { onLeft: (error) => error.message, onRight: () => "accepted" })
    expect([
      message(["--port", "http"]),
      message(["--port", "70000"]),
      message(["--queue-delay", "soon"]),
      message(["--verbose"]),
      message(["--port"]),
      message([], { SANDBOX_PORT: "x" }),
      message(["--help"])
    ]).toEqual([
      "not a port: http",
      "not a port: 70000",
      "not a duration: soon (try \"1500\" or \"2 seconds\")",
      "unknown option: --verbose",
      "--port needs a value",
      "not a port: x",
      "accepted"
    ])
  })
})
