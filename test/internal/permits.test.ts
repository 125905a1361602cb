import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Permits from "../../src/internal/permits.js"

describe("Permits", () => {
  it.effect("at most `permits` effects at once, served in the order they came", () =>
    Effect.gen(function*() {
      const permits = Permits.make(2)
      let running = 0
      let most = 0
      const started: Array<number> = []
      const job = (i: number) =>
        permits.withPermit(Effect.gen(function*() {
          started.push(i)
          running++
          most = Math.max(most, running)
          yield* Effect.yieldNow()
          running--
        }))
      yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => i), job, { concurrency: "unbounded", discard: true })
      expect(most).toBe(2)
      expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i))
      expect(permits.free()).toBe(2)
      expect(permits.waiting()).toBe(0)
    }))

  it.effect("a failing or interrupted holder frees its permit", () =>
    Effect.gen(function*() {
      const permits = Permits.make(1)
      expect(yield* Effect.flip(permits.withPermit(Effect.fail("boom")))).toBe("boom")
      const hold = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(permits.withPermit(Deferred.await(hold)))
      yield* Effect.yieldNow()
      expect(permits.free()).toBe(0)
      yield* Fiber.interrupt(holder)
      expect(permits.free()).toBe(1)
      expect(yield* permits.withPermit(Effect.succeed("after"))).toBe("after")
    }))

  it.effect("a waiter interrupted leaves the queue; the permit goes to the next one, none is lost", () =>
    Effect.gen(function*() {
      const permits = Permits.make(1)
      const hold = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(permits.withPermit(Deferred.await(hold)))
      yield* Effect.yieldNow()
      const ran: Array<string> = []
      const waiter = (name: string) => Effect.fork(permits.withPermit(Effect.sync(() => ran.push(name))))
      const first = yield* waiter("first")
      const second = yield* waiter("second")
      const third = yield* waiter("third")
      yield* Effect.yieldNow()
      expect(permits.waiting()).toBe(3)
      yield* Fiber.interrupt(second)
      expect(permits.waiting()).toBe(2)
      yield* Deferred.succeed(hold, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(first)
      yield* Fiber.join(third)
      expect(ran).toEqual(["first", "third"])
      expect(permits.free()).toBe(1)
      expect(permits.waiting()).toBe(0)
    }))

  it.effect("5,000 waiters for 2 permits all run, each once", () =>
    Effect.gen(function*() {
      const permits = Permits.make(2)
      let count = 0
      yield* Effect.forEach(
        Array.from({ length: 5_000 }),
        () => permits.withPermit(Effect.sync(() => count++)),
        { concurrency: "unbounded", discard: true }
      )
      expect(count).toBe(5_000)
      expect(permits.free()).toBe(2)
    }))
})
