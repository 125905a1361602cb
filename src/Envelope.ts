/**
 * The envelope every DataForSEO reply comes in: request-level status at the top, one entry per task in
 * `tasks[]`, each with its own status and its `result[]`. Generic over the schema of one result element,
 * so the same envelope decodes a task_post reply (`result: null`), a tasks_ready list or an advanced SERP.
 *
 * @example
 * import { Envelope } from "effect-dataforseo"
 * import * as Schema from "effect/Schema"
 *
 * const Reply = Envelope.Envelope(Schema.Unknown)
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The echo of the posted parameters (`tasks[i].data`): `api`, `function`, `se`, `se_type`, the task's fields,
 * `tag`. Any JSON object, kept as it came: checking its shape is O(1), whatever its size.
 */
export const TaskData = Schema.declare(
  (input: unknown): input is { readonly [key: string]: unknown } =>
    typeof input === "object" && input !== null && !Array.isArray(input),
  { identifier: "TaskData", description: "a JSON object" }
)

/** One entry of `tasks[]`, generic over the schema of one `result[]` element. */
export const Task = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    id: Schema.String,
    status_code: Schema.Number,
    status_message: Schema.String,
    time: Schema.optional(Schema.NullOr(Schema.String)),
    cost: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    result_count: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    path: Schema.optionalWith(Schema.Array(Schema.String), { nullable: true, default: () => [] }),
    data: Schema.optional(Schema.NullOr(TaskData)),
    result: Schema.optionalWith(Schema.NullOr(Schema.Array(result)), { default: () => null })
  })

/** The type of one decoded `tasks[i]` whose results are `A`. */
export interface Task<A> {
  readonly id: string
  readonly status_code: number
  readonly status_message: string
  readonly time?: string | null | undefined
  readonly cost: number
  readonly result_count: number
  readonly path: ReadonlyArray<string>
  readonly data?: { readonly [key: string]: unknown } | null | undefined
  readonly result: ReadonlyArray<A> | null
}

/** The whole reply, generic over the schema of one `result[]` element. `tasks: null` decodes as `[]`. */
export const Envelope = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    version: Schema.String,
    status_code: Schema.Number,
    status_message: Schema.String,
    time: Schema.optional(Schema.NullOr(Schema.String)),
    cost: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks_count: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks_error: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks: Schema.optionalWith(Schema.Array(Task(result)), { nullable: true, default: () => [] })
  })

/** The type of a decoded reply whose results are `A`. */
export interface Envelope<A> {
  readonly version: string
  readonly status_code: number
  readonly status_message: string
  readonly time?: string | null | undefined
  readonly cost: number
  readonly tasks_count: number
  readonly tasks_error: number
  readonly tasks: ReadonlyArray<Task<A>>
}

/** Only the request-level status of a reply, for reading the code out of an error body whatever its tasks hold. */
export const Status = Schema.Struct({
  status_code: Schema.Number,
  status_message: Schema.String
})
