/**
 * Reading a task_post reply: each task it lists matched to its submission, by the tag it echoes or, when
 * it echoes none, by the request it echoes.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import type { TaskJson } from "../../Engine.js"
import type * as Envelope from "../../Envelope.js"
import * as Keyword from "../../Keyword.js"
import * as StatusCode from "../../StatusCode.js"
import { sameJson } from "./sameJson.js"
import type { Created, Failed, Pending } from "./state.js"

/**
 * Where the unmatched submission tagged `tag` is in `batch` (-1 if none). Replies have so far listed tasks
 * in the order sent, so the submission at `hint` (the task's position in the reply) is tried first: a
 * reply in the same order costs one string comparison per task, and any other order is still matched
 * by tag alone. (Tags of one batch are unique.)
 */
const findTag = (batch: ReadonlyArray<Pending | undefined>, tag: string, hint: number): number =>
  batch[hint]?.tag === tag ? hint : batch.findIndex((p) => p?.tag === tag)

/** Whether `echoed`, a keyword in a reply's `data`, is `sent`: as sent, or as the API decodes it. */
const sameKeyword = (sent: unknown, echoed: unknown): boolean =>
  sent === echoed || (typeof sent === "string" && echoed === Keyword.searchText(Keyword.fromWire(sent)))

/**
 * Whether a reply's `data` echoes `request`: every field sent is there with the value sent (the API adds
 * `api`, `function`, `se`, `se_type` and defaults such as `device`; the tag is left aside).
 */
const echoes = (data: TaskJson, request: TaskJson): boolean => {
  for (const key in request) {
    const sent = request[key]
    if (key === "tag" || sent === undefined) continue
    if (!(key === "keyword" ? sameKeyword(sent, data[key]) : sameJson(sent, data[key]))) return false
  }
  return true
}

/**
 * The unmatched submission a reply's task belongs to (-1 if none): by the tag it echoes, or, when it echoes
 * none, by the request it echoes in `data`. Submissions that differ only in their tags are interchangeable.
 */
const findSubmission = (
  batch: ReadonlyArray<Pending | undefined>,
  data: TaskJson | null | undefined,
  hint: number
): number => {
  const tag = data?.["tag"]
  if (typeof tag === "string") return findTag(batch, tag, hint)
  if (data === null || data === undefined) return -1
  return batch[hint] !== undefined && echoes(data, batch[hint].request)
    ? hint
    : batch.findIndex((p) => p !== undefined && echoes(data, p.request))
}

/** A task_post reply, read: the tasks created, the tasks failed, the tasks matching no submission, and the submissions it does not mention. */
export interface Matched {
  readonly posted: ReadonlyArray<Created>
  readonly failed: ReadonlyArray<Failed>
  /** Tasks created (or billed) that the reply does not tie to a submission. */
  readonly strays: ReadonlyArray<{ readonly id: string; readonly cost: number }>
  /** Submissions the reply does not mention: whether they were created is unknown. */
  readonly missing: ReadonlyArray<Pending>
}

/** Matches each task of a task_post reply to its submission in `batch`. */
export const matchReply = (batch: ReadonlyArray<Pending>, reply: Envelope.Envelope<unknown>) =>
  Effect.gen(function*() {
    const unmatched: Array<Pending | undefined> = batch.slice()
    const posted: Array<Created> = []
    const failed: Array<Failed> = []
    const strays: Array<{ readonly id: string; readonly cost: number }> = []
    let position = 0
    for (const task of reply.tasks) {
      const index = findSubmission(unmatched, task.data, position++)
      const pending = unmatched[index]
      if (pending === undefined) {
        yield* Effect.logWarning("task_post returned a task that matches no submission").pipe(
          Effect.annotateLogs({ taskId: task.id, code: task.status_code, cost: task.cost })
        )
        if (task.status_code === 20100 || task.cost > 0) strays.push({ id: task.id, cost: task.cost })
        continue
      }
      unmatched[index] = undefined
      if (task.status_code === 20100) {
        posted.push({ correlationKey: pending.correlationKey, taskId: task.id, cost: task.cost, pending })
      } else {
        const info = StatusCode.classify(task.status_code)
        if (task.status_code === 40006) {
          yield* Effect.logError("40006: a POST carried more than 100 tasks; this is a bug of the batcher")
        }
        failed.push([
          pending,
          StatusCode.toError(task.status_code, task.status_message, { taskId: task.id }),
          { billed: info.billed === true || task.cost > 0, cost: task.cost }
        ])
      }
    }
    const matched: Matched = { posted, failed, strays, missing: unmatched.filter((p) => p !== undefined) }
    return matched
  })
