/**
 * The emulator's side of webhook delivery: the deliveries due at a time, with their URLs and postback
 * bodies, and what a delivery's outcome changes (a delivered postback collects the task, a failure is
 * listed by the errors endpoint).
 *
 * @internal
 */
import { gzipSync } from "node:zlib"
import * as SerpGenerator from "../SerpGenerator.js"
import type { EmulatorState } from "./emulatorState.js"
import { readyQueue } from "./emulatorState.js"
import { taskGetEntry } from "./taskResults.js"
import type { Delivery, DeliveryOutcome, WebhookSource } from "./webhookDelivery.js"
import { substitute } from "./webhookDelivery.js"
import { envelope, messages } from "./wire.js"

const utf8Encoder = new TextEncoder()

/** The emulator's deliveries, for the delivery loop. */
export const makeWebhookSource = (state: EmulatorState): WebhookSource => ({
  wakeup: state.wakeup,
  nextDueAt: () => state.deliveries.peekAt(),
  takeDue: (now) => takeDue(state, now),
  settle: (delivery, outcome, now) => settle(state, delivery, outcome, now)
})

/** Removes and returns every delivery due at `now`; a postback carries the task's result, gzipped. */
const takeDue = (state: EmulatorState, now: number): ReadonlyArray<Delivery> => {
  const due: Array<Delivery> = []
  for (let next = state.deliveries.popDue(now); next !== undefined; next = state.deliveries.popDue(now)) {
    const { kind, task } = next
    const url = kind === "pingback" ? task.pingbackUrl : task.postbackUrl
    if (url === undefined) continue
    const body = kind === "postback"
      ? gzipSync(
        utf8Encoder.encode(
          JSON.stringify(envelope(20000, messages.ok, [taskGetEntry(state, task, task.postbackData, now).entry]))
        )
      )
      : undefined
    due.push({ taskId: task.id, kind, url: substitute(url, task.id, task.tag), body })
  }
  return due
}

/** Counts a delivery; a delivered postback collects the task, a failed delivery becomes an error entry. */
const settle = (state: EmulatorState, delivery: Delivery, outcome: DeliveryOutcome, now: number): void => {
  const task = state.tasks.get(delivery.taskId)
  if (task === undefined) return
  if (outcome.ok) {
    state.totals.delivered++
    if (delivery.kind === "postback") readyQueue(task.account, task.engine, task.priority)?.delete(task.id)
    return
  }
  state.totals.failed++
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
