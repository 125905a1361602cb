/**
 * The process the crash test kills: the whole job of 5,000 tasks through `Serp.run`, on the stack of
 * `SerpNode.layerConfig` (the SQLite ledger on DATAFORSEO_LEDGER_FILE, the emulator on DATAFORSEO_BASE_URL).
 *
 *   node --import tsx test/support/crashChild.ts <outcomes file>
 *
 * Each outcome taken is appended to the outcomes file as one JSON line, synchronously, before the next one is pulled.
 * An outcome that an earlier process took (`AlreadyCollectedError`) was written by that process: it is counted, not
 * written. The last line on stdout says what was written and what was skipped (`ChildSummary`).
 *
 * With CRASH_HOLD_AFTER=<n>, the outcome after the nth written is held: announced on stdout, and written a minute
 * later. The test kills the process meanwhile, as a consumer can die while it handles an outcome.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as GoogleOrganic from "../../src/GoogleOrganic.js"
import * as Serp from "../../src/Serp.js"
import * as SerpNode from "../../src/SerpNode.js"
import {
  type ChildSummary,
  correlationKey,
  holdVariable,
  maxInFlight,
  type OutcomeLine,
  stackOptions,
  tasks
} from "./crashRun.js"

/**
 * Ends a line a kill cut short, so that the next line starts on a line of its own. The outcome of a torn line was
 * never recorded collected (its write had not returned), so this process hands it out again.
 */
const closeTornLine = (file: string): void => {
  if (!Fs.existsSync(file)) return
  const size = Fs.statSync(file).size
  if (size === 0) return
  const last = Buffer.alloc(1)
  const fd = Fs.openSync(file, "r")
  Fs.readSync(fd, last, 0, 1, size - 1)
  Fs.closeSync(fd)
  if (last.toString("utf8") !== "\n") Fs.appendFileSync(file, "\n")
}

/** The line written for an outcome. */
const lineOf = (outcome: Serp.Outcome<GoogleOrganic.Task, unknown>): OutcomeLine => ({
  key: outcome.correlationKey,
  taskId: outcome.posted?.id,
  ok: Either.isRight(outcome.result),
  tag: outcome.posted?.tag,
  ...(Either.isLeft(outcome.result) ? { error: outcome.result.left._tag } : {})
})

/** Holds an outcome: says so on stdout, then waits long enough to be killed. */
const hold = (outcome: Serp.Outcome<GoogleOrganic.Task, unknown>) =>
  Effect.zipRight(
    Effect.sync(() => process.stdout.write(`hold ${outcome.correlationKey}\n`)),
    Effect.sleep("1 minute")
  )

const program = (file: string, holdAfter: number | undefined) =>
  Effect.gen(function*() {
    yield* Effect.sync(() => closeTornLine(file))
    const serp = yield* Serp.Serp
    const summary = { written: 0, alreadyCollected: 0 }
    const outcomes = serp.run(GoogleOrganic.engine, tasks(), { format: "regular", correlationKey, maxInFlight })
    yield* Stream.runForEach(outcomes, (outcome) => {
      if (Either.isLeft(outcome.result) && outcome.result.left._tag === "AlreadyCollectedError") {
        return Effect.sync(() => summary.alreadyCollected++)
      }
      const write = Effect.sync(() => {
        Fs.appendFileSync(file, `${JSON.stringify(lineOf(outcome))}\n`)
        summary.written++
      })
      return summary.written === holdAfter ? Effect.zipRight(hold(outcome), write) : write
    })
    const done: ChildSummary = summary
    yield* Console.log(JSON.stringify(done))
  }).pipe(Effect.provide(SerpNode.layerConfig(stackOptions)))

const file = process.argv[2]
if (file === undefined) {
  process.stderr.write("usage: crashChild.ts <outcomes file>\n")
  process.exit(2)
}
const holdAfter = process.env[holdVariable]
NodeRuntime.runMain(program(file, holdAfter === undefined ? undefined : Number(holdAfter)))
