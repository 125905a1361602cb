/**
 * The parts of `Sandbox.serve` beside the API: the address checks, the reasons a server cannot listen,
 * and the `/sandbox/stats` route with its report.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Http from "node:http"
import * as Money from "../../Money.js"
import type { Service } from "../Emulator.js"
import type { ServeError, StatsReport } from "../Sandbox.js"

/** The path of the stats route (`Sandbox.statsPath`). */
export const statsPath = "/sandbox/stats"

/** Whether `port` is one Node can listen on (0: any free port). */
export const isValidPort = (port: number): boolean => Number.isInteger(port) && port >= 0 && port <= 65535

const systemCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/** Why listening on `host:port` failed, in a `ServeError`'s words. */
export const listenFailure = (
  cause: unknown,
  host: string,
  port: number
): { readonly reason: ServeError["reason"]; readonly message: string } => {
  const code = systemCode(cause)
  const where = `${host}:${port}`
  switch (code) {
    case "EADDRINUSE":
      return { reason: "AddressInUse", message: `port ${port} on ${host} is in use by another process` }
    case "EACCES":
      return { reason: "AccessDenied", message: `listening on ${where} was refused (EACCES)` }
    default:
      return {
        reason: "Other",
        message: `could not listen on ${where}${code === undefined ? "" : ` (${code})`}`
      }
  }
}

/** The base URL of a server listening on `host:port`. An address that means "every address" is reached on loopback. */
export const urlOf = (host: string, port: number): string => {
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`
}

/** What the emulator has done so far, with the money rounded to the micro-dollar as the API writes it. */
export const statsReport = (emulator: Service): Effect.Effect<StatsReport> =>
  Effect.gen(function*() {
    const stats = yield* emulator.stats
    const tasks = yield* emulator.tasks
    const accounts = yield* Effect.forEach(emulator.options.accounts, ({ login }) =>
      Effect.map(emulator.balance(login), (balance) => ({
        login,
        balance: Money.toUsd(Money.fromUsd(Option.getOrElse(balance, () =>
          0)))
      })))
    return {
      tasksCreated: stats.tasksCreated,
      tasksBilled: stats.tasksBilled,
      tasksCollected: tasks.reduce((n, task) => (task.collected ? n + 1 : n), 0),
      totalCost: Money.toUsd(Money.fromUsd(stats.totalCost)),
      calls: stats.calls,
      webhooks: stats.webhooks,
      accounts
    }
  })

const sendJson = (response: Http.ServerResponse, status: number, value: unknown): void => {
  response.writeHead(status, { "content-type": "application/json" })
  response.end(JSON.stringify(value))
}

/**
 * `listener`, with the paths under `/sandbox/` answered here: `GET /sandbox/stats` gives the report, any
 * other is a 404. The API's requests pass through at the cost of one prefix check.
 */
export const withStatsRoute = (
  emulator: Service,
  runtime: Runtime.Runtime<never>,
  listener: (request: Http.IncomingMessage, response: Http.ServerResponse) => void
) => {
  const run = Runtime.runCallback(runtime)
  return (request: Http.IncomingMessage, response: Http.ServerResponse): void => {
    const url = request.url ?? "/"
    if (!url.startsWith("/sandbox/")) return listener(request, response)
    request.resume()
    const path = url.split("?")[0]
    if (path !== statsPath) return sendJson(response, 404, { error: `no such path: ${path}`, stats: statsPath })
    if (request.method !== "GET") return sendJson(response, 405, { error: `${statsPath} answers GET only` })
    run(statsReport(emulator), {
      onExit: (exit) => (Exit.isSuccess(exit) ? sendJson(response, 200, exit.value) : sendJson(response, 500, {}))
    })
  }
}

/** The report in one line, for a person: what was created, billed, collected and asked. */
export const summaryLine = (report: StatsReport): string => {
  const calls = Object.entries(report.calls)
    .filter(([, tally]) => tally.calls > 0)
    .map(([name, tally]) => `${name} ${tally.calls}`)
  return `${report.tasksCreated} tasks created, ${report.tasksBilled} billed ` +
    `($${Money.format(Money.fromUsd(report.totalCost))}), ${report.tasksCollected} collected; ` +
    `calls: ${calls.length === 0 ? "none" : calls.join(", ")}`
}
