/**
 * Webhook delivery of the sandbox (reference §7): when a task completes, a pingback GET and / or a
 * gzip-compressed postback POST of its result to the URLs given at posting, with `$id` and `$tag`
 * substituted. A receiver that does not answer 2xx within the timeout (10 s by default) is a failed
 * delivery: it is listed by the errors endpoint and the task stays in tasks_ready.
 *
 * The queue is ordered by due time; one fiber sleeps (on the Effect Clock) until the next delivery is
 * due or a new one is queued, so TestClock drives it like everything else.
 *
 * @internal
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"

/** One webhook call to make. */
export interface Delivery {
  readonly taskId: string
  readonly kind: "pingback" | "postback"
  /** The URL with `$id` and `$tag` substituted. */
  readonly url: string
  /** The gzip-compressed JSON body of a postback. */
  readonly body: Uint8Array | undefined
}

/** What happened to a delivery. */
export interface DeliveryOutcome {
  readonly ok: boolean
  /** The receiver's HTTP status, 0 when there was none. */
  readonly httpCode: number
  readonly timeMillis: number
  readonly response: string
  readonly errorMessage: string
}

/** What the delivery loop needs from the emulator. */
export interface WebhookSource {
  /** The due time of the earliest queued delivery. */
  readonly nextDueAt: () => number | undefined
  /** Removes and returns every delivery due at `now`. */
  readonly takeDue: (now: number) => ReadonlyArray<Delivery>
  /** Records the outcome of a delivery. */
  readonly settle: (delivery: Delivery, outcome: DeliveryOutcome, now: number) => void
  /** Offered to whenever a delivery is queued, to wake the loop. */
  readonly wakeup: Queue.Queue<void>
}

/** A binary min-heap of items by due time (ties in insertion order). */
export class DueQueue<A> {
  private readonly items: Array<{ readonly at: number; readonly seq: number; readonly value: A }> = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  push(at: number, value: A): void {
    this.items.push({ at, seq: this.seq++, value })
    let i = this.items.length - 1
    while (i > 0 && this.less(i, (i - 1) >> 1)) {
      this.swap(i, (i - 1) >> 1)
      i = (i - 1) >> 1
    }
  }

  peekAt(): number | undefined {
    return this.items[0]?.at
  }

  /** Removes and returns the earliest item if it is due at `now`. */
  popDue(now: number): A | undefined {
    const top = this.items[0]
    if (top === undefined || top.at > now) return undefined
    const last = this.items.pop()
    if (last !== undefined && this.items.length > 0) {
      this.items[0] = last
      const n = this.items.length
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        let m = i
        if (l < n && this.less(l, m)) m = l
        if (l + 1 < n && this.less(l + 1, m)) m = l + 1
        if (m === i) break
        this.swap(i, m)
        i = m
      }
    }
    return top.value
  }

  private less(x: number, y: number): boolean {
    const a = this.items[x]
    const b = this.items[y]
    return a !== undefined && b !== undefined && before(a, b)
  }

  private swap(x: number, y: number): void {
    const a = this.items[x]
    const b = this.items[y]
    if (a === undefined || b === undefined) return
    this.items[x] = b
    this.items[y] = a
  }
}

const before = (
  a: { readonly at: number; readonly seq: number },
  b: { readonly at: number; readonly seq: number }
): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq)

/** Substitutes `$id` and `$tag` (url-encoded) in a webhook URL. */
export const substitute = (url: string, id: string, tag: string | undefined): string =>
  url.replace(/\$id/g, id).replace(/\$tag/g, encodeURIComponent(tag ?? ""))

const send = (client: HttpClient.HttpClient, delivery: Delivery, timeoutMillis: number) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const request = delivery.body === undefined
      ? HttpClientRequest.get(delivery.url)
      : HttpClientRequest.post(delivery.url).pipe(
        HttpClientRequest.setBody(HttpBody.uint8Array(delivery.body, "application/json")),
        HttpClientRequest.setHeader("content-encoding", "gzip")
      )
    const reply = yield* client.execute(request).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))),
      Effect.timeoutOption(timeoutMillis),
      Effect.either
    )
    const ended = yield* Clock.currentTimeMillis
    const timeMillis = ended - started
    const outcome: DeliveryOutcome = Either.isLeft(reply)
      ? { ok: false, httpCode: 0, timeMillis, response: "", errorMessage: reply.left.message }
      : Option.match(reply.right, {
        onNone: () => ({
          ok: false,
          httpCode: 0,
          timeMillis,
          response: "",
          errorMessage: `Operation timed out after ${timeMillis} milliseconds`
        }),
        onSome: ({ status, text }) => ({
          ok: status >= 200 && status < 300,
          httpCode: status,
          timeMillis,
          response: text.slice(0, 1000),
          errorMessage: status >= 200 && status < 300 ? "" : `HTTP ${status}`
        })
      })
    return [outcome, ended] as const
  })

/**
 * The delivery loop: runs forever, delivering each webhook when it is due, each in its own fiber so that
 * a slow receiver does not hold back the others. Fork it in a scope.
 */
export const run = (
  source: WebhookSource,
  client: HttpClient.HttpClient,
  timeoutMillis: number
): Effect.Effect<never> =>
  Effect.gen(function*() {
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      for (const delivery of source.takeDue(now)) {
        yield* Effect.fork(
          Effect.flatMap(send(client, delivery, timeoutMillis), ([outcome, at]) =>
            Effect.sync(() => source.settle(delivery, outcome, at)))
        )
      }
      const next = source.nextDueAt()
      yield* next === undefined
        ? Queue.take(source.wakeup)
        : Effect.race(Queue.take(source.wakeup), Effect.sleep(Math.max(1, next - now)))
    }
  })
