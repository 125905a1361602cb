/**
 * The API's wire format as the emulator writes and reads it: the reply envelope and its task entries,
 * the status messages, and the small parsers for paths, bodies, keywords and dates.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ApiDateTime from "../../ApiDateTime.js"
import type { AnyEngine } from "../../Engine.js"

/** A JSON object of a reply body. Mutable: the reply's `time` is set last. */
export type Json = { [key: string]: unknown }

/** What an endpoint answers: an HTTP status and the body, before it is timed and serialized. */
export interface Outcome {
  readonly status: number
  readonly body: Json
  readonly headers?: { readonly [name: string]: string }
}

const VERSION = "0.1.20210304"

/** The API's status messages, by the codes that use them. */
export const messages = {
  ok: "Ok.",
  created: "Task Created.",
  tooManyTasks: "You can set only 100 tasks at a time.",
  unauthorized: "You are not authorized to access this resource.",
  rateLimit: "The rate-limit per minute has been exceeded.",
  simultaneous: "Too many simultaneous queries.",
  duplicateHour: "Duplicate Task Limit per Hour Exceeded.",
  duplicateDay: "Duplicate Task Limit per Day Exceeded.",
  funds: "Insufficient Funds.",
  notFound: "Not Found.",
  taskNotFound: "Task Not Found.",
  expired: "Results Expired.",
  empty: "POST Data Is Empty.",
  invalid: "POST Data Is Invalid.",
  handed: "Task Handed.",
  inQueue: "Task In Queue.",
  seError: "Internal SE Server Error.",
  failed: "Task Execution Failed. Resubmit.",
  internal: "Internal Error.",
  otherClient: "Task ID is used by another client.",
  otherEngine: "Task ID is used by another search engine. Check the path.",
  otherType: "Task ID is used by another search type. Check the path."
} as const

/** The non-empty segments of a path, as a task entry's `path` lists them. */
export const pathSegments = (path: string): Array<string> => path.split("/").filter((segment) => segment.length > 0)

/** The path of an absolute URL or of a path, without its query or fragment. */
export const pathOf = (url: string): string => {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2)
  if (start < 0) return "/"
  const end = url.search(/[?#]/)
  return end < 0 ? url.slice(start) : url.slice(start, end)
}

/** Money to ten decimals, so that sums of prices do not drift. */
export const roundMoney = (value: number): number => Math.round(value * 1e10) / 1e10

/** A duration as the API writes `time`: "0.0123 sec.". */
export const seconds = (nanos: bigint): string => `${(Number(nanos) / 1e9).toFixed(4)} sec.`

/** True for a JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A string field of a JSON object, or undefined. */
export const stringField = (json: Json, key: string): string | undefined => {
  const value = json[key]
  return typeof value === "string" ? value : undefined
}

/** A number field of a JSON object, or undefined. */
export const numberField = (json: Json, key: string): number | undefined => {
  const value = json[key]
  return typeof value === "number" ? value : undefined
}

/** The decoder of request bodies. */
export const utf8 = new TextDecoder()

/** The API's keyword decoding: `%##` decoded, `+` as a space (malformed escapes kept as written). */
export const decodeKeyword = (wire: string): string => {
  if (!/[%+]/.test(wire)) return wire
  const spaced = wire.replace(/\+/g, " ")
  return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3)
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16)
    return utf8.decode(bytes)
  })
}

/** A date-time the client sent (`datetime_from`, ...) as epoch millis, read as `ApiDateTime.toMillis` reads it. */
export const parseDatetime = (text: unknown): number | undefined =>
  typeof text === "string" ? Option.getOrUndefined(ApiDateTime.toMillis(text)) : undefined

const errorCount = (entries: ReadonlyArray<Json>): number => {
  let n = 0
  for (const entry of entries) if (entry["status_code"] !== 20000 && entry["status_code"] !== 20100) n++
  return n
}

/** The body of every reply: the request's status and its task entries. */
export const envelope = (status: number, message: string, taskEntries: ReadonlyArray<Json>, cost = 0): Json => ({
  version: VERSION,
  status_code: status,
  status_message: message,
  time: "0.0000 sec.",
  cost: roundMoney(cost),
  tasks_count: taskEntries.length,
  tasks_error: errorCount(taskEntries),
  tasks: taskEntries
})

/** One entry of an envelope's `tasks`. */
export const taskEntry = (
  id: string,
  status: number,
  message: string,
  path: ReadonlyArray<string>,
  data: Json | null,
  result: ReadonlyArray<unknown> | null,
  cost = 0
): Json => ({
  id,
  status_code: status,
  status_message: message,
  time: "0.0000 sec.",
  cost: roundMoney(cost),
  result_count: result === null ? 0 : result.length,
  path,
  data,
  result
})

/** An HTTP 200 outcome. */
export const ok = (body: Json): Outcome => ({ status: 200, body })

/** The `data` every task entry of an engine's function starts with. */
export const engineData = (engine: AnyEngine, fn: string): Json => ({
  api: "serp",
  function: fn,
  se: engine.se,
  se_type: engine.seType
})

/** A POST body's array of tasks, or the reply for an empty or invalid body. */
export const parseArray = (text: string | undefined): Either.Either<ReadonlyArray<unknown>, Outcome> => {
  if (text === undefined || text.trim().length === 0) return Either.left(ok(envelope(40502, messages.empty, [])))
  const parsed = Either.try((): unknown => JSON.parse(text))
  if (Either.isLeft(parsed) || !Array.isArray(parsed.right)) {
    return Either.left(ok(envelope(40503, messages.invalid, [])))
  }
  const items: ReadonlyArray<unknown> = parsed.right
  return items.length === 0 ? Either.left(ok(envelope(40502, messages.empty, []))) : Either.right(items)
}
