/**
 * The batcher over the sandbox (in-process, or served on loopback), with a memory ledger, for tests; and a
 * driver that runs an effect under TestClock, moving time forward in small steps until it ends.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as DataForSeoClient from "../../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../../src/DataForSeoConfig.js"
import type { SandboxOptions } from "../../src/sandbox/Options.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../../src/TaskBatcher.js"
import * as TaskLedger from "../../src/TaskLedger.js"

export interface Setup {
  readonly sandbox?: SandboxOptions
  readonly batcher?: TaskBatcher.Options
  readonly config?: Partial<DataForSeoConfig.Options>
  /** The ledger; default the memory ledger. */
  readonly ledger?: Layer.Layer<TaskLedger.TaskLedger>
  /** Build the batcher with `layerAccountPrices` (the account's prices, from user_data). */
  readonly accountPrices?: boolean
  /** Limits set on the settings as they are, past `DataForSeoConfig.layer`'s checks (as `Layer.succeed` would). */
  readonly unchecked?: Partial<DataForSeoConfig.Limits>
  /** Serve the emulator on loopback (`Sandbox.serve`) and reach it with this HttpClient; default: in-process. */
  readonly served?: Layer.Layer<HttpClient.HttpClient>
}

const config = (setup: Setup, baseUrl: string = Sandbox.inProcessBaseUrl) => {
  const options: DataForSeoConfig.Options = {
    login: "sandbox",
    password: Redacted.make("sandbox"),
    baseUrl,
    requestTimeout: "5 seconds",
    ...setup.config
  }
  if (setup.unchecked === undefined) return DataForSeoConfig.layer(options)
  const settings = DataForSeoConfig.make(options)
  return Layer.succeed(DataForSeoConfig.DataForSeoConfig, {
    ...settings,
    limits: { ...settings.limits, ...setup.unchecked }
  })
}

/**
 * The configuration, the emulator and the HttpClient that reaches it: in-process, or served on loopback.
 * 30% of the results are sparse (descriptive fields left out), so that the tests meet the API's variety.
 */
const sandbox = (setup: Setup) => {
  const options: SandboxOptions = { queueDelay: { normal: 0, high: 0 }, sparse: 0.3, ...setup.sandbox }
  const served = setup.served
  if (served === undefined) return Layer.merge(config(setup), Sandbox.layer(options))
  return Layer.unwrapScoped(
    Effect.map(
      Effect.orDie(Sandbox.serve(options)),
      ({ emulator, url }) => Layer.mergeAll(config(setup, url), Layer.succeed(Sandbox.Emulator, emulator), served)
    )
  )
}

/** TaskBatcher + DataForSeoClient + memory ledger + sandbox (in-process by default), all exposed to the test. */
export const layer = (setup: Setup = {}) =>
  (setup.accountPrices === true ? TaskBatcher.layerAccountPrices : TaskBatcher.layer)({
    window: "20 millis",
    settleDelay: "1 second",
    backoff: "100 millis",
    ...setup.batcher
  }).pipe(
    Layer.provideMerge(DataForSeoClient.layerBasic),
    Layer.provideMerge(setup.ledger ?? TaskLedger.layerMemory),
    Layer.provideMerge(sandbox(setup))
  )

/** Runs `effect` under TestClock, adjusting the clock by `step` until it ends (at most `limit` of virtual time). */
export const driven = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  step: Duration.DurationInput = "10 millis",
  limit: Duration.DurationInput = "1 hour"
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const steps = Math.ceil(Duration.toMillis(Duration.decode(limit)) / Duration.toMillis(Duration.decode(step)))
    for (let i = 0; i < steps; i++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* TestClock.adjust(step)
    }
    return yield* Effect.dieMessage(`not done after ${Duration.format(Duration.decode(limit))} of virtual time`)
  })
