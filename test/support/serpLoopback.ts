/**
 * Serp end to end over a real socket, for tests: the sandbox served on loopback, the client on undici (or
 * another HttpClient), a memory ledger unless another is given, the live clock. The limits' window is one
 * second for both sides, so that a test runs in a few seconds. Helpers read what came out, what the ledger
 * holds, and what the served emulator billed (GET /sandbox/stats, over the socket).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as DataForSeoClient from "../../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../../src/DataForSeoConfig.js"
import type { TaskSide } from "../../src/Engine.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import type * as Serp from "../../src/Serp.js"
import * as TaskBatcher from "../../src/TaskBatcher.js"
import * as TaskLedger from "../../src/TaskLedger.js"
import { loopback, type Setup } from "./poller.js"
import { layer as serpLayer } from "./serp.js"

/**
 * The whole Serp stack over loopback (`loopback`): UndiciHttpClient unless `served` says otherwise, tasks done
 * 300 ms after posting, a task asked for by id after 5 s.
 */
export const served = (setup: Setup = {}) => serpLayer(loopback(setup))

/** `n` keywords, `<prefix> 0` to `<prefix> n-1`. */
export const keywords = (n: number, prefix: string): Array<string> =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i}`)

/** A whole run, every outcome in the order they came. */
export { runAll } from "./serp.js"

/** An outcome of any engine and format, as the helpers read it. */
export type AnyOutcome = Serp.Outcome<{ readonly keyword: unknown }, { readonly keyword?: string | null | undefined }>

/** The keyword a task was written with (a raw keyword is `{ encoded }`). */
const keywordOf = (task: { readonly keyword: unknown }): string =>
  typeof task.keyword === "string" ? task.keyword : JSON.stringify(task.keyword)

/** What an outcome says, in a line: `<task's keyword>: <result's keyword>`, or the error's tag. */
export const summary = (outcome: AnyOutcome): string =>
  Either.match(outcome.result, {
    onLeft: (error) => `${keywordOf(outcome.task)}: ${error._tag}`,
    onRight: (result) => `${keywordOf(outcome.task)}: ${result.keyword}`
  })

/** The outcomes' lines, sorted. */
export const summaries = (outcomes: ReadonlyArray<AnyOutcome>): Array<string> => outcomes.map(summary).sort()

/**
 * The outcomes whose posted id is not the task the emulator created for their keyword: each line names the
 * task's keyword and the keyword the emulator holds under that id. Empty when every outcome belongs to its task.
 */
export const misattributed = (outcomes: ReadonlyArray<AnyOutcome>) =>
  Effect.flatMap(Sandbox.Emulator, (emulator) =>
    Effect.map(
      Effect.forEach(outcomes, (outcome) =>
        outcome.posted === undefined
          ? Effect.succeed(`${keywordOf(outcome.task)}: not posted`)
          : Effect.map(
            emulator.task(outcome.posted.id),
            Option.match({
              onNone: () => `${keywordOf(outcome.task)}: ${outcome.posted?.id} unknown to the emulator`,
              onSome: (info) =>
                info.keyword === keywordOf(outcome.task) ? "" : `${keywordOf(outcome.task)}: ${info.keyword}`
            })
          )),
      (lines) => lines.filter((line) => line !== "")
    ))

/** Each outcome's entry state in the ledger, by its task id, as `<task's keyword>: <state>`, sorted. */
export const ledgerStates = (outcomes: ReadonlyArray<AnyOutcome>) =>
  Effect.flatMap(TaskLedger.TaskLedger, (ledger) =>
    Effect.map(
      Effect.forEach(outcomes, (outcome) =>
        outcome.posted === undefined
          ? Effect.succeed(`${keywordOf(outcome.task)}: not posted`)
          : Effect.map(
            ledger.byTaskId(outcome.posted.id),
            Option.match({
              onNone: () => `${keywordOf(outcome.task)}: none`,
              onSome: (entry) => `${keywordOf(outcome.task)}: ${entry.state}`
            })
          )),
      (lines) => lines.sort()
    ))

/** The part of `GET /sandbox/stats` these tests read. */
const StatsReport = Schema.Struct({
  tasksCreated: Schema.Number,
  tasksBilled: Schema.Number,
  tasksCollected: Schema.Number,
  totalCost: Schema.Number
})

/** What the served emulator says it created, billed and collected: `GET /sandbox/stats`, over the socket. */
export const servedStats = Effect.gen(function*() {
  const { baseUrl } = yield* DataForSeoConfig.DataForSeoConfig
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get(`${baseUrl}/sandbox/stats`)
  return yield* HttpClientResponse.schemaBodyJson(StatsReport)(response)
}).pipe(Effect.orDie)

/** What the ledger says this stack's batcher spent: `costByRun` of its run. */
export const ledgerCost = Effect.flatMap(
  TaskBatcher.TaskBatcher,
  (batcher) => Effect.flatMap(TaskLedger.TaskLedger, (ledger) => ledger.costByRun(batcher.runId))
)

/**
 * Another job's tasks: posted with the bare client, 100 a call, past the batcher and the ledger, never collected.
 * Their ids.
 */
export const postForeign = <Task>(engine: TaskSide<Task>, tasks: ReadonlyArray<Task>) =>
  Effect.gen(function*() {
    const client = yield* DataForSeoClient.DataForSeoClient
    const encoded = yield* Effect.forEach(tasks, (task) => engine.encodeTask(task))
    const bodies: Array<ReadonlyArray<unknown>> = []
    for (let i = 0; i < encoded.length; i += 100) bodies.push(encoded.slice(i, i + 100))
    const replies = yield* Effect.forEach(bodies, (body) => client.post(engine.paths.taskPost, body, Schema.Unknown))
    return replies.flatMap((reply) => reply.tasks.filter((task) => task.status_code === 20100).map((task) => task.id))
  }).pipe(Effect.orDie)
