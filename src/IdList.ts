/**
 * `POST /v3/serp/id_list`: every SERP task posted in a time window, completed or not, with its cost and
 * (on request) the parameters it was posted with. The way to reconcile after an ambiguous task_post
 * failure, since the API has no idempotency key. Free.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as ApiDateTimeCodec from "./ApiDateTime.js"
import { nullable, open } from "./SerpCommon.js"

/** @see ApiDateTime.ApiDateTime */
export const ApiDateTime = ApiDateTimeCodec.ApiDateTime
/** @see ApiDateTime.ApiDateTime */
export type ApiDateTime = ApiDateTimeCodec.ApiDateTime

/**
 * Formats a `Date` the way the API expects it in `datetime_from` / `datetime_to` (`ApiDateTime.fromMillis`).
 *
 * @example
 * formatApiDateTime(new Date(Date.UTC(2026, 2, 17, 11, 24, 44))) // "2026-03-17 11:24:44 +00:00"
 */
export const formatApiDateTime = (date: Date): ApiDateTime => ApiDateTimeCodec.fromMillis(date)

/**
 * The body of one id_list task (the API takes an array of them). The window may reach 6 months back
 * (1 month with `include_metadata: true`).
 */
export const IdListRequest = Schema.Struct({
  datetime_from: ApiDateTime,
  datetime_to: ApiDateTime,
  /** Ids per response, at most 1,000 (the API's default when absent: 1,000). */
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { exact: true }),
  offset: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  /** By posting time; `asc` when absent. */
  sort: Schema.optionalWith(Schema.Literal("asc", "desc"), { exact: true }),
  /** Echo each task's posted parameters in `metadata`. */
  include_metadata: Schema.optionalWith(Schema.Boolean, { exact: true })
})
/** @see IdListRequest */
export type IdListRequest = typeof IdListRequest.Type

/** One posted task, as listed by id_list. */
export const IdListItem = open({
  id: Schema.String,
  /** The endpoint the task was posted to, e.g. `https://api.dataforseo.com/v3/serp/naver/organic/task_post`. */
  url: nullable(Schema.String),
  datetime_posted: nullable(Schema.String),
  /** `null` while the task is not done. */
  datetime_done: nullable(Schema.String),
  /** e.g. `"completed"`, `"in queue"`, `"error"`: kept a string. */
  status: nullable(Schema.String),
  cost: nullable(Schema.Number),
  /** The parameters the task was posted with (`include_metadata: true`), `tag` included. */
  metadata: nullable(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
/** @see IdListItem */
export type IdListItem = typeof IdListItem.Type
