/**
 * tasks_ready and task_get: the completed tasks not yet collected, oldest completion first, and one
 * task's result in a format. A task leaves tasks_ready when its result is fetched (or postback delivered).
 *
 * @internal
 */
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import * as SerpGenerator from "../SerpGenerator.js"
import type { AccountState, EmulatorState, TaskRecord } from "./emulatorState.js"
import { newId, readyQueue } from "./emulatorState.js"
import type { Json, Outcome } from "./wire.js"
import { engineData, envelope, messages, ok, pathSegments, taskEntry } from "./wire.js"

const ZERO_ID = "00000000-0000-0000-0000-000000000000"

const endpoint = (engine: AnyEngine, format: ResultFormat, id: string): string => engine.paths.taskGet(format, id)

/** Answers tasks_ready, for one engine or (`engine` undefined) for every engine. */
export const tasksReady = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine | undefined,
  now: number
): Outcome => {
  const queues: Array<Map<string, TaskRecord>> = []
  for (const e of engine === undefined ? state.options.engines : [engine]) {
    const pair = account.ready.get(e.name)
    if (pair !== undefined) queues.push(pair[0], pair[1])
  }
  const result = takeReady(queues, now, state.options.retention.tasksReady, 1000).map((task) => ({
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
  return ok(envelope(20000, messages.ok, [taskEntry(newId(state, now), 20000, messages.ok, path, data, result)]))
}

/** A walk through one ready queue: the queue, where the walk is, and its completed task at the head. */
interface Cursor {
  readonly queue: Map<string, TaskRecord>
  readonly iterator: Iterator<TaskRecord>
  head: TaskRecord | undefined
}

/** Moves a cursor to its next task, dropping those past retention; the head is undefined if it is not done. */
const advance = (cursor: Cursor, now: number, retention: number): void => {
  for (;;) {
    const next = cursor.iterator.next()
    if (next.done === true) {
      cursor.head = undefined
      return
    }
    const task = next.value
    if (task.doneAt + retention <= now) {
      cursor.queue.delete(task.id)
      continue
    }
    cursor.head = task.doneAt <= now ? task : undefined
    return
  }
}

/** Up to `limit` completed, uncollected tasks, oldest completion first; drops those past retention. */
const takeReady = (
  queues: ReadonlyArray<Map<string, TaskRecord>>,
  now: number,
  retention: number,
  limit: number
): Array<TaskRecord> => {
  const cursors: Array<Cursor> = queues.map((queue) => ({ queue, iterator: queue.values(), head: undefined }))
  for (const cursor of cursors) advance(cursor, now, retention)
  const out: Array<TaskRecord> = []
  while (out.length < limit) {
    let best: Cursor | undefined
    for (const cursor of cursors) {
      if (cursor.head !== undefined && (best?.head === undefined || cursor.head.doneAt < best.head.doneAt)) {
        best = cursor
      }
    }
    if (best?.head === undefined) break
    out.push(best.head)
    advance(best, now, retention)
  }
  return out
}

/** One task's entry in a task_get reply (or a postback), and whether the task is done. */
export const taskGetEntry = (
  state: EmulatorState,
  task: TaskRecord,
  format: ResultFormat,
  now: number
): { readonly entry: Json; readonly done: boolean } => {
  const path = pathSegments(endpoint(task.engine, format, task.id))
  const data: Json = { ...task.data, function: "task_get" }
  if (now < task.doneAt) {
    const handed = now < task.postedAt + (task.doneAt - task.postedAt) / 10
    return {
      entry: taskEntry(task.id, handed ? 40601 : 40602, handed ? messages.handed : messages.inQueue, path, data, null),
      done: false
    }
  }
  if (task.fault !== undefined) {
    const code = task.fault === "se_error" ? 40101 : 40103
    return {
      entry: taskEntry(task.id, code, code === 40101 ? messages.seError : messages.failed, path, data, null),
      done: true
    }
  }
  const options = state.options
  const result = SerpGenerator.generate(
    task,
    format,
    SerpGenerator.formatDatetime(task.doneAt),
    options.seed,
    options.sparse
  )
  return { entry: taskEntry(task.id, 20000, messages.ok, path, data, [result]), done: true }
}

/** Answers task_get. The all-zero id gives one item of every type; a done task is collected. */
export const taskGet = (
  state: EmulatorState,
  account: AccountState,
  engine: AnyEngine,
  format: ResultFormat,
  id: string,
  now: number
): Outcome => {
  const options = state.options
  const path = pathSegments(endpoint(engine, format, id))
  const data = engineData(engine, "task_get")
  const single = (status: number, message: string, result: ReadonlyArray<unknown> | null = null) =>
    ok(envelope(20000, messages.ok, [taskEntry(id, status, message, path, data, result)]))
  if (id === ZERO_ID) {
    return single(20000, messages.ok, [
      SerpGenerator.allTypes(engine, format, SerpGenerator.formatDatetime(now), options.seed)
    ])
  }
  const task = state.tasks.get(id)
  if (task === undefined) return single(40401, messages.taskNotFound)
  if (task.account !== account) return single(40001, messages.otherClient)
  if (task.engine.se !== engine.se) return single(40002, messages.otherEngine)
  if (task.engine.seType !== engine.seType) return single(40003, messages.otherType)
  if (now - task.postedAt > (format === "html" ? options.retention.html : options.retention.results)) {
    return single(40403, messages.expired)
  }
  const { done, entry } = taskGetEntry(state, task, format, now)
  if (done && !task.collected) collect(task)
  return ok(envelope(20000, messages.ok, [entry]))
}

/** Marks a task collected: it leaves tasks_ready. */
const collect = (task: TaskRecord): void => {
  task.collected = true
  readyQueue(task.account, task.engine, task.priority)?.delete(task.id)
}
