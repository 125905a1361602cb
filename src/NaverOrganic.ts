/**
 * Naver organic SERP (`/v3/serp/naver/organic/...`): the task_post request schema, the endpoint paths and
 * the result schemas, gathered in {@link engine}.
 *
 * Naver results do not vary by location or language, so a Naver task has no location / language fields.
 *
 * @example
 * import { NaverOrganic } from "effect-dataforseo"
 *
 * const task = NaverOrganic.task({ keyword: "albert einstein", priority: "high", device: "mobile", os: "ios" })
 * NaverOrganic.engine.encodeTask(task)
 * // Either.right({ keyword: "albert einstein", priority: 2, device: "mobile", os: "ios" })
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { type Engine, type EnginePaths, standardPaths } from "./Engine.js"
import { HtmlResult } from "./HtmlResult.js"
import { NaverAdvancedResult, NaverRegularResult } from "./NaverResults.js"
import * as TaskOptions from "./TaskOptions.js"

export { HtmlResult } from "./HtmlResult.js"
export { NaverAdvancedResult as AdvancedResult, NaverRegularResult as RegularResult } from "./NaverResults.js"

/** The endpoint paths of Naver organic (Naver has no live endpoints). */
export const paths: EnginePaths = standardPaths("naver", "organic")

const codec = TaskOptions.codec(
  Schema.Struct(TaskOptions.fields).pipe(
    Schema.filter((task) => TaskOptions.brokenRules(task, TaskOptions.sharedRules)),
    Schema.annotations({ identifier: "NaverOrganicTask" })
  )
)

/**
 * One Naver organic task_post task. Decoded: what a caller writes (`priority: "high"`, the keyword as
 * meant); encoded: the API's JSON (`priority: 2`, `%` and `+` in the keyword percent-encoded).
 */
export const Task = codec.Task

/** One Naver organic task, as a caller writes it. */
export type Task = Schema.Schema.Type<typeof Task>

/** Types a Naver task literal (a misspelt field or a bad value does not compile). No validation is done here. */
export const task = (task: Task): Task => task

const { decodeTask, encodeTask } = codec

/** The Naver organic engine: paths, schemas, and the task rules. */
export const engine: Engine<
  Task,
  Schema.Schema.Type<typeof NaverRegularResult>,
  Schema.Schema.Type<typeof NaverAdvancedResult>,
  Schema.Schema.Type<typeof HtmlResult>
> = {
  name: "naver/organic",
  se: "naver",
  seType: "organic",
  paths,
  defaultDepth: 15,
  resultsPerPage: 15,
  Task,
  RegularResult: NaverRegularResult,
  AdvancedResult: NaverAdvancedResult,
  HtmlResult,
  encodeTask,
  decodeTask,
  costMultiplier: () => 1
}
