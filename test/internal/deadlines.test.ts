import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Deadlines from "../../src/internal/deadlines.js"

const here = dirname(fileURLToPath(import.meta.url))

const timedOut = (after: string) => `timed out after ${after}`

/** A call that never ends, given 5 s, forked; `interrupted` completes when the call is interrupted. */
const hangingFor5s = Effect.gen(function*() {
  const { within } = Deadlines.make()
  const interrupted = yield* Deferred.make<void>()
  const call = Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
  const fiber = yield* Effect.fork(within(call, Duration.seconds(5), () => timedOut("5 s")))
  return { fiber, interrupted }
})

describe("Deadlines", () => {
  it.effect("passes the effect's outcome through when it ends in time", () =>
    Effect.gen(function*() {
      const { within } = Deadlines.make()
      const ok = yield* within(Effect.as(Effect.sleep("1 second"), 42), Duration.seconds(5), () => timedOut("5 s"))
        .pipe(
          Effect.fork,
          Effect.tap(() => TestClock.adjust("1 second")),
          Effect.flatMap(Fiber.join)
        )
      expect(ok).toBe(42)
      const failed = yield* Effect.flip(within(Effect.fail("refused"), Duration.seconds(5), () => timedOut("5 s")))
      expect(failed).toBe("refused")
    }))

  it.effect("interrupts an effect past its deadline and fails with the timeout error", () =>
    Effect.gen(function*() {
      const { fiber, interrupted } = yield* hangingFor5s
      yield* TestClock.adjust("4999 millis")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* Effect.flip(Fiber.join(fiber))).toBe(timedOut("5 s"))
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    }))

  it.effect("each call keeps its own deadline: a shorter one started later is not held up by a longer one", () =>
    Effect.gen(function*() {
      const { within } = Deadlines.make()
      const long = yield* Effect.fork(within(Effect.never, Duration.seconds(30), () => timedOut("30 s")))
      yield* TestClock.adjust("1 second")
      const short = yield* Effect.fork(within(Effect.never, Duration.seconds(5), () => timedOut("5 s")))
      const later = yield* Effect.fork(within(Effect.never, Duration.seconds(60), () => timedOut("60 s")))
      yield* TestClock.adjust("5 seconds")
      expect(yield* Effect.flip(Fiber.join(short))).toBe(timedOut("5 s"))
      expect(Option.isNone(yield* Fiber.poll(long))).toBe(true)
      yield* TestClock.adjust("24 seconds")
      expect(yield* Effect.flip(Fiber.join(long))).toBe(timedOut("30 s"))
      expect(Option.isNone(yield* Fiber.poll(later))).toBe(true)
      yield* TestClock.adjust("31 seconds")
      expect(yield* Effect.flip(Fiber.join(later))).toBe(timedOut("60 s"))
    }))

  it.live(
    "leaves no timer behind once no call is in flight: a finished program is not kept alive",
    () =>
      Effect.gen(function*() {
        const started = Date.now()
        const code = yield* Effect.async<number | null>((resume) => {
          const child = spawn(process.execPath, ["--import", "tsx", join(here, "exit-after-calls.ts")], {
            stdio: "inherit"
          })
          child.once("exit", (code) => resume(Effect.succeed(code)))
          return Effect.sync(() => child.kill())
        })
        expect(code).toBe(0)
        expect(Date.now() - started).toBeLessThan(15_000) // the calls' deadline is 30 s
      }),
    40_000
  )

  it.effect("interrupting the caller interrupts the effect", () =>
    Effect.gen(function*() {
      const { fiber, interrupted } = yield* hangingFor5s
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(fiber)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    }))
})
