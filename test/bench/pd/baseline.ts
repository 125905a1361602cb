/**
 * The baseline of the CPU line: a hand-written loop over `fetch` and `JSON.parse` that makes the calls the
 * pipeline makes. It posts the tasks in bodies of 100, asks tasks_ready, and gets each ready task's advanced
 * result by id.
 */
import * as NaverOrganic from "../../../dist/NaverOrganic.js"
import { BenchFailure, login, password } from "./common.js"

interface Envelope<R> {
  readonly status_code: number
  readonly tasks: ReadonlyArray<{ readonly id: string; readonly status_code: number; readonly result: R }>
}

/** What the loop saw: tasks posted and fetched, and its calls. */
export interface BaselineRun {
  readonly posted: number
  readonly fetched: number
  readonly items: number
  readonly tasksReadyCalls: number
}

/**
 * Posts `count` tasks (`concurrency` calls in flight), then fetches each one's advanced result as tasks_ready lists
 * it: `concurrency` task_get calls in flight, and tasks_ready asked again once its list is fetched, never sooner
 * than `tasksReadyEveryMs` after the previous ask (its limit).
 */
export const baseline = async (
  url: string,
  count: number,
  label: string,
  concurrency: number,
  tasksReadyEveryMs: number
): Promise<BaselineRun> => {
  const headers = {
    authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`,
    "content-type": "application/json",
    accept: "application/json",
    "accept-encoding": "gzip"
  }
  const paths = NaverOrganic.engine.paths
  const call = async <R>(path: string, body?: string): Promise<Envelope<R>> => {
    const response = await fetch(`${url}${path}`, body === undefined ? { headers } : { method: "POST", headers, body })
    const reply: Envelope<R> = JSON.parse(await response.text())
    if (response.status !== 200 || reply.status_code !== 20000) {
      throw new BenchFailure(`baseline ${path}: HTTP ${response.status}, ${reply.status_code}`)
    }
    return reply
  }
  const posts = Math.ceil(count / 100)
  const waiting = new Set<string>()
  let next = 0
  const poster = async () => {
    for (let post = next++; post < posts; post = next++) {
      const tasks = []
      for (let i = post * 100 + 1; i <= Math.min(count, (post + 1) * 100); i++) {
        tasks.push({ keyword: `keyword ${label} ${i}` })
      }
      const reply = await call<unknown>(paths.taskPost, JSON.stringify(tasks))
      for (const task of reply.tasks) {
        if (task.status_code !== 20100) throw new BenchFailure(`baseline task_post: ${task.status_code}`)
        waiting.add(task.id)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, poster))

  let fetched = 0
  let items = 0
  let tasksReadyCalls = 0
  const queue: Array<string> = []
  const getter = async () => {
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      const reply = await call<ReadonlyArray<{ readonly items: ReadonlyArray<unknown> }>>(
        paths.taskGet("advanced", id)
      )
      const task = reply.tasks[0]
      if (task?.status_code !== 20000) throw new BenchFailure(`baseline task_get: ${task?.status_code}`)
      items += task.result[0]?.items.length ?? 0
      fetched++
    }
  }
  let lastAsked = -Infinity
  while (waiting.size > 0) {
    const wait = lastAsked + tasksReadyEveryMs - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    lastAsked = performance.now()
    tasksReadyCalls++
    const reply = await call<ReadonlyArray<{ readonly id: string }>>(paths.tasksReady)
    for (const item of reply.tasks[0]?.result ?? []) {
      if (waiting.delete(item.id)) queue.push(item.id)
    }
    await Promise.all(Array.from({ length: concurrency }, getter))
  }
  return { posted: posts, fetched, items, tasksReadyCalls }
}
