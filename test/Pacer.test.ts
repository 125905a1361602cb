import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import * as Pacer from "../src/Pacer.js"

const startTimes = (limit: number, calls: number, callTime: Duration.DurationInput, spread = false) =>
  Effect.gen(function*() {
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
    Effect.gen(function*() {
      expect(yield* startTimes(3, 7, 0)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000])
    }))

  it.effect("counts the window from the end of a call, so network time cannot squeeze two windows", () =>
    Effect.gen(function*() {
      expect(yield* startTimes(2, 5, "300 millis")).toEqual([0, 0, 1300, 1300, 2600])
    }))

  it.effect("never has more than `limit` starts in any window", () =>
    Effect.gen(function*() {
      const starts = yield* startTimes(5, 40, "37 millis")
      expect(starts).toHaveLength(40)
      for (const start of starts) {
        expect(starts.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5)
      }
    }))

  it.effect("spread: starts are evenly spaced over the window, and the window rule still holds", () =>
    Effect.gen(function*() {
      expect(yield* startTimes(4, 9, 0, true)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000])
      // a call that ends late pushes back the start of the call `limit` places after it
      const late = yield* startTimes(2, 5, "800 millis", true)
      expect(late.map((t) => t - (late[0] ?? 0))).toEqual([0, 500, 1800, 2300, 3600])
    }))

  it.effect("unsafeClaim: the slot `pace` takes, for a caller that runs the call itself", () =>
    Effect.gen(function*() {
      const pacer = yield* Pacer.make({ limit: 2, window: "1 second" })
      const first = pacer.unsafeClaim(0)
      const second = pacer.unsafeClaim(0)
      expect(first.wait).toBeUndefined()
      expect(second.wait).toBeUndefined()
      // the third call waits for the first to end, then a whole window
      const third = pacer.unsafeClaim(100)
      expect(third.wait).toBeDefined()
      first.end(300)
      const started = yield* Effect.fork(Effect.zipRight(third.wait ?? Effect.void, Clock.currentTimeMillis))
      yield* TestClock.adjust(Duration.seconds(2))
      expect(yield* Fiber.join(started)).toBe(1300)
      // a slot claimed once the first has ended, and its window passed, may start at once
      second.end(400)
      expect(pacer.unsafeClaim(1400).wait).toBeUndefined()
    }))

  it.effect("a failed or interrupted call frees its slot", () =>
    Effect.gen(function*() {
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

/** Runs `effect` to its end, moving the clock on `step` at a time. */
const driven = <A>(effect: Effect.Effect<A>, step: Duration.DurationInput = "50 millis") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    while (Option.isNone(yield* Fiber.poll(fiber))) yield* TestClock.adjust(step)
    return yield* Fiber.join(fiber)
  })

/** Starts counted by window of one second: `[calls in 0-999 ms, calls in 1000-1999 ms, ...]`. */
const perSecond = (starts: ReadonlyArray<number>) => {
  const counts: Array<number> = []
  for (const start of starts) {
    const second = Math.floor(start / 1000)
    while (counts.length <= second) counts.push(0)
    counts[second] = (counts[second] ?? 0) + 1
  }
  return counts
}

/**
 * `workers` fibers make `calls` calls through `pacer`, one at a time each, as a batcher with a bounded
 * number in flight does. A server with `serverLimit` calls per second refuses calls past it (40202); a
 * refused call is sent again. With `report`, each refusal is reported to the pacer.
 */
const backlog = (
  pacer: Pacer.Pacer,
  options: {
    readonly calls: number
    readonly workers: number
    readonly callTime: Duration.DurationInput
    readonly serverLimit?: number
    readonly report?: boolean
  }
) =>
  Effect.gen(function*() {
    const accepted: Array<number> = []
    const starts: Array<number> = []
    let refused = 0
    let mostSends = 0
    let taken = 0
    const send = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        starts.push(now)
        const inWindow = accepted.filter((at) => now - at < 1000).length
        if (inWindow >= (options.serverLimit ?? Infinity)) return false
        accepted.push(now)
        return true
      })).pipe(Effect.zipLeft(Effect.sleep(options.callTime)))
    const oneCall = (sends: number): Effect.Effect<void> =>
      Effect.flatMap(pacer.pace(send), (ok) => {
        mostSends = Math.max(mostSends, sends)
        if (ok) return Effect.void
        refused++
        return Effect.zipRight(options.report === true ? pacer.rateLimited : Effect.void, oneCall(sends + 1))
      })
    const worker = Effect.whileLoop({
      while: () => taken < options.calls,
      body: () => Effect.zipRight(Effect.sync(() => taken++), oneCall(1)),
      step: () => {}
    })
    yield* Effect.all(Array.from({ length: options.workers }, () => worker), { concurrency: "unbounded" })
    return { accepted, starts, refused, mostSends }
  })

describe("Pacer, adaptive", () => {
  it.effect("a 40202 halves the limit for the calls paced after it: the next windows start at most that many", () =>
    Effect.gen(function*() {
      const pacer = yield* Pacer.make({ limit: 10, window: "1 second", recovery: 1 })
      const run = yield* Effect.fork(backlog(pacer, { calls: 40, workers: 2, callTime: 0 }))
      yield* TestClock.adjust(Duration.millis(500))
      expect(yield* pacer.rateLimited).toBe(5)
      yield* TestClock.adjust(Duration.seconds(60))
      const { starts } = yield* Fiber.join(run)
      // cut at 500 ms to 5; one more call a window for each whole window since (1,500 ms, 2,500 ms, ...)
      expect(perSecond(starts)).toEqual([10, 5, 6, 7, 8, 4])
      expect(pacer.limit).toBe(10)
    }))

  it.effect("spread: calls paced after a cut are spaced window / cut limit apart", () =>
    Effect.gen(function*() {
      const pacer = yield* Pacer.make({ limit: 4, window: "1 second", spread: true, recovery: 1 })
      const run = yield* Effect.fork(backlog(pacer, { calls: 8, workers: 1, callTime: 0 }))
      yield* TestClock.adjust(Duration.millis(100))
      expect(yield* pacer.rateLimited).toBe(2)
      yield* TestClock.adjust(Duration.seconds(60))
      const { starts } = yield* Fiber.join(run)
      // 250 was claimed before the cut at 100 ms. At 2 a window, call 2 starts a window after call 0
      // ended (1000), call 3 a window after call 1 (1250). From 1,100 ms the limit is 3: 333 ms apart.
      expect(starts).toEqual([0, 250, 1000, 1250, 1584, 2000, 2250, 2500])
    }))

  it.effect("recovers `recovery` calls a window for each whole window after a cut, up to the configured limit", () =>
    Effect.gen(function*() {
      const pacer = yield* Pacer.make({ limit: 10, window: "1 second", recovery: 2 })
      yield* pacer.pace(Effect.void)
      expect(yield* pacer.rateLimited).toBe(5)
      const limits: Array<number> = []
      for (const after of [999, 1, 1000, 1000, 1000, 60_000]) {
        yield* TestClock.adjust(Duration.millis(after))
        limits.push(yield* pacer.currentLimit)
      }
      expect(limits).toEqual([5, 7, 9, 10, 10, 10])
    }))

  it.effect("a storm of 40202 replies to calls paced together cuts once; a refusal after the cut cuts again", () =>
    Effect.gen(function*() {
      const pacer = yield* Pacer.make({ limit: 16, window: "1 second" })
      // no call has ended: there is nothing to answer
      expect(yield* pacer.rateLimited).toBe(16)
      yield* Effect.fork(
        Effect.all(Array.from({ length: 8 }, () => pacer.pace(Effect.sleep("100 millis"))), {
          concurrency: "unbounded"
        })
      )
      yield* TestClock.adjust(Duration.millis(100))
      const storm = yield* Effect.all(Array.from({ length: 8 }, () => pacer.rateLimited))
      expect(storm).toEqual([8, 8, 8, 8, 8, 8, 8, 8])
      // each refused call paced after the last cut cuts again, down to 1 and never below. The wait of
      // each call for the call `limit` places before it lasts a window, which gives back one call.
      const cuts: Array<number> = []
      for (let i = 0; i < 5; i++) {
        yield* driven(pacer.pace(Effect.void))
        cuts.push(yield* pacer.rateLimited)
        cuts.push(yield* pacer.rateLimited)
      }
      expect(cuts).toEqual([4, 4, 2, 2, 1, 1, 1, 1, 1, 1])
    }))

  it.effect("a server that allows less than the limit: reported refusals bring the pace down to it", () =>
    Effect.gen(function*() {
      const run = (report: boolean) =>
        Effect.gen(function*() {
          const pacer = yield* Pacer.make({ limit: 20, window: "1 second", spread: true, recovery: 1 })
          const { accepted, mostSends, refused } = yield* driven(
            backlog(pacer, { calls: 60, workers: 4, callTime: "30 millis", serverLimit: 6, report }),
            "1 second"
          )
          return { accepted: accepted.length, refused, mostSends }
        })
      const blind = yield* run(false)
      const adaptive = yield* run(true)
      expect(blind.accepted).toBe(60)
      expect(adaptive.accepted).toBe(60)
      // Without reports: more refusals than calls, and a call sent 5 times. With them: a few refusals
      // while the limit comes down, then one each time recovery probes past the server's limit. No call
      // is refused twice.
      expect(blind.refused).toBeGreaterThan(100)
      expect(blind.mostSends).toBeGreaterThanOrEqual(5)
      expect(adaptive.refused).toBeLessThanOrEqual(12)
      expect(adaptive.mostSends).toBeLessThanOrEqual(2)
    }))
})
