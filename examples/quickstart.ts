/**
 * Quickstart: keywords in, the top organic results out, every paid task accounted for.
 *
 *   npm run example                   # against the built-in sandbox emulator: no account, no network
 *   DATAFORSEO_LOGIN=... DATAFORSEO_PASSWORD=... npm run example          # the real API (billed)
 *   DATAFORSEO_BASE_URL=sandbox DATAFORSEO_LOGIN=... ... npm run example  # DataForSEO's free remote sandbox
 *
 * The pipeline:
 *   1. submit a dozen Naver and Google tasks at once through `TaskBatcher` (packed into task_post calls,
 *      paced, each posted task's id recorded in the `TaskLedger` before we hear of it);
 *   2. poll each engine's tasks_ready list, paced to the account's limit, until all of ours are listed;
 *   3. fetch each ready task's advanced result and print its top 3 organic results, as they arrive;
 *   4. print what the run cost, from the ledger.
 *
 * Only the layer that says where requests go changes between the sandbox and the real API.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, Console, Duration, Effect, Either, Layer, Option, Redacted, Schedule, Schema, Stream } from "effect"
// In your project: `from "effect-dataforseo"`, `from "effect-dataforseo/sandbox"` and `from "effect-dataforseo/UndiciHttpClient"`.
import {
  DataForSeoClient,
  DataForSeoConfig,
  type DataForSeoError,
  Diagnosis,
  type Engine,
  Envelope,
  GoogleOrganic,
  type GoogleResults,
  Keyword,
  NaverOrganic,
  type NaverResults,
  Pacer,
  TaskBatcher,
  TaskLedger,
  TasksReady
} from "../src/index.js"
import { Sandbox } from "../src/sandbox/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"

// --- what to search ----------------------------------------------------------------------------------

// Naver results do not depend on location or language, so a Naver task has no such fields.
const naverTasks: ReadonlyArray<NaverOrganic.Task> = [
  { keyword: "김치찌개 레시피" },
  { keyword: "서울 맛집" },
  { keyword: "제주도 여행" },
  { keyword: "effect typescript" },
  { keyword: "korean skincare" }
]

// A Google task names one location and one language (2840: the United States).
const us = { location_code: 2840, language_code: "en" } as const
const googleTasks: ReadonlyArray<GoogleOrganic.Task> = [
  { keyword: "effect typescript library", ...us, priority: "high" }, // costs twice as much, ready sooner
  { keyword: "best running shoes", ...us },
  { keyword: "how to brew pour over coffee", ...us },
  { keyword: "serp rank tracking api", ...us },
  { keyword: "schema validation typescript", ...us },
  { keyword: "learn korean online", ...us },
  { keyword: "weather new york", ...us }
]

/** How often tasks_ready is asked, and how long we wait for every result before giving up. */
const pollEvery = Duration.seconds(2)
const maxWait = Duration.minutes(2)

// --- errors ------------------------------------------------------------------------------------------

/** Some results were not collected in time. The tasks are paid for and stay collectable by id for 30 days. */
class ResultsTimeoutError extends Schema.TaggedError<ResultsTimeoutError>()("ResultsTimeoutError", {
  waited: Schema.String,
  taskIds: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const ids = this.taskIds.join(", ")
    return `${this.taskIds.length} task(s) not collected after ${this.waited}; fetch them later by id: ${ids}`
  }
}

// --- the pipeline --------------------------------------------------------------------------------------

/** A task DataForSEO created, with what we need to print it. */
interface Submitted {
  readonly posted: TaskBatcher.PostedTask
  readonly keyword: string
}

/** One line of a printed result. */
interface OrganicRow {
  readonly rank: number
  readonly domain: string
  readonly title: string
}

/** What both engines' advanced results have in common: `items`, a union discriminated on `type`. */
type AdvancedResult = NaverResults.NaverAdvancedResult | GoogleResults.GoogleAdvancedResult

/** Submits the tasks of one engine, all at once: the batcher packs them into as few task_post calls as it can. */
const submitAll = <Task extends { readonly keyword: Keyword.Keyword }>(
  engine: Engine.TaskSide<Task>,
  tasks: ReadonlyArray<Task>
) =>
  Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) =>
    Effect.forEach(
      tasks,
      (task) =>
        batcher.submit(engine, task).pipe(
          Effect.map((posted): Submitted => ({ posted, keyword: Keyword.searchText(task.keyword) })),
          Effect.tap(({ keyword, posted }) =>
            Console.log(`  posted  ${engine.name.padEnd(14)} ${posted.id}  $${posted.cost.toFixed(4)}  ${keyword}`)
          )
        ),
      { concurrency: "unbounded" }
    ))

/**
 * The ids of `taskIds` as each one shows up in the engine's tasks_ready list, each once. The list holds
 * every finished, uncollected task of the account (other runs' too): only ours are kept.
 */
const readyIds = (
  engine: Pick<Engine.Engine, "paths">,
  taskIds: ReadonlyArray<string>,
  tasksReadyPacer: Pacer.Pacer
) =>
  Stream.unwrap(
    Effect.gen(function*() {
      const client = yield* DataForSeoClient.DataForSeoClient
      const waiting = new Set(taskIds) // `delete` is true the first time an id is seen only
      const poll = tasksReadyPacer.pace(client.get(engine.paths.tasksReady, TasksReady.TasksReadyItem)).pipe(
        Effect.map((reply) =>
          reply.tasks.flatMap((task) => task.result ?? []).map((item) => item.id).filter((id) => waiting.delete(id))
        )
      )
      return Stream.repeatEffectWithSchedule(poll, Schedule.spaced(pollEvery)).pipe(
        Stream.flattenIterables,
        Stream.take(taskIds.length)
      )
    })
  )

/** The first `n` organic results of a page. Other items (ads, images, unknown types, ...) are skipped. */
const topOrganic = (result: AdvancedResult, n: number): ReadonlyArray<OrganicRow> =>
  (result.items ?? [])
    .flatMap((item) =>
      item.type === "organic" ? [{ rank: item.rank_group, domain: item.domain ?? "", title: item.title ?? "" }] : []
    )
    .slice(0, n)

/** A ready task's advanced result: the first element of `result[]` of its only task. */
const fetchAdvanced = <Task, Regular, Advanced, Html>(
  engine: Engine.Engine<Task, Regular, Advanced, Html>,
  taskId: string
) =>
  Effect.gen(function*() {
    const client = yield* DataForSeoClient.DataForSeoClient
    const reply = yield* client.get(engine.paths.taskGet("advanced", taskId), engine.AdvancedResult)
    // A task-level code is a value in the reply (one failed task is not a failed call): firstResult makes it an error.
    return yield* Envelope.firstResult(reply, taskId)
  })

/** One keyword's outcome: its top organic results, or why there are none. */
interface Collected {
  readonly engine: string
  readonly keyword: string
  readonly top: Either.Either<ReadonlyArray<OrganicRow>, DataForSeoError.DataForSeoError>
}

/**
 * The results of one engine's tasks, in the order they become ready. A task that failed is reported
 * with its typed error and the others go on; a collected one is recorded in the ledger.
 */
const collect = <Task, Regular, Advanced extends AdvancedResult, Html>(
  engine: Engine.Engine<Task, Regular, Advanced, Html>,
  submitted: ReadonlyArray<Submitted>,
  tasksReadyPacer: Pacer.Pacer
) => {
  const keywordOf = new Map(submitted.map(({ keyword, posted }) => [posted.id, keyword]))
  return readyIds(engine, submitted.map(({ posted }) => posted.id), tasksReadyPacer).pipe(
    Stream.mapEffect(
      (taskId) =>
        Effect.gen(function*() {
          const ledger = yield* TaskLedger.TaskLedger
          const result = yield* Effect.either(fetchAdvanced(engine, taskId))
          if (Either.isRight(result)) yield* ledger.recordCollected([{ taskId }])
          const top = Either.map(result, (page) => topOrganic(page, 3))
          return { engine: engine.name, keyword: keywordOf.get(taskId) ?? taskId, top } satisfies Collected
        }),
      { concurrency: 4 }
    )
  )
}

const printResult = ({ engine, keyword, top }: Collected) =>
  Either.match(top, {
    onLeft: (error) => Console.log(`\n✗ ${engine}  ${keyword}\n    ${error._tag}: ${error.message}`),
    onRight: (rows) =>
      Console.log(
        [
          `\n${engine}  ${keyword}`,
          ...rows.map(({ domain, rank, title }) => `  ${String(rank).padStart(3)}. ${domain.padEnd(24)} ${title}`)
        ].join("\n")
      )
  })

/** Where requests go, in words. */
const describe = ({ baseUrl, login }: DataForSeoConfig.Settings): string =>
  baseUrl === DataForSeoConfig.productionUrl
    ? `the DataForSEO API as ${login} (billed)`
    : baseUrl === DataForSeoConfig.sandboxUrl
    ? `DataForSEO's remote sandbox as ${login} (free, dummy data)`
    : login === emulatorLogin && baseUrl.startsWith("http://127.0.0.1:")
    ? `the built-in sandbox emulator at ${baseUrl}: no account, no network.\n` +
      "Set DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD to run the same pipeline against the real API."
    : baseUrl

const seconds = (duration: Duration.Duration): string => `${(Duration.toMillis(duration) / 1000).toFixed(1)} s`

const program = Effect.gen(function*() {
  const settings = yield* DataForSeoConfig.DataForSeoConfig
  const batcher = yield* TaskBatcher.TaskBatcher
  const ledger = yield* TaskLedger.TaskLedger
  yield* Console.log(`effect-dataforseo quickstart, against ${describe(settings)}\n`)

  // 1. Post both engines' tasks at once. Each `submit` returns once its task is created and its id recorded.
  yield* Console.log(`Posting ${naverTasks.length + googleTasks.length} tasks (run ${batcher.runId}):`)
  const [naver, google] = yield* Effect.all(
    [submitAll(NaverOrganic.engine, naverTasks), submitAll(GoogleOrganic.engine, googleTasks)],
    { concurrency: "unbounded" }
  )

  // 2-3. Collect as tasks become ready. tasks_ready has its own limit per account (20 calls a minute),
  // shared by both engines' polls: one pacer keeps them under it, whatever `pollEvery` says.
  yield* Console.log(
    `\nWaiting for results (tasks_ready every ${Duration.format(pollEvery)}, for at most ${Duration.format(maxWait)}):`
  )
  const tasksReadyPacer = yield* Pacer.make({
    limit: settings.limits.tasksReadyPerMinute,
    window: settings.limits.window
  })
  const [waited] = yield* Stream.merge(
    collect(NaverOrganic.engine, naver, tasksReadyPacer),
    collect(GoogleOrganic.engine, google, tasksReadyPacer)
  ).pipe(
    Stream.runForEach(printResult),
    Effect.timeout(maxWait),
    Effect.catchTag(
      "TimeoutException",
      () =>
        Effect.flatMap(ledger.uncollected({ runId: batcher.runId }), (entries) =>
          new ResultsTimeoutError({
            waited: Duration.format(maxWait),
            taskIds: entries.flatMap((entry) => entry.taskId ?? [])
          }))
    ),
    Effect.timed
  )

  // 4. What the run cost, as DataForSEO charged it: the ledger holds the cost task_post returned per task.
  const run = yield* ledger.costByRun(batcher.runId)
  const uncollected = yield* ledger.uncollected({ runId: batcher.runId })
  const collected = run.created - uncollected.length
  yield* Console.log(
    `\n${run.created} tasks created, ${collected} collected (results after ${seconds(waited)}); ` +
      `total cost $${run.cost.toFixed(4)}`
  )
})

// --- where requests go -------------------------------------------------------------------------------

/** The login the emulator is given: any login will do, this one tells a run against it from others. */
const emulatorLogin = "sandbox"

/**
 * The sandbox emulator on 127.0.0.1 (for as long as the program runs) unless credentials are set; then
 * `DataForSeoConfig.layerConfig` reads DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, DATAFORSEO_BASE_URL, ... and
 * names any that is missing.
 */
const Target = Layer.unwrapScoped(
  Effect.gen(function*() {
    const login = yield* Config.option(Config.string("DATAFORSEO_LOGIN"))
    if (Option.isSome(login)) return DataForSeoConfig.layerConfig
    const sandbox = yield* Sandbox.serve({ queueDelay: { normal: "2 seconds", high: "500 millis" } })
    return DataForSeoConfig.layer({ login: emulatorLogin, password: Redacted.make("sandbox"), baseUrl: sandbox.url })
  })
)

// `budget`: the batcher refuses any task that would take this run past 5 cents.
const MainLayer = TaskBatcher.layer({ budget: 0.05 }).pipe(
  Layer.provideMerge(DataForSeoClient.layerBasic),
  Layer.provideMerge(TaskLedger.layerMemory),
  Layer.provideMerge(Target),
  // undici on Node (any HttpClient layer works: FetchHttpClient.layer on other runtimes)
  Layer.provide(UndiciHttpClient.layer)
)

// A failure you can fix (network, credentials, money, limits, a missing variable) is told in two lines, exit code 1.
// Any other failure is a bug: its full report is logged as usual.
NodeRuntime.runMain(Diagnosis.reportFailure(program.pipe(Effect.provide(MainLayer))), { disableErrorReporting: true })
