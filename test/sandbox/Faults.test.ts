import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import { firstTask, get, NAVER_POST, naverGet, post, recordOf, waitUntil } from "./helpers.js"
import { transports } from "./transports.js"

const base = Sandbox.inProcessBaseUrl
const emulator = Emulator.Emulator
const created = Effect.flatMap(emulator, (e) => Effect.map(e.stats, (s) => s.tasksCreated))
const task = (keyword: string) => [{ keyword, tag: keyword }]
const transport = (error: unknown) =>
  typeof error === "object" && error !== null && "reason" in error ? error.reason : "other"

for (const { layer, name } of transports) {
  describe(name, () => {
    describe("faults", () => {
      it.effect("HTTP 500 and request-level 50000: nothing processed; scripts are consumed call by call", () =>
        Effect.gen(function*() {
          const e = yield* emulator
          yield* e.scriptFaults("task_post", ["http_500", "internal_error", "none"])
          const first = yield* post(base, NAVER_POST, task("a"))
          expect([first.status, first.json.status_code]).toEqual([500, 50000])
          const second = yield* post(base, NAVER_POST, task("b"))
          expect([second.status, second.json.status_code]).toEqual([200, 50000])
          expect(yield* created).toBe(0)
          expect(firstTask(yield* post(base, NAVER_POST, task("c"))).status_code).toBe(20100)
          expect(yield* created).toBe(1)
        }).pipe(Effect.provide(layer())))

      it.effect("a rate_limited fault answers request-level 40202 and creates nothing", () =>
        Effect.gen(function*() {
          const e = yield* emulator
          yield* e.scriptFaults("task_post", ["rate_limited"])
          const refused = yield* post(base, NAVER_POST, task("a"))
          expect([refused.status, refused.json.status_code, refused.json.tasks.length]).toEqual([200, 40202, 0])
          expect(yield* created).toBe(0)
          expect(firstTask(yield* post(base, NAVER_POST, task("a"))).status_code).toBe(20100)
        }).pipe(Effect.provide(layer())))

      it.effect("a connection dropped before processing: a transport error, no task created", () =>
        Effect.gen(function*() {
          const result = yield* Effect.either(post(base, NAVER_POST, task("a")))
          expect(Either.isLeft(result) ? transport(result.left) : "reply").toBe("Transport")
          expect(yield* created).toBe(0)
        }).pipe(Effect.provide(layer({ faults: { script: { task_post: ["drop_before_processing"] } } }))))

      it.effect("a connection dropped after the tasks were created: a transport error, yet tasks created and billed (id_list shows them)", () =>
        Effect.gen(function*() {
          yield* TestClock.setTime(Date.UTC(2026, 10, 23, 12))
          const result = yield* Effect.either(post(base, NAVER_POST, task("ambiguous")))
          expect(Either.isLeft(result) ? transport(result.left) : "reply").toBe("Transport")
          const s = yield* Effect.flatMap(emulator, (e) => e.stats)
          expect(s.byTag.get("ambiguous")).toEqual({ created: 1, billed: 1, cost: 0.0006 })
          const ids = firstTask(
            yield* post(base, "/v3/serp/id_list", [{
              datetime_from: "2026-11-23 11:59:00 +00:00",
              datetime_to: "2026-11-23 12:01:00 +00:00",
              include_metadata: true
            }])
          )
          expect(ids.result?.map((r) => recordOf(r["metadata"])["tag"])).toEqual(["ambiguous"])
        }).pipe(Effect.provide(layer({ faults: { script: { task_post: ["drop_after_processing"] } } }))))

      it.effect("a reply slower than the client's timeout; the tasks were created", () =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.timeoutOption(post(base, NAVER_POST, task("slow")), "30 seconds"))
          yield* waitUntil(Effect.map(created, (n) => n === 1))
          yield* TestClock.adjust("31 seconds")
          expect(Option.isNone(yield* fiber.await.pipe(Effect.flatten))).toBe(true)
          expect(yield* created).toBe(1)
        }).pipe(Effect.provide(layer({ faults: { script: { task_post: ["slow_reply"] } } }))))

      it.effect("truncated and malformed JSON bodies", () =>
        Effect.gen(function*() {
          const truncated = yield* post(base, NAVER_POST, task("a"))
          const malformed = yield* get(base, "/v3/appendix/user_data")
          expect([truncated.status, truncated.isJson, truncated.text.startsWith("{\"version\"")]).toEqual([
            200,
            false,
            true
          ])
          expect([malformed.status, malformed.isJson]).toEqual([200, false])
          expect(yield* created).toBe(1)
        }).pipe(
          Effect.provide(
            layer({ faults: { script: { task_post: ["truncated_json"], user_data: ["malformed_json"] } } })
          )
        ))

      it.effect("task-level 40101 and 40103: created and billed, listed as ready, task_get answers the code with no result", () =>
        Effect.gen(function*() {
          yield* (yield* emulator).scriptTaskFaults(["se_error", "execution_failed", "none"])
          const ids = (yield* post(base, NAVER_POST, [{ keyword: "a" }, { keyword: "b" }, { keyword: "c" }])).json.tasks
            .map((t) => t.id)
          yield* TestClock.adjust("2 seconds")
          const ready = firstTask(yield* get(base, "/v3/serp/tasks_ready")).result ?? []
          expect(ready).toHaveLength(3)
          const codes = []
          for (const id of ids) codes.push(firstTask(yield* get(base, naverGet("advanced", id))))
          expect(codes.map((t) => [t.status_code, t.result, t.result_count])).toEqual([[40101, null, 0], [
            40103,
            null,
            0
          ], [20000, codes[2]?.result, 1]])
          expect((yield* Effect.flatMap(emulator, (e) => e.stats)).tasksBilled).toBe(3)
        }).pipe(Effect.provide(layer())))

      it.effect("faults by probability, reproducible for a seed", () =>
        Effect.gen(function*() {
          const run = (seed: number) =>
            Effect.gen(function*() {
              const statuses: Array<number> = []
              for (let i = 0; i < 40; i++) {
                statuses.push((yield* get(base, naverGet("regular", "01010000-0000-0000-0000-000000000001"))).status)
              }
              return statuses
            }).pipe(Effect.provide(layer({ seed, faults: { probability: { task_get: { http_500: 0.5 } } } })))
          const a = yield* run(7)
          const b = yield* run(7)
          expect(a).toEqual(b)
          expect(a.filter((s) => s === 500).length).toBeGreaterThan(5)
          expect(a.filter((s) => s === 200).length).toBeGreaterThan(5)
          const always = yield* Effect.provide(
            Effect.gen(function*() {
              const ids = (yield* post(base, NAVER_POST, [{ keyword: "x" }, { keyword: "y" }])).json.tasks.map((t) =>
                t.id
              )
              yield* TestClock.adjust("2 seconds")
              return yield* Effect.forEach(ids, (id) =>
                Effect.map(get(base, naverGet("regular", id)), (r) => firstTask(r).status_code))
            }),
            layer({ faults: { taskProbability: { se_error: 1 } } })
          )
          expect(always).toEqual([40101, 40101])
        }))
    })
  })
}
