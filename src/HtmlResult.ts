/**
 * The result of task_get/html, shared by every engine: the raw HTML of each crawled SERP page.
 * Available for 7 days after the task completes (JSON results: 30 days).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, nullableArray, open } from "./SerpCommon.js"

/** One crawled SERP page: its number, when it was scanned, and its raw HTML. `page` and `html` are required. */
export const HtmlPage = open({
  page: Schema.Number,
  /** Scan time, `"yyyy-mm-dd hh:mm:ss +00:00"`. */
  date: nullable(Schema.String),
  html: Schema.String
})
/** @see HtmlPage */
export type HtmlPage = typeof HtmlPage.Type

/**
 * One element of `tasks[i].result[]` of `GET /v3/serp/{se}/organic/task_get/html/{id}`. The header fields
 * describe the SERP: each may be absent or `null`, as in the regular and advanced results.
 */
export const HtmlResult = open({
  keyword: nullable(Schema.String),
  type: nullable(Schema.String),
  se_domain: nullable(Schema.String),
  location_code: nullable(Schema.Number),
  language_code: nullable(Schema.String),
  datetime: nullable(Schema.String),
  items_count: nullable(Schema.Number),
  /** Absent, or `null` when no page was crawled, as the API sends it. */
  items: nullableArray(HtmlPage)
})
/** @see HtmlResult */
export type HtmlResult = typeof HtmlResult.Type
/** The JSON of an `HtmlResult`, as the API sends it. */
export type HtmlResultEncoded = typeof HtmlResult.Encoded
