/**
 * Google organic SERP (`/v3/serp/google/organic/...`): the task_post request schema, the endpoint paths
 * (standard and live) and the result schemas, gathered in {@link engine}.
 *
 * A Google task names exactly one location (`location_name`, `location_code` or `location_coordinate`) and
 * exactly one language (`language_name` or `language_code`), unless it gives a direct search `url`.
 *
 * @example
 * import { GoogleOrganic } from "effect-dataforseo"
 *
 * const task = GoogleOrganic.task({ keyword: "site:effect.website schema", location_code: 2840, language_code: "en" })
 * GoogleOrganic.engine.encodeTask(task)
 * // Either.right({ keyword: "site:effect.website schema", location_code: 2840, language_code: "en" })
 * GoogleOrganic.engine.costMultiplier(task) // 5: search operators cost five times the base price
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { type Engine, type EnginePaths, standardPaths } from "./Engine.js"
import { GoogleAdvancedResult, GoogleRegularResult } from "./GoogleResults.js"
import { HtmlResult } from "./HtmlResult.js"
import * as Keyword from "./Keyword.js"
import * as TaskOptions from "./TaskOptions.js"

export { GoogleAdvancedResult as AdvancedResult, GoogleRegularResult as RegularResult } from "./GoogleResults.js"
export { HtmlResult } from "./HtmlResult.js"

const live = "/v3/serp/google/organic/live"

/** The endpoint paths of Google organic, live endpoints included. */
export const paths: EnginePaths = {
  ...standardPaths("google", "organic"),
  live: { regular: `${live}/regular`, advanced: `${live}/advanced`, html: `${live}/html` }
}

/** Search operators that multiply the price of a task by five. */
export const pricedOperators = [
  "allinanchor",
  "allintext",
  "allintitle",
  "allinurl",
  "define",
  "filetype",
  "id",
  "inanchor",
  "info",
  "intext",
  "intitle",
  "inurl",
  "link",
  "site"
] as const

/** An operator at the start of a word of the searched text, e.g. `site:` in `"-site:example.com foo"`. */
const operatorPattern = (names: ReadonlyArray<string>): RegExp =>
  new RegExp(`(?:^|[^\\p{L}\\p{N}_])(?:${names.join("|")}):`, "iu")

const pricedOperator = operatorPattern(pricedOperators)
const cacheOperator = operatorPattern(["cache"])

/** True when the keyword uses one of {@link pricedOperators} (read on the text the API searches). */
export const usesPricedOperator = (keyword: Keyword.Keyword): boolean =>
  pricedOperator.test(Keyword.searchText(keyword))

/** `keyword`: the shared keyword rules, and no `cache:` operator (the API refuses it). */
export const GoogleKeyword = Keyword.Keyword.pipe(
  Schema.filter((keyword) =>
    cacheOperator.test(Keyword.searchText(keyword)) ? "must not use the cache: operator (the API refuses it)" : true
  )
)

const decimal = (maxDecimals: number) => `-?\\d+(?:\\.\\d{1,${maxDecimals}})?`
const coordinatePattern = new RegExp(`^(${decimal(7)}),(${decimal(7)}),(\\d+(?:\\.\\d+)?)$`)

const isCoordinate = (text: string): boolean => {
  const match = coordinatePattern.exec(text)
  if (match === null) return false
  const [latitude, longitude, radius] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 && radius >= 199.9 && radius <= 199999
}

/** Formats a number with at most `decimals` decimals, without trailing zeros. */
const fixed = (value: number, decimals: number): string => String(Number(value.toFixed(decimals)))

/**
 * `location_coordinate`: `"latitude,longitude,radius"`, latitude −90..90 and longitude −180..180 with at
 * most 7 decimals, radius 199.9..199999.
 *
 * @example
 * "53.476225,-2.243572,200"
 */
export const LocationCoordinate = Schema.String.pipe(
  Schema.filter(isCoordinate, {
    ...TaskOptions.rule(
      `must be "latitude,longitude,radius": latitude -90..90 and longitude -180..180 with at most 7 decimals, ` +
        "radius 199.9..199999"
    ),
    arbitrary: () => (fc) =>
      fc
        .tuple(
          fc.integer({ min: -900_000_000, max: 900_000_000 }),
          fc.integer({ min: -1_800_000_000, max: 1_800_000_000 }),
          fc.integer({ min: 1999, max: 1_999_990 })
        )
        .map(([lat, lng, radius]) => `${fixed(lat / 1e7, 7)},${fixed(lng / 1e7, 7)},${fixed(radius / 10, 1)}`)
  })
)

const NonEmpty = Schema.NonEmptyString.annotations(TaskOptions.rule("must be a non-empty string"))
const Flag = Schema.Boolean.annotations(TaskOptions.rule("must be true or false"))

/** `find_targets_in` / `ignore_targets_in`: SERP element types such as `"organic"` or `"local_pack"`. */
export const ElementTypes = Schema.Array(NonEmpty).pipe(
  Schema.filter((types) => types.length >= 1 || "must name at least one element type")
)

/** `target_search_mode`: stop at the first matching target (`"any"`, the default) or once all have matched. */
export const TargetSearchMode = Schema.Literal("any", "all").annotations(TaskOptions.rule(`must be "any" or "all"`))

/** `remove_from_url`: up to 10 URL parameters stripped from the result URLs. */
export const RemoveFromUrl = Schema.Array(NonEmpty).pipe(
  Schema.filter((names) => names.length <= 10 || `must hold at most 10 parameters, got ${names.length}`)
)

/** The Google-only task_post fields. */
export const googleFields = {
  keyword: GoogleKeyword,
  location_name: TaskOptions.optional(NonEmpty),
  location_code: TaskOptions.optional(
    Schema.Int.pipe(Schema.positive(TaskOptions.rule("must be a positive integer, e.g. 2840")))
  ),
  location_coordinate: TaskOptions.optional(LocationCoordinate),
  language_name: TaskOptions.optional(NonEmpty),
  language_code: TaskOptions.optional(NonEmpty),
  group_organic_results: TaskOptions.optional(Flag),
  calculate_rectangles: TaskOptions.optional(Flag),
  browser_screen_width: TaskOptions.optional(TaskOptions.intBetween(240, 9999)),
  browser_screen_height: TaskOptions.optional(TaskOptions.intBetween(240, 9999)),
  browser_screen_resolution_ratio: TaskOptions.optional(
    Schema.Number.pipe(Schema.between(0.5, 3, TaskOptions.rule("must be a number from 0.5 to 3")))
  ),
  people_also_ask_click_depth: TaskOptions.optional(TaskOptions.intBetween(1, 4)),
  load_async_ai_overview: TaskOptions.optional(Flag),
  expand_ai_overview: TaskOptions.optional(Flag),
  remove_from_url: TaskOptions.optional(RemoveFromUrl),
  target_search_mode: TaskOptions.optional(TargetSearchMode),
  find_targets_in: TaskOptions.optional(ElementTypes),
  ignore_targets_in: TaskOptions.optional(ElementTypes)
}

/** The fields the Google cross-field rules read. */
type RuleFields = Partial<Record<keyof typeof googleFields | "url" | "stop_crawl_on_match", unknown>>

/**
 * At most one of `names` is set, and one is required unless `url` is given. The second field set is blamed
 * when there are several, `missing` when there is none.
 */
const exactlyOne =
  (names: ReadonlyArray<keyof RuleFields>, missing: keyof RuleFields): TaskOptions.CrossFieldRule<RuleFields> =>
  (task) => {
    const set = names.filter((name) => task[name] !== undefined)
    const list = names.join(", ")
    return set.length > 1
      ? { path: [set[1] ?? missing], message: `only one of ${list} may be set` }
      : set.length === 0 && task.url === undefined
      ? { path: [missing], message: `one of ${list} is required (unless url is set)` }
      : undefined
  }

const browserFields = ["browser_screen_width", "browser_screen_height", "browser_screen_resolution_ratio"] as const
const targetOptions = ["target_search_mode", "find_targets_in", "ignore_targets_in"] as const

/** The Google rules that span several fields. */
export const googleRules: ReadonlyArray<TaskOptions.CrossFieldRule<RuleFields>> = [
  exactlyOne(["location_name", "location_code", "location_coordinate"], "location_code"),
  exactlyOne(["language_name", "language_code"], "language_code"),
  (task) => {
    const field = browserFields.find((name) => task[name] !== undefined)
    return field !== undefined && task.calculate_rectangles !== true
      ? { path: [field], message: "is only allowed with calculate_rectangles: true" }
      : undefined
  },
  (task) => {
    const field = targetOptions.find((name) => task[name] !== undefined)
    return field !== undefined && task.stop_crawl_on_match === undefined
      ? { path: [field], message: "is only allowed with stop_crawl_on_match" }
      : undefined
  },
  (task) =>
    task.find_targets_in !== undefined && task.ignore_targets_in !== undefined
      ? { path: ["ignore_targets_in"], message: "cannot be set together with find_targets_in" }
      : undefined
]

const TaskFields = Schema.Struct({ ...TaskOptions.fields, ...googleFields })

// checked for every task posted: one list, one pass
const allRules: ReadonlyArray<TaskOptions.CrossFieldRule<typeof TaskFields.Type>> = [
  ...TaskOptions.sharedRules,
  ...googleRules
]

const codec = TaskOptions.codec(
  TaskFields.pipe(
    Schema.filter((task) => TaskOptions.brokenRules(task, allRules)),
    Schema.annotations({ identifier: "GoogleOrganicTask" })
  )
)

/**
 * One Google organic task_post task. Decoded: what a caller writes (`priority: "high"`, the keyword as
 * meant); encoded: the API's JSON (`priority: 2`, `%` and `+` in the keyword percent-encoded).
 */
export const Task = codec.Task

/** One Google organic task, as a caller writes it. */
export type Task = Schema.Schema.Type<typeof Task>

/** Types a Google task literal (a misspelt field or a bad value does not compile). No validation is done here. */
export const task = (task: Task): Task => task

const { decodeTask, encodeTask } = codec

/** The Google organic engine: paths (live included), schemas, task rules, and the operator price rule. */
export const engine: Engine<
  Task,
  Schema.Schema.Type<typeof GoogleRegularResult>,
  Schema.Schema.Type<typeof GoogleAdvancedResult>,
  Schema.Schema.Type<typeof HtmlResult>
> = {
  name: "google/organic",
  se: "google",
  seType: "organic",
  paths,
  defaultDepth: 10,
  resultsPerPage: 10,
  Task,
  RegularResult: GoogleRegularResult,
  AdvancedResult: GoogleAdvancedResult,
  HtmlResult,
  encodeTask,
  decodeTask,
  costMultiplier: (task) => (usesPricedOperator(task.keyword) ? 5 : 1)
}
