import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import * as Pacer from "../src/Pacer.js"

const startTimes = (limit: number, calls: number, callTime: Duration.DurationInput, spread = false) =>
  Effect.gen(function* () {
    const pacer = yield* Pacer.make({ limit, window: "1 second", spread })
    const starts = yield* Ref.make<ReadonlyArray<number>>([])
    const fiber = yield* Effect.fork(
      Effect.forEach(
        Array.from({ length: calls }, (_, i) => i),
        () =>
          pacer.pace(
            Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(starts, (all) => [...all, now])).pipe(
              Effect.zipRight(Effect.sleep(callTime))
            )
          ),
        { concurrency: "unbounded" }
      )
    )
    yield* TestClock.adjust(Duration.seconds(60))
    yield* Fiber.join(fiber)
    return yield* Ref.get(starts)
  })

describe("Pacer", () => {
  it.effect("lets a burst of `limit` calls through at once, then one window after each ends", () =>
    Effect.gen(function* () {
      expect(yield* startTimes(3, 7, 0)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000])
    }))

  it.effect("counts the window from the end of a call, so network time cannot squeeze two windows", () =>
    Effect.gen(function* () {
      expect(yield* startTimes(2, 5, "300 millis")).toEqual([0, 0, 1300, 1300, 2600])
    }))

  it.effect("never has more than `limit` starts in any window", () =>
    Effect.gen(function* () {
      const starts = yield* startTimes(5, 40, "37 millis")
      expect(starts).toHaveLength(40)
      for (const start of starts) {
        expect(starts.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5)
      }
    }))

  it.effect("spread: starts are evenly spaced over the window, and the window rule still holds", () =>
    Effect.gen(function* () {
      expect(yield* startTimes(4, 9, 0, true)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000])
      // a call that ends late pushes back the start of the call `limit` places after it
      const late = yield* startTimes(2, 5, "800 millis", true)
      expect(late.map((t) => t - (late[0] ?? 0))).toEqual([0, 500, 1800, 2300, 3600])
    }))

  it.effect("a failed or interrupted call frees its slot", () =>
    Effect.gen(function* () {
      const pacer = yield* Pacer.make({ limit: 1, window: "1 second" })
      const failed = yield* Effect.either(pacer.pace(Effect.fail("boom")))
      expect(failed._tag).toBe("Left")
      const waiting = yield* Effect.fork(pacer.pace(Effect.void))
      yield* TestClock.adjust(Duration.millis(500))
      yield* Fiber.interrupt(waiting)
      const next = yield* Effect.fork(pacer.pace(Clock.currentTimeMillis))
      yield* TestClock.adjust(Duration.seconds(5))
      expect(yield* Fiber.join(next)).toBe(1500)
    }))
})
