/**
 * The result of task_get/html, shared by every engine: the raw HTML of each crawled SERP page.
 * Available for 7 days after the task completes (JSON results: 30 days).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open } from "./SerpCommon.js"

/** One crawled SERP page: its number, when it was scanned, and its raw HTML. */
export const HtmlPage = open({
  page: Schema.Number,
  /** Scan time, `"yyyy-mm-dd hh:mm:ss +00:00"`. */
  date: nullable(Schema.String),
  html: Schema.String
})
/** @see HtmlPage */
export type HtmlPage = typeof HtmlPage.Type

/** One element of `tasks[i].result[]` of `GET /v3/serp/{se}/organic/task_get/html/{id}`. */
export const HtmlResult = open({
  keyword: Schema.String,
  type: Schema.String,
  se_domain: Schema.String,
  location_code: Schema.Number,
  language_code: Schema.String,
  datetime: Schema.String,
  items_count: Schema.NullOr(Schema.Number),
  /** `null` when no page was crawled, as the API sends it. */
  items: Schema.NullOr(Schema.Array(HtmlPage))
})
/** @see HtmlResult */
export type HtmlResult = typeof HtmlResult.Type
/** The JSON of an `HtmlResult`, as the API sends it. */
export type HtmlResultEncoded = typeof HtmlResult.Encoded
