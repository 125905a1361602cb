import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { readFileSync } from "node:fs"
import * as DataForSeoClient from "../src/DataForSeoClient.js"
import * as Errors from "../src/DataForSeoError.js"
import * as Envelope from "../src/Envelope.js"
import * as TaskLedger from "../src/TaskLedger.js"
import { clientWith, login, password } from "./support/client.js"
import * as FakeHttp from "./support/FakeHttp.js"
import { recordingTracer } from "./support/tracer.js"

const seed = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/seeds/${name}.json`, import.meta.url), "utf8"))

const ok = (tasks: ReadonlyArray<unknown> = []) => ({
  version: "0.1.20210304",
  status_code: 20000,
  status_message: "Ok.",
  time: "0.01 sec.",
  cost: 0,
  tasks_count: tasks.length,
  tasks_error: 0,
  tasks
})

const refused = (status_code: number, status_message: string) => ({ ...ok(), status_code, status_message, tasks: null })

const NaverRegularItem = Schema.Struct({
  type: Schema.String,
  rank_group: Schema.Number,
  rank_absolute: Schema.Number,
  domain: Schema.String,
  title: Schema.String,
  url: Schema.String
})
const NaverRegular = Schema.Struct({
  keyword: Schema.String,
  items_count: Schema.Number,
  items: Schema.Array(NaverRegularItem)
})

describe("DataForSeoClient", () => {
  it.effect("one span per call, with the path, the method and the HTTP status; a caller can name it and add attributes", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      const { client } = yield* clientWith([
        FakeHttp.json(seed("naver-task-post")),
        FakeHttp.json(seed("naver-task-post"))
      ])
      yield* client.post("/v3/serp/naver/organic/task_post", [{ keyword: "a" }], Schema.Unknown)
      yield* client.post("/v3/serp/naver/organic/task_post", [{ keyword: "b" }], Schema.Unknown, {
        span: { name: "Mine.post", attributes: { "mine.tasks": 1 } }
      })
      expect(spans.map((span) => [span.name, span.kind, Object.fromEntries(span.attributes)])).toEqual([
        [
          "DataForSeoClient.post",
          "client",
          {
            "dataforseo.path": "/v3/serp/naver/organic/task_post",
            "http.request.method": "POST",
            "http.response.status_code": 200
          }
        ],
        [
          "Mine.post",
          "client",
          {
            "dataforseo.path": "/v3/serp/naver/organic/task_post",
            "http.request.method": "POST",
            "mine.tasks": 1,
            "http.response.status_code": 200
          }
        ]
      ])
    }).pipe(Effect.withTracer(tracer))
  })

  it.effect("sends the configured request: method, URL, Basic header, JSON body", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([FakeHttp.json(seed("naver-task-post"))], {
        baseUrl: "http://127.0.0.1:9999/"
      })
      yield* client.post("/v3/serp/naver/organic/task_post", [{ keyword: "albert einstein" }], Schema.Unknown)
      const [request] = yield* recorded
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("http://127.0.0.1:9999/v3/serp/naver/organic/task_post")
      expect(request?.headers["authorization"]).toBe(
        `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`
      )
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.headers["accept"]).toBe("application/json")
      expect(request?.headers["accept-encoding"]).toBe("gzip")
      expect(JSON.parse(request?.body ?? "null")).toEqual([{ keyword: "albert einstein" }])
    }))

  it.effect("uses the production host by default and GET without a body", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([FakeHttp.json(ok())])
      yield* client.get("/v3/serp/google/organic/tasks_ready", Schema.Unknown)
      const [request] = yield* recorded
      expect(request?.method).toBe("GET")
      expect(request?.url).toBe("https://api.dataforseo.com/v3/serp/google/organic/tasks_ready")
      expect(request?.body).toBeUndefined()
    }))

  it.effect("decodes the task_post example of the docs (seed 000)", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([FakeHttp.json(seed("naver-task-post"))])
      const reply = yield* client.post("/v3/serp/naver/organic/task_post", [{}], Schema.Unknown)
      expect(reply.status_code).toBe(20000)
      expect(reply.cost).toBe(0.0015)
      expect(reply.tasks).toHaveLength(1)
      const [task] = reply.tasks
      expect(task?.id).toBe("03171218-1535-0066-0000-6e916482abe9")
      expect(task?.status_code).toBe(20100)
      expect(task?.path).toEqual(["v3", "serp", "naver", "organic", "task_post"])
      expect(task?.data?.["tag"]).toBe("some_string_123")
      expect(task?.result).toBeNull()
    }))

  it.effect("decodes the task_get regular example of the docs (seed 001) with a result schema", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([FakeHttp.json(seed("naver-task-get-regular"))])
      const reply = yield* client.get("/v3/serp/naver/organic/task_get/regular/x", NaverRegular)
      const result = reply.tasks[0]?.result?.[0]
      expect(result?.keyword).toBe("iphone")
      expect(result?.items[0]).toMatchObject({ type: "organic", domain: "www.apple.com", rank_absolute: 1 })
      expect(result?.items[1]?.type).toBe("paid")
    }))

  it.effect("accepts a gzip-compressed reply", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([{ status: 200, body: JSON.stringify(seed("naver-task-post")), gzip: true }])
      const reply = yield* client.post("/v3/serp/naver/organic/task_post", [{}], Schema.Unknown)
      expect(reply.tasks[0]?.id).toBe("03171218-1535-0066-0000-6e916482abe9")
    }))

  it.effect("keeps task-level codes as values: one failed task is not a failed request", () =>
    Effect.gen(function*() {
      const tasks = [
        {
          id: "a",
          status_code: 20100,
          status_message: "Task Created.",
          cost: 0.0006,
          result_count: 0,
          path: [],
          data: {},
          result: null
        },
        {
          id: "b",
          status_code: 40501,
          status_message: "Invalid Field: 'depth'.",
          cost: 0,
          result_count: 0,
          path: [],
          data: {},
          result: null
        }
      ]
      const { client } = yield* clientWith([FakeHttp.json({ ...ok(tasks), tasks_error: 1 })])
      const reply = yield* client.post("/v3/serp/google/organic/task_post", [{}, {}], Schema.Unknown)
      expect(reply.tasks.map((task) => task.status_code)).toEqual([20100, 40501])
      expect(reply.tasks_error).toBe(1)
    }))

  it.effect("turns a request-level code into its typed error", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([FakeHttp.json(refused(40503, "POST Data Is Invalid."))])
      const error = yield* Effect.flip(client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown))
      expect(error._tag).toBe("ValidationError")
      expect(error).toMatchObject({ code: 40503, message: "POST Data Is Invalid.", retryable: false })
    }))

  it.effect.each(
    [
      [401, 40100, "AuthError"],
      [402, 40200, "BillingError"],
      [404, 40400, "NotFoundError"],
      [500, 50000, "ServerError"]
    ] as const
  )("HTTP %i without an envelope becomes code %i, %s", ([status, code, tag]) =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([{ status, body: "<html>error</html>" }], { retry: { times: 0 } })
      const error = yield* Effect.flip(client.get("/v3/serp/google/organic/tasks_ready", Schema.Unknown))
      expect(error._tag).toBe(tag)
      expect(error).toMatchObject({ code, httpStatus: status })
    }))

  it.effect("HTTP 401 with the envelope keeps the body's code and message", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([
        FakeHttp.json(refused(40100, "You are not authorized to access this resource."), 401)
      ])
      const error = yield* Effect.flip(client.get("/v3/appendix/user_data", Schema.Unknown))
      expect(error).toMatchObject({
        _tag: "AuthError",
        code: 40100,
        message: "You are not authorized to access this resource.",
        httpStatus: 401,
        retryable: false
      })
    }))

  it.effect.each(
    [
      ["malformed", "{not json", ""],
      ["truncated", JSON.stringify(ok()).slice(0, 40), ""],
      ["a wrong field type", JSON.stringify({ ...ok(), status_code: "20000" }), "status_code"]
    ] as const
  )("a %s body becomes a DecodeError with the failing path", ([, body, path]) =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([{ status: 200, body }])
      const error = yield* Effect.flip(client.get("/v3/serp/google/organic/tasks_ready", Schema.Unknown))
      expect(error._tag).toBe("DecodeError")
      expect(error).toMatchObject({ path, endpoint: "/v3/serp/google/organic/tasks_ready" })
      expect(error.retryable).toBe(false)
    }))

  it.effect("names the nested path of a result that does not decode", () =>
    Effect.gen(function*() {
      const reply = seed("naver-task-get-regular")
      const broken = JSON.parse(JSON.stringify(reply).replace("\"rank_group\":1", "\"rank_group\":\"one\""))
      const { client } = yield* clientWith([FakeHttp.json(broken)])
      const error = yield* Effect.flip(client.get("/v3/x", NaverRegular))
      expect(error).toMatchObject({ _tag: "DecodeError", path: "tasks.0.result.0.items.0.rank_group" })
    }))

  it.effect("fails with a TimeoutError when no reply comes in time", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([{ hang: true }], { requestTimeout: "5 seconds" })
      const fiber = yield* Effect.fork(client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown))
      yield* TestClock.adjust(Duration.seconds(5))
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "TimeoutError", timeoutMillis: 5000 })
      expect(error.message).toContain("5000 ms")
      expect(yield* recorded).toHaveLength(1)
    }))

  it.effect("maps a dropped connection to a TransportError", () =>
    Effect.gen(function*() {
      const { client } = yield* clientWith([{ transport: "socket hang up" }])
      const error = yield* Effect.flip(
        client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown, { retry: "none" })
      )
      expect(error._tag).toBe("TransportError")
      expect(error.message).toContain("socket hang up")
    }))
})

describe("DataForSeoClient retries", () => {
  const transientScript = (failures: ReadonlyArray<FakeHttp.Reply>) => [...failures, FakeHttp.json(ok())]

  it.effect("GET retries transient failures with backoff until it succeeds", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith(
        transientScript([
          { transport: "ECONNRESET" },
          { status: 500, body: "" },
          FakeHttp.json(refused(50303, "Update in progress")),
          FakeHttp.json(refused(40202, "Rate limit"))
        ]),
        { retry: { times: 4, baseDelay: "100 millis" } }
      )
      const fiber = yield* Effect.fork(client.get("/v3/serp/tasks_ready", Schema.Unknown))
      yield* TestClock.adjust(Duration.seconds(60))
      const reply = yield* Fiber.join(fiber)
      expect(reply.status_code).toBe(20000)
      expect(yield* recorded).toHaveLength(5)
    }))

  it.effect("stops after the configured number of retries", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([{ status: 500, body: "" }], {
        retry: { times: 3, baseDelay: "100 millis" }
      })
      const fiber = yield* Effect.fork(client.get("/v3/serp/tasks_ready", Schema.Unknown))
      yield* TestClock.adjust(Duration.minutes(5))
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("ServerError")
      expect(yield* recorded).toHaveLength(4)
    }))

  it.effect("waits between tries: no second try before the base delay", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([{ status: 500, body: "" }, FakeHttp.json(ok())], {
        retry: { times: 3, baseDelay: "1 second" }
      })
      const fiber = yield* Effect.fork(client.get("/v3/serp/tasks_ready", Schema.Unknown))
      yield* TestClock.adjust(Duration.millis(10))
      expect(yield* recorded).toHaveLength(1)
      yield* TestClock.adjust(Duration.seconds(10))
      yield* Fiber.join(fiber)
      expect(yield* recorded).toHaveLength(2)
    }))

  it.effect("POST does not repeat a call that may have created tasks (HTTP 500, transport, timeout)", () =>
    Effect.gen(function*() {
      for (
        const reply of [{ status: 500, body: "" }, { transport: "ECONNRESET" }] satisfies ReadonlyArray<FakeHttp.Reply>
      ) {
        const { client, recorded } = yield* clientWith([reply, FakeHttp.json(ok())])
        const fiber = yield* Effect.fork(
          Effect.either(client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown))
        )
        yield* TestClock.adjust(Duration.minutes(1))
        const result = yield* Fiber.join(fiber)
        expect(Either.isLeft(result)).toBe(true)
        expect(yield* recorded).toHaveLength(1)
      }
    }))

  it.effect("POST repeats a call the server refused as a whole (40202: nothing was created)", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([FakeHttp.json(refused(40202, "Rate limit")), FakeHttp.json(ok())])
      const fiber = yield* Effect.fork(client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown))
      yield* TestClock.adjust(Duration.minutes(1))
      expect((yield* Fiber.join(fiber)).status_code).toBe(20000)
      expect(yield* recorded).toHaveLength(2)
    }))

  it.effect("the retry mode is chosen per call", () =>
    Effect.gen(function*() {
      const { client, recorded } = yield* clientWith([{ status: 500, body: "" }, FakeHttp.json(ok())])
      const fiber = yield* Effect.fork(
        client.post("/v3/serp/google/organic/task_post", [{}], Schema.Unknown, { retry: "transient" })
      )
      yield* TestClock.adjust(Duration.minutes(1))
      yield* Fiber.join(fiber)
      expect(yield* recorded).toHaveLength(2)
      const none = yield* clientWith([FakeHttp.json(refused(40202, "Rate limit")), FakeHttp.json(ok())])
      const error = yield* Effect.flip(none.client.get("/v3/x", Schema.Unknown, { retry: "none" }))
      expect(error._tag).toBe("RateLimitError")
      expect(yield* none.recorded).toHaveLength(1)
    }))

  it("shouldRetry: each mode on each kind of failure", () => {
    const { shouldRetry } = DataForSeoClient
    const rateLimited = new Errors.RateLimitError({ code: 40202, message: "m", retryable: true })
    const http500 = new Errors.ServerError({ code: 50000, message: "m", retryable: true, httpStatus: 500 })
    const dropped = new Errors.TransportError({ endpoint: "/v3/x", message: "m" })
    const invalid = new Errors.ValidationError({ code: 40503, message: "m", retryable: false })
    expect([rateLimited, http500, dropped, invalid].map((e) => shouldRetry("transient", e))).toEqual([
      true,
      true,
      true,
      false
    ])
    expect([rateLimited, http500, dropped, invalid].map((e) => shouldRetry("safe", e))).toEqual([
      true,
      false,
      false,
      false
    ])
    expect([rateLimited, http500, dropped, invalid].map((e) => shouldRetry("none", e))).toEqual([
      false,
      false,
      false,
      false
    ])
  })
})

describe("Envelope.firstResult", () => {
  const task = (status_code: number, result: ReadonlyArray<string> | null) => ({
    id: "t-1",
    status_code,
    status_message: `message ${status_code}`,
    cost: 0,
    result_count: result?.length ?? 0,
    path: [],
    result
  })
  const envelope = (tasks: ReadonlyArray<ReturnType<typeof task>>): Envelope.Envelope<string> => ({
    version: "x",
    status_code: 20000,
    status_message: "Ok.",
    cost: 0,
    tasks_count: tasks.length,
    tasks_error: 0,
    tasks
  })

  it("gives the first result of the first task", () => {
    expect(Envelope.firstResult(envelope([task(20000, ["serp", "other"])]))).toEqual(Either.right("serp"))
  })

  it("gives a task-level code as its typed error, with the task id", () => {
    const pending = Envelope.firstResult(envelope([task(40602, null)]))
    expect(Either.isLeft(pending) && pending.left).toMatchObject({
      _tag: "TaskPendingError",
      code: 40602,
      taskId: "t-1"
    })
    const gone = Envelope.firstResult(envelope([task(40403, null)]), "asked-id")
    expect(Either.isLeft(gone) && gone.left).toMatchObject({ _tag: "NotFoundError", code: 40403, taskId: "asked-id" })
  })

  it("a reply without a task or a result is a NotFoundError", () => {
    for (const reply of [envelope([]), envelope([task(20000, [])]), envelope([task(20000, null)])]) {
      const result = Envelope.firstResult(reply)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "NotFoundError", code: 40400 })
    }
  })
})

describe("DataForSeoError: the library's errors in one module", () => {
  it("isLibraryError knows every error of the library, and nothing else", () => {
    const errors = [
      new Errors.AuthError({ code: 40100, message: "m", retryable: false }),
      new Errors.DecodeError({ endpoint: "/v3/x", path: "tasks.0", message: "m" }),
      new Errors.TransportError({ endpoint: "/v3/x", message: "m", errorCode: "ECONNREFUSED" }),
      new Errors.TimeoutError({ endpoint: "/v3/x", timeoutMillis: 10 }),
      new Errors.InvalidTaskError({ field: "keyword", rule: "must not be empty" }),
      new Errors.BudgetExceededError({ correlationKey: "k", estimated: 0.0006, committed: 1, budget: 1 }),
      new Errors.PostOutcomeUnknownError({ correlationKey: "k", tag: "t", cause: "c" }),
      new Errors.PricesUnavailableError({ path: "price", reason: "r" }),
      new Errors.AccountLimitsError({ path: "rates", reason: "r" }),
      new TaskLedger.InvalidTransition({ rejected: [{ ref: "k", to: "posted", reason: "unknown key" }] }),
      new TaskLedger.LedgerStoreError({ message: "disk full" })
    ]
    expect(errors.map(Errors.isLibraryError)).toEqual(errors.map(() => true))
    expect([new Error("m"), { _tag: "AuthError" }, null].map(Errors.isLibraryError)).toEqual([false, false, false])
  })

  it("every error has retryable as a field, and the schema round trips them", () => {
    const unknown = new Errors.PostOutcomeUnknownError({
      correlationKey: "k",
      tag: "t",
      cause: "c",
      reason: new Errors.DecodeError({ endpoint: "/v3/x", path: "tasks.0.id", message: "m" })
    })
    expect(unknown.retryable).toBe(false)
    expect(new Errors.TransportError({ endpoint: "/v3/x", message: "m" }).retryable).toBe(true)
    const encoded = Schema.encodeSync(Errors.LibraryErrorSchema)(unknown)
    expect(encoded).toMatchObject({
      _tag: "PostOutcomeUnknownError",
      retryable: false,
      reason: { _tag: "DecodeError", path: "tasks.0.id" }
    })
    expect(Schema.decodeUnknownSync(Errors.LibraryErrorSchema)(encoded)).toEqual(unknown)
  })
})
