/**
 * id_list and errors: an account's tasks posted in a time range, and its recent errors (failed webhook
 * deliveries), each with limit, offset and filters.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as SerpGenerator from "../SerpGenerator.js"
import type { AccountState, EmulatorState, TaskRecord } from "./emulatorState.js"
import { newId } from "./emulatorState.js"
import type { Json, Outcome } from "./wire.js"
import { envelope, isObject, messages, ok, parseArray, parseDatetime, stringField, taskEntry } from "./wire.js"

/** The id_list filters, checked. */
interface IdListQuery {
  readonly from: number
  readonly to: number
  readonly limit: number
  readonly offset: number
  readonly sort: "asc" | "desc"
  readonly metadata: boolean
}

/** The filters of an id_list call, or the name of the first invalid field. */
const idListQuery = (json: Json): Either.Either<IdListQuery, string> => {
  const from = parseDatetime(json["datetime_from"])
  if (from === undefined) return Either.left("datetime_from")
  const to = parseDatetime(json["datetime_to"])
  if (to === undefined) return Either.left("datetime_to")
  const limit = json["limit"] ?? 1000
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) return Either.left("limit")
  const offset = json["offset"] ?? 0
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) return Either.left("offset")
  const sort = json["sort"] ?? "asc"
  if (sort !== "asc" && sort !== "desc") return Either.left("sort")
  return Either.right({ from, to, limit, offset, sort, metadata: json["include_metadata"] === true })
}

/** Answers id_list: the tasks posted between two dates (the last `idListLag` ms not yet listed). */
export const idList = (state: EmulatorState, account: AccountState, text: string | undefined, now: number): Outcome => {
  const parsed = parseArray(text)
  if (Either.isLeft(parsed)) return parsed.left
  const item = parsed.right[0]
  const json: Json = isObject(item) ? item : {}
  const path = ["v3", "serp", "id_list"]
  const data: Json = { api: "serp", function: "id_list", ...json }
  const query = idListQuery(json)
  if (Either.isLeft(query)) {
    return ok(
      envelope(20000, messages.ok, [
        taskEntry(newId(state, now), 40501, `Invalid Field: '${query.left}'.`, path, data, null)
      ])
    )
  }
  const { from, limit, metadata, offset, sort, to } = query.right
  const posted = account.posted
  const first = bound(posted, from, false)
  const end = bound(posted, Math.min(to, now - state.options.idListLag), true)
  const count = Math.max(0, end - first)
  const result: Array<Json> = []
  for (let k = offset; k < Math.min(count, offset + limit); k++) {
    const task = posted[sort === "asc" ? first + k : end - 1 - k]
    if (task !== undefined) result.push(idListItem(task, now, metadata))
  }
  return ok(envelope(20000, messages.ok, [taskEntry(newId(state, now), 20000, messages.ok, path, data, result)]))
}

/** One task as id_list lists it, with its status at `now`. */
const idListItem = (task: TaskRecord, now: number, metadata: boolean): Json => {
  const done = now >= task.doneAt
  const status = !done
    ? messages.inQueue
    : task.fault === "se_error"
    ? messages.seError
    : task.fault === "execution_failed"
    ? messages.failed
    : messages.ok
  return {
    id: task.id,
    url: task.url,
    datetime_posted: SerpGenerator.formatDatetime(task.postedAt),
    datetime_done: done ? SerpGenerator.formatDatetime(task.doneAt) : null,
    status,
    cost: task.cost,
    metadata: metadata ? task.data : null
  }
}

/** The first index whose posting time is past `at` (or reaches it, when not `inclusive`). */
const bound = (posted: ReadonlyArray<TaskRecord>, at: number, inclusive: boolean): number => {
  let lo = 0
  let hi = posted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const postedAt = posted[mid]?.postedAt ?? Infinity
    if (postedAt < at || (inclusive && postedAt === at)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Answers errors: the account's errors within retention, filtered by function and dates. */
export const errorsList = (
  state: EmulatorState,
  account: AccountState,
  text: string | undefined,
  now: number
): Outcome => {
  // every filter is optional: no body lists the last errors
  const parsed = text === undefined ? Either.right([{}]) : parseArray(text)
  if (Either.isLeft(parsed)) return parsed.left
  const item = parsed.right[0]
  const json: Json = isObject(item) ? item : {}
  const retention = state.options.retention.errors
  const path = ["v3", "serp", "errors"]
  const data: Json = { api: "serp", function: "errors", ...json }
  const limit = typeof json["limit"] === "number" ? Math.min(1000, Math.max(1, json["limit"])) : 1000
  const offset = typeof json["offset"] === "number" ? Math.max(0, json["offset"]) : 0
  const fn = stringField(json, "filtered_function")
  const from = parseDatetime(json["datetime_from"]) ?? now - retention
  const to = parseDatetime(json["datetime_to"]) ?? now
  const matching = account.errors.filter((error) =>
    error.at >= Math.max(from, now - retention) && error.at <= to &&
    (fn === undefined || error.json["function"] === fn)
  )
  const result = matching.slice(offset, offset + limit).map((error) => error.json)
  return ok(envelope(20000, messages.ok, [taskEntry(newId(state, now), 20000, messages.ok, path, data, result)]))
}
