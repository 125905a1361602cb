import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Alarms from "../../src/internal/alarms.js"

/** Alarms that write their name to `rung` when they ring. */
const recording = () => {
  const alarms = Alarms.make()
  const rung: Array<string> = []
  const set = (millis: number, name: string) => alarms.set(millis, () => rung.push(name))
  return { alarms, rung, set }
}

describe("Alarms", () => {
  it.effect("rings each alarm once its time has passed, in time order, and the same time in the order set", () =>
    Effect.gen(function*() {
      const { alarms, rung, set } = recording()
      yield* set(300, "c")
      yield* set(100, "a")
      yield* set(200, "b1")
      yield* set(200, "b2")
      expect(alarms.pending()).toBe(4)
      yield* TestClock.adjust("99 millis")
      expect(rung).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(rung).toEqual(["a"])
      yield* TestClock.adjust("100 millis")
      expect(rung).toEqual(["a", "b1", "b2"])
      yield* TestClock.adjust("1 second")
      expect(rung).toEqual(["a", "b1", "b2", "c"])
      expect(alarms.pending()).toBe(0)
    }))

  it.effect("an alarm set earlier than the one watched rings on time", () =>
    Effect.gen(function*() {
      const { rung, set } = recording()
      yield* set(10_000, "late")
      yield* TestClock.adjust("1 second")
      yield* set(500, "early")
      yield* TestClock.adjust("500 millis")
      expect(rung).toEqual(["early"])
      yield* TestClock.adjust("9 seconds")
      expect(rung).toEqual(["early", "late"])
    }))

  it.effect("a cancelled alarm never rings; cancelling twice or after it rang changes nothing", () =>
    Effect.gen(function*() {
      const { alarms, rung, set } = recording()
      const first = yield* set(100, "first")
      const second = yield* set(200, "second")
      first.cancel()
      first.cancel()
      expect(alarms.pending()).toBe(1)
      yield* TestClock.adjust("1 second")
      expect(rung).toEqual(["second"])
      second.cancel()
      expect(alarms.pending()).toBe(0)
    }))

  it.effect("with every alarm cancelled the watcher stops, and new alarms start it again", () =>
    Effect.gen(function*() {
      const { alarms, rung, set } = recording()
      const alarm = yield* set(100, "gone")
      alarm.cancel()
      // no sleep is left for the clock: a finished program is not kept alive
      expect(yield* TestClock.sleeps()).toHaveLength(0)
      yield* set(50, "again")
      yield* TestClock.adjust("50 millis")
      expect(rung).toEqual(["again"])
      expect(alarms.pending()).toBe(0)
      yield* TestClock.adjust("1 millis")
      expect(yield* TestClock.sleeps()).toHaveLength(0)
    }))

  it.effect("thousands of alarms at hundreds of times ring in order", () =>
    Effect.gen(function*() {
      const { alarms, rung, set } = recording()
      const times = Array.from({ length: 5_000 }, (_, i) => (i * 7_919) % 503)
      for (const [i, millis] of times.entries()) yield* set(millis, `${millis}:${i}`)
      yield* TestClock.adjust("6 seconds")
      expect(rung).toHaveLength(5_000)
      const order = rung.map((name) => Number(name.split(":")[0]))
      expect(order).toEqual([...order].sort((a, b) => a - b))
      expect(alarms.pending()).toBe(0)
    }))
})
