import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import type { Service as Client } from "../../../src/DataForSeoClient.js"
import { DecodeError } from "../../../src/DataForSeoError.js"
import { formatApiDateTime } from "../../../src/IdList.js"
import { listedForResume, listedSince, makePasses, postedSince } from "../../../src/internal/batcher/reconcile.js"

/** One task as id_list lists it. */
const item = (id: string, tag: string | undefined, cost: number | null = 0.0006) => ({
  id,
  url: null,
  datetime_posted: null,
  datetime_done: null,
  status: null,
  cost,
  metadata: tag === undefined ? null : { tag }
})

/** A client whose id_list lists `items` (1,000 a page), and the request bodies it was sent. */
const fakeIdList = (items: ReadonlyArray<ReturnType<typeof item>>) => {
  const requests: Array<unknown> = []
  const client: Client = {
    get: (path) => Effect.dieMessage(`unexpected GET ${path}`),
    post: (path, body, result) => {
      requests.push(body[0])
      const request = Schema.decodeUnknownSync(Schema.Struct({ offset: Schema.Number, limit: Schema.Number }))(body[0])
      const page = items.slice(request.offset, request.offset + request.limit)
      return Schema.decodeUnknown(Schema.Array(result))(page).pipe(
        Effect.mapError((error) => new DecodeError({ message: error.message, path: "", endpoint: path })),
        Effect.map((decoded) => ({
          version: "0.1",
          status_code: 20000,
          status_message: "Ok.",
          cost: 0,
          tasks_count: 1,
          tasks_error: 0,
          tasks: [{
            id: "list",
            status_code: 20000,
            status_message: "Ok.",
            cost: 0,
            result_count: decoded.length,
            path: [],
            result: decoded
          }]
        }))
      )
    }
  }
  return { client, requests }
}

describe("reconcile", () => {
  it.effect("postedSince pages through id_list 1,000 at a time and groups the tagged tasks by tag", () =>
    Effect.gen(function*() {
      const items = Array.from(
        { length: 2500 },
        (_, i) => item(`t${i}`, i === 7 ? undefined : `tag-${i % 1000}`, i === 8 ? null : 0.0006)
      )
      const { client, requests } = fakeIdList(items)
      const found = yield* postedSince(client, 1_000_000, 2_000_000)
      expect(requests.map((r) => Schema.decodeUnknownSync(Schema.Struct({ offset: Schema.Number }))(r).offset))
        .toStrictEqual([0, 1000, 2000])
      expect(requests[0]).toMatchObject({
        datetime_from: formatApiDateTime(new Date(1_000_000 - 60_000)),
        datetime_to: formatApiDateTime(new Date(2_000_000 + 60_000)),
        limit: 1000,
        sort: "asc",
        include_metadata: true
      })
      expect(found.get("tag-5")).toStrictEqual([{ id: "t5", cost: 0.0006 }, { id: "t1005", cost: 0.0006 }, {
        id: "t2005",
        cost: 0.0006
      }])
      expect(found.get("tag-7")).toStrictEqual([{ id: "t1007", cost: 0.0006 }, { id: "t2007", cost: 0.0006 }])
      expect(found.get("tag-8")?.[0]).toStrictEqual({ id: "t8", cost: 0 })
      expect(found.size).toBe(1000)
    }))

  it.scoped("listedSince: asks made while a pass gathers share it, answered from the earliest since", () =>
    Effect.gen(function*() {
      const { client, requests } = fakeIdList([item("a", "tag-a"), item("b", "tag-b")])
      const passes = yield* makePasses(client, yield* Effect.scope, Duration.seconds(10))
      yield* TestClock.adjust(Duration.minutes(10))
      const first = yield* Effect.fork(listedSince(passes, 300_000))
      const second = yield* Effect.fork(listedSince(passes, 120_000))
      yield* TestClock.adjust(Duration.seconds(1))
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      expect(requests).toHaveLength(1)
      expect(requests[0]).toMatchObject({ datetime_from: formatApiDateTime(new Date(120_000 - 60_000)) })
      expect(a).toBe(b)
      expect(a.get("tag-b")).toStrictEqual([{ id: "b", cost: 0.0006 }])
      // a later ask makes a pass of its own
      const third = yield* Effect.fork(listedSince(passes, 500_000))
      yield* TestClock.adjust(Duration.seconds(1))
      yield* Fiber.join(third)
      expect(requests).toHaveLength(2)
    }))

  it.scoped("listedForResume waits settleDelay after the last unknown outcome, and one pass serves the keys it covers", () =>
    Effect.gen(function*() {
      const { client, requests } = fakeIdList([item("a", "tag-a")])
      yield* TestClock.adjust(Duration.minutes(10))
      const passes = yield* makePasses(client, yield* Effect.scope, Duration.seconds(10))
      const resumed = yield* Effect.fork(listedForResume(passes, 60_000))
      yield* TestClock.adjust(Duration.seconds(9))
      expect(requests).toHaveLength(0)
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* Fiber.join(resumed)).get("tag-a")).toStrictEqual([{ id: "a", cost: 0.0006 }])
      yield* listedForResume(passes, 120_000) // a later intent: the same pass covers it
      expect(requests).toHaveLength(1)
      yield* listedForResume(passes, 30_000) // an older one: a new pass, from its intent
      expect(requests).toHaveLength(2)
      expect(requests[1]).toMatchObject({ datetime_from: formatApiDateTime(new Date(30_000 - 60_000)) })
    }))
})
