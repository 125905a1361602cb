/**
 * A fair semaphore of single permits: waiters are served first come, first served, and a release wakes one
 * waiter only. Effect's `Semaphore` wakes every waiter at each release (each checks again and most sleep
 * again), so thousands of fibers waiting for a few permits (task_get calls, say) cost time quadratic in
 * their number.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import { whenEnded } from "./ending.js"
import { Fifo } from "./fifo.js"

/** Runs effects holding one permit each, at most `permits` at once. */
export interface Permits {
  /** Runs `effect` once a permit is free, and frees it when the effect ends (success, failure or interruption). */
  readonly withPermit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Permits free now. */
  readonly free: () => number
  /** Fibers waiting for a permit now. */
  readonly waiting: () => number
}

/** A waiter in the queue: `grant` hands it a permit. */
interface Waiter {
  /** Handed a permit. */
  granted: boolean
  /** Interrupted while it waited: skipped when its turn comes. */
  gone: boolean
  readonly grant: () => void
}

/** A fair semaphore of `permits` permits (at least 1). */
export const make = (permits: number): Permits => {
  let free = Math.max(1, Math.floor(permits))
  // served in order, without shifting an array at each grant
  const queue = new Fifo<Waiter>()
  let size = 0

  const release = (): void => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (next.gone) continue
      size--
      next.granted = true
      next.grant()
      return
    }
    free++
  }

  /** Waits for a permit handed over by a release. */
  const wait: Effect.Effect<void> = Effect.async<void>((resume) => {
    const waiter: Waiter = { granted: false, gone: false, grant: () => resume(Effect.void) }
    queue.push(waiter)
    size++
    // interrupted while waiting: leave the queue, or pass on a permit handed over meanwhile
    return Effect.sync(() => {
      if (waiter.granted) return release()
      waiter.gone = true
      size--
    })
  })

  return {
    withPermit: (effect) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (free > 0) {
            free--
            return whenEnded(restore(effect), release)
          }
          return Effect.zipRight(restore(wait), whenEnded(restore(effect), release))
        })
      ),
    free: () => free,
    waiting: () => size
  }
}
