/**
 * The task_post fields every SERP engine shares (keyword, priority, depth, device, webhooks, ...), with
 * their documented rules, and how a broken rule becomes an `InvalidTaskError` naming the field.
 *
 * Engine modules (`NaverOrganic`, `GoogleOrganic`) spread {@link fields} into their own `Schema.Struct`,
 * add their engine-specific fields and cross-field rules, and wrap the result with {@link taskSchema}.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { InvalidTaskError } from "./DataForSeoError.js"
import type { TaskJson } from "./Engine.js"
import * as FastEncode from "./internal/fastEncode.js"
import * as Keyword from "./Keyword.js"

/**
 * Annotations that make every failure of a leaf schema (wrong type included) read as one rule.
 *
 * @example
 * const Depth = Schema.Int.pipe(Schema.between(1, 700, rule("must be an integer from 1 to 700")))
 */
export const rule = (message: string) => ({ message: () => ({ message, override: true }) })

/** An integer in `[min, max]`, reported as one rule. */
export const intBetween = (min: number, max: number) =>
  Schema.Int.pipe(Schema.between(min, max, rule(`must be an integer from ${min} to ${max}`)))

/** A string of at most `max` characters (code points), reported as one rule. */
export const stringUpTo = (max: number) =>
  Schema.String.pipe(
    Schema.filter((text) => Keyword.characters(text) <= max, rule(`must be a string of at most ${max} characters`))
  )

/** An optional task field: absent from the JSON when not set (never `undefined`), so the API's default applies. */
export const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** An absolute `http:` or `https:` URL, kept exactly as written. */
export const HttpUrl = Schema.String.pipe(
  Schema.filter((url) => /^https?:\/\//i.test(url) && URL.canParse(url), {
    ...rule("must be an absolute http(s) URL"),
    arbitrary: () => (fc) => fc.webUrl()
  })
)

/** `priority`: `"normal"` / `"high"` in a task, sent as `1` / `2`. High priority costs more and runs sooner. */
export const Priority = Schema.transformLiterals([1, "normal"], [2, "high"]).annotations(
  rule(`must be "normal" or "high" (sent as 1 or 2)`)
)

/** `depth`: number of results to fetch, 1–700 (the API's default is the engine's `defaultDepth`). */
export const Depth = intBetween(1, 700)

/** `max_crawl_pages`: number of SERP pages to crawl, 1–100. Each page is billed. */
export const MaxCrawlPages = intBetween(1, 100)

/** `device`: `"desktop"` (the API's default) or `"mobile"`. */
export const Device = Schema.Literal("desktop", "mobile").annotations(rule(`must be "desktop" or "mobile"`))

/** A `device` value. */
export type Device = Schema.Schema.Type<typeof Device>

/** `os`: `"windows"` / `"macos"` on desktop, `"android"` / `"ios"` on mobile. */
export const Os = Schema.Literal("windows", "macos", "android", "ios").annotations(
  rule(`must be "windows", "macos", "android" or "ios"`)
)

/** An `os` value. */
export type Os = Schema.Schema.Type<typeof Os>

/** The operating systems valid for each device. */
export const osByDevice: { readonly [D in Device]: ReadonlyArray<Os> } = {
  desktop: ["windows", "macos"],
  mobile: ["android", "ios"]
}

const hostLabel = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
const hostName = new RegExp(`^${hostLabel}(?:\\.${hostLabel})+$`, "i")

/** `se_domain`: a host name such as `google.co.uk` or `search.naver.com`, without protocol. */
export const SeDomain = Schema.String.pipe(
  Schema.filter((host) => host.length <= 253 && hostName.test(host), {
    ...rule("must be a host name such as google.co.uk, without protocol"),
    arbitrary: () => (fc) => fc.domain()
  })
)

/** `search_param`: extra search-engine URL parameters, e.g. `"&tbs=qdr:d"`. */
export const SearchParam = Schema.String.annotations(rule("must be a string"))

/** `tag`: the caller's own reference, at most 255 characters, echoed in results and `$tag` webhooks. */
export const Tag = stringUpTo(255)

/**
 * `pingback_url` / `postback_url`: an absolute http(s) URL. The `$id` and `$tag` placeholders are sent as
 * written (never percent-encoded) so that the API can replace them.
 */
export const WebhookUrl = HttpUrl.annotations({
  arbitrary: () => (fc) =>
    fc
      .tuple(fc.webUrl(), fc.constantFrom("", "?id=$id", "?id=$id&tag=$tag"))
      .map(([url, query]) => `${url}${query}`)
})

/** `postback_data`: which result format the postback sends. */
export const PostbackData = Schema.Literal("regular", "advanced", "html").annotations(
  rule(`must be "regular", "advanced" or "html"`)
)

/** `match_type` of a `stop_crawl_on_match` target. */
export const MatchType = Schema.Literal("domain", "with_subdomains", "wildcard").annotations(
  rule(`must be "domain", "with_subdomains" or "wildcard"`)
)

/**
 * One `stop_crawl_on_match` target: crawling stops at the first result that matches. Fields the API does
 * not know are refused here too, whichever schema the target is parsed with.
 */
export const CrawlTarget = Schema.Struct({
  /** A domain without protocol (`dataforseo.com`) or a wildcard pattern (`/blog/post-*`). */
  match_value: Schema.NonEmptyString.annotations(rule("must be a non-empty string")),
  match_type: MatchType
}).annotations({ parseOptions: { onExcessProperty: "error" } })

/** A `stop_crawl_on_match` target. */
export type CrawlTarget = Schema.Schema.Type<typeof CrawlTarget>

/** Most targets in `stop_crawl_on_match`. */
export const maxCrawlTargets = 10

/** `stop_crawl_on_match`: 1 to 10 targets. Every SERP page crawled until a match is billed. */
export const StopCrawlOnMatch = Schema.Array(CrawlTarget).pipe(
  Schema.filter((targets) =>
    targets.length >= 1 && targets.length <= maxCrawlTargets
      ? true
      : `must hold 1 to ${maxCrawlTargets} targets, got ${targets.length}`
  )
)

/** The task_post fields shared by every SERP engine, ready to spread into a `Schema.Struct`. */
export const fields = {
  keyword: Keyword.Keyword,
  url: optional(HttpUrl),
  priority: optional(Priority),
  depth: optional(Depth),
  max_crawl_pages: optional(MaxCrawlPages),
  device: optional(Device),
  os: optional(Os),
  se_domain: optional(SeDomain),
  search_param: optional(SearchParam),
  stop_crawl_on_match: optional(StopCrawlOnMatch),
  tag: optional(Tag),
  postback_url: optional(WebhookUrl),
  postback_data: optional(PostbackData),
  pingback_url: optional(WebhookUrl)
}

/**
 * A rule across several fields of a task: `undefined` when it holds, otherwise the field to blame
 * (`path`) and the rule in words (`message`). Engine modules check them with a struct-level `Schema.filter`.
 */
export type CrossFieldRule<A> = (task: A) => Schema.FilterIssue | undefined

/** The issues of every broken rule, for a struct-level `Schema.filter` (an empty array means valid). */
export const brokenRules = <A>(
  task: A,
  rules: ReadonlyArray<CrossFieldRule<A>>
): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  for (const check of rules) {
    const issue = check(task)
    if (issue !== undefined) issues.push(issue)
  }
  return issues
}

/** `os` must suit `device` (no `device` means desktop). */
export const osMatchesDevice: CrossFieldRule<{ readonly device?: Device; readonly os?: Os }> = ({ device, os }) => {
  const valid = osByDevice[device ?? "desktop"]
  return os === undefined || valid.includes(os)
    ? undefined
    : {
      path: ["os"],
      message: `must be ${valid.map((name) => `"${name}"`).join(" or ")} when device is "${device ?? "desktop"}"${
        device === undefined ? " (the default)" : ""
      }`
    }
}

/** `postback_data` is required with `postback_url`, and means nothing without it. */
export const postbackDataWithUrl: CrossFieldRule<{
  readonly postback_url?: string
  readonly postback_data?: string
}> = ({ postback_data, postback_url }) =>
  postback_url !== undefined && postback_data === undefined
    ? { path: ["postback_data"], message: `is required when postback_url is set ("regular", "advanced" or "html")` }
    : postback_url === undefined && postback_data !== undefined
    ? { path: ["postback_data"], message: "is only allowed together with postback_url" }
    : undefined

/** The rules of {@link fields} that span several fields. */
export const sharedRules = [osMatchesDevice, postbackDataWithUrl] as const

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations(
  rule("must be a JSON object (one task of the task_post array)")
)

/**
 * Turns an engine's task struct into its task_post schema: the encoded side is the task's JSON object,
 * and fields the API does not know are refused (the API answers 40506 for them).
 */
export const taskSchema = <A, I extends TaskJson>(struct: Schema.Schema<A, I>): Schema.Schema<A, TaskJson> =>
  Schema.compose(JsonObject, struct.annotations({ parseOptions: { onExcessProperty: "error" } }), { strict: false })

/** The `field` named when the task itself, not one of its fields, is wrong (e.g. not an object). */
export const wholeTask = "task"

const unknownField = "is not a field of this task (the API answers 40506 for unknown fields)"

/**
 * The first issue of a failed task decode or encode as an `InvalidTaskError`: the dotted path of the field
 * (`stop_crawl_on_match.3.match_type`) and the rule it breaks.
 */
export const toInvalidTaskError = (error: ParseResult.ParseError): InvalidTaskError => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) {
    return new InvalidTaskError({ field: wholeTask, rule: error.message })
  }
  const field = issue.path.length === 0 ? wholeTask : issue.path.map(String).join(".")
  switch (issue._tag) {
    case "Missing":
      return new InvalidTaskError({ field, rule: "is required" })
    case "Unexpected":
      return new InvalidTaskError({ field, rule: unknownField })
    default:
      return new InvalidTaskError({ field, rule: issue.message })
  }
}

/** A field's encode as a function: the encoded value, or `undefined` when the schema would refuse it. */
const fieldEncode = (ast: AST.AST): FastEncode.FastEncode => {
  const fast = FastEncode.get(ast)
  if (fast !== undefined) return fast
  const encode = ParseResult.encodeUnknownEither(Schema.make(ast))
  return (value) => Either.getOrUndefined(encode(value))
}

/**
 * `struct`'s encode without the parser's walk over every field it declares, for a struct of plain fields
 * (under any number of filters): each of the task's own `keys` is encoded alone (by the field's own
 * `FastEncode` when it has one), then the filters run on the task. It gives `undefined` when anything is off
 * (a field unknown, missing or invalid, a broken rule): the schema then encodes the task and names the
 * problem, as it always does. `undefined` for a struct of another kind.
 */
const fieldwise = (
  ast: AST.AST
):
  | ((task: { readonly [key: PropertyKey]: unknown }, keys: ReadonlyArray<PropertyKey>) => TaskJson | undefined)
  | undefined =>
{
  // innermost filter first, as the schema runs them: an outer filter may rely on an inner one
  const refinements: Array<AST.Refinement> = []
  let node = ast
  while (AST.isRefinement(node)) {
    refinements.unshift(node)
    node = node.from
  }
  if (!AST.isTypeLiteral(node) || node.indexSignatures.length > 0) return undefined
  const fields = new Map(
    node.propertySignatures.map((
      signature
    ) => [signature.name, { optional: signature.isOptional, encode: fieldEncode(signature.type) }])
  )
  const required = node.propertySignatures.filter((signature) => !signature.isOptional).length
  return (task, keys) => {
    const json: Record<PropertyKey, unknown> = {}
    let present = 0
    for (const key of keys) {
      const field = fields.get(key)
      const value = task[key]
      const encoded = field === undefined || value === undefined ? undefined : field.encode(value)
      if (field === undefined || encoded === undefined) return undefined
      json[key] = encoded
      if (!field.optional) present++
    }
    if (present < required) return undefined
    for (const refinement of refinements) {
      if (!FastEncode.passes(refinement, task)) return undefined
    }
    return json
  }
}

/**
 * `Reflect.ownKeys(task)`, the keys the schema checks for excess properties, for a fraction of its cost:
 * V8 collects all own keys through a hash set, some 400 bytes per task, where the string keys alone come
 * as cheaply as `Object.keys` (and a task with symbol keys is rare enough to pay the full price).
 */
const ownKeys = (task: object): ReadonlyArray<PropertyKey> =>
  Object.getOwnPropertySymbols(task).length === 0 ? Object.getOwnPropertyNames(task) : Reflect.ownKeys(task)

/**
 * An engine's task schema ({@link taskSchema} of `struct`) and the `encodeTask` / `decodeTask` pair of its
 * `Engine`, both reporting failures as `InvalidTaskError`.
 *
 * `encodeTask` runs for every task posted. It refuses unknown fields itself, from the field names of
 * `struct`, then encodes field by field (see `fieldwise`; the JSON keeps the task's key order), and leaves
 * to the schema only the tasks that encoding refuses, so that the schema names what is wrong. The outcome
 * is the same as encoding with the task schema, at a fraction of the cost.
 */
export const codec = <A, I extends TaskJson>(struct: Schema.Schema<A, I>) => {
  const Task = taskSchema(struct)
  const known = new Set(AST.getPropertySignatures(struct.ast).map((signature) => signature.name))
  const fast = fieldwise(struct.ast)
  const encode = Schema.encodeEither(struct)
  const decode = Schema.decodeUnknownEither(Task)
  return {
    Task,
    /** Validates a task and encodes it to the API's JSON. */
    encodeTask: (task: A): Either.Either<TaskJson, InvalidTaskError> => {
      if (Predicate.isRecord(task)) {
        const keys = ownKeys(task)
        for (const key of keys) {
          if (!known.has(key)) return Either.left(new InvalidTaskError({ field: String(key), rule: unknownField }))
        }
        const json = fast?.(task, keys)
        if (json !== undefined) return Either.right(json)
      }
      return Either.mapLeft(encode(task), toInvalidTaskError)
    },
    /** Validates the API's JSON of a task and decodes it. */
    decodeTask: (json: unknown): Either.Either<A, InvalidTaskError> => Either.mapLeft(decode(json), toInvalidTaskError)
  }
}
