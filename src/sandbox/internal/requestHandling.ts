/**
 * How the emulator answers one request: route it, count the call, apply an injected fault, check the
 * credentials and the limits, run the function, then time and serialize the reply.
 *
 * An ordinary call is one synchronous step that reads the Clock without a fiber yield: this is the
 * loopback server's hot path. Only latency and slow replies sleep.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { gunzipSync, gzipSync } from "node:zlib"
import type { EmulatorRequest, EmulatorResponse } from "../Emulator.js"
import type { RequestFault, SandboxFunction } from "../Faults.js"
import { userData, webhookResend } from "./appendix.js"
import type { AccountState, EmulatorState } from "./emulatorState.js"
import { authenticate } from "./emulatorState.js"
import type { Route } from "./routes.js"
import { routeOf } from "./routes.js"
import { errorsList, idList } from "./serpLists.js"
import { taskPost } from "./taskPost.js"
import { taskGet, tasksReady } from "./taskResults.js"
import type { Outcome } from "./wire.js"
import { envelope, messages, ok, pathOf, seconds, utf8 } from "./wire.js"

/** A reply with a JSON text body, before a fault may break it. */
type JsonReply = {
  readonly _tag: "Reply"
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  readonly body: string
}

/** One call that passed the checks: what to run, for whom, and the fault to apply to its reply. */
interface Call {
  readonly route: Route
  readonly account: AccountState
  readonly request: EmulatorRequest
  readonly text: Either.Either<string | undefined, Outcome>
  readonly fault: RequestFault | undefined
  readonly started: bigint
}

const dropped: EmulatorResponse = { _tag: "Drop" }

/** Answers one API request, in the caller's fiber, on its Clock. */
export const handle = (state: EmulatorState, request: EmulatorRequest): Effect.Effect<EmulatorResponse> =>
  Effect.clockWith((clock) => {
    const started = clock.unsafeCurrentTimeNanos()
    const route = routeOf(state.routes, request.method.toUpperCase(), pathOf(request.url))
    if (route === undefined) {
      return Effect.succeed(jsonReply({ status: 404, body: envelope(40400, messages.notFound, []) }, started, started))
    }
    // Every call that reaches a function counts, faulted ones too: the client did send it.
    state.meters.get(route.fn)?.record(clock.unsafeCurrentTimeMillis())
    const fault = state.faults.nextRequestFault(route.fn)
    const unprocessed = unprocessedReply(fault, started)
    if (unprocessed !== undefined) return Effect.succeed(unprocessed)
    const account = authenticate(state, request.headers["authorization"])
    if (account === undefined) {
      return Effect.succeed(jsonReply(
        {
          status: 401,
          body: envelope(40100, messages.unauthorized, []),
          headers: { "www-authenticate": "Basic realm=\"DataForSEO\"" }
        },
        started,
        started
      ))
    }
    const now = clock.unsafeCurrentTimeMillis()
    if (account.inFlight >= state.options.simultaneous) {
      return refuse(state, route.fn, 40209, messages.simultaneous, started)
    }
    if (account.limits.get(route.fn)?.tryAcquire(now) === false) {
      return refuse(state, route.fn, 40202, messages.rateLimit, started)
    }
    const call: Call = { route, account, request, text: bodyText(request), fault, started }
    if (state.options.latency === 0 && fault !== "slow_reply") return Effect.succeed(respond(state, call, now, clock))
    return delayed(state, call, clock)
  })

/** The reply of a fault that stops the call before it is processed; undefined for any other. */
const unprocessedReply = (fault: RequestFault | undefined, started: bigint): EmulatorResponse | undefined => {
  switch (fault) {
    case "drop_before_processing":
      return dropped
    case "http_500":
      return jsonReply({ status: 500, body: envelope(50000, messages.internal, []) }, started, started)
    case "internal_error":
      return jsonReply(ok(envelope(50000, messages.internal, [])), started, started)
    case "rate_limited":
      return jsonReply(ok(envelope(40202, messages.rateLimit, [])), started, started)
    default:
      return undefined
  }
}

/** A call answered after the configured latency, and held past its processing for a slow reply. */
const delayed = (state: EmulatorState, call: Call, clock: Clock.Clock): Effect.Effect<EmulatorResponse> => {
  call.account.inFlight++
  return Effect.gen(function*() {
    if (state.options.latency > 0) yield* Effect.sleep(state.options.latency)
    const reply = respond(state, call, clock.unsafeCurrentTimeMillis(), clock)
    if (call.fault === "slow_reply") yield* Effect.sleep(state.options.slowReply)
    return reply
  }).pipe(Effect.ensuring(Effect.sync(() => {
    call.account.inFlight--
  })))
}

/** Runs the call at `at` and builds its reply, timed up to now, with the call's fault applied. */
const respond = (state: EmulatorState, call: Call, at: number, clock: Clock.Clock): EmulatorResponse => {
  const outcome = Either.isLeft(call.text)
    ? call.text.left
    : dispatch(state, call.route, call.account, call.request, call.text.right, at)
  return breakReply(jsonReply(outcome, call.started, clock.unsafeCurrentTimeNanos()), call.fault)
}

/** Runs the function a route names. */
const dispatch = (
  state: EmulatorState,
  route: Route,
  account: AccountState,
  request: EmulatorRequest,
  text: string | undefined,
  now: number
): Outcome => {
  switch (route.fn) {
    case "task_post":
      return taskPost(state, account, route.engine, request, text, now)
    case "tasks_ready":
      return tasksReady(state, account, route.engine, now)
    case "task_get":
      return taskGet(state, account, route.engine, route.format, route.id, now)
    case "id_list":
      return idList(state, account, text, now)
    case "errors":
      return errorsList(state, account, text, now)
    case "webhook_resend":
      return webhookResend(state, account, text, now)
    case "user_data":
      return userData(state, account, now)
  }
}

/** A processed call's reply, as a fault after processing leaves it: dropped, cut or corrupted. */
const breakReply = (reply: JsonReply, fault: RequestFault | undefined): EmulatorResponse => {
  switch (fault) {
    case "drop_after_processing":
      return dropped
    case "truncated_json":
      return { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) }
    case "malformed_json":
      return { ...reply, body: reply.body.replace(":", " ") }
    case "truncated_gzip":
      return truncatedGzip(reply.headers, reply.body)
    default:
      return reply
  }
}

/** A reply whose body is gzip, cut to half its length: it starts as gzip and cannot be inflated. */
const truncatedGzip = (headers: { readonly [name: string]: string }, body: string): EmulatorResponse => {
  const zipped = gzipSync(body)
  return {
    _tag: "Reply",
    status: 200,
    headers: { ...headers, "content-encoding": "gzip" },
    body: zipped.subarray(0, Math.floor(zipped.length / 2))
  }
}

/** The JSON reply of an outcome, its `time` the span from `started` to `ended`. */
const jsonReply = (outcome: Outcome, started: bigint, ended: bigint): JsonReply => {
  outcome.body["time"] = seconds(ended - started)
  return {
    _tag: "Reply",
    status: outcome.status,
    headers: { "content-type": "application/json; charset=utf-8", ...outcome.headers },
    body: JSON.stringify(outcome.body)
  }
}

/** The request body as text, inflated when it is gzip; a body that does not inflate is invalid (40503). */
const bodyText = (request: EmulatorRequest): Either.Either<string | undefined, Outcome> => {
  if (request.body === undefined || request.body.length === 0) return Either.right(undefined)
  const body = request.body
  if ((request.headers["content-encoding"] ?? "").toLowerCase().includes("gzip")) {
    return Either.mapBoth(Either.try(() => utf8.decode(gunzipSync(body))), {
      onLeft: () => ok(envelope(40503, messages.invalid, [])),
      onRight: (text) => text
    })
  }
  return Either.right(utf8.decode(body))
}

/** Refuses a call on a limit: counted as rejected, not processed. */
const refuse = (
  state: EmulatorState,
  fn: SandboxFunction,
  code: number,
  message: string,
  started: bigint
): Effect.Effect<EmulatorResponse> => {
  state.rejected.set(fn, (state.rejected.get(fn) ?? 0) + 1)
  return Effect.succeed(jsonReply(ok(envelope(code, message, [])), started, started))
}
