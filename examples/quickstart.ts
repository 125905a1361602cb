/**
 * Quickstart: keywords in, the top organic results out, every paid task accounted for.
 *
 *   npm run example                   # against the built-in sandbox emulator: no account, no network
 *   DATAFORSEO_LOGIN=... DATAFORSEO_PASSWORD=... npm run example          # the real API (billed)
 *   DATAFORSEO_BASE_URL=sandbox DATAFORSEO_LOGIN=... ... npm run example  # DataForSEO's free remote sandbox
 *
 * `Serp.run` posts a dozen Naver and Google tasks and emits each one's advanced result as it becomes ready.
 * We print each keyword's top 3 organic results, then what the run cost, from the ledger.
 * Only the configuration that says where requests go changes between the sandbox and the real API.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Config, ConfigProvider, Console, Duration, Effect, Either, Layer, Option, Stream } from "effect"
// In your project: `from "effect-dataforseo"`, `"effect-dataforseo/SerpNode"` and `"effect-dataforseo/sandbox"`.
import {
  DataForSeoConfig,
  Diagnosis,
  type Engine,
  GoogleOrganic,
  type GoogleResults,
  Keyword,
  NaverOrganic,
  type NaverResults,
  Serp,
  TaskBatcher,
  TaskLedger
} from "../src/index.js"
import { Sandbox } from "../src/sandbox/index.js"
import * as SerpNode from "../src/SerpNode.js"

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

// --- the pipeline --------------------------------------------------------------------------------------

/** Both engines' advanced results hold `items`, a union discriminated on `type`. */
type AdvancedResult = NaverResults.NaverAdvancedResult | GoogleResults.GoogleAdvancedResult

/**
 * One engine's tasks, each with its advanced result as it becomes ready. A task past the deadline ends with
 * `SerpTimeoutError`, and stays collectable by id for 30 days. A task refused at posting (network,
 * credentials, money) ends the run with its error.
 */
const search = <E extends Engine.AnyEngine>(engine: E, tasks: Iterable<Serp.TaskOf<E>>) =>
  Stream.unwrap(
    Effect.map(Serp.Serp, (serp) =>
      serp.run(engine, tasks, { format: "advanced", deadline: "2 minutes" }).pipe(
        Stream.mapEffect((outcome) =>
          outcome.posted === undefined && Either.isLeft(outcome.result)
            ? Effect.fail(outcome.result.left)
            : Effect.succeed({ engine: engine.name, keyword: Keyword.searchText(outcome.task.keyword), ...outcome })
        )
      ))
  )

/** One keyword's top 3 organic results, or why there are none. Other items (ads, images, ...) are skipped. */
const printResult = (
  { engine, keyword, result }: {
    engine: string
    keyword: string
    result: Either.Either<AdvancedResult, Serp.SerpError>
  }
) =>
  Either.match(result, {
    onLeft: (error) => Console.log(`\n✗ ${engine}  ${keyword}\n    ${error._tag}: ${error.message}`),
    onRight: (page) =>
      Console.log(
        [
          `\n${engine}  ${keyword}`,
          ...(page.items ?? []).flatMap((item) =>
            item.type === "organic"
              ? [`  ${String(item.rank_group).padStart(3)}. ${(item.domain ?? "").padEnd(24)} ${item.title ?? ""}`]
              : []
          ).slice(0, 3)
        ].join("\n")
      )
  })

const program = Effect.gen(function*() {
  const settings = yield* DataForSeoConfig.DataForSeoConfig
  const { runId } = yield* TaskBatcher.TaskBatcher
  yield* Console.log(`effect-dataforseo quickstart, against ${describe(settings)}\n`)
  yield* Console.log(`Posting ${naverTasks.length + googleTasks.length} tasks (run ${runId}):`)

  // Both engines at once. Each result is printed as it arrives, and recorded collected once printed.
  const results = Stream.merge(search(NaverOrganic.engine, naverTasks), search(GoogleOrganic.engine, googleTasks))
  const [waited] = yield* Effect.timed(Stream.runForEach(results, printResult))

  // What the run cost, as DataForSEO charged it: the ledger holds the cost task_post returned per task.
  const ledger = yield* TaskLedger.TaskLedger
  const run = yield* ledger.costByRun(runId)
  const uncollected = yield* ledger.uncollected({ runId })
  yield* Console.log(
    `\n${run.created} tasks created, ${run.created - uncollected.length} collected ` +
      `(results after ${(Duration.toMillis(waited) / 1000).toFixed(1)} s); total cost $${run.cost.toFixed(4)}`
  )
})

// --- where requests go -------------------------------------------------------------------------------

/** The login the emulator is given: any login will do, this one tells a run against it from others. */
const emulatorLogin = "sandbox"

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

// The whole stack from the environment. `budget`: the batcher refuses any task that would take the run past 5 cents.
const Stack = SerpNode.layerConfig({ batcher: { budget: 0.05 } })

/**
 * With DATAFORSEO_LOGIN set, the stack reads DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, DATAFORSEO_BASE_URL, ...
 * and names any that is missing. Without it, the sandbox emulator runs on 127.0.0.1 for as long as the program
 * does, and the stack is pointed at it.
 */
const MainLayer = Layer.unwrapScoped(
  Effect.gen(function*() {
    const login = yield* Config.option(Config.string("DATAFORSEO_LOGIN"))
    if (Option.isSome(login)) return Stack
    const sandbox = yield* Sandbox.serve({ queueDelay: { normal: "2 seconds", high: "500 millis" } })
    const emulator = ConfigProvider.fromJson({
      DATAFORSEO_LOGIN: emulatorLogin,
      DATAFORSEO_PASSWORD: "sandbox",
      DATAFORSEO_BASE_URL: sandbox.url
    })
    return Layer.provide(Stack, Layer.setConfigProvider(ConfigProvider.orElse(emulator, ConfigProvider.fromEnv)))
  })
)

// A failure you can fix (network, credentials, money, limits, a missing variable) is told in two lines, exit code 1.
// Any other failure is a bug: its full report is logged as usual.
NodeRuntime.runMain(Diagnosis.reportFailure(program.pipe(Effect.provide(MainLayer))), { disableErrorReporting: true })
