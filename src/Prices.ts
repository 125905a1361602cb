/**
 * What a task costs: the price table the batcher's budget works from, a task's estimated cost, and the
 * account's own table read from `GET /v3/appendix/user_data`.
 *
 * The estimate follows the reference's billing rules (§8): the base price by priority covers the first
 * page of results, each further page costs `extraPageFactor` of it, `calculate_rectangles` adds one base
 * price, and the engine's operator multiplier (search operators ×5) applies to the whole. What the API
 * then charges is what the batcher's running total uses.
 *
 * @example
 * // the account's own prices, for the budget of one run
 * const prices = yield* Prices.fromAccount()
 * const batcher = TaskBatcher.layer({ budget: 5, prices })
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DataForSeoClient } from "./DataForSeoClient.js"
import { type DataForSeoError, PricesUnavailableError } from "./DataForSeoError.js"
import type { TaskJson, TaskSide } from "./Engine.js"
import * as Envelope from "./Envelope.js"
import { entryCost, PriceTree, UserData } from "./UserData.js"

/** The account's prices could not be read from its user_data. Declared with the library's other errors. */
export { PricesUnavailableError }

/** Base prices in USD per task, by priority, and the factor of each page after the first. */
export interface Table {
  readonly normal: number
  readonly high: number
  readonly extraPageFactor: number
}

/** The standard SERP prices since 2025-09-19 (reference §8). */
export const standard: Table = { normal: 0.0006, high: 0.0012, extraPageFactor: 0.75 }

/** Estimated cost of one task from its JSON: base price by priority, extra pages, operators, rectangles. */
export const estimate = <Task>(engine: TaskSide<Task>, task: Task, json: TaskJson, table: Table): number => {
  const base = json["priority"] === 2 ? table.high : table.normal
  const depth = typeof json["depth"] === "number" ? json["depth"] : engine.defaultDepth
  const pages = Math.max(1, Math.ceil(depth / engine.resultsPerPage))
  const rectangles = json["calculate_rectangles"] === true ? 1 : 0
  return base * (1 + (pages - 1) * table.extraPageFactor + rectangles) * engine.costMultiplier(task)
}

/** Where user_data keeps the price of a SERP task_post at each priority (under `price`). */
const TaskPostPrices = Schema.Struct({
  serp: Schema.Struct({
    task_post: Schema.Struct({ priority_normal: PriceTree, priority_high: PriceTree })
  })
})

/** The first USD amount of a price node: an entry, or the first entry of a list that has one. */
const firstCost = (node: PriceTree): number | undefined => {
  if (!Array.isArray(node)) return entryCost(node)
  for (const item of node) {
    const cost = firstCost(item)
    if (cost !== undefined) return cost
  }
  return undefined
}

/**
 * The account's task_post prices, from a user_data result: `price.serp.task_post.priority_normal` and
 * `priority_high` (the first entry of each), taken as the base price of a task's first page. user_data
 * lists no price for further pages: `extraPageFactor` comes from `fallback`.
 */
export const fromUserData = (
  user: UserData,
  fallback: Table = standard
): Either.Either<Table, PricesUnavailableError> =>
  Either.flatMap(
    Either.mapLeft(Schema.decodeUnknownEither(TaskPostPrices)(user.price ?? {}), (error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      return new PricesUnavailableError({
        path: ["price", ...(issue?.path ?? [])].join("."),
        reason: issue?.message ?? error.message
      })
    }),
    ({ serp: { task_post } }) => {
      const priceOf = (priority: "priority_normal" | "priority_high") => {
        const cost = firstCost(task_post[priority])
        return cost !== undefined && Number.isFinite(cost) && cost >= 0
          ? Either.right(cost)
          : Either.left(
            new PricesUnavailableError({
              path: `price.serp.task_post.${priority}`,
              reason: `no price in ${JSON.stringify(task_post[priority])}`
            })
          )
      }
      return Either.map(
        Either.all({ normal: priceOf("priority_normal"), high: priceOf("priority_high") }),
        ({ high, normal }): Table => ({ normal, high, extraPageFactor: fallback.extraPageFactor })
      )
    }
  )

/** The account's task_post prices (`fromUserData`), read from `GET /v3/appendix/user_data` (free). */
export const fromAccount = (
  fallback: Table = standard
): Effect.Effect<Table, DataForSeoError | PricesUnavailableError, DataForSeoClient> =>
  Effect.gen(function*() {
    const client = yield* DataForSeoClient
    const reply = yield* client.get("/v3/appendix/user_data", UserData, { retry: "transient" })
    return yield* fromUserData(yield* Envelope.firstResult(reply), fallback)
  })
