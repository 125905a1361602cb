/**
 * An engine is data: one search engine and search type (`naver/organic`, `google/organic`), with its
 * endpoint paths, its task_post request schema and its result schemas. Every service of the library
 * (client, batcher, poller, sandbox) works from this description, so adding an engine is one new module
 * that exports an `Engine` value, and no change elsewhere.
 *
 * @since 0.1.0
 */
import type * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import type { InvalidTaskError } from "./DataForSeoError.js"

/** The three result formats of task_get. */
export type ResultFormat = "regular" | "advanced" | "html"

/** The JSON object of one task as the API receives it in a task_post body. */
export type TaskJson = { readonly [key: string]: unknown }

/** Endpoint paths of an engine, all starting with `/v3/`. */
export interface EnginePaths {
  /** `POST`: up to 100 tasks a call. */
  readonly taskPost: string
  /** `GET`: ids of completed, not yet collected tasks of this engine. */
  readonly tasksReady: string
  /** `GET`: the result of one task in one format. */
  readonly taskGet: (format: ResultFormat, id: string) => string
  /** `POST`: live endpoints (one task a call, result in the reply), when the engine has them. */
  readonly live?: { readonly regular: string; readonly advanced: string; readonly html?: string } | undefined
}

/**
 * The standard-method paths every SERP engine has, by DataForSEO's convention
 * `/v3/serp/{se}/{se_type}/...`: task_post, tasks_ready and task_get in each format.
 */
export const standardPaths = (se: string, seType: string): EnginePaths => {
  const base = `/v3/serp/${se}/${seType}`
  return {
    taskPost: `${base}/task_post`,
    tasksReady: `${base}/tasks_ready`,
    taskGet: (format, id) => `${base}/task_get/${format}/${id}`
  }
}

/**
 * The description of one engine and search type.
 *
 * `Task` is the type a caller writes (`priority: "high"`, the keyword as typed); its schema encodes it
 * to the exact JSON the API documents (`priority: 2`, `%` and `+` percent-encoded) and decodes that JSON
 * back. `encodeTask` / `decodeTask` apply every documented rule and name the broken field on failure.
 */
export interface Engine<Task = unknown, Regular = unknown, Advanced = unknown, Html = unknown> {
  /** Unique key, `"{se}/{se_type}"`, e.g. `"naver/organic"`. */
  readonly name: string
  /** The `se` value the API echoes in `data` and tasks_ready, e.g. `"naver"`. */
  readonly se: string
  /** The `se_type` value, e.g. `"organic"`. */
  readonly seType: string
  readonly paths: EnginePaths
  /** Depth the API uses when the task sets none (Naver 15, Google 10). */
  readonly defaultDepth: number
  /** Results covered by one billed SERP page (Naver 15, Google 10). */
  readonly resultsPerPage: number
  /** The task_post request schema: decoded = what the caller writes, encoded = the API's JSON. */
  readonly Task: Schema.Schema<Task, TaskJson>
  /** task_get/regular `result[]` element. */
  // the encoded side is each engine's own, and Schema is invariant in it
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly RegularResult: Schema.Schema<Regular, any>
  /** task_get/advanced `result[]` element. */
  // the encoded side is each engine's own, and Schema is invariant in it
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly AdvancedResult: Schema.Schema<Advanced, any>
  /** task_get/html `result[]` element. */
  // the encoded side is each engine's own, and Schema is invariant in it
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly HtmlResult: Schema.Schema<Html, any>
  /** Validates a task against every documented rule and encodes it to the API's JSON. */
  readonly encodeTask: (task: Task) => Either.Either<TaskJson, InvalidTaskError>
  /** Decodes and validates a task from the API's JSON (what the sandbox receives). */
  readonly decodeTask: (json: unknown) => Either.Either<Task, InvalidTaskError>
  /** Price multiplier from the task's content (Google search operators cost five times the base). */
  readonly costMultiplier: (task: Task) => number
}

/** Any engine, whatever its types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEngine = Engine<any, any, any, any>

/**
 * The task side of an engine: what posting needs, whatever the result types. Every `Engine<Task, ...>`
 * is one, so services that only post (the batcher) accept any engine for its `Task` type.
 */
export type TaskSide<Task> = Pick<
  Engine<Task>,
  "name" | "se" | "seType" | "paths" | "defaultDepth" | "resultsPerPage" | "encodeTask" | "costMultiplier"
>
