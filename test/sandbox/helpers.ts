/**
 * Helpers of the sandbox tests: raw calls through `HttpClient`, so that the tests exercise the emulator
 * exactly as a client would see it, with no dependency on the library's own client.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestServices from "effect/TestServices"

/** `Authorization` value of the default sandbox account. */
export const basic = (login = "sandbox", password = "sandbox"): string =>
  `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`

/** A parsed reply: HTTP status and JSON body (or the raw text when it is not JSON). */
export interface Reply {
  readonly status: number
  readonly json: Envelope
  readonly text: string
  /** False when the body is not valid JSON (then `json` is an empty envelope). */
  readonly isJson: boolean
}

/** The fields of an envelope the tests read. */
export interface Envelope {
  readonly version: string
  readonly status_code: number
  readonly status_message: string
  readonly time: string
  readonly cost: number
  readonly tasks_count: number
  readonly tasks_error: number
  readonly tasks: ReadonlyArray<TaskEntry>
}

/** One `tasks[i]`. */
export interface TaskEntry {
  readonly id: string
  readonly status_code: number
  readonly status_message: string
  readonly cost: number
  readonly result_count: number
  readonly path: ReadonlyArray<string>
  readonly data: { readonly [key: string]: unknown }
  readonly result: ReadonlyArray<{ readonly [key: string]: unknown }> | null
}

const parse = (text: string): Envelope | undefined => {
  const parsed = Either.try((): Envelope => JSON.parse(text))
  return Either.isRight(parsed) ? parsed.right : undefined
}

const empty: Envelope = {
  version: "",
  status_code: 0,
  status_message: "",
  time: "",
  cost: 0,
  tasks_count: 0,
  tasks_error: 0,
  tasks: []
}

const send = (request: HttpClientRequest.HttpClientRequest, auth: string | null) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      auth === null ? request : HttpClientRequest.setHeader(request, "authorization", auth)
    )
    const text = yield* response.text
    const json = parse(text)
    return { status: response.status, text, json: json ?? empty, isJson: json !== undefined } satisfies Reply
  })

/** POSTs a JSON body; `auth: null` sends no credentials. */
export const post = (base: string, path: string, body: unknown, auth: string | null = basic()) =>
  send(HttpClientRequest.post(`${base}${path}`).pipe(HttpClientRequest.setBody(HttpBody.unsafeJson(body))), auth)

/** GETs a path. */
export const get = (base: string, path: string, auth: string | null = basic()) =>
  send(HttpClientRequest.get(`${base}${path}`), auth)

/** The first task entry of a reply. */
export const firstTask = (reply: Reply): TaskEntry => {
  const task = reply.json.tasks[0]
  if (task === undefined) throw new Error(`no task in ${reply.text.slice(0, 300)}`)
  return task
}

export const NAVER_POST = "/v3/serp/naver/organic/task_post"
export const GOOGLE_POST = "/v3/serp/google/organic/task_post"
export const naverGet = (format: string, id: string) => `/v3/serp/naver/organic/task_get/${format}/${id}`
export const googleGet = (format: string, id: string) => `/v3/serp/google/organic/task_get/${format}/${id}`

/** A webhook call as a fake receiver saw it. */
export interface ReceivedCall {
  readonly method: string
  readonly url: string
  readonly headers: { readonly [name: string]: string }
  readonly body: Uint8Array | undefined
}

/**
 * A fake webhook receiver: an `HttpClient` that records every call and answers with `respond`
 * (an HTTP status, or `"hang"` to never answer).
 */
export const receiver = (respond: (call: ReceivedCall) => number | "hang" = () => 200) => {
  const calls: Array<ReceivedCall> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = request.body._tag === "Uint8Array" ? request.body.body : undefined
      const call: ReceivedCall = { method: request.method, url: url.toString(), headers: request.headers, body }
      calls.push(call)
      const status = respond(call)
      if (status === "hang") return yield* Effect.never
      return HttpClientResponse.fromWeb(request, new Response(status === 200 ? "ok" : "receiver error", { status }))
    })
  )
  return { calls, client }
}

/** Lets forked fibers (webhook deliveries) run. */
export const settle = Effect.repeatN(Effect.yieldNow(), 50)

/** Waits (in real time, whatever the test's Clock) until `condition` holds, for at most 5 s. */
export const waitUntil = <R>(condition: Effect.Effect<boolean, never, R>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && !(yield* condition); i++) yield* TestServices.provideLive(Effect.sleep("10 millis"))
  })

const isRecord = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The JSON objects of an array (none when `value` is not an array). */
export const records = (value: unknown): ReadonlyArray<{ readonly [key: string]: unknown }> =>
  Array.isArray(value) ? value.filter(isRecord) : []

/** A JSON object, or an empty one. */
export const recordOf = (value: unknown): { readonly [key: string]: unknown } => isRecord(value) ? value : {}
