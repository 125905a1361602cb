import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { gzipSync } from "node:zlib"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import {
  basic,
  type Envelope,
  firstTask,
  get,
  GOOGLE_POST,
  googleGet,
  NAVER_POST,
  naverGet,
  post,
  recordOf,
  records,
  waitUntil
} from "./helpers.js"
import { transports } from "./transports.js"

const base = Sandbox.inProcessBaseUrl
const start = Date.UTC(2026, 10, 23, 12, 34, 56)
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const atStart = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.zipRight(TestClock.setTime(start), self)
const emulator = Effect.flatMap(Emulator.Emulator, (e) => Effect.succeed(e))
const stats = Effect.flatMap(Emulator.Emulator, (e) => e.stats)

const naver = (keyword: string, extra: Record<string, unknown> = {}) => ({ keyword, ...extra })
const google = (keyword: string, extra: Record<string, unknown> = {}) => ({
  keyword,
  location_code: 2840,
  language_code: "en",
  ...extra
})

for (const { layer, name } of transports) {
  describe(name, () => {
    describe("task_post", () => {
      it.effect("creates tasks with 20100, a dated 8-4-4-4-12 id, the posted data echoed, billed at posting", () =>
        atStart(
          Effect.gen(function*() {
            const reply = yield* post(base, NAVER_POST, [naver("아이폰 15", { tag: "t-1", priority: 2 })])
            expect(reply.status).toBe(200)
            expect(reply.json.version).toBe("0.1.20210304")
            expect(reply.json.status_code).toBe(20000)
            expect(reply.json.time).toMatch(/^\d+\.\d{4} sec\.$/)
            const task = firstTask(reply)
            expect(task.status_code).toBe(20100)
            expect(task.id).toMatch(ID)
            expect(task.id.slice(0, 8)).toBe("11231234")
            expect(task.result).toBeNull()
            expect(task.path).toEqual(["v3", "serp", "naver", "organic", "task_post"])
            expect(task.data).toMatchObject({
              api: "serp",
              function: "task_post",
              se: "naver",
              se_type: "organic",
              keyword: "아이폰 15",
              tag: "t-1",
              priority: 2
            })
            expect(task.cost).toBe(0.0012)
            expect(reply.json.cost).toBe(0.0012)
            const e = yield* emulator
            expect(yield* e.balance("sandbox")).toEqual(Option.some(100 - 0.0012))
            const s = yield* e.stats
            expect(s.tasksCreated).toBe(1)
            expect(s.byTag.get("t-1")).toEqual({ created: 1, billed: 1, cost: 0.0012 })
            expect(s.byKeyword.get("아이폰 15")?.created).toBe(1)
          }).pipe(Effect.provide(layer()))
        ))

      it.effect("ids are unique across calls", () =>
        Effect.gen(function*() {
          const replies = yield* Effect.all(
            [1, 2, 3].map(() => post(base, NAVER_POST, Array.from({ length: 50 }, (_, i) => naver(`k${i}`))))
          )
          const ids = replies.flatMap((r) => r.json.tasks.map((t) => t.id))
          expect(new Set(ids).size).toBe(150)
        }).pipe(Effect.provide(layer())))

      it.effect("validates each task with the engine's schema: 40501 naming the field, the others created", () =>
        Effect.gen(function*() {
          const reply = yield* post(base, NAVER_POST, [naver("ok"), naver("too deep", { depth: 701 }), { depth: 10 }])
          const codes = reply.json.tasks.map((t) => t.status_code)
          expect(codes).toEqual([20100, 40501, 40501])
          expect(reply.json.tasks[1]?.status_message).toContain("'depth'")
          expect(reply.json.tasks[2]?.status_message).toContain("'keyword'")
          expect(reply.json.tasks_error).toBe(2)
          expect(reply.json.cost).toBe(0.0006)
          expect((yield* stats).tasksCreated).toBe(1)
        }).pipe(Effect.provide(layer())))

      it.effect("accepts at most 100 tasks a call: each extra one gets 40006, the first 100 are created", () =>
        Effect.gen(function*() {
          const reply = yield* post(
            base,
            NAVER_POST,
            Array.from({ length: 103 }, (_, i) => naver(`kw ${i}`, { tag: `n${i}` }))
          )
          expect(reply.json.tasks_count).toBe(103)
          expect(reply.json.tasks.filter((t) => t.status_code === 20100)).toHaveLength(100)
          expect(reply.json.tasks.slice(100).map((t) => t.status_code)).toEqual([40006, 40006, 40006])
          expect(reply.json.tasks[102]?.data["tag"]).toBe("n102")
          const s = yield* stats
          expect(s.tasksCreated).toBe(100)
          expect(s.totalCost).toBeCloseTo(0.06, 10)
        }).pipe(Effect.provide(layer())))

      it.effect("prices by priority, by extra page (0.75x base) and by the engine's multiplier", () =>
        Effect.gen(function*() {
          const reply = yield* post(base, NAVER_POST, [
            naver("a"),
            naver("b", { priority: 2 }),
            naver("c", { depth: 30 }),
            naver("d", { depth: 31 })
          ])
          expect(reply.json.tasks.map((t) => t.cost)).toEqual([0.0006, 0.0012, 0.00105, 0.0015])
          const g = yield* post(base, GOOGLE_POST, [
            google("plain"),
            google("site:example.com shoes"),
            google("deep", { depth: 20 })
          ])
          expect(g.json.tasks.map((t) => t.status_code)).toEqual([20100, 20100, 20100])
          expect(g.json.tasks.map((t) => t.cost)).toEqual([0.0006, 0.003, 0.00105])
        }).pipe(Effect.provide(layer())))

      it.effect("accepts a gzip-compressed body (Content-Encoding: gzip), as the official clients send", () =>
        Effect.gen(function*() {
          const client = yield* HttpClient.HttpClient
          const request = HttpClientRequest.post(`${base}${NAVER_POST}`).pipe(
            HttpClientRequest.setBody(
              HttpBody.uint8Array(gzipSync(JSON.stringify([naver("압축")])), "application/json")
            ),
            HttpClientRequest.setHeaders({ "content-encoding": "gzip", authorization: basic() })
          )
          const json: Envelope = JSON.parse(yield* Effect.flatMap(client.execute(request), (r) => r.text))
          expect(json.tasks[0]?.status_code).toBe(20100)
          expect(json.tasks[0]?.data["keyword"]).toBe("압축")
        }).pipe(Effect.provide(layer())))

      it.effect("refuses bad or empty bodies: 40502 and 40503", () =>
        Effect.gen(function*() {
          expect((yield* post(base, NAVER_POST, [])).json.status_code).toBe(40502)
          expect((yield* post(base, NAVER_POST, { keyword: "not an array" })).json.status_code).toBe(40503)
        }).pipe(Effect.provide(layer())))
    })

    describe("queue, tasks_ready and task_get", () => {
      it.effect("pending codes until done, then results; listed in tasks_ready until collected", () =>
        atStart(
          Effect.gen(function*() {
            const id = firstTask(yield* post(base, NAVER_POST, [naver("노트북", { tag: "q" })])).id
            expect(firstTask(yield* get(base, naverGet("regular", id))).status_code).toBe(40601)
            yield* TestClock.adjust("1 second")
            expect(firstTask(yield* get(base, naverGet("advanced", id))).status_code).toBe(40602)
            expect(firstTask(yield* get(base, "/v3/serp/naver/organic/tasks_ready")).result).toEqual([])
            yield* TestClock.adjust("1 second")
            const ready = firstTask(yield* get(base, "/v3/serp/naver/organic/tasks_ready"))
            expect(ready.result).toEqual([{
              id,
              se: "naver",
              se_type: "organic",
              date_posted: "2026-11-23 12:34:56 +00:00",
              tag: "q",
              endpoint_regular: naverGet("regular", id),
              endpoint_advanced: naverGet("advanced", id),
              endpoint_html: naverGet("html", id)
            }])
            const got = firstTask(yield* get(base, naverGet("regular", id)))
            expect(got.status_code).toBe(20000)
            expect(got.result_count).toBe(1)
            expect(got.result?.[0]?.["items"]).toHaveLength(15)
            expect(firstTask(yield* get(base, "/v3/serp/naver/organic/tasks_ready")).result).toEqual([])
            expect(Option.map(yield* (yield* emulator).task(id), (t) => t.collected)).toEqual(Option.some(true))
          }).pipe(Effect.provide(layer()))
        ))

      it.effect("high priority completes before normal", () =>
        Effect.gen(function*() {
          const reply = yield* post(base, NAVER_POST, [naver("slow"), naver("fast", { priority: 2 })])
          yield* TestClock.adjust("600 millis")
          const ready = firstTask(yield* get(base, "/v3/serp/naver/organic/tasks_ready")).result ?? []
          expect(ready.map((r) => r["id"])).toEqual([reply.json.tasks[1]?.id])
        }).pipe(Effect.provide(layer())))

      it.effect("tasks_ready gives at most 1,000 ids; the rest after the first are collected; /v3/serp/tasks_ready covers every engine", () =>
        Effect.gen(function*() {
          for (let call = 0; call < 11; call++) {
            yield* post(base, NAVER_POST, Array.from({ length: 100 }, (_, i) => naver(`k${call}-${i}`, { depth: 1 })))
          }
          yield* post(base, GOOGLE_POST, [google("g1"), google("g2")])
          yield* TestClock.adjust("3 seconds")
          const naverReady = firstTask(yield* get(base, "/v3/serp/naver/organic/tasks_ready")).result ?? []
          expect(naverReady).toHaveLength(1000)
          const all = firstTask(yield* get(base, "/v3/serp/tasks_ready")).result ?? []
          expect(all).toHaveLength(1000)
          yield* Effect.forEach(naverReady, (entry) => get(base, String(entry["endpoint_regular"])), {
            concurrency: 16,
            discard: true
          })
          const rest = firstTask(yield* get(base, "/v3/serp/tasks_ready")).result ?? []
          expect(rest).toHaveLength(102)
          expect(rest.filter((r) => r["se"] === "google")).toHaveLength(2)
        }).pipe(Effect.provide(layer({ limits: { perMinute: { task_get: 100_000 } } }))))

      it.effect("an uncollected task drops off tasks_ready after 3 days, results stay 30 days (html 7)", () =>
        Effect.gen(function*() {
          const id = firstTask(yield* post(base, NAVER_POST, [naver("old")])).id
          yield* TestClock.adjust("2 days")
          expect(firstTask(yield* get(base, "/v3/serp/tasks_ready")).result).toHaveLength(1)
          yield* TestClock.adjust("1 day")
          expect(firstTask(yield* get(base, "/v3/serp/tasks_ready")).result).toHaveLength(1)
          yield* TestClock.adjust("2 seconds")
          expect(firstTask(yield* get(base, "/v3/serp/tasks_ready")).result).toHaveLength(0)
          yield* TestClock.adjust("5 days")
          expect(firstTask(yield* get(base, naverGet("html", id))).status_code).toBe(40403)
          expect(firstTask(yield* get(base, naverGet("advanced", id))).status_code).toBe(20000)
          yield* TestClock.adjust("23 days")
          expect(firstTask(yield* get(base, naverGet("advanced", id))).status_code).toBe(40403)
        }).pipe(Effect.provide(layer())))

      it.effect("tasks_ready is limited to 20 calls a minute (40202)", () =>
        Effect.gen(function*() {
          const codes: Array<number> = []
          for (let i = 0; i < 21; i++) codes.push((yield* get(base, "/v3/serp/tasks_ready")).json.status_code)
          expect(codes.slice(0, 20).every((c) => c === 20000)).toBe(true)
          expect(codes[20]).toBe(40202)
          yield* TestClock.adjust("60 seconds")
          expect((yield* get(base, "/v3/serp/tasks_ready")).json.status_code).toBe(20000)
          const s = yield* stats
          expect(s.calls.tasks_ready).toEqual({ calls: 22, rejected: 1, peakPerMinute: 21 })
        }).pipe(Effect.provide(layer())))

      it.effect("task_get: 40401 unknown id, 40002 another engine's id, 40001 another account's id", () =>
        Effect.gen(function*() {
          expect(firstTask(yield* get(base, naverGet("regular", "01010000-0000-0000-0000-000000000001"))).status_code)
            .toBe(40401)
          const id = firstTask(yield* post(base, NAVER_POST, [naver("x")])).id
          yield* TestClock.adjust("2 seconds")
          expect(firstTask(yield* get(base, googleGet("regular", id))).status_code).toBe(40002)
          expect(firstTask(yield* get(base, naverGet("regular", id), basic("other", "pw"))).status_code).toBe(40001)
        }).pipe(
          Effect.provide(
            layer({
              accounts: [{ login: "sandbox", password: "sandbox", balance: 1 }, {
                login: "other",
                password: "pw",
                balance: 1
              }]
            })
          )
        ))

      it.effect("results: exactly depth items, deterministic, Korean for Naver, a mix of types in advanced, one html page per SERP page", () =>
        Effect.gen(function*() {
          const reply = yield* post(base, NAVER_POST, [
            naver("강남 맛집", { depth: 40 }),
            naver("강남 맛집", { depth: 40 }),
            naver("x", { depth: 7 })
          ])
          const [a, b, c] = reply.json.tasks.map((t) => t.id)
          yield* TestClock.adjust("2 seconds")
          const advanced = (id: string | undefined) =>
            Effect.map(get(base, naverGet("advanced", id ?? "")), (r) => firstTask(r).result?.[0])
          const ra = yield* advanced(a)
          const rb = yield* advanced(b)
          const items = records(ra?.["items"])
          expect(items).toHaveLength(40)
          expect(rb?.["items"]).toEqual(items)
          expect(items.map((i) => i["rank_absolute"])).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
          expect(new Set(items.map((i) => i["type"])).size).toBeGreaterThan(2)
          // a sparse result may leave a title or pages_count out (the sparse option): those sent are checked
          const titles = items.filter((i) => i["type"] === "organic" && "title" in i).map((i) => String(i["title"]))
          expect(titles.length).toBeGreaterThan(0)
          expect(titles.every((title) => /[\uac00-\ud7a3]/.test(title))).toBe(true)
          expect(ra?.["pages_count"] ?? 3).toBe(3)
          const regular = firstTask(yield* get(base, naverGet("regular", c ?? ""))).result?.[0]
          const regularItems = records(regular?.["items"])
          expect(regularItems).toHaveLength(7)
          expect(regularItems.every((i) => i["type"] === "organic" || i["type"] === "paid")).toBe(true)
          const html = firstTask(yield* get(base, naverGet("html", a ?? ""))).result?.[0]
          expect(records(html?.["items"])).toHaveLength(3)
          expect(html?.["items_count"] ?? 3).toBe(3)
          expect(String(records(html?.["items"])[0]?.["html"])).toContain("<html lang=\"ko\">")
        }).pipe(Effect.provide(layer())))

      it.effect("the all-zero id returns every item type (reference §6)", () =>
        Effect.gen(function*() {
          const result = firstTask(yield* get(base, googleGet("advanced", "00000000-0000-0000-0000-000000000000")))
            .result?.[0]
          const types = records(result?.["items"]).map((i) => i["type"])
          expect(types).toEqual(
            expect.arrayContaining([
              "organic",
              "paid",
              "featured_snippet",
              "people_also_ask",
              "images",
              "video",
              "local_pack",
              "related_searches"
            ])
          )
        }).pipe(Effect.provide(layer())))
    })

    describe("limits", () => {
      it.effect("bad credentials: HTTP 401 with 40100 and WWW-Authenticate", () =>
        Effect.gen(function*() {
          const none = yield* post(base, NAVER_POST, [naver("a")], null)
          expect(none.status).toBe(401)
          expect(none.json.status_code).toBe(40100)
          const client = yield* HttpClient.HttpClient
          const response = yield* client.get(`${base}/v3/appendix/user_data`, {
            headers: { authorization: basic("sandbox", "wrong") }
          })
          expect(response.status).toBe(401)
          expect(response.headers["www-authenticate"]).toContain("Basic")
          expect((yield* stats).tasksCreated).toBe(0)
        }).pipe(Effect.provide(layer())))

      it.effect("balance: HTTP 402 / 40210 when the call costs more than is left; nothing created", () =>
        Effect.gen(function*() {
          const first = yield* post(base, NAVER_POST, [naver("a")])
          expect(firstTask(first).status_code).toBe(20100)
          const second = yield* post(base, NAVER_POST, [naver("b"), naver("c")])
          expect(second.status).toBe(402)
          expect(second.json.status_code).toBe(40210)
          expect((yield* stats).tasksCreated).toBe(1)
          expect(yield* (yield* emulator).balance("sandbox")).toEqual(Option.some(0.0004))
        }).pipe(Effect.provide(layer({ accounts: [{ login: "sandbox", password: "sandbox", balance: 0.001 }] }))))

      it.effect("calls per minute per function (40202), sliding; peak per minute recorded", () =>
        Effect.gen(function*() {
          const codes: Array<number> = []
          for (let i = 0; i < 4; i++) codes.push((yield* post(base, NAVER_POST, [naver(`k${i}`)])).json.status_code)
          expect(codes).toEqual([20000, 20000, 20000, 40202])
          expect((yield* get(base, naverGet("regular", "x"))).json.status_code).toBe(20000)
          yield* TestClock.adjust("59 seconds")
          expect((yield* post(base, NAVER_POST, [naver("late")])).json.status_code).toBe(40202)
          yield* TestClock.adjust("1 second")
          expect((yield* post(base, NAVER_POST, [naver("later")])).json.status_code).toBe(20000)
          const s = yield* stats
          expect(s.tasksCreated).toBe(4)
          expect(s.calls.task_post.peakPerMinute).toBe(5)
          expect(s.calls.task_post.rejected).toBe(2)
        }).pipe(Effect.provide(layer({ limits: { perMinute: { task_post: 3 } } }))))

      it.effect("a compressed window counts the limit and the peak over that window", () =>
        Effect.gen(function*() {
          const codes: Array<number> = []
          for (let i = 0; i < 3; i++) codes.push((yield* post(base, NAVER_POST, [naver(`k${i}`)])).json.status_code)
          expect(codes).toEqual([20000, 20000, 40202])
          yield* TestClock.adjust("1 second")
          expect((yield* post(base, NAVER_POST, [naver("next")])).json.status_code).toBe(20000)
          const s = yield* stats
          expect(s.calls.task_post.peakPerMinute).toBe(3)
          expect(s.tasksCreated).toBe(3)
        }).pipe(Effect.provide(layer({ limits: { perMinute: { task_post: 2 }, window: "1 second" } }))))

      it.effect("simultaneous requests past the limit get 40209", () =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(
            Effect.all([1, 2, 3].map(() => get(base, "/v3/appendix/user_data")), { concurrency: "unbounded" })
          )
          yield* waitUntil(Effect.map(stats, (s) => s.calls.user_data.calls === 3))
          yield* TestClock.adjust("1 second")
          const replies = yield* fiber.await.pipe(Effect.flatten)
          expect(replies.map((r) => r.json.status_code).sort()).toEqual([20000, 20000, 40209])
        }).pipe(Effect.provide(layer({ latency: "1 second", limits: { simultaneous: 2 } }))))

      it.effect("optional duplicate-task limit per hour: 40205, not billed", () =>
        Effect.gen(function*() {
          const reply = yield* post(base, NAVER_POST, [naver("same"), naver("same"), naver("other")])
          expect(reply.json.tasks.map((t) => t.status_code)).toEqual([20100, 40205, 20100])
          expect(reply.json.cost).toBe(0.0012)
          yield* TestClock.adjust("61 minutes")
          expect(firstTask(yield* post(base, NAVER_POST, [naver("same")])).status_code).toBe(20100)
        }).pipe(Effect.provide(layer({ limits: { duplicateTasksPerHour: 1 } }))))
    })

    describe("id_list, errors, user_data", () => {
      it.effect("id_list: tasks posted in a window with tag and cost; limit, offset, sort, include_metadata", () =>
        atStart(
          Effect.gen(function*() {
            yield* post(base, NAVER_POST, [naver("a", { tag: "A" }), naver("b", { tag: "B" })])
            yield* TestClock.adjust("10 minutes")
            yield* post(base, NAVER_POST, [naver("c", { tag: "C", priority: 2 })])
            const window = { datetime_from: "2026-11-23 12:00:00 +00:00", datetime_to: "2026-11-23 12:40:00 +00:00" }
            const first =
              firstTask(yield* post(base, "/v3/serp/id_list", [{ ...window, include_metadata: true }])).result ?? []
            expect(first.map((r) => recordOf(r["metadata"])["tag"])).toEqual(["A", "B"])
            expect(first[0]).toMatchObject({
              cost: 0.0006,
              datetime_posted: "2026-11-23 12:34:56 +00:00",
              status: "Ok."
            })
            const all = { datetime_from: "2026-11-23 12:00:00 +00:00", datetime_to: "2026-11-23 13:00:00 +00:00" }
            const desc =
              firstTask(yield* post(base, "/v3/serp/id_list", [{ ...all, sort: "desc", limit: 2, offset: 0 }]))
                .result ?? []
            expect(desc.map((r) => r["cost"])).toEqual([0.0012, 0.0006])
            expect(desc[0]?.["metadata"]).toBeNull()
            const paged = firstTask(yield* post(base, "/v3/serp/id_list", [{ ...all, limit: 1, offset: 2 }])).result ??
              []
            expect(paged.map((r) => r["cost"])).toEqual([0.0012])
            const bad = firstTask(yield* post(base, "/v3/serp/id_list", [{ datetime_to: all.datetime_to }]))
            expect(bad.status_code).toBe(40501)
          }).pipe(Effect.provide(layer()))
        ))

      it.effect("id_list with idListLag: a posted task shows only once the lag has passed", () =>
        atStart(
          Effect.gen(function*() {
            yield* post(base, NAVER_POST, [naver("a", { tag: "A" })])
            const all = { datetime_from: "2026-11-23 12:00:00 +00:00", datetime_to: "2026-11-23 13:00:00 +00:00" }
            const listed = () =>
              Effect.map(post(base, "/v3/serp/id_list", [all]), (reply) => (firstTask(reply).result ?? []).length)
            expect(yield* listed()).toBe(0)
            yield* TestClock.adjust("29 seconds")
            expect(yield* listed()).toBe(0)
            yield* TestClock.adjust("1 second")
            expect(yield* listed()).toBe(1)
          }).pipe(Effect.provide(layer({ idListLag: "30 seconds" })))
        ))

      it.effect("user_data: login, balance, limits", () =>
        Effect.gen(function*() {
          yield* post(base, NAVER_POST, [naver("a")])
          const result = firstTask(yield* get(base, "/v3/appendix/user_data")).result?.[0] ?? {}
          expect(result["login"]).toBe("sandbox")
          expect(result["money"]).toMatchObject({ total: 100, balance: 99.9994 })
          expect(result["rates"]).toMatchObject({ limits: { minute: { serp: { task_post: 2000, tasks_ready: 20 } } } })
        }).pipe(Effect.provide(layer())))

      it.effect("unknown paths: HTTP 404 with 40400", () =>
        Effect.gen(function*() {
          const reply = yield* get(base, "/v3/serp/bing/organic/tasks_ready")
          expect(reply.status).toBe(404)
          expect(reply.json.status_code).toBe(40400)
        }).pipe(Effect.provide(layer())))
    })
  })
}
