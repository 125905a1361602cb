import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { Lane } from "../../../src/internal/batcher/lane.js"

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

describe("Lane", () => {
  it("hands tasks out oldest first, at most as many as asked", () => {
    const lane = new Lane<number>()
    lane.offerAll(range(0, 5))
    lane.offer(5)
    expect(lane.take(4)).toStrictEqual([0, 1, 2, 3])
    expect(lane.size).toBe(2)
    expect(lane.take(10)).toStrictEqual([4, 5])
    expect(lane.take(10)).toStrictEqual([])
    expect(lane.size).toBe(0)
  })

  it("keeps the order across many takes and offers (its storage is reclaimed as it goes)", () => {
    const lane = new Lane<number>()
    const taken: Array<number> = []
    let next = 0
    for (let round = 0; round < 50; round++) {
      lane.offerAll(range(next, 300))
      next += 300
      taken.push(...lane.take(250))
    }
    taken.push(...lane.take(lane.size))
    expect(taken).toStrictEqual(range(0, next))
  })

  it.effect("wakes its waiter when a task arrives, at once when one is waiting", () =>
    Effect.gen(function*() {
      const lane = new Lane<string>()
      const waiter = yield* Effect.fork(lane.ready)
      yield* Effect.yieldNow()
      expect(waiter.unsafePoll()).toBeNull()
      lane.offer("a")
      yield* Fiber.join(waiter)
      yield* lane.ready
      expect(lane.take(1)).toStrictEqual(["a"])
    }))

  it("drains waiting and held tasks alike", () => {
    const lane = new Lane<string>()
    lane.offerAll(["a", "b"])
    lane.held.push("h")
    expect(lane.drain()).toStrictEqual(["a", "b", "h"])
    expect([lane.size, lane.held.length]).toStrictEqual([0, 0])
  })
})
