/**
 * The tasks of one engine waiting to be packed, oldest first, and the wake-up of the packer that waits for
 * them. A queue on a plain array (`Fifo`): bulk submissions put thousands of tasks through it, with no effect
 * per task.
 *
 * @since 0.1.0
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { Fifo } from "../fifo.js"

/** One engine's tasks waiting to be packed, oldest first, and the wake-up of its packer. */
export class Lane<A> {
  private readonly items = new Fifo<A>()
  private wake: Deferred.Deferred<void> | undefined = undefined
  /** Tasks taken but held back from a batch (their tag is busy), for a later one. */
  readonly held: Array<A> = []

  /** Tasks waiting, held ones not counted. */
  get size(): number {
    return this.items.size
  }

  offer(item: A): void {
    this.items.push(item)
    this.signal()
  }

  offerAll(items: ReadonlyArray<A>): void {
    for (const item of items) this.items.push(item)
    if (items.length > 0) this.signal()
  }

  /** Takes up to `max` tasks, oldest first. */
  take(max: number): Array<A> {
    return this.items.take(max)
  }

  /** Completes once a task is waiting (at once if one is). Meant for one waiter: the lane's packer. */
  readonly ready: Effect.Effect<void> = Effect.suspend(() => {
    if (this.size > 0) return Effect.void
    this.wake ??= Deferred.unsafeMake<void>(FiberId.none)
    return Deferred.await(this.wake)
  })

  /** Empties the lane, held tasks included, and returns what it held. */
  drain(): Array<A> {
    return [...this.take(this.size), ...this.held.splice(0)]
  }

  private signal(): void {
    if (this.wake === undefined) return
    Deferred.unsafeDone(this.wake, Exit.void)
    this.wake = undefined
  }
}
