/**
 * The DataForSEO emulator: accounts, billing, the task queue, tasks_ready, task_get, id_list, the errors
 * endpoint, webhook_resend, user_data, the limits with their codes, and injected faults, as one state
 * machine over Effect's Clock. It answers plain requests (`handle`) with plain replies; `Sandbox` serves
 * it as an in-process `HttpClient` or over loopback.
 *
 * Time is read from the Clock of the calling fiber and the queue is computed from timestamps (a task is
 * done when `now >= postedAt + delay`), so `TestClock.adjust` moves every task forward with no background
 * work. Only webhook delivery runs in a fiber (see `internal/webhookDelivery`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import { gunzipSync, gzipSync } from "node:zlib"
import type { AnyEngine, ResultFormat } from "../Engine.js"
import { PeakMeter, SlidingLimit } from "./internal/callWindow.js"
import { FaultInjector, functions } from "./Faults.js"
import type { RequestFault, SandboxFunction, TaskFault } from "./Faults.js"
import type { ResolvedOptions, SandboxOptions } from "./Options.js"
import { resolve } from "./Options.js"
import { hash } from "./internal/seeded.js"
import * as SerpGenerator from "./SerpGenerator.js"
import type { Delivery, DeliveryOutcome, WebhookSource } from "./internal/webhookDelivery.js"
import { DueQueue, substitute } from "./internal/webhookDelivery.js"

/** A request as the emulator sees it, whatever carried it. Header names are lower case. */
export interface EmulatorRequest {
  readonly method: string
  /** Absolute URL, or a path starting with `/v3/`. */
  readonly url: string
  readonly headers: { readonly [name: string]: string | undefined }
  readonly body: Uint8Array | undefined
}

/** The emulator's answer: a reply, or a connection dropped without one. */
export type EmulatorResponse =
  | {
    readonly _tag: "Reply"
    readonly status: number
    readonly headers: { readonly [name: string]: string }
    /** The JSON text, or bytes (a gzip body). */
    readonly body: string | Uint8Array
  }
  | { readonly _tag: "Drop" }

/** Tasks and money for one tag or one keyword. */
export interface TaskTally {
  readonly created: number
  readonly billed: number
  readonly cost: number
}

/** Calls of one function: received (faulted and unauthorized ones included), refused by a limit, and the busiest window. */
export interface CallTally {
  readonly calls: number
  readonly rejected: number
  /** The highest number of calls received in any window of the limits (one minute unless `limits.window` says otherwise). */
  readonly peakPerMinute: number
}

/** A snapshot of what the emulator has done, for tests' assertions. */
export interface SandboxStats {
  readonly tasksCreated: number
  readonly tasksBilled: number
  readonly totalCost: number
  readonly byTag: ReadonlyMap<string, TaskTally>
  readonly byKeyword: ReadonlyMap<string, TaskTally>
  readonly calls: { readonly [F in SandboxFunction]: CallTally }
  readonly webhooks: { readonly delivered: number; readonly failed: number }
}

/** One task as the emulator holds it. */
export interface TaskInfo {
  readonly id: string
  readonly login: string
  readonly engine: string
  readonly keyword: string
  readonly tag: string | undefined
  readonly priority: 1 | 2
  readonly depth: number
  readonly postedAt: number
  readonly doneAt: number
  readonly cost: number
  readonly collected: boolean
  readonly fault: TaskFault | undefined
}

/** The emulator's interface. */
export interface Service {
  /** Answers one API request. Runs in the caller's fiber, on its Clock. */
  readonly handle: (request: EmulatorRequest) => Effect.Effect<EmulatorResponse>
  /** What has been created, billed and called so far. */
  readonly stats: Effect.Effect<SandboxStats>
  /** One task by id. */
  readonly task: (id: string) => Effect.Effect<Option.Option<TaskInfo>>
  /** Every task of every account, in posting order. */
  readonly tasks: Effect.Effect<ReadonlyArray<TaskInfo>>
  /** The balance of an account. */
  readonly balance: (login: string) => Effect.Effect<Option.Option<number>>
  /** Appends faults to the script of a function: its next calls get them in order. */
  readonly scriptFaults: (fn: SandboxFunction, faults: ReadonlyArray<RequestFault | "none">) => Effect.Effect<void>
  /** Appends execution faults for the next created tasks. */
  readonly scriptTaskFaults: (faults: ReadonlyArray<TaskFault | "none">) => Effect.Effect<void>
  /** The queue of webhook deliveries, consumed by the webhook delivery loop. */
  readonly webhooks: WebhookSource
  /** The options in force. */
  readonly options: ResolvedOptions
}

/** The emulator as a service, for tests that inspect it or script faults. */
export class Emulator extends Context.Tag("effect-dataforseo/sandbox/Emulator")<Emulator, Service>() {}

// ---------------------------------------------------------------------------------------------------
// state

type Json = { [key: string]: unknown }

interface TaskRecord extends SerpGenerator.SerpTask {
  readonly id: string
  readonly account: AccountState
  readonly data: Json
  readonly tag: string | undefined
  readonly priority: 1 | 2
  readonly postedAt: number
  readonly doneAt: number
  readonly cost: number
  readonly fault: TaskFault | undefined
  readonly url: string
  readonly pingbackUrl: string | undefined
  readonly postbackUrl: string | undefined
  readonly postbackData: ResultFormat
  collected: boolean
}

interface ErrorRecord {
  readonly at: number
  readonly json: Json
}

interface AccountState {
  readonly login: string
  readonly password: string
  readonly deposited: number
  balance: number
  spent: number
  inFlight: number
  readonly limits: Map<SandboxFunction, SlidingLimit>
  /** Every task in posting order (time order): id_list is a binary search away. */
  readonly posted: Array<TaskRecord>
  /** Per engine, per priority: tasks not yet collected, in completion order. */
  readonly ready: Map<string, readonly [Map<string, TaskRecord>, Map<string, TaskRecord>]>
  readonly duplicates: Map<string, Array<number>>
  readonly errors: Array<ErrorRecord>
}

interface MutableTally {
  created: number
  billed: number
  cost: number
}

type Route =
  | { readonly fn: "task_post"; readonly engine: AnyEngine }
  | { readonly fn: "tasks_ready"; readonly engine: AnyEngine | undefined }
  | { readonly fn: "task_get"; readonly engine: AnyEngine; readonly format: ResultFormat; readonly id: string }
  | { readonly fn: "id_list" | "errors" | "webhook_resend" | "user_data" }

interface Outcome {
  readonly status: number
  readonly body: Json
  readonly headers?: { readonly [name: string]: string }
}

const VERSION = "0.1.20210304"
const dropped: EmulatorResponse = { _tag: "Drop" }

/** A reply whose body is gzip, cut to half its length: it starts as gzip and cannot be inflated. */
const truncatedGzip = (headers: { readonly [name: string]: string }, body: string): EmulatorResponse => {
  const zipped = gzipSync(body)
  return { _tag: "Reply", status: 200, headers: { ...headers, "content-encoding": "gzip" }, body: zipped.subarray(0, Math.floor(zipped.length / 2)) }
}
const DAY = 24 * 60 * 60 * 1000
const ZERO_ID = "00000000-0000-0000-0000-000000000000"
const formats: ReadonlyArray<ResultFormat> = ["regular", "advanced", "html"]

const messages = {
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

const pathSegments = (path: string): Array<string> => path.split("/").filter((segment) => segment.length > 0)

const pathOf = (url: string): string => {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2)
  if (start < 0) return "/"
  const end = url.search(/[?#]/)
  return end < 0 ? url.slice(start) : url.slice(start, end)
}

const roundMoney = (value: number): number => Math.round(value * 1e10) / 1e10

const seconds = (nanos: bigint): string => `${(Number(nanos) / 1e9).toFixed(4)} sec.`

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const stringField = (json: Json, key: string): string | undefined => {
  const value = json[key]
  return typeof value === "string" ? value : undefined
}

const numberField = (json: Json, key: string): number | undefined => {
  const value = json[key]
  return typeof value === "number" ? value : undefined
}

const utf8 = new TextDecoder()
const utf8Encoder = new TextEncoder()

/** The API's keyword decoding: `%##` decoded, `+` as a space (malformed escapes kept as written). */
const decodeKeyword = (wire: string): string => {
  if (!/[%+]/.test(wire)) return wire
  const spaced = wire.replace(/\+/g, " ")
  return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3)
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16)
    return utf8.decode(bytes)
  })
}

/** "yyyy-mm-dd hh:mm:ss +00:00" (or with dashes in the time) to epoch millis. */
const parseDatetime = (text: unknown): number | undefined => {
  if (typeof text !== "string") return undefined
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2})[:-](\d{2})[:-](\d{2})(?:\.\d+)?\s*(?:([+-])(\d{2}):?(\d{2})|Z)?$/.exec(text.trim())
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, sign, oh, om] = match
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000
  const millis = utc - offset
  return Number.isFinite(millis) ? millis : undefined
}

const errorCount = (entries: ReadonlyArray<Json>): number => {
  let n = 0
  for (const entry of entries) if (entry["status_code"] !== 20000 && entry["status_code"] !== 20100) n++
  return n
}

const pad2 = (n: number): string => String(n).padStart(2, "0")
const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, "0").slice(-width)

// ---------------------------------------------------------------------------------------------------
// the emulator

/**
 * Builds an emulator. The state lives in this object; share it between an in-process client and a
 * loopback server by building it once.
 *
 * @example
 * const emulator = yield* Emulator.make({ queueDelay: { normal: 0 } })
 * const reply = yield* emulator.handle({ method: "GET", url: "/v3/appendix/user_data", headers, body: undefined })
 */
export const make = (input: SandboxOptions = {}): Effect.Effect<Service> =>
  Effect.map(Queue.sliding<void>(1), (wakeup) => build(resolve(input), wakeup))

const build = (options: ResolvedOptions, wakeup: Queue.Queue<void>): Service => {
  const faults = new FaultInjector(options.faults, options.seed)
  const accounts = new Map<string, AccountState>()
  for (const account of options.accounts) {
    accounts.set(account.login, {
      login: account.login,
      password: account.password,
      deposited: account.balance,
      balance: account.balance,
      spent: 0,
      inFlight: 0,
      limits: new Map(functions.map((fn) => [fn, new SlidingLimit(options.perMinute[fn], options.window)])),
      posted: [],
      ready: new Map(options.engines.map((engine) => [engine.name, [new Map(), new Map()]] as const)),
      duplicates: new Map(),
      errors: []
    })
  }
  const byAuthorization = new Map<string, AccountState | undefined>()
  const tasks = new Map<string, TaskRecord>()
  const meters = new Map(functions.map((fn) => [fn, new PeakMeter(options.window)] as const))
  const rejected = new Map<SandboxFunction, number>(functions.map((fn) => [fn, 0]))
  const byTag = new Map<string, MutableTally>()
  const byKeyword = new Map<string, MutableTally>()
  const totals = { created: 0, billed: 0, cost: 0, delivered: 0, failed: 0 }
  const deliveries = new DueQueue<{ readonly task: TaskRecord; readonly kind: "pingback" | "postback" }>()
  let counter = 0

  // routes, from the engines' paths
  const postRoutes = new Map<string, AnyEngine>()
  const readyRoutes = new Map<string, AnyEngine | undefined>([["/v3/serp/tasks_ready", undefined]])
  const getRoutes = new Map<string, { readonly engine: AnyEngine; readonly format: ResultFormat }>()
  for (const engine of options.engines) {
    postRoutes.set(engine.paths.taskPost, engine)
    readyRoutes.set(engine.paths.tasksReady, engine)
    for (const format of formats) getRoutes.set(engine.paths.taskGet(format, ""), { engine, format })
  }
  const staticRoutes = new Map<string, { readonly method: string; readonly route: Route }>([
    ["/v3/serp/id_list", { method: "POST", route: { fn: "id_list" } }],
    ["/v3/serp/errors", { method: "POST", route: { fn: "errors" } }],
    ["/v3/appendix/webhook_resend", { method: "POST", route: { fn: "webhook_resend" } }],
    ["/v3/appendix/user_data", { method: "GET", route: { fn: "user_data" } }]
  ])

  const routeOf = (method: string, path: string): Route | undefined => {
    if (method === "POST") {
      const engine = postRoutes.get(path)
      if (engine !== undefined) return { fn: "task_post", engine }
    } else if (method === "GET") {
      if (readyRoutes.has(path)) return { fn: "tasks_ready", engine: readyRoutes.get(path) }
      const slash = path.lastIndexOf("/")
      const get = getRoutes.get(path.slice(0, slash + 1))
      if (get !== undefined && slash < path.length - 1) return { fn: "task_get", ...get, id: path.slice(slash + 1) }
    }
    const fixed = staticRoutes.get(path)
    return fixed !== undefined && fixed.method === method ? fixed.route : undefined
  }

  const authenticate = (header: string | undefined): AccountState | undefined => {
    if (header === undefined) return undefined
    if (byAuthorization.has(header)) return byAuthorization.get(header)
    const match = /^Basic\s+(.+)$/i.exec(header.trim())
    let found: AccountState | undefined
    if (match !== null && match[1] !== undefined) {
      const decoded = Buffer.from(match[1], "base64").toString("utf8")
      const colon = decoded.indexOf(":")
      const account = colon < 0 ? undefined : accounts.get(decoded.slice(0, colon))
      found = account !== undefined && account.password === decoded.slice(colon + 1) ? account : undefined
    }
    if (byAuthorization.size < 10_000) byAuthorization.set(header, found)
    return found
  }

  const node = hex(hash("node", options.seed), 4)
  let prefixMinute = -1
  let prefix = ""
  /** 8-4-4-4-12 hex: MMDDhhmm of the clock, a node part from the seed, the counter, a mix of both. */
  const newId = (now: number): string => {
    const minute = Math.floor(now / 60_000)
    if (minute !== prefixMinute) {
      const d = new Date(now)
      prefixMinute = minute
      prefix = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}-${node}-`
    }
    const n = counter++
    return `${prefix}${hex(Math.floor(n / 0x10000), 4)}-${hex(n, 4)}-${hex(Math.imul(n ^ options.seed, 0x9e3779b1), 8)}${hex(n >>> 16, 4)}`
  }

  const envelope = (status: number, message: string, taskEntries: ReadonlyArray<Json>, cost = 0): Json => ({
    version: VERSION,
    status_code: status,
    status_message: message,
    time: "0.0000 sec.",
    cost: roundMoney(cost),
    tasks_count: taskEntries.length,
    tasks_error: errorCount(taskEntries),
    tasks: taskEntries
  })

  const taskEntry = (
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

  const ok = (body: Json): Outcome => ({ status: 200, body })

  const engineData = (engine: AnyEngine, fn: string): Json => ({ api: "serp", function: fn, se: engine.se, se_type: engine.seType })

  const tally = (map: Map<string, MutableTally>, key: string, cost: number): void => {
    const entry = map.get(key) ?? { created: 0, billed: 0, cost: 0 }
    entry.created++
    if (cost > 0) entry.billed++
    entry.cost = roundMoney(entry.cost + cost)
    map.set(key, entry)
  }

  const parseArray = (text: string | undefined): Either.Either<ReadonlyArray<unknown>, Outcome> => {
    if (text === undefined || text.trim().length === 0) return Either.left(ok(envelope(40502, messages.empty, [])))
    const parsed = Either.try((): unknown => JSON.parse(text))
    if (Either.isLeft(parsed) || !Array.isArray(parsed.right)) return Either.left(ok(envelope(40503, messages.invalid, [])))
    const items: ReadonlyArray<unknown> = parsed.right
    return items.length === 0 ? Either.left(ok(envelope(40502, messages.empty, []))) : Either.right(items)
  }

  // --- duplicates (optional, off by default)
  const duplicateCode = (account: AccountState, key: string, now: number): 40205 | 40206 | undefined => {
    const stamps = (account.duplicates.get(key) ?? []).filter((at) => now - at < DAY)
    account.duplicates.set(key, stamps)
    if (stamps.filter((at) => now - at < DAY / 24).length >= options.duplicateTasksPerHour) return 40205
    if (stamps.length >= options.duplicateTasksPerDay) return 40206
    stamps.push(now)
    return undefined
  }
  const duplicatesOn = Number.isFinite(options.duplicateTasksPerHour) || Number.isFinite(options.duplicateTasksPerDay)

  // --- task_post
  const taskPost = (account: AccountState, engine: AnyEngine, request: EmulatorRequest, text: string | undefined, now: number): Outcome => {
    const parsed = parseArray(text)
    if (Either.isLeft(parsed)) return parsed.left
    const path = pathSegments(engine.paths.taskPost)
    const entries: Array<Json> = []
    const accepted: Array<{ readonly index: number; readonly json: Json; readonly cost: number; readonly task: unknown }> = []
    let total = 0
    parsed.right.forEach((item, index) => {
      const data = (): Json => isObject(item) ? Object.assign(engineData(engine, "task_post"), item) : engineData(engine, "task_post")
      if (index >= 100) {
        entries[index] = taskEntry(newId(now), 40006, messages.tooManyTasks, path, data(), null)
        return
      }
      const decoded = engine.decodeTask(item)
      if (Either.isLeft(decoded) || !isObject(item)) {
        const field = Either.isLeft(decoded) ? decoded.left.field : "task"
        const rule = Either.isLeft(decoded) ? ` ${decoded.left.rule}` : ""
        entries[index] = taskEntry(newId(now), 40501, `Invalid Field: '${field}'.${rule}`, path, data(), null)
        return
      }
      if (duplicatesOn) {
        const code = duplicateCode(account, `${engine.name}\u0000${JSON.stringify(item)}`, now)
        if (code !== undefined) {
          entries[index] = taskEntry(newId(now), code, code === 40205 ? messages.duplicateHour : messages.duplicateDay, path, data(), null)
          return
        }
      }
      const cost = costOf(engine, item, decoded.right)
      total += cost
      accepted.push({ index, json: item, cost, task: decoded.right })
    })
    if (accepted.length > 0 && roundMoney(account.balance - total) < 0) {
      return { status: 402, body: envelope(40210, messages.funds, []) }
    }
    for (const { index, json, cost } of accepted) {
      const record = createTask(account, engine, request, json, cost, now)
      entries[index] = taskEntry(record.id, 20100, messages.created, path, echoOf(record.data), null, cost)
    }
    return ok(envelope(20000, messages.ok, options.replyOrder === "reversed" ? entries.reverse() : entries, total))
  }

  /** A created task's `data` as the reply echoes it (`taskPostEcho`). */
  const echoOf = (data: Json): Json | null => {
    if (options.taskPostEcho === "none") return null
    if (options.taskPostEcho === "full") return data
    const { tag: _tag, ...rest } = data
    return rest
  }

  const costOf = (engine: AnyEngine, json: Json, task: unknown): number => {
    const base = json["priority"] === 2 ? options.prices.high : options.prices.normal
    const depth = numberField(json, "depth") ?? engine.defaultDepth
    const pages = Math.max(1, Math.ceil(depth / Math.max(1, engine.resultsPerPage)))
    const rectangles = json["calculate_rectangles"] === true ? base : 0
    return roundMoney(base * (1 + options.prices.extraPageFactor * (pages - 1)) * engine.costMultiplier(task) + rectangles)
  }

  const createTask = (account: AccountState, engine: AnyEngine, request: EmulatorRequest, json: Json, cost: number, now: number): TaskRecord => {
    const priority = json["priority"] === 2 ? 2 : 1
    const device = stringField(json, "device") ?? "desktop"
    const os = stringField(json, "os") ?? (device === "mobile" ? "android" : "windows")
    const postback = stringField(json, "postback_data")
    // the API echoes the posted fields with the defaults it applied (see the seeds)
    const data = Object.assign(engineData(engine, "task_post"), json)
    data["device"] = device
    data["os"] = os
    const record: TaskRecord = {
      id: newId(now),
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
      fault: faults.nextTaskFault(),
      url: request.url.startsWith("/") ? `https://sandbox.dataforseo.com${request.url}` : request.url,
      pingbackUrl: stringField(json, "pingback_url"),
      postbackUrl: stringField(json, "postback_url"),
      postbackData: postback === "regular" || postback === "html" ? postback : "advanced",
      collected: false
    }
    tasks.set(record.id, record)
    account.posted.push(record)
    readyQueue(account, engine, priority)?.set(record.id, record)
    account.balance = roundMoney(account.balance - cost)
    account.spent = roundMoney(account.spent + cost)
    totals.created++
    if (cost > 0) totals.billed++
    totals.cost = roundMoney(totals.cost + cost)
    if (record.tag !== undefined) tally(byTag, record.tag, cost)
    tally(byKeyword, record.keyword, cost)
    if (record.pingbackUrl !== undefined) deliveries.push(record.doneAt, { task: record, kind: "pingback" })
    if (record.postbackUrl !== undefined) deliveries.push(record.doneAt, { task: record, kind: "postback" })
    if (record.pingbackUrl !== undefined || record.postbackUrl !== undefined) Queue.unsafeOffer(wakeup, undefined)
    return record
  }

  const readyQueue = (account: AccountState, engine: AnyEngine, priority: 1 | 2): Map<string, TaskRecord> | undefined => {
    const pair = account.ready.get(engine.name)
    return pair === undefined ? undefined : priority === 2 ? pair[1] : pair[0]
  }

  const endpoint = (engine: AnyEngine, format: ResultFormat, id: string): string => engine.paths.taskGet(format, id)

  // --- tasks_ready
  const tasksReady = (account: AccountState, engine: AnyEngine | undefined, now: number): Outcome => {
    const queues: Array<Map<string, TaskRecord>> = []
    for (const e of engine === undefined ? options.engines : [engine]) {
      const pair = account.ready.get(e.name)
      if (pair !== undefined) queues.push(pair[0], pair[1])
    }
    const result = takeReady(queues, now, 1000).map((task) => ({
      id: task.id,
      se: task.engine.se,
      se_type: task.engine.seType,
      date_posted: SerpGenerator.formatDatetime(task.postedAt),
      tag: task.tag ?? null,
      endpoint_regular: endpoint(task.engine, "regular", task.id),
      endpoint_advanced: endpoint(task.engine, "advanced", task.id),
      endpoint_html: endpoint(task.engine, "html", task.id)
    }))
    const path = engine === undefined ? ["v3", "serp", "tasks_ready"] : pathSegments(engine.paths.tasksReady)
    const data: Json = engine === undefined ? { api: "serp", function: "tasks_ready" } : engineData(engine, "tasks_ready")
    return ok(envelope(20000, messages.ok, [taskEntry(newId(now), 20000, messages.ok, path, data, result)]))
  }

  interface Cursor {
    readonly queue: Map<string, TaskRecord>
    readonly iterator: Iterator<TaskRecord>
    head: TaskRecord | undefined
  }

  /** Up to `limit` completed, uncollected tasks, oldest completion first; drops those past retention. */
  const takeReady = (queues: ReadonlyArray<Map<string, TaskRecord>>, now: number, limit: number): Array<TaskRecord> => {
    const advance = (cursor: Cursor): void => {
      for (;;) {
        const next = cursor.iterator.next()
        if (next.done === true) {
          cursor.head = undefined
          return
        }
        const task = next.value
        if (task.doneAt + options.retention.tasksReady <= now) {
          cursor.queue.delete(task.id)
          continue
        }
        cursor.head = task.doneAt <= now ? task : undefined
        return
      }
    }
    const cursors: Array<Cursor> = queues.map((queue) => ({ queue, iterator: queue.values(), head: undefined }))
    cursors.forEach(advance)
    const out: Array<TaskRecord> = []
    while (out.length < limit) {
      let best: Cursor | undefined
      for (const cursor of cursors) {
        if (cursor.head !== undefined && (best?.head === undefined || cursor.head.doneAt < best.head.doneAt)) best = cursor
      }
      if (best?.head === undefined) break
      out.push(best.head)
      advance(best)
    }
    return out
  }

  const collect = (task: TaskRecord): void => {
    task.collected = true
    readyQueue(task.account, task.engine, task.priority)?.delete(task.id)
  }

  // --- task_get
  const taskGetEntry = (task: TaskRecord, format: ResultFormat, now: number): { readonly entry: Json; readonly done: boolean } => {
    const path = pathSegments(endpoint(task.engine, format, task.id))
    const data: Json = { ...task.data, function: "task_get" }
    if (now < task.doneAt) {
      const handed = now < task.postedAt + (task.doneAt - task.postedAt) / 10
      return { entry: taskEntry(task.id, handed ? 40601 : 40602, handed ? messages.handed : messages.inQueue, path, data, null), done: false }
    }
    if (task.fault !== undefined) {
      const code = task.fault === "se_error" ? 40101 : 40103
      return { entry: taskEntry(task.id, code, code === 40101 ? messages.seError : messages.failed, path, data, null), done: true }
    }
    const result = SerpGenerator.generate(task, format, SerpGenerator.formatDatetime(task.doneAt), options.seed, options.sparse)
    return { entry: taskEntry(task.id, 20000, messages.ok, path, data, [result]), done: true }
  }

  const taskGet = (account: AccountState, engine: AnyEngine, format: ResultFormat, id: string, now: number): Outcome => {
    const path = pathSegments(endpoint(engine, format, id))
    const data = engineData(engine, "task_get")
    const single = (status: number, message: string, result: ReadonlyArray<unknown> | null = null) =>
      ok(envelope(20000, messages.ok, [taskEntry(id, status, message, path, data, result)]))
    if (id === ZERO_ID) {
      return single(20000, messages.ok, [SerpGenerator.allTypes(engine, format, SerpGenerator.formatDatetime(now), options.seed)])
    }
    const task = tasks.get(id)
    if (task === undefined) return single(40401, messages.taskNotFound)
    if (task.account !== account) return single(40001, messages.otherClient)
    if (task.engine.se !== engine.se) return single(40002, messages.otherEngine)
    if (task.engine.seType !== engine.seType) return single(40003, messages.otherType)
    if (now - task.postedAt > (format === "html" ? options.retention.html : options.retention.results)) {
      return single(40403, messages.expired)
    }
    const { done, entry } = taskGetEntry(task, format, now)
    if (done && !task.collected) collect(task)
    return ok(envelope(20000, messages.ok, [entry]))
  }

  // --- id_list
  const idList = (account: AccountState, text: string | undefined, now: number): Outcome => {
    const parsed = parseArray(text)
    if (Either.isLeft(parsed)) return parsed.left
    const item = parsed.right[0]
    const json: Json = isObject(item) ? item : {}
    const path = ["v3", "serp", "id_list"]
    const data: Json = { api: "serp", function: "id_list", ...json }
    const invalid = (field: string) => ok(envelope(20000, messages.ok, [taskEntry(newId(now), 40501, `Invalid Field: '${field}'.`, path, data, null)]))
    const from = parseDatetime(json["datetime_from"])
    if (from === undefined) return invalid("datetime_from")
    const to = parseDatetime(json["datetime_to"])
    if (to === undefined) return invalid("datetime_to")
    const limit = json["limit"] ?? 1000
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) return invalid("limit")
    const offset = json["offset"] ?? 0
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) return invalid("offset")
    const sort = json["sort"] ?? "asc"
    if (sort !== "asc" && sort !== "desc") return invalid("sort")
    const metadata = json["include_metadata"] === true
    const posted = account.posted
    const first = bound(posted, from, false)
    const end = bound(posted, Math.min(to, now - options.idListLag), true)
    const count = Math.max(0, end - first)
    const result: Array<Json> = []
    for (let k = offset; k < Math.min(count, offset + limit); k++) {
      const task = posted[sort === "asc" ? first + k : end - 1 - k]
      if (task === undefined) continue
      const done = now >= task.doneAt
      const status = !done
        ? messages.inQueue
        : task.fault === "se_error"
        ? messages.seError
        : task.fault === "execution_failed"
        ? messages.failed
        : messages.ok
      result.push({
        id: task.id,
        url: task.url,
        datetime_posted: SerpGenerator.formatDatetime(task.postedAt),
        datetime_done: done ? SerpGenerator.formatDatetime(task.doneAt) : null,
        status,
        cost: task.cost,
        metadata: metadata ? task.data : null
      })
    }
    return ok(envelope(20000, messages.ok, [taskEntry(newId(now), 20000, messages.ok, path, data, result)]))
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

  // --- errors
  const errorsList = (account: AccountState, text: string | undefined, now: number): Outcome => {
    // every filter is optional: no body lists the last errors
    const parsed = text === undefined ? Either.right([{}]) : parseArray(text)
    if (Either.isLeft(parsed)) return parsed.left
    const item = parsed.right[0]
    const json: Json = isObject(item) ? item : {}
    const path = ["v3", "serp", "errors"]
    const data: Json = { api: "serp", function: "errors", ...json }
    const limit = typeof json["limit"] === "number" ? Math.min(1000, Math.max(1, json["limit"])) : 1000
    const offset = typeof json["offset"] === "number" ? Math.max(0, json["offset"]) : 0
    const fn = stringField(json, "filtered_function")
    const from = parseDatetime(json["datetime_from"]) ?? now - options.retention.errors
    const to = parseDatetime(json["datetime_to"]) ?? now
    const matching = account.errors.filter((error) =>
      error.at >= Math.max(from, now - options.retention.errors) && error.at <= to &&
      (fn === undefined || error.json["function"] === fn)
    )
    const result = matching.slice(offset, offset + limit).map((error) => error.json)
    return ok(envelope(20000, messages.ok, [taskEntry(newId(now), 20000, messages.ok, path, data, result)]))
  }

  // --- webhook_resend
  const webhookResend = (account: AccountState, text: string | undefined, now: number): Outcome => {
    const parsed = parseArray(text)
    if (Either.isLeft(parsed)) return parsed.left
    const path = ["v3", "appendix", "webhook_resend"]
    let queued = false
    const entries = parsed.right.map((item, index) => {
      const json: Json = isObject(item) ? item : {}
      const id = stringField(json, "id") ?? ""
      const data: Json = { api: "appendix", function: "webhook_resend", ...json }
      if (index >= 100) return taskEntry(id, 40006, messages.tooManyTasks, path, data, null)
      const task = tasks.get(id)
      if (task === undefined || task.account !== account) return taskEntry(id, 40401, messages.taskNotFound, path, data, null)
      const at = Math.max(now, task.doneAt)
      if (task.pingbackUrl !== undefined) deliveries.push(at, { task, kind: "pingback" })
      if (task.postbackUrl !== undefined) deliveries.push(at, { task, kind: "postback" })
      queued = true
      return taskEntry(id, 20000, messages.ok, path, data, null)
    })
    if (queued) Queue.unsafeOffer(wakeup, undefined)
    return ok(envelope(20000, messages.ok, entries))
  }

  // --- user_data
  const userData = (account: AccountState, now: number): Outcome => {
    const minuteLimits = {
      task_post: options.perMinute.task_post,
      tasks_ready: options.perMinute.tasks_ready,
      task_get: {
        regular: options.perMinute.task_get,
        advanced: options.perMinute.task_get,
        html: options.perMinute.task_get
      },
      id_list: options.perMinute.id_list,
      errors: options.perMinute.errors
    }
    const used = (fn: SandboxFunction) => account.limits.get(fn)?.used(now) ?? 0
    const taskGetUsed = used("task_get")
    const result = {
      login: account.login,
      timezone: "UTC",
      rates: {
        limits: { day: { serp: {} }, minute: { total: options.perMinute.task_post, serp: minuteLimits } },
        statistics: {
          day: { serp: {} },
          minute: {
            total: functions.reduce((sum, fn) => sum + used(fn), 0),
            serp: {
              task_post: used("task_post"),
              tasks_ready: used("tasks_ready"),
              task_get: { regular: taskGetUsed, advanced: 0, html: 0 },
              id_list: used("id_list"),
              errors: used("errors")
            }
          }
        }
      },
      money: {
        total: account.deposited,
        balance: account.balance,
        limits: { day: { total: 0 }, minute: { total: 0 } },
        statistics: { day: { total: account.spent }, minute: { total: 0 } }
      },
      // as DataForSEO's OpenAPI models have it: entries of `cost_type` and `cost`, in lists by priority
      price: {
        serp: {
          task_post: {
            priority_normal: [{ cost_type: "per_result", cost: options.prices.normal }],
            priority_high: [{ cost_type: "per_result", cost: options.prices.high }]
          }
        }
      },
      backlinks_subscription_expiry_date: null,
      llm_mentions_subscription_expiry_date: null
    }
    return ok(
      envelope(20000, messages.ok, [
        taskEntry(newId(now), 20000, messages.ok, ["v3", "appendix", "user_data"], { api: "appendix", function: "user_data" }, [result])
      ])
    )
  }

  // --- dispatch
  const run = (route: Route, account: AccountState, request: EmulatorRequest, text: string | undefined, now: number): Outcome => {
    switch (route.fn) {
      case "task_post":
        return taskPost(account, route.engine, request, text, now)
      case "tasks_ready":
        return tasksReady(account, route.engine, now)
      case "task_get":
        return taskGet(account, route.engine, route.format, route.id, now)
      case "id_list":
        return idList(account, text, now)
      case "errors":
        return errorsList(account, text, now)
      case "webhook_resend":
        return webhookResend(account, text, now)
      case "user_data":
        return userData(account, now)
    }
  }

  const jsonReply = (outcome: Outcome, started: bigint, ended: bigint): EmulatorResponse => {
    outcome.body["time"] = seconds(ended - started)
    return {
      _tag: "Reply",
      status: outcome.status,
      headers: { "content-type": "application/json; charset=utf-8", ...outcome.headers },
      body: JSON.stringify(outcome.body)
    }
  }

  const bodyText = (request: EmulatorRequest): Either.Either<string | undefined, Outcome> => {
    if (request.body === undefined || request.body.length === 0) return Either.right(undefined)
    const body = request.body
    if ((request.headers["content-encoding"] ?? "").toLowerCase().includes("gzip")) {
      return Either.mapBoth(Either.try(() => utf8.decode(gunzipSync(body))), {
        onLeft: () => ok(envelope(40503, messages.invalid, [])),
        onRight: (text) => text
      })
    }
    return Either.right(utf8.decode(body))
  }

  const refuse = (fn: SandboxFunction, code: number, message: string, started: bigint): Effect.Effect<EmulatorResponse> => {
    rejected.set(fn, (rejected.get(fn) ?? 0) + 1)
    return Effect.succeed(jsonReply(ok(envelope(code, message, [])), started, started))
  }

  // One synchronous step for an ordinary call (reads the Clock without a fiber yield): this is the
  // loopback server's hot path. Only latency and slow replies sleep.
  const handle = (request: EmulatorRequest): Effect.Effect<EmulatorResponse> =>
    Effect.clockWith((clock) => {
      const started = clock.unsafeCurrentTimeNanos()
      const route = routeOf(request.method.toUpperCase(), pathOf(request.url))
      if (route === undefined) return Effect.succeed(jsonReply({ status: 404, body: envelope(40400, messages.notFound, []) }, started, started))
      // Every call that reaches a function counts, faulted ones too: the client did send it.
      meters.get(route.fn)?.record(clock.unsafeCurrentTimeMillis())
      const fault = faults.nextRequestFault(route.fn)
      if (fault === "drop_before_processing") return Effect.succeed(dropped)
      if (fault === "http_500") return Effect.succeed(jsonReply({ status: 500, body: envelope(50000, messages.internal, []) }, started, started))
      if (fault === "internal_error") return Effect.succeed(jsonReply(ok(envelope(50000, messages.internal, [])), started, started))
      if (fault === "rate_limited") return Effect.succeed(jsonReply(ok(envelope(40202, messages.rateLimit, [])), started, started))
      const account = authenticate(request.headers["authorization"])
      if (account === undefined) {
        return Effect.succeed(jsonReply(
          { status: 401, body: envelope(40100, messages.unauthorized, []), headers: { "www-authenticate": "Basic realm=\"DataForSEO\"" } },
          started,
          started
        ))
      }
      const now = clock.unsafeCurrentTimeMillis()
      if (account.inFlight >= options.simultaneous) return refuse(route.fn, 40209, messages.simultaneous, started)
      if (account.limits.get(route.fn)?.tryAcquire(now) === false) return refuse(route.fn, 40202, messages.rateLimit, started)
      const text = bodyText(request)
      const process = (at: number): EmulatorResponse => {
        const reply = jsonReply(Either.isLeft(text) ? text.left : run(route, account, request, text.right, at), started, clock.unsafeCurrentTimeNanos())
        if (reply._tag === "Drop" || fault === "drop_after_processing") return dropped
        if (typeof reply.body !== "string") return reply
        if (fault === "truncated_json") return { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) }
        if (fault === "malformed_json") return { ...reply, body: reply.body.replace(":", " ") }
        if (fault === "truncated_gzip") return truncatedGzip(reply.headers, reply.body)
        return reply
      }
      if (options.latency === 0 && fault !== "slow_reply") return Effect.succeed(process(now))
      account.inFlight++
      return Effect.gen(function*() {
        if (options.latency > 0) yield* Effect.sleep(options.latency)
        const reply = process(clock.unsafeCurrentTimeMillis())
        if (fault === "slow_reply") yield* Effect.sleep(options.slowReply)
        return reply
      }).pipe(Effect.ensuring(Effect.sync(() => {
        account.inFlight--
      })))
    })

  // --- webhooks
  const webhooks: WebhookSource = {
    wakeup,
    nextDueAt: () => deliveries.peekAt(),
    takeDue: (now) => {
      const due: Array<Delivery> = []
      for (let next = deliveries.popDue(now); next !== undefined; next = deliveries.popDue(now)) {
        const { kind, task } = next
        const url = kind === "pingback" ? task.pingbackUrl : task.postbackUrl
        if (url === undefined) continue
        const body = kind === "postback"
          ? gzipSync(utf8Encoder.encode(JSON.stringify(envelope(20000, messages.ok, [taskGetEntry(task, task.postbackData, now).entry]))))
          : undefined
        due.push({ taskId: task.id, kind, url: substitute(url, task.id, task.tag), body })
      }
      return due
    },
    settle: (delivery: Delivery, outcome: DeliveryOutcome, now: number) => {
      const task = tasks.get(delivery.taskId)
      if (task === undefined) return
      if (outcome.ok) {
        totals.delivered++
        if (delivery.kind === "postback") readyQueue(task.account, task.engine, task.priority)?.delete(task.id)
        return
      }
      totals.failed++
      task.account.errors.push({
        at: now,
        json: {
          id: task.id,
          datetime: SerpGenerator.formatDatetime(now),
          function: delivery.kind === "pingback" ? "pingback_url" : "postback_url",
          error_code: outcome.httpCode,
          error_message: outcome.errorMessage,
          http_url: delivery.url,
          http_method: delivery.kind === "pingback" ? "GET" : "POST",
          http_code: outcome.httpCode,
          http_time: outcome.timeMillis / 1000,
          http_response: outcome.response
        }
      })
    }
  }

  const info = (task: TaskRecord): TaskInfo => ({
    id: task.id,
    login: task.account.login,
    engine: task.engine.name,
    keyword: task.keyword,
    tag: task.tag,
    priority: task.priority,
    depth: task.depth,
    postedAt: task.postedAt,
    doneAt: task.doneAt,
    cost: task.cost,
    collected: task.collected,
    fault: task.fault
  })

  const copy = (map: Map<string, MutableTally>): ReadonlyMap<string, TaskTally> =>
    new Map([...map].map(([key, value]) => [key, { ...value }]))

  const callTally = (fn: SandboxFunction): CallTally => ({
    calls: meters.get(fn)?.total ?? 0,
    rejected: rejected.get(fn) ?? 0,
    peakPerMinute: meters.get(fn)?.peak ?? 0
  })

  return {
    handle,
    options,
    webhooks,
    stats: Effect.sync(() => ({
      tasksCreated: totals.created,
      tasksBilled: totals.billed,
      totalCost: totals.cost,
      byTag: copy(byTag),
      byKeyword: copy(byKeyword),
      calls: {
        task_post: callTally("task_post"),
        tasks_ready: callTally("tasks_ready"),
        task_get: callTally("task_get"),
        id_list: callTally("id_list"),
        errors: callTally("errors"),
        webhook_resend: callTally("webhook_resend"),
        user_data: callTally("user_data")
      },
      webhooks: { delivered: totals.delivered, failed: totals.failed }
    })),
    task: (id) => Effect.sync(() => Option.map(Option.fromNullable(tasks.get(id)), info)),
    tasks: Effect.sync(() => [...tasks.values()].map(info)),
    balance: (login) => Effect.sync(() => Option.map(Option.fromNullable(accounts.get(login)), (account) => account.balance)),
    scriptFaults: (fn, list) => Effect.sync(() => faults.script(fn, list)),
    scriptTaskFaults: (list) => Effect.sync(() => faults.scriptTasks(list))
  }
}
