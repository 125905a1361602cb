/**
 * `GET /v3/appendix/user_data`: the account's limits, spending and prices. The way to learn the real
 * per-minute limits of each function (`rates.limits.minute.serp.task_post`, ...) instead of assuming the
 * documented defaults. Free.
 *
 * The limit, statistics and price tables are nested by API, then function, then (for some) format or
 * priority, and grow as DataForSEO adds functions: they are typed as nested records, not fixed structs.
 *
 * Only `login` is required. Every table may be absent or `null`: a reply that lacks one still decodes.
 *
 * @example
 * const minute = userData.rates?.limits?.minute
 * const serp = typeof minute === "object" && minute !== null ? minute["serp"] : undefined
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open } from "./SerpCommon.js"

/**
 * A number, or a record of these, to any depth: `{ serp: { task_post: 2000, task_get: { regular: 2000 } } }`.
 */
export type NumberTree = number | null | { readonly [key: string]: NumberTree }

/** The schema of a `NumberTree`. */
export const NumberTree: Schema.Schema<NumberTree> = Schema.Union(
  Schema.Number,
  Schema.Null,
  Schema.Record({ key: Schema.String, value: Schema.suspend((): Schema.Schema<NumberTree> => NumberTree) })
)

/** Per-day and per-minute tables. */
export const DayMinute = open({
  day: nullable(NumberTree),
  minute: nullable(NumberTree)
})
/** @see DayMinute */
export type DayMinute = typeof DayMinute.Type

/** Call limits and the calls made, per API and function. */
export const Rates = open({
  limits: nullable(DayMinute),
  statistics: nullable(DayMinute)
})
/** @see Rates */
export type Rates = typeof Rates.Type

/** Money: `total` deposited, `balance` left (USD), the cost limits and the spending. */
export const Money = open({
  total: nullable(Schema.Number),
  balance: nullable(Schema.Number),
  limits: nullable(DayMinute),
  statistics: nullable(DayMinute)
})
/** @see Money */
export type Money = typeof Money.Type

/**
 * The price of one function at one priority, as DataForSEO's OpenAPI models name it (the official
 * clients' `AppendixPriorityTasksReadyKeywordsDataPriceDataInfo`): `cost_type` (`"per_result"`,
 * `"per_request"`, ...) and `cost` (USD). Both keys are required: they tell an entry from a level of the
 * `PriceTree`. Under `serp.task_post` the entries come in lists by priority:
 * `{ priority_normal: [{ cost_type, cost }], priority_high: [...] }`.
 */
export const CostEntry = open({
  cost_type: Schema.NullOr(Schema.String),
  cost: Schema.NullOr(Schema.Number)
})
/** @see CostEntry */
export type CostEntry = typeof CostEntry.Type

/** The same entry as the user_data page words it: `price_type` and `price` (USD). Both keys are required. */
export const PriceEntry = open({
  price_type: Schema.NullOr(Schema.String),
  price: Schema.NullOr(Schema.Number)
})
/** @see PriceEntry */
export type PriceEntry = typeof PriceEntry.Type

/** A price entry, or a list or record of these, to any depth (API → function → priority). */
export type PriceTree = CostEntry | PriceEntry | ReadonlyArray<PriceTree> | { readonly [key: string]: PriceTree }

/** The JSON of a `PriceTree`. */
export type PriceTreeEncoded =
  | typeof CostEntry.Encoded
  | typeof PriceEntry.Encoded
  | ReadonlyArray<PriceTreeEncoded>
  | { readonly [key: string]: PriceTreeEncoded }

const PriceSubtree = Schema.suspend((): Schema.Schema<PriceTree, PriceTreeEncoded> => PriceTree)

/**
 * The schema of a `PriceTree`: an object with `cost_type` and `cost` (or `price_type` and `price`) is an
 * entry, any other object a level.
 */
export const PriceTree: Schema.Schema<PriceTree, PriceTreeEncoded> = Schema.Union(
  CostEntry,
  PriceEntry,
  Schema.Array(PriceSubtree),
  Schema.Record({ key: Schema.String, value: PriceSubtree })
)

/** The USD amount of an entry, whichever way it is named; `undefined` for a level or an entry without one. */
export const entryCost = (tree: PriceTree): number | undefined => {
  if (Array.isArray(tree)) return undefined
  const amount = "cost_type" in tree ? tree["cost"] : "price_type" in tree ? tree["price"] : undefined
  return typeof amount === "number" ? amount : undefined
}

/** One element of `tasks[i].result[]` of `GET /v3/appendix/user_data`. */
export const UserData = open({
  login: Schema.String,
  timezone: nullable(Schema.String),
  rates: nullable(Rates),
  money: nullable(Money),
  price: nullable(Schema.Record({ key: Schema.String, value: PriceTree })),
  backlinks_subscription_expiry_date: nullable(Schema.String),
  llm_mentions_subscription_expiry_date: nullable(Schema.String)
})
/** @see UserData */
export type UserData = typeof UserData.Type
