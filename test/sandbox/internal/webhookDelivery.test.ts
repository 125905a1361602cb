import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { gunzipSync } from "node:zlib"
import * as Emulator from "../../../src/sandbox/Emulator.js"
import * as Sandbox from "../../../src/sandbox/Sandbox.js"
import { firstTask, get, NAVER_POST, naverGet, post, receiver, settle } from "../helpers.js"
import { transports } from "../transports.js"

const base = Sandbox.inProcessBaseUrl
const readyIds = Effect.map(get(base, "/v3/serp/tasks_ready"), (r) => (firstTask(r).result ?? []).map((x) => x["id"]))
const errorsOf = (filter: Record<string, unknown> = {}) =>
  Effect.map(post(base, "/v3/serp/errors", [filter]), (r) => firstTask(r).result ?? [])

for (const { layer, name } of transports) {
  describe(name, () => {
    describe("webhooks", () => {
      it.effect("pingback: a GET when the task is done, $id and $tag substituted; the task stays in tasks_ready until fetched", () => {
        const hook = receiver()
        return Effect.gen(function*() {
          const id = firstTask(
            yield* post(base, NAVER_POST, [{
              keyword: "핑",
              tag: "a b/c",
              pingback_url: "http://hooks.test/ping?id=$id&tag=$tag"
            }])
          ).id
          yield* settle
          yield* TestClock.adjust("1 second")
          yield* settle
          expect(hook.calls).toHaveLength(0)
          yield* TestClock.adjust("1 second")
          yield* settle
          expect(hook.calls.map((c) => [c.method, c.url])).toEqual([[
            "GET",
            `http://hooks.test/ping?id=${id}&tag=a%20b%2Fc`
          ]])
          expect(yield* readyIds).toEqual([id])
          yield* get(base, naverGet("regular", id))
          expect(yield* readyIds).toEqual([])
          expect((yield* Effect.flatMap(Emulator.Emulator, (e) => e.stats)).webhooks).toEqual({
            delivered: 1,
            failed: 0
          })
        }).pipe(Effect.provide(layer({ webhookClient: hook.client })))
      })

      it.effect("postback: a gzip POST of the result in the chosen format; a delivered task is not in tasks_ready", () => {
        const hook = receiver()
        return Effect.gen(function*() {
          const id = firstTask(
            yield* post(base, NAVER_POST, [{
              keyword: "포스트",
              depth: 5,
              postback_url: "http://hooks.test/post/$id",
              postback_data: "regular"
            }])
          ).id
          yield* settle
          yield* TestClock.adjust("2 seconds")
          yield* settle
          const call = hook.calls[0]
          expect(call?.method).toBe("POST")
          expect(call?.url).toBe(`http://hooks.test/post/${id}`)
          expect(call?.headers["content-encoding"]).toBe("gzip")
          const body = JSON.parse(gunzipSync(call?.body ?? new Uint8Array()).toString("utf8"))
          expect(body.tasks[0].id).toBe(id)
          expect(body.tasks[0].path).toContain("regular")
          expect(body.tasks[0].result[0].items).toHaveLength(5)
          expect(yield* readyIds).toEqual([])
        }).pipe(Effect.provide(layer({ webhookClient: hook.client })))
      })

      it.effect("a failed delivery is listed by the errors endpoint and the task stays in tasks_ready", () => {
        const hook = receiver(() => 503)
        return Effect.gen(function*() {
          const id = firstTask(
            yield* post(base, NAVER_POST, [{
              keyword: "x",
              postback_url: "http://hooks.test/$id",
              postback_data: "advanced"
            }])
          ).id
          yield* settle
          yield* TestClock.adjust("2 seconds")
          yield* settle
          const errors = yield* errorsOf({ filtered_function: "postback_url" })
          expect(errors).toMatchObject([{
            id,
            function: "postback_url",
            http_code: 503,
            http_method: "POST",
            http_url: `http://hooks.test/${id}`,
            http_response: "receiver error"
          }])
          expect(yield* errorsOf({ filtered_function: "pingback_url" })).toEqual([])
          expect(yield* readyIds).toEqual([id])
        }).pipe(Effect.provide(layer({ webhookClient: hook.client })))
      })

      it.effect("a receiver silent for 10 s is a failed delivery (timeout)", () => {
        const hook = receiver(() => "hang")
        return Effect.gen(function*() {
          const id =
            firstTask(yield* post(base, NAVER_POST, [{ keyword: "x", pingback_url: "http://hooks.test/$id" }])).id
          yield* settle
          yield* TestClock.adjust("2 seconds")
          yield* settle
          yield* TestClock.adjust("9 seconds")
          yield* settle
          expect(yield* errorsOf()).toEqual([])
          yield* TestClock.adjust("1 second")
          yield* settle
          expect(yield* errorsOf()).toMatchObject([{ id, function: "pingback_url", http_code: 0, http_method: "GET" }])
          expect(yield* readyIds).toEqual([id])
        }).pipe(Effect.provide(layer({ webhookClient: hook.client })))
      })

      it.effect("webhook_resend delivers again; unknown ids get 40401, ids past 100 get 40006", () => {
        const hook = receiver()
        return Effect.gen(function*() {
          const id =
            firstTask(yield* post(base, NAVER_POST, [{ keyword: "x", pingback_url: "http://hooks.test/$id" }])).id
          yield* settle
          yield* TestClock.adjust("2 seconds")
          yield* settle
          expect(hook.calls).toHaveLength(1)
          const reply = yield* post(base, "/v3/appendix/webhook_resend", [{ id }, {
            id: "01010000-0000-0000-0000-000000000009"
          }])
          expect(reply.json.tasks.map((t) => t.status_code)).toEqual([20000, 40401])
          expect(firstTask(reply).result).toBeNull()
          yield* settle
          expect(hook.calls).toHaveLength(2)
          const many = yield* post(base, "/v3/appendix/webhook_resend", Array.from({ length: 101 }, () => ({ id })))
          expect(many.json.tasks[100]?.status_code).toBe(40006)
          expect((yield* Effect.flatMap(Emulator.Emulator, (e) => e.stats)).tasksBilled).toBe(1)
        }).pipe(Effect.provide(layer({ webhookClient: hook.client })))
      })
    })
  })
}
