/**
 * Benchmarks of posting through `TaskBatcher` (with `DataForSeoClient.layerBasic` and the memory ledger, as
 * in production) against the loopback sandbox. The sandbox runs in a child
 * process (`post-server.ts`), so the CPU it spends answering is never counted as the client's, and every
 * measured run gets a fresh emulator (nothing posted yet, fresh limits).
 *
 * Prints `bench` lines (below), with the informative `post-cpu-detail` one; everything else goes to stderr:
 * - `bench post-packing calls_per_task=<x> target=0.01`: 10,000 tasks submitted one by one, each
 *   `submit` in its own fiber, all in flight at once, with the library's default window and limits;
 *   task_post calls the sandbox received / 10,000.
 * - `bench post-rate utilization=<x> target=0.95 rejected=<n>`: a backlog of 60,000 tasks (600 calls)
 *   under a compressed limit of 200 calls per 2 s (100 calls/s), on client and sandbox alike.
 *   Utilization is the steady call rate achieved over the allowed rate L / W. The batcher spreads its
 *   calls evenly over the window (its default), so N calls arriving over a span T (first to last arrival,
 *   on the sandbox's clock) make N - 1 intervals: utilization = ((N - 1) / T) / (L / W), 1 for a client
 *   that wastes nothing, whether by pacing too cautiously or by being too slow to keep up. (A client that
 *   bursts a whole window at once could also squeeze one extra window into a short run; over a long run
 *   the rate L / W is the limit for both.) `rejected` counts the calls the sandbox refused (40202 / 40209); it must be 0.
 * - `bench post-cpu ratio=<x> target=1.5`: client CPU (`process.cpuUsage`: every thread of this
 *   process, GC included) to post 10,000 tasks through the batcher (one `submitAll`), over the CPU of a
 *   hand-written loop that sends the same 100-task bodies (same keywords, tags of the same shape) with
 *   plain keep-alive `fetch`, parses each reply and checks every task's status; 16 requests in flight on
 *   both sides. The batcher uses the HttpClient the README recommends on Node, the library's
 *   `UndiciHttpClient.layer`, and sends as fast as the baseline does: 100 calls are within the default
 *   limit of 2,000 a minute, and `spread` is off so that no call waits. Both sides are warmed up (six
 *   runs each: the batcher's per-call code takes several runs to be optimized, as it would be in any
 *   long-running process), then alternate (the order changes each round), each on a fresh sandbox;
 *   ratios are of median CPU over 15 rounds (a run's CPU varies by a quarter from one to the next on a
 *   shared machine, as major GCs and the compiler threads fall in one run or another). Each transport is
 *   measured in a phase of its own, against the baseline (undici, then `spread`, then the platform's
 *   undici client, then fetch): a program
 *   uses one HttpClient, and the garbage one leaves behind would be collected during the next run,
 *   whichever side it is. No run is preceded by a forced full GC (`gc()`): after a full GC, V8
 *   deoptimizes every function whose optimized code refers to an object that GC freed ("weak objects"),
 *   Effect's run loop among them, so each run would recompile some 150 functions on the compiler thread
 *   (measured with `--trace-opt --trace-deopt`: 140-180 optimizations and 25-30 deoptimizations per run,
 *   against 35-65 and none without). A plain Effect program shows the same. A long-running process pays
 *   that once per major GC, not once per 10,000 tasks: here too, major GCs come when V8 decides, and each
 *   is charged to whichever run it falls in.
 *   Building the batcher's layers is not counted: a run goes, as the baseline's does, from building the
 *   tasks to every task id collected by its tag.
 * - `bench post-cpu-fetch ratio=<x> target=1.5`: the same batcher over `FetchHttpClient.layer` (the
 *   portable HttpClient), against the same baseline.
 * - `platform_undici_cpu_ms` in the detail line: the same batcher over `NodeHttpClient.layerUndici` from
 *   `@effect/platform-node`, whose responses read their bodies through a fresh `Effect.cached` each (what
 *   `UndiciHttpClient` saves), with the baseline of its phase, `platform_undici_baseline_cpu_ms`.
 * - `bench post-cpu-detail ...` (informative): the medians behind both ratios (each with the baseline of its
 *   phase); the quartiles and median of the round-by-round ratios (`round_ratio_*`: how far one run's
 *   ratio may move on this machine); `no_ledger_cpu_ms`, the undici side with a ledger that keeps nothing
 *   (an ablation, measured in the same rounds: what the memory ledger's bookkeeping costs);
 *   `spread_cpu_ms`, the batcher
 *   over undici with its default `spread` (100 calls spaced 30 ms apart: the process idles between calls,
 *   and waking up for each costs CPU the back-to-back baseline does not pay); `fibers_cpu_ms`,
 *   10,000 fibers doing nothing (`Effect.forEach`, unbounded concurrency), for scale; and
 *   `core_share_at_limit`, what the ratio means in practice: the share of one core the batcher's CPU per
 *   task comes to when an account posts at the documented limit (2,000 calls a minute of 100 tasks).
 *
 * - `bench post-stream heap_growth_mb=<x> target=2` and `bench post-stream-cpu ratio=<x> target=0.5`:
 *   `submitStream` as a run with no end would use it, 300,000 tasks from a `Stream`, with a ledger that keeps
 *   nothing (so that what is measured is the batcher's own memory). The heap is sampled after a full GC every
 *   25,000 tasks from the 100,000th (tasks in hand at each: the heap moves with how many), and
 *   `heap_growth_mb` is the lowest sample of the second half less the lowest of the first (`heap_floor_mb`):
 *   flat memory is ~0, a leak of 20 bytes a task would be over 2. The ratio is its CPU per task over that of
 *   the baseline, the same stream through `Stream.mapEffect` of `submit` (a fiber per task, 3,000 in hand),
 *   on 20,000 tasks; the CPU of the full GCs is left out of both.
 *
 * `BENCH_POST=packing,rate,cpu,stream` picks benchmarks; `BENCH_POST_RATE_LIMIT` (calls per 2 s) and
 * `BENCH_POST_RATE_TASKS` change the rate benchmark, to tell pacing from client throughput;
 * `BENCH_POST_WARMUPS` (6) and `BENCH_POST_ROUNDS` (15) the CPU benchmark's warm-up runs and measured rounds.
 * Exits non-zero when a task is not posted, a call is refused or the sandbox saw other work than sent.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as DataForSeoClient from "../../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../../src/DataForSeoConfig.js"
import * as NaverOrganic from "../../src/NaverOrganic.js"
import type { SandboxOptions } from "../../src/sandbox/Options.js"
import * as TaskBatcher from "../../src/TaskBatcher.js"
import * as TaskLedger from "../../src/TaskLedger.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"
import type { ServerStats } from "./post-server.js"
import {
  BenchFailure,
  check,
  cpuMillis,
  median,
  quantile,
  runLine,
  sandboxProcess,
  type Server as SandboxServer
} from "./support/sandboxProcess.js"

const TASKS = 10_000
const TASKS_PER_POST = 100
const RATE_LIMIT = Number(process.env["BENCH_POST_RATE_LIMIT"] ?? 200)
const RATE_WINDOW = "2 seconds"
const RATE_TASKS = Number(process.env["BENCH_POST_RATE_TASKS"] ?? 60_000)
const CONCURRENCY = 16
const WARMUPS = Number(process.env["BENCH_POST_WARMUPS"] ?? 6)
const ROUNDS = Number(process.env["BENCH_POST_ROUNDS"] ?? 15)
/** Rounds of the platform's undici client, and of the portable transport, against the baseline. */
const FETCH_ROUNDS = 9
/** Runs of the spread side, which idles 3 s a run and is informative only. */
const SPREAD_RUNS = 3
const DEADLINE_MS = 240_000

const here = dirname(fileURLToPath(import.meta.url))
const login = "sandbox"
const password = "sandbox"

/** A sandbox that only the limits under test can slow down. */
const generous: SandboxOptions = {
  accounts: [{ login, password, balance: 1e9 }],
  queueDelay: { normal: 0, high: 0 },
  limits: { perMinute: { task_post: 1e9 }, simultaneous: 1000 }
}

type Server = SandboxServer<ServerStats>

/** Starts `post-server.ts` for the life of the scope; closing its stdin makes it exit. */
const server = sandboxProcess<ServerStats>(join(here, "post-server.ts"), ["--child"], "30 seconds")

// --- the library side -----------------------------------------------------------------------------------

/** The HttpClient under the batcher: the one recommended on Node, the platform's on undici, or the portable one. */
type Transport = "undici" | "platform-undici" | "fetch"

const transports: Record<Transport, Layer.Layer<HttpClient.HttpClient>> = {
  undici: UndiciHttpClient.layer,
  "platform-undici": NodeHttpClient.layerUndici,
  fetch: FetchHttpClient.layer
}

/**
 * A ledger that keeps nothing, for the informative ablation side only: what the batcher costs apart from
 * its bookkeeping. Never post through one: the ledger is what makes a lost task id recoverable.
 */
const forgetful = Layer.succeed(
  TaskLedger.TaskLedger,
  TaskLedger.TaskLedger.of({
    recordIntents: () => Effect.void,
    recordPosted: () => Effect.void,
    recordReady: () => Effect.void,
    recordCollected: () => Effect.void,
    recordFailed: () => Effect.void,
    unknownIntents: () => Effect.succeed([]),
    uncollected: () => Effect.succeed([]),
    byCorrelationKey: () => Effect.succeedNone,
    byTaskId: () => Effect.succeedNone,
    byTag: () => Effect.succeed([]),
    costByRun: (runId) => Effect.succeed({ runId, tasks: 0, created: 0, cost: 0 })
  })
)

interface BatcherSetup {
  readonly limits?: DataForSeoConfig.Options["limits"]
  readonly transport?: Transport
  readonly spread?: boolean
  /** The memory ledger (default), or none: the ablation side. */
  readonly ledger?: "memory" | "none"
}

const batcherLayer = (url: string, setup: BatcherSetup) =>
  TaskBatcher.layer({ spread: setup.spread ?? true }).pipe(
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(setup.ledger === "none" ? forgetful : TaskLedger.layerMemory),
    Layer.provideMerge(
      DataForSeoConfig.layer({ login, password: Redacted.make(password), baseUrl: url, limits: setup.limits ?? {} })
    ),
    Layer.provide(transports[setup.transport ?? "undici"])
  )

interface Run {
  readonly cpuMs: number
  readonly wallMs: number
  /** Task ids by tag, as the client received them. */
  readonly ids: ReadonlyMap<string, string>
}

/**
 * Submits `count` Naver tasks, all at once: one by one (each `submit` in its own fiber) or in bulk (one
 * `submitAll`); measured as the baseline is, from building the tasks to every id collected by its tag.
 */
const throughBatcher = (
  url: string,
  count: number,
  label: string,
  mode: "one-by-one" | "bulk",
  setup: BatcherSetup = {}
) =>
  Effect.gen(function*() {
    const batcher = yield* TaskBatcher.TaskBatcher
    const cpu = process.cpuUsage()
    const started = performance.now()
    const tasks = Arr.makeBy(count, (i): NaverOrganic.Task => ({ keyword: `keyword ${label} ${i}` }))
    const outcomes = mode === "one-by-one"
      ? yield* Effect.forEach(tasks, (task) => Effect.either(batcher.submit(NaverOrganic.engine, task)), {
        concurrency: "unbounded"
      })
      : yield* batcher.submitAll(NaverOrganic.engine, tasks)
    // the ids by tag, as the baseline collects them: in a plain loop, inside the measure
    const ids = new Map<string, string>()
    for (const outcome of outcomes) {
      if (Either.isLeft(outcome)) return yield* Effect.die(new BenchFailure(`${label}: ${outcome.left.message}`))
      ids.set(outcome.right.tag, outcome.right.id)
    }
    const run: Run = { wallMs: performance.now() - started, cpuMs: cpuMillis(process.cpuUsage(cpu)), ids }
    return run
  }).pipe(Effect.provide(batcherLayer(url, setup)))

/** What the caller's side alone costs: `count` fibers that do nothing, forked as `throughBatcher` forks its submits. */
const fibersAlone = (count: number) =>
  Effect.gen(function*() {
    const cpu = process.cpuUsage()
    yield* Effect.forEach(Arr.makeBy(count, (i) => i), (i) => Effect.succeed(i), { concurrency: "unbounded" })
    return cpuMillis(process.cpuUsage(cpu))
  })

// --- the baseline: a hand-written fetch loop -------------------------------------------------------------

interface TaskPostReply {
  readonly status_code: number
  readonly tasks: ReadonlyArray<
    { readonly id: string; readonly status_code: number; readonly data: { readonly tag: string } }
  >
}

/** The same tasks in bodies of 100, `CONCURRENCY` requests in flight, keep-alive (fetch's default). */
const throughFetch = (url: string, count: number, label: string) =>
  Effect.promise(async (): Promise<Run> => {
    const endpoint = `${url}${NaverOrganic.engine.paths.taskPost}`
    const headers = {
      authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`,
      "content-type": "application/json",
      accept: "application/json",
      "accept-encoding": "gzip"
    }
    // The shape of the batcher's tags: `dfs:<run id>:<instance>:<sequence>`.
    const runId = `run-${Date.now().toString(36)}-${label}:${Math.random().toString(36).slice(2, 10).padEnd(8, "0")}`
    const ids = new Map<string, string>()
    const posts = Math.ceil(count / TASKS_PER_POST)
    let next = 0
    const worker = async () => {
      for (let post = next++; post < posts; post = next++) {
        const tasks = []
        for (let i = post * TASKS_PER_POST; i < Math.min(count, (post + 1) * TASKS_PER_POST); i++) {
          tasks.push({ keyword: `keyword ${label} ${i}`, tag: `dfs:${runId}:${i + 1}` })
        }
        const response = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(tasks) })
        const reply: TaskPostReply = JSON.parse(await response.text())
        if (response.status !== 200 || reply.status_code !== 20000) {
          throw new BenchFailure(`baseline POST: HTTP ${response.status}, ${reply.status_code}`)
        }
        for (const task of reply.tasks) {
          if (task.status_code !== 20100) throw new BenchFailure(`baseline task: ${task.status_code}`)
          ids.set(task.data.tag, task.id)
        }
      }
    }
    const cpu = process.cpuUsage()
    const started = performance.now()
    await Promise.all(Arr.makeBy(CONCURRENCY, worker))
    return { wallMs: performance.now() - started, cpuMs: cpuMillis(process.cpuUsage(cpu)), ids }
  })

// --- checks -----------------------------------------------------------------------------------------------

/** Every task posted once, with a distinct id, and the sandbox saw exactly that. */
const verify = (name: string, run: Run, count: number, stats: ServerStats) =>
  Effect.all([
    check(run.ids.size === count, `${name}: ${run.ids.size} of ${count} tasks posted`),
    check(new Set(run.ids.values()).size === count, `${name}: task ids are not distinct`),
    check(
      stats.tasksCreated === count && stats.tags === count,
      `${name}: the sandbox created ${stats.tasksCreated} tasks with ${stats.tags} tags`
    ),
    check(stats.rejected === 0, `${name}: the sandbox refused ${stats.rejected} calls`)
  ])

// --- the benchmarks ---------------------------------------------------------------------------------------

const packing = (sandbox: Server) =>
  Effect.gen(function*() {
    const url = yield* sandbox.serve(generous)
    const run = yield* throughBatcher(url, TASKS, "packing", "one-by-one")
    const stats = yield* sandbox.stats
    yield* verify("post-packing", run, TASKS, stats)
    console.error(`post-packing: ${stats.calls} task_post calls for ${TASKS} tasks in ${run.wallMs.toFixed(0)} ms`)
    console.log(`bench post-packing calls_per_task=${(stats.calls / TASKS).toFixed(4)} target=0.01`)
  })

const rate = (sandbox: Server) =>
  Effect.gen(function*() {
    const url = yield* sandbox.serve({
      ...generous,
      limits: { perMinute: { task_post: RATE_LIMIT }, window: RATE_WINDOW, simultaneous: 1000 }
    })
    const run = yield* throughBatcher(url, RATE_TASKS, "rate", "bulk", {
      limits: { taskPostPerMinute: RATE_LIMIT, window: RATE_WINDOW }
    })
    const stats = yield* sandbox.stats
    yield* verify("post-rate", run, RATE_TASKS, stats)
    const windowMs = Duration.toMillis(Duration.decode(RATE_WINDOW))
    const span = stats.lastCallAt - stats.firstCallAt
    const shortest = ((stats.calls - 1) / RATE_LIMIT) * windowMs
    yield* check(stats.calls > RATE_LIMIT && span > 0, `post-rate: ${stats.calls} calls over ${span} ms is no backlog`)
    console.error(
      `post-rate: ${stats.calls} calls, first to last arrival ${span} ms (the limit allows ${shortest} ms): ` +
        `${(((stats.calls - 1) / span) * 1000).toFixed(1)} calls/s, ` +
        `${
          ((RATE_LIMIT / windowMs) * 1000).toFixed(0)
        } allowed; busiest window ${stats.peakPerWindow} of ${RATE_LIMIT}; ` +
        `client CPU ${run.cpuMs.toFixed(0)} ms over ${run.wallMs.toFixed(0)} ms wall`
    )
    console.log(`bench post-rate utilization=${(shortest / span).toFixed(3)} target=0.95 rejected=${stats.rejected}`)
  })

/** The sides of the CPU benchmark: the batcher in five setups, and the baseline. */
const cpuSides = {
  undici: { transport: "undici", spread: false },
  platformUndici: { transport: "platform-undici", spread: false },
  noLedger: { transport: "undici", spread: false, ledger: "none" },
  fetch: { transport: "fetch", spread: false },
  spread: { transport: "undici", spread: true }
} satisfies Record<string, BatcherSetup>

type CpuSide = keyof typeof cpuSides | "baseline"

const cpu = (sandbox: Server) =>
  Effect.gen(function*() {
    const limits = { simultaneousRequests: CONCURRENCY }
    const side = (name: CpuSide, label: string) =>
      Effect.gen(function*() {
        const url = yield* sandbox.serve(generous)
        const run = yield* name === "baseline"
          ? throughFetch(url, TASKS, label)
          : throughBatcher(url, TASKS, label, "bulk", { ...cpuSides[name], limits })
        const stats = yield* sandbox.stats
        yield* verify(`post-cpu ${name}`, run, TASKS, stats)
        yield* check(stats.calls === TASKS / TASKS_PER_POST, `post-cpu ${name}: ${stats.calls} calls`)
        return run
      })
    /**
     * Warms `names` up, then runs them in alternation for `rounds` rounds (the order changes each round);
     * the median CPU and wall time of each.
     */
    const compare = (phase: string, names: ReadonlyArray<CpuSide>, rounds: number, warmups = WARMUPS) =>
      Effect.gen(function*() {
        for (let i = 0; i < warmups; i++) {
          for (const name of names) yield* side(name, `${phase}-warm${i}`)
        }
        const runs = new Map<CpuSide, Array<Run>>(names.map((name) => [name, []]))
        for (let round = 0; round < rounds; round++) {
          const order = names.map((_, i) => names[(i + round) % names.length] ?? "baseline")
          const measured: Array<string> = []
          for (const name of order) {
            const run = yield* side(name, `${phase}-r${round}`)
            runs.get(name)?.push(run)
            measured.push(`${name} ${run.cpuMs.toFixed(0)} ms CPU / ${run.wallMs.toFixed(0)} ms wall`)
          }
          console.error(`post-cpu ${phase} round ${round}: ${measured.join(", ")}`)
        }
        return (name: CpuSide) => {
          const measured = runs.get(name) ?? []
          /** The CPU of each round, in order. */
          const rounds = measured.map((r) => r.cpuMs)
          return { cpu: median(rounds), wall: median(measured.map((r) => r.wallMs)), rounds }
        }
      })
    // Each transport in a phase of its own, against the baseline: a program uses one HttpClient, and the
    // garbage one transport leaves behind would be collected during the next run, whichever it is.
    const undici = yield* compare("undici", ["undici", "noLedger", "baseline"], ROUNDS)
    // the same code as the undici side, already warm, run slowly
    const spread = yield* compare("spread", ["spread"], SPREAD_RUNS, 1)
    const platformUndici = yield* compare("platform-undici", ["platformUndici", "baseline"], FETCH_ROUNDS)
    const fetch = yield* compare("fetch", ["fetch", "baseline"], FETCH_ROUNDS)
    // for scale, after the rounds: it leaves a heap that would weigh on the next run
    const fibers: Array<number> = []
    for (let i = 0; i < 3; i++) fibers.push(yield* fibersAlone(TASKS))
    const baseline = undici("baseline").cpu
    // the spread of the batcher's CPU over the baseline's round by round: how far one run's ratio may move
    const baselineRounds = undici("baseline").rounds
    const roundRatios = undici("undici").rounds.map((cpu, i) => cpu / (baselineRounds[i] ?? NaN))
    const { taskPostPerMinute, tasksPerPost } = DataForSeoConfig.defaultLimits
    const coreShareAtLimit = ((undici("undici").cpu / TASKS) * taskPostPerMinute * tasksPerPost) / 60_000
    console.log(`bench post-cpu ratio=${(undici("undici").cpu / baseline).toFixed(2)} target=1.5`)
    console.log(`bench post-cpu-fetch ratio=${(fetch("fetch").cpu / fetch("baseline").cpu).toFixed(2)} target=1.5`)
    console.log(
      `bench post-cpu-detail batcher_cpu_ms=${undici("undici").cpu.toFixed(0)} baseline_cpu_ms=${
        baseline.toFixed(0)
      } ` +
        `platform_undici_cpu_ms=${platformUndici("platformUndici").cpu.toFixed(0)} platform_undici_baseline_cpu_ms=${
          platformUndici("baseline").cpu.toFixed(0)
        } ` +
        `fetch_transport_cpu_ms=${fetch("fetch").cpu.toFixed(0)} fetch_baseline_cpu_ms=${
          fetch("baseline").cpu.toFixed(0)
        } ` +
        `no_ledger_cpu_ms=${undici("noLedger").cpu.toFixed(0)} spread_cpu_ms=${
          spread("spread").cpu.toFixed(0)
        } fibers_cpu_ms=${median(fibers).toFixed(0)} ` +
        `batcher_wall_ms=${undici("undici").wall.toFixed(0)} baseline_wall_ms=${undici("baseline").wall.toFixed(0)} ` +
        `round_ratio_p25=${quantile(roundRatios, 0.25).toFixed(2)} round_ratio_median=${
          median(roundRatios).toFixed(2)
        } round_ratio_p75=${quantile(roundRatios, 0.75).toFixed(2)} ` +
        `core_share_at_limit=${coreShareAtLimit.toFixed(3)}`
    )
  })

// --- submitStream ------------------------------------------------------------------------------------

const STREAM_TASKS = 300_000
/** Tasks before the first heap sample: the batcher's first state (its pacer's slots, say) and the JIT settle first. */
const STREAM_WARMUP = 100_000
const STREAM_EVERY = 25_000
const STREAM_BASELINE_TASKS = 20_000

/** `gc`, exposed at run time (the bench runs without `--expose-gc`); only the stream benchmark asks for it. */
const exposeGc = (): () => void => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc")
}
let exposedGc: (() => void) | undefined

/** A full GC; the heap used after it, in MB, and its CPU. */
const fullGc = () => {
  const gc = (exposedGc ??= exposeGc())
  const cpu = process.cpuUsage()
  gc()
  return { heapMb: process.memoryUsage().heapUsed / 1e6, cpuMs: cpuMillis(process.cpuUsage(cpu)) }
}

const streamed = (count: number) =>
  Stream.map(Stream.range(1, count), (i): NaverOrganic.Task => ({ keyword: `keyword stream ${i}` }))

/**
 * Runs `outcomes` (`count` of them) to its end: its CPU per task in µs, full GCs left out, and the heap after a
 * full GC every `every` outcomes from the `from`th on, while tasks are in hand (none at the last outcome).
 */
const drain = (
  outcomes: Stream.Stream<Either.Either<TaskBatcher.PostedTask, TaskBatcher.SubmitError>>,
  count: number,
  sampling: { readonly from: number; readonly every: number }
) =>
  Effect.gen(function*() {
    const heap: Array<number> = []
    let gcCpu = 0
    let done = 0
    const cpu = process.cpuUsage()
    yield* Stream.runForEach(outcomes, (outcome) =>
      Either.isLeft(outcome)
        ? Effect.die(new BenchFailure(`post-stream: ${outcome.left.message}`))
        : Effect.sync(() => {
          if (++done < sampling.from || done % sampling.every !== 0 || done === count) return
          const after = fullGc()
          heap.push(after.heapMb)
          gcCpu += after.cpuMs
        }))
    yield* check(done === count, `post-stream: ${done} of ${count} outcomes`)
    return { cpuUsPerTask: ((cpuMillis(process.cpuUsage(cpu)) - gcCpu) * 1000) / count, heap }
  })

const stream = (sandbox: Server) =>
  Effect.gen(function*() {
    const setup: BatcherSetup = { spread: false, ledger: "none" }
    const native = yield* Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) =>
      drain(
        Stream.map(batcher.submitStream(NaverOrganic.engine, streamed(STREAM_TASKS)), ([, outcome]) => outcome),
        STREAM_TASKS,
        { from: STREAM_WARMUP, every: STREAM_EVERY }
      )).pipe(Effect.provide(batcherLayer(yield* sandbox.serve(generous), setup)))
    const recipe = yield* Effect.flatMap(TaskBatcher.TaskBatcher, (batcher) =>
      drain(
        Stream.mapEffect(
          streamed(STREAM_BASELINE_TASKS),
          (task) => Effect.either(batcher.submit(NaverOrganic.engine, task)),
          { concurrency: 3000 }
        ),
        STREAM_BASELINE_TASKS,
        { from: STREAM_BASELINE_TASKS, every: STREAM_BASELINE_TASKS }
      )).pipe(Effect.provide(batcherLayer(yield* sandbox.serve(generous), setup)))
    // the heap moves with the tasks in hand when it is sampled: the floor of each half of the samples is compared
    const half = Math.ceil(native.heap.length / 2)
    const first = Math.min(...native.heap.slice(0, half))
    const second = Math.min(...native.heap.slice(half))
    console.error(
      `post-stream: heap after GC ${
        native.heap.map((mb) => mb.toFixed(1)).join(", ")
      } MB every ${STREAM_EVERY} tasks from the ` +
        `${STREAM_WARMUP}th; ${native.cpuUsPerTask.toFixed(1)} µs CPU a task, Stream.mapEffect(submit) ${
          recipe.cpuUsPerTask.toFixed(1)
        }`
    )
    console.log(
      `bench post-stream heap_growth_mb=${(second - first).toFixed(2)} target=2 heap_floor_mb=${first.toFixed(1)}`
    )
    console.log(`bench post-stream-cpu ratio=${(native.cpuUsPerTask / recipe.cpuUsPerTask).toFixed(2)} target=0.5`)
  })

const only = new Set((process.env["BENCH_POST"] ?? "packing,rate,cpu,stream").split(","))

const program = Effect.gen(function*() {
  const sandbox = yield* server
  if (only.has("packing")) yield* packing(sandbox)
  if (only.has("rate")) yield* rate(sandbox)
  if (only.has("cpu")) yield* cpu(sandbox)
  if (only.has("stream")) yield* stream(sandbox)
})

runLine("post", program, DEADLINE_MS)
