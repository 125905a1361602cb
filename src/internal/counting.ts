/**
 * Counters updated within a step a caller already takes: `Metric.increment` is an effect of its own (the fiber's
 * metric labels read, then the update), which costs on calls made for every task.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import type * as Metric from "effect/Metric"

/** Adds one to `counter` with `fiber`'s metric labels, as `Metric.increment` run in that fiber would. */
export const increment = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  counter: Metric.Metric.Counter<number>
): void => {
  counter.unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
}
