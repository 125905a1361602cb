/**
 * task_post: validates each task, refuses duplicates when a duplicate limit is set, charges the account
 * for the whole call or refuses it (402 / 40210), then creates the tasks and queues their webhooks.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import type { AnyEngine } from "../../Engine.js"
import type { EmulatorRequest } from "../Emulator.js"
import type { AccountState, EmulatorState, TaskRecord } from "./emulatorState.js"
import { newId, queueWebhooks, readyQueue, tally } from "./emulatorState.js"
import type { Json, Outcome } from "./wire.js"
import {
  decodeKeyword,
  engineData,
  envelope,
  isObject,
  messages,
  numberField,
  ok,
  parseArray,
  pathSegments,
  roundMoney,
  stringField,
  taskEntry
} from "./wire.js"

const DAY = 24 * 60 * 60 * 1000

/** A task that passed the checks, waiting for the call's funds check. */
interface Accepted {
  readonly index: number
  readonly json: Json
  readonly cost: number
}

/** Answers task_post: one entry per posted task, in the order sent (or reversed, per `replyOrder`). */
export const taskPost = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine,
  request: EmulatorRequest,
  text: string | undefined,
  now: number
): Outcome => {
  const parsed = parseArray(text)
  if (Either.isLeft(parsed)) return parsed.left
  const path = pathSegments(engine.paths.taskPost)
  const entries: Array<Json> = []
  const accepted: Array<Accepted> = []
  let total = 0
  parsed.right.forEach((item, index) => {
    const checked = checkTask(state, account, engine, item, index, now)
    if (Either.isLeft(checked)) {
      entries[index] = taskEntry(
        newId(state, now),
        checked.left.code,
        checked.left.message,
        path,
        postedData(engine, item),
        null
      )
      return
    }
    const cost = costOf(state, engine, checked.right.json, checked.right.task)
    total += cost
    accepted.push({ index, json: checked.right.json, cost })
  })
  if (accepted.length > 0 && roundMoney(account.balance - total) < 0) {
    return { status: 402, body: envelope(40210, messages.funds, []) }
  }
  for (const { cost, index, json } of accepted) {
    const record = createTask(state, account, engine, request, json, cost, now)
    entries[index] = taskEntry(record.id, 20100, messages.created, path, echoOf(state, record.data), null, cost)
  }
  return ok(envelope(20000, messages.ok, state.options.replyOrder === "reversed" ? entries.reverse() : entries, total))
}

/** The `data` of a refused task: what was posted, over the engine's fields. */
const postedData = (engine: AnyEngine, item: unknown): Json =>
  isObject(item) ? Object.assign(engineData(engine, "task_post"), item) : engineData(engine, "task_post")

/** A task's code and message when it is refused. */
interface Refusal {
  readonly code: number
  readonly message: string
}

/**
 * The posted task and its decoded form, or why it is refused: past the 100th of a call, invalid, or a
 * duplicate over the limit. A task that passes counts toward the duplicate limits.
 */
const checkTask = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine,
  item: unknown,
  index: number,
  now: number
): Either.Either<{ readonly json: Json; readonly task: unknown }, Refusal> => {
  if (index >= 100) return Either.left({ code: 40006, message: messages.tooManyTasks })
  const decoded = engine.decodeTask(item)
  if (Either.isLeft(decoded) || !isObject(item)) {
    const field = Either.isLeft(decoded) ? decoded.left.field : "task"
    const rule = Either.isLeft(decoded) ? ` ${decoded.left.rule}` : ""
    return Either.left({ code: 40501, message: `Invalid Field: '${field}'.${rule}` })
  }
  if (state.duplicatesOn) {
    const code = duplicateCode(state, account, `${engine.name}\u0000${JSON.stringify(item)}`, now)
    if (code !== undefined) {
      return Either.left({ code, message: code === 40205 ? messages.duplicateHour : messages.duplicateDay })
    }
  }
  return Either.right({ json: item, task: decoded.right })
}

/** 40205 or 40206 when the same task was posted too often in the last hour or day; else records this one. */
const duplicateCode = (
  state: EmulatorState,
  account: AccountState,
  key: string,
  now: number
): 40205 | 40206 | undefined => {
  const stamps = (account.duplicates.get(key) ?? []).filter((at) => now - at < DAY)
  account.duplicates.set(key, stamps)
  if (stamps.filter((at) => now - at < DAY / 24).length >= state.options.duplicateTasksPerHour) return 40205
  if (stamps.length >= state.options.duplicateTasksPerDay) return 40206
  stamps.push(now)
  return undefined
}

/** A created task's `data` as the reply echoes it (`taskPostEcho`). */
const echoOf = (state: EmulatorState, data: Json): Json | null => {
  if (state.options.taskPostEcho === "none") return null
  if (state.options.taskPostEcho === "full") return data
  const { tag: _tag, ...rest } = data
  return rest
}

/** The price of a task: by priority, pages of depth, the engine's multiplier, and rectangles. */
const costOf = (state: EmulatorState, engine: AnyEngine, json: Json, task: unknown): number => {
  const prices = state.options.prices
  const base = json["priority"] === 2 ? prices.high : prices.normal
  const depth = numberField(json, "depth") ?? engine.defaultDepth
  const pages = Math.max(1, Math.ceil(depth / Math.max(1, engine.resultsPerPage)))
  const rectangles = json["calculate_rectangles"] === true ? base : 0
  return roundMoney(base * (1 + prices.extraPageFactor * (pages - 1)) * engine.costMultiplier(task) + rectangles)
}

/** Creates one paid task: charges the account, counts it, queues it and its webhooks. */
const createTask = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine,
  request: EmulatorRequest,
  json: Json,
  cost: number,
  now: number
): TaskRecord => {
  const record = taskRecord(state, account, engine, request, json, cost, now)
  state.tasks.set(record.id, record)
  account.posted.push(record)
  readyQueue(account, engine, record.priority)?.set(record.id, record)
  account.balance = roundMoney(account.balance - cost)
  account.spent = roundMoney(account.spent + cost)
  const totals = state.totals
  totals.created++
  if (cost > 0) totals.billed++
  totals.cost = roundMoney(totals.cost + cost)
  if (record.tag !== undefined) tally(state.byTag, record.tag, cost)
  tally(state.byKeyword, record.keyword, cost)
  if (queueWebhooks(state, record, record.doneAt)) Queue.unsafeOffer(state.wakeup, undefined)
  return record
}

/** A new task's record, with the defaults the API applies echoed in its `data` (see the seeds). */
const taskRecord = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine,
  request: EmulatorRequest,
  json: Json,
  cost: number,
  now: number
): TaskRecord => {
  const options = state.options
  const priority = json["priority"] === 2 ? 2 : 1
  const device = stringField(json, "device") ?? "desktop"
  const os = stringField(json, "os") ?? (device === "mobile" ? "android" : "windows")
  const postback = stringField(json, "postback_data")
  const data = Object.assign(engineData(engine, "task_post"), json)
  data["device"] = device
  data["os"] = os
  return {
    id: newId(state, now),
    account,
    engine,
    data,
    keyword: decodeKeyword(stringField(json, "keyword") ?? ""),
    tag: stringField(json, "tag"),
    depth: numberField(json, "depth") ?? engine.defaultDepth,
    device,
    os,
    seDomain: stringField(json, "se_domain"),
    locationCode: numberField(json, "location_code"),
    languageCode: stringField(json, "language_code"),
    priority,
    postedAt: now,
    doneAt: now + (priority === 2 ? options.queueDelay.high : options.queueDelay.normal),
    cost,
    fault: state.faults.nextTaskFault(),
    url: request.url.startsWith("/") ? `https://sandbox.dataforseo.com${request.url}` : request.url,
    pingbackUrl: stringField(json, "pingback_url"),
    postbackUrl: stringField(json, "postback_url"),
    postbackData: postback === "regular" || postback === "html" ? postback : "advanced",
    collected: false
  }
}
