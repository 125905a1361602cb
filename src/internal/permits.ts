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

/** A place taken in the queue: what must pass before the permit is held, and how to give it back. */
export interface Entry {
  /** Waits until the permit is handed over; undefined when it was free. */
  readonly wait: Effect.Effect<void> | undefined
  /**
   * Gives the permit back, or leaves the queue if it was not handed over yet. Called once, however the caller
   * ended (its wait interrupted too).
   */
  readonly leave: () => void
}

/** Runs effects holding one permit each, at most `permits` at once. */
export interface Permits {
  /** Runs `effect` once a permit is free, and frees it when the effect ends (success, failure or interruption). */
  readonly withPermit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * `withPermit`'s first step, for a caller that runs the effect in a masked region of its own: takes a free permit,
   * or a place in the queue. The caller must call `leave` once.
   */
  readonly enter: () => Entry
  /** Permits free now. */
  readonly free: () => number
  /** Fibers waiting for a permit now. */
  readonly waiting: () => number
}

/** A waiter in the queue: `grant` hands it a permit. */
interface Waiter {
  /** Handed a permit. */
  granted: boolean
  /** Left the queue before its turn: skipped when it comes. */
  gone: boolean
  /** Resumes the fiber waiting, once it waits. */
  grant: (() => void) | undefined
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
      next.grant?.()
      return
    }
    free++
  }

  const held: Entry = { wait: undefined, leave: release }

  const enter = (): Entry => {
    if (free > 0) {
      free--
      return held
    }
    const waiter: Waiter = { granted: false, gone: false, grant: undefined }
    queue.push(waiter)
    size++
    return {
      wait: Effect.async<void>((resume) => {
        // handed over before this wait began (the fiber may have yielded in between)
        if (waiter.granted) return resume(Effect.void)
        waiter.grant = () => resume(Effect.void)
      }),
      leave: () => {
        if (waiter.granted) return release()
        if (waiter.gone) return
        waiter.gone = true
        size--
      }
    }
  }

  return {
    withPermit: (effect) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          const entry = enter()
          return whenEnded(
            restore(entry.wait === undefined ? effect : Effect.zipRight(entry.wait, effect)),
            entry.leave
          )
        })
      ),
    enter,
    free: () => free,
    waiting: () => size
  }
}
