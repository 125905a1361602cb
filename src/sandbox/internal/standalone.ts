/**
 * The emulator as a process of its own (`npm run sandbox`, `src/sandbox/main.ts`): the command line, the
 * line printed at start, and the summary printed when it stops.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { SandboxOptions } from "../Options.js"
import * as Sandbox from "../Sandbox.js"
import { summaryLine } from "./loopbackServer.js"

/** The port used when neither `--port` nor `SANDBOX_PORT` names one. */
export const defaultPort = 8642

/** The command line was not understood. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** What the command line and the environment asked for. */
export interface Settings {
  readonly port: number
  readonly host: string
  readonly options: SandboxOptions
  /** `--help`: print the usage and stop. */
  readonly help: boolean
}

/** The usage text of `npm run sandbox`. */
export const usage = [
  "Usage: npm run sandbox -- [options]",
  "  --port <n>               TCP port (default 8642, or SANDBOX_PORT)",
  "  --host <address>         address to listen on (default 127.0.0.1, or SANDBOX_HOST)",
  "  --queue-delay <d>        time a normal-priority task takes (default 2 seconds)",
  "  --high-queue-delay <d>   time a high-priority task takes (default 500 millis)",
  "  --seed <n>               seed of the generated results (default 1)",
  "Durations are milliseconds (\"1500\") or Effect durations (\"2 seconds\").",
  `GET ${Sandbox.statsPath} on the server gives what was billed so far, as JSON.`
].join("\n")

const portFrom = (text: string): Either.Either<number, UsageError> => {
  const port = Number(text)
  return /^\d+$/.test(text) && port <= 65535
    ? Either.right(port)
    : Either.left(new UsageError({ message: `not a port: ${text}` }))
}

const durationFrom = (text: string): Either.Either<Duration.Duration, UsageError> =>
  /^\d+(\.\d+)?$/.test(text)
    ? Either.right(Duration.millis(Number(text)))
    : Either.fromOption(
      Duration.decodeUnknown(text),
      () => new UsageError({ message: `not a duration: ${text} (try "1500" or "2 seconds")` })
    )

const seedFrom = (text: string): Either.Either<number, UsageError> =>
  /^\d+$/.test(text) ? Either.right(Number(text)) : Either.left(new UsageError({ message: `not a seed: ${text}` }))

/** The flags that take a value, each with what it changes in the settings. */
const flags: {
  readonly [name: string]: (settings: Settings, value: string) => Either.Either<Settings, UsageError>
} = {
  port: (settings, value) => Either.map(portFrom(value), (port) => ({ ...settings, port })),
  host: (settings, value) => Either.right({ ...settings, host: value }),
  "queue-delay": (settings, value) =>
    Either.map(durationFrom(value), (normal) => ({
      ...settings,
      options: { ...settings.options, queueDelay: { ...settings.options.queueDelay, normal } }
    })),
  "high-queue-delay": (settings, value) =>
    Either.map(durationFrom(value), (high) => ({
      ...settings,
      options: { ...settings.options, queueDelay: { ...settings.options.queueDelay, high } }
    })),
  seed: (settings, value) =>
    Either.map(seedFrom(value), (seed) => ({ ...settings, options: { ...settings.options, seed } }))
}

/** The settings from the environment alone: `SANDBOX_PORT`, `SANDBOX_HOST`, else the defaults. */
const fromEnvironment = (
  env: { readonly [name: string]: string | undefined }
): Either.Either<Settings, UsageError> =>
  Either.map(
    env["SANDBOX_PORT"] === undefined ? Either.right(defaultPort) : portFrom(env["SANDBOX_PORT"]),
    (port) => ({ port, host: env["SANDBOX_HOST"] ?? "127.0.0.1", options: {}, help: false })
  )

/**
 * The settings of a run: the environment first, then each flag of `args` in order (`--name value` or
 * `--name=value`). An unknown flag or a bad value is a `UsageError`.
 */
export const settingsFrom = (
  args: ReadonlyArray<string>,
  env: { readonly [name: string]: string | undefined }
): Either.Either<Settings, UsageError> => {
  let settings = fromEnvironment(env)
  for (let i = 0; i < args.length && Either.isRight(settings); i++) {
    const arg = args[i] ?? ""
    if (arg === "--help" || arg === "-h") {
      settings = Either.map(settings, (current) => ({ ...current, help: true }))
      continue
    }
    const [name, inline] = arg.startsWith("--") ? splitFlag(arg.slice(2)) : [arg, undefined]
    const apply = Object.hasOwn(flags, name) ? flags[name] : undefined
    const value = inline ?? args[++i]
    settings = apply === undefined
      ? Either.left(new UsageError({ message: `unknown option: ${arg}` }))
      : value === undefined
      ? Either.left(new UsageError({ message: `${arg} needs a value` }))
      : Either.flatMap(settings, (current) => apply(current, value))
  }
  return settings
}

const splitFlag = (flag: string): readonly [string, string | undefined] => {
  const at = flag.indexOf("=")
  return at < 0 ? [flag, undefined] : [flag.slice(0, at), flag.slice(at + 1)]
}

const formatted = (ms: number): string => Duration.format(Duration.millis(ms))

/** The line printed once the server listens: where it is, and how to point a job at it. */
export const startLine = (server: Sandbox.SandboxServer): string => {
  const { accounts, queueDelay } = server.emulator.options
  const account = accounts[0]
  const credentials = account === undefined
    ? ""
    : ` DATAFORSEO_LOGIN=${account.login} DATAFORSEO_PASSWORD=${account.password}`
  return `Sandbox emulator at ${server.url} (queue delay ${formatted(queueDelay.normal)}, high priority ` +
    `${formatted(queueDelay.high)}). Point a job at it with DATAFORSEO_BASE_URL=${server.url}${credentials}. ` +
    `What it billed: GET ${server.url}${Sandbox.statsPath}. Ctrl-C stops it.`
}

/**
 * Serves the emulator until the fiber is interrupted (SIGINT or SIGTERM under `runMain`), then prints
 * the summary of what was billed over the server's whole life.
 */
export const serveUntilStopped = (settings: Settings): Effect.Effect<void, Sandbox.ServeError> =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* Sandbox.serve(settings.options, { port: settings.port, host: settings.host })
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(
        Sandbox.statsReport(server.emulator),
        (report) => Console.log(`Sandbox stopped: ${summaryLine(report)}`)
      )
    )
    yield* Console.log(startLine(server))
    return yield* Effect.never
  }))

/** A failure the person running the command can fix, in words. */
const explain = (error: UsageError | Sandbox.ServeError): string =>
  error._tag === "UsageError"
    ? `${error.message}\n${usage}`
    : error.reason === "AddressInUse"
    ? `The sandbox cannot start: ${error.message}.\nStop that process, or pick another port with --port.`
    : `The sandbox cannot start: ${error.message}.`

/**
 * `npm run sandbox` with these arguments and environment. A failure the person can fix (a bad option, a
 * port in use) is told in plain lines on stderr; any other keeps its full report. Interruption is the
 * normal way to stop, and prints nothing more than the summary.
 */
export const main = (
  args: ReadonlyArray<string>,
  env: { readonly [name: string]: string | undefined }
): Effect.Effect<void, UsageError | Sandbox.ServeError> =>
  Effect.flatMap(
    settingsFrom(args, env),
    (settings) => settings.help ? Console.log(usage) : serveUntilStopped(settings)
  ).pipe(
    Effect.tapErrorCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.void
      const failure = Cause.failureOption(cause)
      return Option.isSome(failure) && Chunk.isEmpty(Cause.defects(cause))
        ? Console.error(explain(failure.value))
        : Effect.logError(cause)
    })
  )
