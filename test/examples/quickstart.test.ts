/**
 * `npm run example` as a person runs it, in a process of its own: a failure they can fix ends in two plain
 * lines naming the cause and exit code 1, with no stack trace.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { closedPort, serveHttp } from "../support/httpServer.js"

const root = fileURLToPath(new URL("../..", import.meta.url))

interface Run {
  readonly code: number | null
  /** stdout and stderr, line by line, in the order written (each stream's order is kept). */
  readonly lines: ReadonlyArray<string>
}

/** Runs the quickstart with `env` in place of any DATAFORSEO_* variable of this process. */
const quickstart = (env: Record<string, string>) =>
  Effect.async<Run>((resume) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("DATAFORSEO_"))
    )
    const child = spawn(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], {
      cwd: root,
      env: { ...inherited, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.on("close", (code) => resume(Effect.succeed({ code, lines: output.trimEnd().split("\n") })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A failure told in words: exit code 1, no stack trace. */
const expectPlainFailure = (run: Run) => {
  expect(run.code).toBe(1)
  expect(run.lines.filter((line) => line.includes("    at "))).toEqual([])
}

/** The progress lines the quickstart prints before its first call. */
const progress = (
  target: string
) => [
  `effect-dataforseo quickstart, against ${target}`,
  "",
  expect.stringMatching(/^Posting 12 tasks \(run run-.+\):$/)
]

/** No retry of a failed call by the client, so that a run fails sooner (the batcher still sends a POST up to 5 times). */
const credentials = { DATAFORSEO_LOGIN: "x", DATAFORSEO_PASSWORD: "y", DATAFORSEO_RETRY_TIMES: "0" }

// The runs are independent processes: concurrent, they take the time of the longest.
describe.concurrent("npm run example, when something the user can fix goes wrong", () => {
  it.live(
    "a host that does not resolve: two lines naming the host and the code, exit code 1",
    () =>
      Effect.gen(function*() {
        const run = yield* quickstart({ ...credentials, DATAFORSEO_BASE_URL: "http://api.dataforseo.invalid" })
        expectPlainFailure(run)
        expect(run.lines).toEqual([
          ...progress("http://api.dataforseo.invalid"),
          // ENOTFOUND, or EAI_AGAIN where no DNS server answers at all
          expect.stringMatching(
            /^The host api\.dataforseo\.invalid (did not resolve \(ENOTFOUND\)|could not be resolved for now \(EAI_AGAIN\))\. Nothing was sent\.$/
          ),
          expect.stringMatching(/^Check the network connection and DNS/)
        ])
      }),
    60_000
  )

  it.live(
    "a refused connection: two lines naming host:port and ECONNREFUSED, exit code 1",
    () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const run = yield* quickstart({ ...credentials, DATAFORSEO_BASE_URL: `http://127.0.0.1:${port}` })
        expectPlainFailure(run)
        expect(run.lines).toEqual([
          ...progress(`http://127.0.0.1:${port}`),
          `The connection to 127.0.0.1:${port} was refused (ECONNREFUSED). Nothing was sent.`,
          "Check that a server listens at DATAFORSEO_BASE_URL, or that no proxy or firewall refuses the connection."
        ])
      }),
    60_000
  )

  it.scoped(
    "refused credentials (HTTP 401, 40100): two lines naming the code and the variables",
    () =>
      Effect.gen(function*() {
        const url = yield* serveHttp((_request, _body, response) => {
          response.writeHead(401, {
            "content-type": "application/json",
            "www-authenticate": "Basic realm=\"DataForSEO\""
          })
          response.end(JSON.stringify({
            version: "0.1.20250526",
            status_code: 40100,
            status_message: "You are not authorized to access this resource.",
            time: "0 sec.",
            cost: 0,
            tasks_count: 0,
            tasks_error: 0,
            tasks: []
          }))
        })
        const run = yield* quickstart({ ...credentials, DATAFORSEO_BASE_URL: url })
        expectPlainFailure(run)
        expect(run.lines).toEqual([
          ...progress(url),
          "DataForSEO refused the credentials (40100: You are not authorized to access this resource).",
          "Check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD: the API login and password are on the API Access page of the DataForSEO dashboard."
        ])
      }),
    60_000
  )

  it.live("a login without a password: the missing variable named, before any call", () =>
    Effect.gen(function*() {
      const run = yield* quickstart({ DATAFORSEO_LOGIN: "x" })
      expectPlainFailure(run)
      expect(run.lines).toEqual([
        "DATAFORSEO_PASSWORD is not set.",
        "Set DATAFORSEO_PASSWORD: the API login and password are on the API Access page of the DataForSEO dashboard."
      ])
    }), 60_000)
})
