/**
 * The body of `Emulator`: builds the state and exposes it as the service, with the snapshots tests read.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type { CallTally, SandboxStats, Service, TaskInfo, TaskTally } from "../Emulator.js"
import type { SandboxFunction } from "../Faults.js"
import type { SandboxOptions } from "../Options.js"
import { resolve } from "../Options.js"
import type { EmulatorState, MutableTally, TaskRecord } from "./emulatorState.js"
import { makeState } from "./emulatorState.js"
import { handle } from "./requestHandling.js"
import { makeWebhookSource } from "./webhookSource.js"

/** A new emulator: the state for the options, served as the `Emulator` service. */
export const make = (input: SandboxOptions = {}): Effect.Effect<Service> =>
  Effect.map(Queue.sliding<void>(1), (wakeup) => serviceOf(makeState(resolve(input), wakeup)))

const serviceOf = (state: EmulatorState): Service => ({
  handle: (request) => handle(state, request),
  options: state.options,
  webhooks: makeWebhookSource(state),
  stats: Effect.sync(() => stats(state)),
  task: (id) => Effect.sync(() => Option.map(Option.fromNullable(state.tasks.get(id)), info)),
  tasks: Effect.sync(() => [...state.tasks.values()].map(info)),
  balance: (login) =>
    Effect.sync(() => Option.map(Option.fromNullable(state.accounts.get(login)), (account) => account.balance)),
  scriptFaults: (fn, list) => Effect.sync(() => state.faults.script(fn, list)),
  scriptTaskFaults: (list) => Effect.sync(() => state.faults.scriptTasks(list))
})

const stats = (state: EmulatorState): SandboxStats => ({
  tasksCreated: state.totals.created,
  tasksBilled: state.totals.billed,
  totalCost: state.totals.cost,
  byTag: copy(state.byTag),
  byKeyword: copy(state.byKeyword),
  calls: {
    task_post: callTally(state, "task_post"),
    tasks_ready: callTally(state, "tasks_ready"),
    task_get: callTally(state, "task_get"),
    id_list: callTally(state, "id_list"),
    errors: callTally(state, "errors"),
    webhook_resend: callTally(state, "webhook_resend"),
    user_data: callTally(state, "user_data")
  },
  webhooks: { delivered: state.totals.delivered, failed: state.totals.failed }
})

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

const callTally = (state: EmulatorState, fn: SandboxFunction): CallTally => ({
  calls: state.meters.get(fn)?.total ?? 0,
  rejected: state.rejected.get(fn) ?? 0,
  peakPerMinute: state.meters.get(fn)?.peak ?? 0
})
