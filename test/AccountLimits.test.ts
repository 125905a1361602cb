import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as AccountLimits from "../src/AccountLimits.js"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import * as TaskBatcher from "../src/TaskBatcher.js"
import * as TaskLedger from "../src/TaskLedger.js"
import { UserData } from "../src/UserData.js"
import { decodeOrThrow, resultsOf } from "./results/load.js"
import { driven } from "./support/batcher.js"

const [fixture] = resultsOf("user-data").map((result) => decodeOrThrow(UserData, result))

/** Configured limits unlike any user_data gives, so that each number shows where it came from. */
const configured: DataForSeoConfig.Limits = {
  taskPostPerMinute: 111,
  tasksPerPost: 50,
  tasksReadyPerMinute: 7,
  taskGetPerMinute: 333,
  simultaneousRequests: 9,
  window: Duration.seconds(2)
}

/** A user_data result with `rates.limits.minute` as given. */
const withMinute = (minute: unknown): UserData =>
  Schema.decodeUnknownSync(UserData)({
    login: "team@example.com",
    rates: { limits: { day: null, minute }, statistics: { day: null, minute: null } },
    money: { total: 100, balance: 50 }
  })

const failure = (result: Either.Either<DataForSeoConfig.Limits, AccountLimits.AccountLimitsError>) =>
  Either.match(result, { onLeft: (error) => ({ path: error.path, reason: error.reason }), onRight: () => undefined })

describe("AccountLimits.fromUserData", () => {
  it("reads task_post, tasks_ready and task_get a minute; the rest is the fallback's", () => {
    expect(fixture === undefined ? undefined : AccountLimits.fromUserData(fixture, configured)).toStrictEqual(
      Either.right({ ...configured, taskPostPerMinute: 2000, tasksReadyPerMinute: 20, taskGetPerMinute: 2000 })
    )
  })

  it("takes the smallest limit of task_get's result types: one pace serves them all", () => {
    const user = withMinute({ serp: { task_post: 900, task_get: { regular: 1500, advanced: 600, html: null } } })
    expect(AccountLimits.fromUserData(user, configured)).toStrictEqual(
      Either.right({ ...configured, taskPostPerMinute: 900, taskGetPerMinute: 600 })
    )
  })

  it("keeps the fallback for a limit user_data does not give", () => {
    expect(AccountLimits.fromUserData(withMinute(null), configured)).toStrictEqual(Either.right(configured))
    expect(AccountLimits.fromUserData(withMinute({ total: 2000 }), configured)).toStrictEqual(Either.right(configured))
    expect(AccountLimits.fromUserData(withMinute({ serp: { tasks_ready: 12, task_get: {} } }), configured))
      .toStrictEqual(
        Either.right({ ...configured, tasksReadyPerMinute: 12 })
      )
  })

  it("names the path of a number that is not a positive whole number instead of pacing by it", () => {
    const at = (minute: unknown) => failure(AccountLimits.fromUserData(withMinute(minute), configured))
    expect(at({ serp: { task_post: 0 } })).toStrictEqual({
      path: "rates.limits.minute.serp.task_post",
      reason: "0 is not a positive whole number"
    })
    expect(at({ serp: { tasks_ready: 12.5 } })).toMatchObject({ path: "rates.limits.minute.serp.tasks_ready" })
    expect(at({ serp: { task_get: { regular: 2000, advanced: -1 } } })).toMatchObject({
      path: "rates.limits.minute.serp.task_get.advanced"
    })
    expect(at({ serp: 2000 })).toMatchObject({ path: "rates.limits.minute.serp", reason: "not a table: 2000" })
  })
})

describe("AccountLimits.layer", () => {
  /** The account's configuration over the in-process sandbox, with `configured` limits. */
  const account = (sandbox: Parameters<typeof Sandbox.layer>[0]) => {
    const config = DataForSeoConfig.layer({
      login: "sandbox",
      password: Redacted.make("sandbox"),
      baseUrl: Sandbox.inProcessBaseUrl,
      limits: configured
    })
    return AccountLimits.layer.pipe(
      Layer.provideMerge(DataForSeoClient.layerBasic),
      Layer.provideMerge(config),
      Layer.provideMerge(Sandbox.layer(sandbox))
    )
  }

  it.effect("gives the configuration with the limits the emulator's user_data reports", () =>
    Effect.gen(function*() {
      const settings = yield* DataForSeoConfig.DataForSeoConfig
      expect(settings.limits).toStrictEqual({
        ...configured,
        taskPostPerMinute: 700,
        tasksReadyPerMinute: 12,
        taskGetPerMinute: 900
      })
      expect({ login: settings.login, baseUrl: settings.baseUrl }).toStrictEqual({
        login: "sandbox",
        baseUrl: Sandbox.inProcessBaseUrl
      })
      expect(yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).toMatchObject({
        calls: { user_data: { calls: 1 } }
      })
    }).pipe(Effect.provide(account({ limits: { perMinute: { task_post: 700, tasks_ready: 12, task_get: 900 } } }))))

  it.effect("a user_data call that fails is the layer's error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.provide(
          DataForSeoConfig.DataForSeoConfig,
          account({ accounts: [{ login: "other", password: "other", balance: 100 }] })
        )
      )
      expect(error._tag).toBe("AuthError")
    }))
})

describe("AccountLimits.layer under the batcher", () => {
  /**
   * 16 tasks, one a POST, to an emulator allowing 4 task_post calls a second, with the documented
   * 2,000 configured. The batcher is composed as the module's example shows, or on the plain configuration.
   */
  const post = (accountLimits: boolean) => {
    const config = DataForSeoConfig.layer({
      login: "sandbox",
      password: Redacted.make("sandbox"),
      baseUrl: Sandbox.inProcessBaseUrl,
      limits: { tasksPerPost: 1, window: "1 second" }
    })
    const client = DataForSeoClient.layerBasic.pipe(
      Layer.provideMerge(config),
      Layer.provideMerge(
        Sandbox.layer({ queueDelay: { normal: 0, high: 0 }, limits: { perMinute: { task_post: 4 }, window: 1000 } })
      )
    )
    const batcher = TaskBatcher.layer({ window: "20 millis", backoff: "100 millis" }).pipe(
      accountLimits ? Layer.provide(AccountLimits.layer) : (layer) => layer,
      Layer.provide(TaskLedger.layerMemory),
      Layer.provideMerge(client)
    )
    return Effect.gen(function*() {
      const outcomes = yield* driven(
        Effect.flatMap(
          TaskBatcher.TaskBatcher,
          (b) => b.submitAll(NaverOrganic.engine, Array.from({ length: 16 }, (_, i) => ({ keyword: `k${i}` })))
        )
      )
      const stats = yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)
      return { posted: outcomes.filter(Either.isRight).length, taskPost: stats.calls.task_post }
    }).pipe(Effect.provide(batcher))
  }

  it.effect("paces task_post by the account's limit: no call refused", () =>
    Effect.gen(function*() {
      const paced = yield* post(true)
      expect(paced.posted).toBe(16)
      expect(paced.taskPost).toMatchObject({ calls: 16, rejected: 0, peakPerMinute: 4 })
      // the same run on the configured 2,000 a minute meets 40202, and tasks fail with it
      const blind = yield* post(false)
      expect(blind.taskPost.rejected).toBeGreaterThan(0)
      expect(blind.posted).toBeLessThan(16)
    }))
})
