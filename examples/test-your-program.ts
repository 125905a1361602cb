/**
 * Testing your own program against the sandbox, in-process: no sockets, no account, no network.
 *
 *   npx tsx examples/test-your-program.ts
 *
 * Your program asks for the library's services; the layer you provide decides what they talk to. In
 * production that is `FetchHttpClient.layer` and `DataForSeoConfig.layerConfig`; in a test it is
 * `Sandbox.layer(...)`, an `HttpClient` answered by the emulator in the caller's fiber, which also provides
 * `Sandbox.Emulator` to inspect what was created, billed and called. Under `@effect/vitest` the same layer
 * goes in `it.layer(...)` or `Effect.provide`, and `TestClock` drives the emulator's task queue.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Console, Effect, Layer, Redacted, Schedule } from "effect"
// In your project: `from "effect-dataforseo"` and `from "effect-dataforseo/sandbox"`.
import {
  DataForSeoClient,
  DataForSeoConfig,
  Diagnosis,
  Envelope,
  GoogleOrganic,
  TaskBatcher,
  TaskLedger
} from "../src/index.js"
import { Sandbox } from "../src/sandbox/index.js"

// --- your program ----------------------------------------------------------------------------------------

/** Posts each keyword to Google and returns the domain ranked first for it. */
const topDomains = (keywords: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const batcher = yield* TaskBatcher.TaskBatcher
    const client = yield* DataForSeoClient.DataForSeoClient
    const firstDomain = (taskId: string) =>
      Effect.gen(function*() {
        const reply = yield* client.get(GoogleOrganic.paths.taskGet("regular", taskId), GoogleOrganic.RegularResult)
        const serp = yield* Envelope.firstResult(reply, taskId)
        const organic = (serp.items ?? []).flatMap((item) => (item.type === "organic" ? [item] : []))
        return organic[0]?.domain ?? "(none)"
      }).pipe(
        // task_get answers 40601 / 40602 (a TaskPendingError) while the task is queued: ask again
        Effect.retry({ while: (error) => error._tag === "TaskPendingError", schedule: Schedule.spaced("100 millis") })
      )
    const topDomain = (keyword: string) =>
      batcher.submit(GoogleOrganic.engine, { keyword, location_code: 2840, language_code: "en" }).pipe(
        Effect.flatMap((posted) => firstDomain(posted.id))
      )
    return yield* Effect.forEach(keywords, topDomain, { concurrency: "unbounded" })
  })

// --- its layers --------------------------------------------------------------------------------------------

/** The library's services the program uses, whatever they talk to. */
const services = (options: TaskBatcher.Options = {}) =>
  TaskBatcher.layer(options).pipe(
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(TaskLedger.layerMemory)
  )

/** In production: the configuration from the environment, and fetch. */
export const ProductionLayer = services().pipe(
  Layer.provide(DataForSeoConfig.layerConfig),
  Layer.provide(FetchHttpClient.layer)
)

/**
 * In a test: the sandbox in place of fetch (any base URL will do), and `Sandbox.Emulator` to look inside.
 * A short `settleDelay`: the emulator's id_list is up to date at once, DataForSEO's takes a few seconds.
 */
const testLayer = (sandbox: Sandbox.SandboxOptions) =>
  services({ settleDelay: "100 millis" }).pipe(
    Layer.provideMerge(
      DataForSeoConfig.layer({
        login: "sandbox",
        password: Redacted.make("sandbox"),
        baseUrl: Sandbox.inProcessBaseUrl
      })
    ),
    Layer.provideMerge(Sandbox.layer(sandbox))
  )

// --- the tests -----------------------------------------------------------------------------------------------

const keywords = ["effect typescript", "dataforseo api", "pour over coffee"]

/** A failed check is a bug in the program under test. */
const check = (holds: boolean, what: string) => holds ? Console.log(`  ✓ ${what}`) : Effect.dieMessage(`✗ ${what}`)

const stats = Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)

const returnsOneDomainPerKeyword = Effect.gen(function*() {
  yield* Console.log("returns one domain per keyword, for one task_post call")
  const domains = yield* topDomains(keywords)
  const { calls, tasksCreated, totalCost } = yield* stats
  const everyOneADomain = domains.length === 3 && domains.every((domain) => domain.includes("."))
  yield* check(everyOneADomain, `domains: ${domains.join(", ")}`)
  yield* check(tasksCreated === 3, "3 tasks created")
  yield* check(calls.task_post.calls === 1, "packed into 1 task_post call")
  yield* check(calls.task_get.calls >= 3, `${calls.task_get.calls} task_get calls (queued tasks were asked again)`)
  yield* check(Math.abs(totalCost - 3 * 0.0006) < 1e-9, `charged $${totalCost.toFixed(4)}`)
}).pipe(Effect.provide(testLayer({ queueDelay: { normal: "300 millis" } })))

const neverPaysTwiceWhenTheReplyIsLost = Effect.gen(function*() {
  yield* Console.log("never pays twice when the task_post reply is lost")
  yield* topDomains(keywords)
  const { calls, tasksBilled } = yield* stats
  yield* check(calls.id_list.calls >= 1, "the batcher looked the tasks up in id_list")
  yield* check(tasksBilled === 3, "3 tasks billed, not 6")
}).pipe(
  // The first task_post is processed (tasks created and billed), then its connection drops.
  Effect.provide(
    testLayer({ queueDelay: { normal: "300 millis" }, faults: { script: { task_post: ["drop_after_processing"] } } })
  )
)

// A failed check is a defect: its full report. A failure you can fix would be told in two lines.
NodeRuntime.runMain(
  Diagnosis.reportFailure(Effect.zipRight(returnsOneDomainPerKeyword, neverPaysTwiceWhenTheReplyIsLost)),
  {
    disableErrorReporting: true
  }
)
