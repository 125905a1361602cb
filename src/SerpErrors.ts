/**
 * `POST /v3/serp/errors`: SERP tasks that failed in the last days, most usefully the failed pingback and
 * postback deliveries (`filtered_function: "pingback_url"` / `"postback_url"`). Free.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ApiDateTime } from "./IdList.js"
import { nullable, open } from "./SerpCommon.js"

/** The body of one errors task (the API takes an array of them). */
export const SerpErrorsRequest = Schema.Struct({
  /** Errors per response, 1 to 1,000. */
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { exact: true }),
  offset: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  /** Only errors of this function, e.g. `"pingback_url"`, `"postback_url"`, `"serp/task_post"`. */
  filtered_function: Schema.optionalWith(Schema.String, { exact: true }),
  datetime_from: Schema.optionalWith(ApiDateTime, { exact: true }),
  datetime_to: Schema.optionalWith(ApiDateTime, { exact: true })
})
/** @see SerpErrorsRequest */
export type SerpErrorsRequest = typeof SerpErrorsRequest.Type

/** One failed task. For webhook failures the `http_*` fields describe the call to your server. */
export const SerpErrorItem = open({
  id: Schema.String,
  datetime: nullable(Schema.String),
  /** The failed function, e.g. `"pingback_url"`. */
  function: nullable(Schema.String),
  error_code: nullable(Schema.Number),
  error_message: nullable(Schema.String),
  /** The URL that was called. */
  http_url: nullable(Schema.String),
  http_method: nullable(Schema.String),
  /** Your server's HTTP status (`0` when it did not answer). */
  http_code: nullable(Schema.Number),
  /** Your server's response time, seconds. */
  http_time: nullable(Schema.Number),
  /** Your server's response body. */
  http_response: nullable(Schema.String)
})
/** @see SerpErrorItem */
export type SerpErrorItem = typeof SerpErrorItem.Type
