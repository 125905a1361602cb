/**
 * The emulator's state as one explicit record: accounts, tasks, call meters, tallies and the webhook
 * queue. Every endpoint module takes it as its first argument and changes it in place.
 *
 * @internal
 */
import type * as Queue from "effect/Queue"
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import { FaultInjector, functions } from "../Faults.js"
import type { SandboxFunction, TaskFault } from "../Faults.js"
import type { ResolvedOptions, SandboxAccount } from "../Options.js"
import type { SerpTask } from "../SerpGenerator.js"
import { PeakMeter, SlidingLimit } from "./callWindow.js"
import { makeRoutes } from "./routes.js"
import type { Routes } from "./routes.js"
import { hash } from "./seeded.js"
import { DueQueue } from "./webhookDelivery.js"
import { roundMoney } from "./wire.js"
import type { Json } from "./wire.js"

/** One task as the emulator holds it. Only `collected` changes after posting. */
export interface TaskRecord extends SerpTask {
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

/** One entry of the errors endpoint, with its time. */
export interface ErrorRecord {
  readonly at: number
  readonly json: Json
}

/** One account: its money, its limits and its tasks. */
export interface AccountState {
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

/** Tasks and money for one tag or one keyword, as it is counted. */
export interface MutableTally {
  created: number
  billed: number
  cost: number
}

/** One queued webhook call: the task, and which of its webhooks. */
export interface PendingDelivery {
  readonly task: TaskRecord
  readonly kind: "pingback" | "postback"
}

/** What task ids are made of: a node part from the seed, a counter, and the prefix of the current minute. */
export interface TaskIds {
  readonly node: string
  counter: number
  prefixMinute: number
  prefix: string
}

/** Everything the emulator holds. */
export interface EmulatorState {
  readonly options: ResolvedOptions
  readonly faults: FaultInjector
  /** Offered to whenever a webhook is queued, to wake the delivery loop. */
  readonly wakeup: Queue.Queue<void>
  readonly routes: Routes
  readonly accounts: Map<string, AccountState>
  /** Authorization headers already checked, with the account they name (undefined for a wrong one). */
  readonly byAuthorization: Map<string, AccountState | undefined>
  readonly tasks: Map<string, TaskRecord>
  readonly meters: Map<SandboxFunction, PeakMeter>
  readonly rejected: Map<SandboxFunction, number>
  readonly byTag: Map<string, MutableTally>
  readonly byKeyword: Map<string, MutableTally>
  readonly totals: { created: number; billed: number; cost: number; delivered: number; failed: number }
  readonly deliveries: DueQueue<PendingDelivery>
  readonly ids: TaskIds
  /** Whether a duplicate limit is set (both are off by default). */
  readonly duplicatesOn: boolean
}

const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, "0").slice(-width)
const pad2 = (n: number): string => String(n).padStart(2, "0")

const makeAccount = (options: ResolvedOptions, account: SandboxAccount): AccountState => ({
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

/** A fresh state for the options: the configured accounts, nothing posted or called yet. */
export const makeState = (options: ResolvedOptions, wakeup: Queue.Queue<void>): EmulatorState => ({
  options,
  faults: new FaultInjector(options.faults, options.seed),
  wakeup,
  routes: makeRoutes(options),
  accounts: new Map(options.accounts.map((account) => [account.login, makeAccount(options, account)])),
  byAuthorization: new Map(),
  tasks: new Map(),
  meters: new Map(functions.map((fn) => [fn, new PeakMeter(options.window)] as const)),
  rejected: new Map(functions.map((fn) => [fn, 0])),
  byTag: new Map(),
  byKeyword: new Map(),
  totals: { created: 0, billed: 0, cost: 0, delivered: 0, failed: 0 },
  deliveries: new DueQueue(),
  ids: { node: hex(hash("node", options.seed), 4), counter: 0, prefixMinute: -1, prefix: "" },
  duplicatesOn: Number.isFinite(options.duplicateTasksPerHour) || Number.isFinite(options.duplicateTasksPerDay)
})

/** 8-4-4-4-12 hex: MMDDhhmm of the clock, a node part from the seed, the counter, a mix of both. */
export const newId = (state: EmulatorState, now: number): string => {
  const ids = state.ids
  const minute = Math.floor(now / 60_000)
  if (minute !== ids.prefixMinute) {
    const d = new Date(now)
    ids.prefixMinute = minute
    ids.prefix = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${
      pad2(d.getUTCMinutes())
    }-${ids.node}-`
  }
  const n = ids.counter++
  return `${ids.prefix}${hex(Math.floor(n / 0x10000), 4)}-${hex(n, 4)}-${
    hex(Math.imul(n ^ state.options.seed, 0x9e3779b1), 8)
  }${hex(n >>> 16, 4)}`
}

/** The account an Authorization header names with the right password, or undefined. Remembers up to 10,000 headers. */
export const authenticate = (state: EmulatorState, header: string | undefined): AccountState | undefined => {
  if (header === undefined) return undefined
  if (state.byAuthorization.has(header)) return state.byAuthorization.get(header)
  const match = /^Basic\s+(.+)$/i.exec(header.trim())
  let found: AccountState | undefined
  if (match !== null && match[1] !== undefined) {
    const decoded = Buffer.from(match[1], "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    const account = colon < 0 ? undefined : state.accounts.get(decoded.slice(0, colon))
    found = account !== undefined && account.password === decoded.slice(colon + 1) ? account : undefined
  }
  if (state.byAuthorization.size < 10_000) state.byAuthorization.set(header, found)
  return found
}

/** The queue of an account's uncollected tasks for one engine and priority. */
export const readyQueue = (
  account: AccountState,
  engine: AnyEngine,
  priority: 1 | 2
): Map<string, TaskRecord> | undefined => {
  const pair = account.ready.get(engine.name)
  return pair === undefined ? undefined : priority === 2 ? pair[1] : pair[0]
}

/** Counts one created task, and its cost, under a key. */
export const tally = (map: Map<string, MutableTally>, key: string, cost: number): void => {
  const entry = map.get(key) ?? { created: 0, billed: 0, cost: 0 }
  entry.created++
  if (cost > 0) entry.billed++
  entry.cost = roundMoney(entry.cost + cost)
  map.set(key, entry)
}

/** Queues a task's webhooks for `at`, and wakes the delivery loop. */
export const queueWebhooks = (state: EmulatorState, task: TaskRecord, at: number): boolean => {
  if (task.pingbackUrl !== undefined) state.deliveries.push(at, { task, kind: "pingback" })
  if (task.postbackUrl !== undefined) state.deliveries.push(at, { task, kind: "postback" })
  return task.pingbackUrl !== undefined || task.postbackUrl !== undefined
}
