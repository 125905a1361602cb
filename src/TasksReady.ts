/**
 * `GET /v3/serp/{se}/organic/tasks_ready` and the all-engine `GET /v3/serp/tasks_ready`: completed tasks
 * not yet collected (at most 1,000 a call, from the last 3 days). `tasks_fixed` lists re-parsed tasks in
 * the same shape.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open } from "./SerpCommon.js"

/**
 * One ready task. Only `id` is required: it is what a caller fetches the result by. The `endpoint_*` values
 * are `/v3/...` paths, `null` where the engine has no such format.
 */
export const TasksReadyItem = open({
  id: Schema.String,
  /** e.g. `"naver"`, `"google"`. */
  se: nullable(Schema.String),
  /** e.g. `"organic"`. */
  se_type: nullable(Schema.String),
  /** When the task was posted, `"yyyy-mm-dd hh:mm:ss +00:00"`. */
  date_posted: nullable(Schema.String),
  /** The task's `tag`, `null` or absent when it was posted without one. */
  tag: nullable(Schema.String),
  endpoint_regular: nullable(Schema.String),
  endpoint_advanced: nullable(Schema.String),
  endpoint_html: nullable(Schema.String)
})
/** @see TasksReadyItem */
export type TasksReadyItem = typeof TasksReadyItem.Type
