/**
 * The appendix functions: user_data (the account's limits, usage, money and prices) and webhook_resend
 * (queues a task's pingback and postback again).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import { functions } from "../Faults.js"
import type { SandboxFunction } from "../Faults.js"
import type { AccountState, EmulatorState } from "./emulatorState.js"
import { newId, queueWebhooks } from "./emulatorState.js"
import type { Json, Outcome } from "./wire.js"
import { envelope, isObject, messages, ok, parseArray, stringField, taskEntry } from "./wire.js"

/** Answers webhook_resend: each task of the account has its webhooks queued again, when it is done. */
export const webhookResend = (
  state: EmulatorState,
  account: AccountState,
  text: string | undefined,
  now: number
): Outcome => {
  const parsed = parseArray(text)
  if (Either.isLeft(parsed)) return parsed.left
  const path = ["v3", "appendix", "webhook_resend"]
  let queued = false
  const entries = parsed.right.map((item, index) => {
    const json: Json = isObject(item) ? item : {}
    const id = stringField(json, "id") ?? ""
    const data: Json = { api: "appendix", function: "webhook_resend", ...json }
    if (index >= 100) return taskEntry(id, 40006, messages.tooManyTasks, path, data, null)
    const task = state.tasks.get(id)
    if (task === undefined || task.account !== account) {
      return taskEntry(id, 40401, messages.taskNotFound, path, data, null)
    }
    queueWebhooks(state, task, Math.max(now, task.doneAt))
    queued = true
    return taskEntry(id, 20000, messages.ok, path, data, null)
  })
  if (queued) Queue.unsafeOffer(state.wakeup, undefined)
  return ok(envelope(20000, messages.ok, entries))
}

/** Answers user_data: the account's limits and their use in the current window, its money and prices. */
export const userData = (state: EmulatorState, account: AccountState, now: number): Outcome => {
  const options = state.options
  const used = (fn: SandboxFunction) => account.limits.get(fn)?.used(now) ?? 0
  const result = {
    login: account.login,
    timezone: "UTC",
    rates: {
      limits: { day: { serp: {} }, minute: { total: options.perMinute.task_post, serp: minuteLimits(state) } },
      statistics: {
        day: { serp: {} },
        minute: {
          total: functions.reduce((sum, fn) => sum + used(fn), 0),
          serp: {
            task_post: used("task_post"),
            tasks_ready: used("tasks_ready"),
            task_get: { regular: used("task_get"), advanced: 0, html: 0 },
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
    price: prices(state),
    backlinks_subscription_expiry_date: null,
    llm_mentions_subscription_expiry_date: null
  }
  return ok(
    envelope(20000, messages.ok, [
      taskEntry(newId(state, now), 20000, messages.ok, ["v3", "appendix", "user_data"], {
        api: "appendix",
        function: "user_data"
      }, [result])
    ])
  )
}

/** The per-minute limits of the SERP functions, task_get per format. */
const minuteLimits = (state: EmulatorState) => {
  const perMinute = state.options.perMinute
  return {
    task_post: perMinute.task_post,
    tasks_ready: perMinute.tasks_ready,
    task_get: { regular: perMinute.task_get, advanced: perMinute.task_get, html: perMinute.task_get },
    id_list: perMinute.id_list,
    errors: perMinute.errors
  }
}

/** As DataForSEO's OpenAPI models have it: entries of `cost_type` and `cost`, in lists by priority. */
const prices = (state: EmulatorState) => ({
  serp: {
    task_post: {
      priority_normal: [{ cost_type: "per_result", cost: state.options.prices.normal }],
      priority_high: [{ cost_type: "per_result", cost: state.options.prices.high }]
    }
  }
})
