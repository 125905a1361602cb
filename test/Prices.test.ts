import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import * as DataForSeoConfig from "../src/DataForSeoConfig.js"
import type { TaskSide } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as Prices from "../src/Prices.js"
import * as Sandbox from "../src/sandbox/Sandbox.js"
import { UserData } from "../src/UserData.js"
import { decodeOrThrow, resultsOf } from "./results/load.js"

const [fixture] = resultsOf("user-data").map((result) => decodeOrThrow(UserData, result))

/** A user_data result with `price` as given. */
const withPrice = (price: unknown): UserData =>
  Schema.decodeUnknownSync(UserData)({
    login: "team@example.com",
    rates: { limits: { day: null, minute: null }, statistics: { day: null, minute: null } },
    money: { total: 100, balance: 50 },
    price
  })

const failure = (result: Either.Either<Prices.Table, Prices.PricesUnavailableError>) =>
  Either.match(result, { onLeft: (error) => ({ path: error.path, reason: error.reason }), onRight: () => undefined })

describe("Prices.estimate", () => {
  it("estimates a task's cost from priority, depth pages, operators and rectangles", () => {
    const estimate = <T>(engine: TaskSide<T>, task: T) =>
      Prices.estimate(engine, task, Either.getOrThrow(engine.encodeTask(task)), Prices.standard)
    expect(estimate(NaverOrganic.engine, { keyword: "a" })).toBeCloseTo(0.0006)
    expect(estimate(NaverOrganic.engine, { keyword: "a", priority: "high" })).toBeCloseTo(0.0012)
    expect(estimate(NaverOrganic.engine, { keyword: "a", depth: 45 })).toBeCloseTo(0.0006 * (1 + 2 * 0.75))
    const google = (keyword: string) => ({ keyword, location_code: 2840, language_code: "en" })
    expect(estimate(GoogleOrganic.engine, google("site:example.com"))).toBeCloseTo(0.0006 * 5)
    expect(estimate(GoogleOrganic.engine, { ...google("a"), calculate_rectangles: true })).toBeCloseTo(0.0012)
  })
})

describe("Prices.fromUserData", () => {
  it("reads the task_post prices by priority, as DataForSEO's models list them (cost_type, cost)", () => {
    expect(fixture === undefined ? undefined : Prices.fromUserData(fixture)).toStrictEqual(
      Either.right({ normal: 0.0006, high: 0.0012, extraPageFactor: 0.75 })
    )
  })

  it("also reads entries named as the user_data page words them (price_type, price), lists or not", () => {
    const user = withPrice({
      serp: {
        task_post: {
          priority_normal: { price_type: "per_result", price: 0.001 },
          priority_high: [{ price_type: "per_result", price: 0.002 }]
        }
      }
    })
    expect(Prices.fromUserData(user, { normal: 1, high: 1, extraPageFactor: 0.5 })).toStrictEqual(
      Either.right({ normal: 0.001, high: 0.002, extraPageFactor: 0.5 })
    )
  })

  it("takes the first entry of a list that has a price", () => {
    const user = withPrice({
      serp: {
        task_post: {
          priority_normal: [{ cost_type: "per_result", cost: null }, { cost_type: "per_result", cost: 0.0007 }],
          priority_high: [{ cost_type: "per_result", cost: 0.0014 }]
        }
      }
    })
    expect(Either.map(Prices.fromUserData(user), (table) => table.normal)).toStrictEqual(Either.right(0.0007))
  })

  it("names what is missing or not a price instead of guessing", () => {
    const normal = [{ cost_type: "per_result", cost: 0.0006 }]
    expect(failure(Prices.fromUserData(withPrice(null)))).toMatchObject({ path: "price.serp" })
    expect(failure(Prices.fromUserData(withPrice({ serp: { task_post: { priority_normal: normal } } })))).toMatchObject(
      {
        path: "price.serp.task_post.priority_high"
      }
    )
    expect(
      failure(
        Prices.fromUserData(
          withPrice({
            serp: { task_post: { priority_normal: normal, priority_high: [{ cost_type: "per_result", cost: -1 }] } }
          })
        )
      )
    ).toMatchObject({ path: "price.serp.task_post.priority_high" })
    expect(
      failure(Prices.fromUserData(withPrice({ serp: { task_post: { priority_normal: [], priority_high: normal } } })))
    ).toMatchObject({ path: "price.serp.task_post.priority_normal" })
  })
})

describe("Prices.fromAccount", () => {
  const account = (sandbox: Parameters<typeof Sandbox.layer>[0]) =>
    DataForSeoClient.layerBasic.pipe(
      Layer.provideMerge(
        DataForSeoConfig.layer({
          login: "sandbox",
          password: Redacted.make("sandbox"),
          baseUrl: Sandbox.inProcessBaseUrl
        })
      ),
      Layer.provideMerge(Sandbox.layer(sandbox))
    )

  it.effect("reads the account's prices from GET /v3/appendix/user_data", () =>
    Effect.gen(function*() {
      expect(yield* Prices.fromAccount()).toStrictEqual({ normal: 0.01, high: 0.03, extraPageFactor: 0.75 })
      expect(yield* Effect.flatMap(Sandbox.Emulator, (emulator) => emulator.stats)).toMatchObject({
        calls: { user_data: { calls: 1 } }
      })
    }).pipe(Effect.provide(account({ prices: { normal: 0.01, high: 0.03, extraPageFactor: 0.5 } }))))

  it.effect("a user_data call that fails is the error of the call", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Prices.fromAccount())
      expect(error._tag).toBe("AuthError")
    }).pipe(Effect.provide(account({ accounts: [{ login: "other", password: "other", balance: 100 }] }))))
})
