/**
 * A wait's life as the workers and the callers share it: its sleeps (on an alarm, with jitter), and its end,
 * counted, with the outcome handed to the caller.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import { metrics, type PollError } from "../../TaskPoller.js"
import { increment } from "../counting.js"
import type { Poller, Verdict, Watch } from "./state.js"
import { enqueue, unregister } from "./state.js"

/** `millis` spread by ±20%, so that tasks posted together do not ask together for ever. */
export const jittered = (millis: number): Effect.Effect<number> =>
  Effect.map(Random.nextRange(0.8, 1.2), (factor) => Math.round(millis * factor))

/** Puts a wait to sleep for `millis`: its alarm queues it as due then. */
export const sleep = (poller: Poller, watch: Watch, millis: number): Effect.Effect<void> => {
  watch.state = "sleeping"
  const ring = () => {
    if (watch.state === "sleeping") enqueue(poller, watch)
  }
  return Effect.map(poller.alarms.set(millis, ring), (alarm) => {
    // ended meanwhile (interrupted): the alarm has nothing to wake
    if (watch.state === "sleeping") watch.alarm = alarm
    else alarm.cancel()
  })
}

/** Counts the outcome of one wait, in `fiber`. */
const count = (fiber: Fiber.RuntimeFiber<unknown, unknown>, outcome: Either.Either<unknown, PollError>): void =>
  increment(
    fiber,
    Either.isRight(outcome) ? metrics.results : Metric.tagged(
      Metric.tagged(metrics.errors, "error", outcome.left._tag),
      "code",
      "code" in outcome.left ? String(outcome.left.code) : "none"
    )
  )

/** What a call leaves to do once it ended its wait: nothing. */
const ended: Effect.Effect<Verdict> = Effect.succeed({ _tag: "Ended" })

/** Ends a wait that a caller still waits for: `hand` gives the caller the outcome. */
export const end = (
  poller: Poller,
  watch: Watch,
  outcome: Either.Either<unknown, PollError>,
  hand: () => void
): Effect.Effect<Verdict> => {
  if (watch.state === "done") return ended
  watch.state = "done"
  unregister(poller, watch)
  return Effect.withFiberRuntime((fiber) => {
    count(fiber, outcome)
    hand()
    return ended
  })
}

/** Ends a wait with an error. */
export const endWith = (poller: Poller, watch: Watch, error: PollError): Effect.Effect<Verdict> =>
  end(poller, watch, Either.left(error), () => watch.fail(Cause.fail(error)))

/** Ends a wait whose call died (a bug): the caller dies with the same cause. */
export const defect = (poller: Poller, watch: Watch, cause: Cause.Cause<never>): void => {
  watch.state = "done"
  unregister(poller, watch)
  watch.fail(cause)
}
