/**
 * Streams as `TaskPoller.results` and `Serp.run` use them: inputs given as a `Stream` or as an iterable, a stage
 * that reads a stream within a bound, a stage that settles each element from a callback, with no fiber per
 * element, and a pull's elements as a stream.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Fifo } from "./fifo.js"

/** Whether the input is a stream (else an iterable). */
export const isStream = <A, E, R>(input: Stream.Stream<A, E, R> | Iterable<A>): input is Stream.Stream<A, E, R> =>
  Stream.StreamTypeId in input

/**
 * One fiber parked until a condition holds. `wait(ready)` ends at once when `ready()` holds as it begins (the fiber
 * may have yielded between its own check and its wait), else at the next `wake`. One waiter at a time. A wait
 * interrupted leaves its resume behind: a later `wake` calls it to no effect, as Effect ignores the resume of a wait
 * it interrupted.
 */
export class Wakeup {
  private resume: (() => void) | undefined

  /** Wakes the fiber parked, if one is. */
  wake(): void {
    const resume = this.resume
    this.resume = undefined
    resume?.()
  }

  /** Parks the fiber until `ready()` holds; see the class. */
  wait(ready: () => boolean): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      if (ready()) return resume(Effect.void)
      this.resume = () => resume(Effect.void)
    })
  }
}

/** Room for `free` elements; what is released wakes the one reader waiting for room. */
export class Room {
  private readonly reader = new Wakeup()

  constructor(public free: number) {}

  /** Gives back room for `n` elements. */
  release(n: number): void {
    this.free += n
    this.reader.wake()
  }

  /** Waits until there is room. */
  readonly wait: Effect.Effect<void> = this.reader.wait(() => this.free > 0)
}

/**
 * The elements of `stream`, each read only once there is room for it in `room` (taken as it is read, given back by
 * the caller): at most one chunk of `stream` is held while there is none. `onRead` counts the elements read.
 */
export const readWithin = <A, E, R>(
  stream: Stream.Stream<A, E, R>,
  room: Room,
  onRead: (count: number) => void
): Stream.Stream<A, E, R> =>
  fromScopedPull(Effect.map(Stream.toPull(stream), (pullChunk) => {
    let held: ReadonlyArray<A> = []
    let next = 0
    const pull: Pull<A, E, R> = Effect.suspend(() => {
      if (next >= held.length) {
        return Effect.flatMap(pullChunk, (chunk) => {
          held = Chunk.toReadonlyArray(chunk)
          next = 0
          return pull
        })
      }
      const count = Math.min(held.length - next, room.free)
      if (count === 0) return Effect.zipRight(room.wait, pull)
      const out = held.slice(next, next + count)
      next += count
      room.free -= count
      onRead(count)
      return Effect.succeed(Chunk.unsafeFromArray(out))
    })
    return pull
  }))

/** A chunk at a time (what a stream pulls): fails with `None` once the elements are all out. */
export type Pull<A, E, R = never> = Effect.Effect<Chunk.Chunk<A>, Option.Option<E>, R>

/** A pull's chunks as a channel: one write a pull, ended by `None`, failed by `Some`. */
const pulled = <A, E, R>(
  pull: Pull<A, E, R>
): Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown, R> => {
  const loop: Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, void, unknown, R> = Channel.unwrap(
    Effect.matchCause(pull, {
      onFailure: (cause) =>
        Option.match(Cause.flipCauseOption(cause), { onNone: () => Channel.void, onSome: Channel.failCause }),
      onSuccess: (chunk) => Channel.zipRight(Channel.write(chunk), loop)
    })
  )
  return loop
}

/** A pull's elements as a stream. */
export const fromPull = <A, E>(pull: Pull<A, E>): Stream.Stream<A, E> => Stream.fromChannel(pulled(pull))

/**
 * The elements of the pull `make` gives, as a stream. `make` runs in a scope of its own, closed with the stream's
 * exit (a success when the consumer stops early). `Stream.unwrapScoped` of `Stream.repeatEffectChunkOption` does
 * the same with two more hand-overs of each chunk: a quarter of the steps of each element.
 */
export const fromScopedPull = <A, E, E2, R>(
  make: Effect.Effect<Pull<A, E, R>, E2, Scope.Scope | R>
): Stream.Stream<A, E | E2, R> =>
  Stream.fromChannel(Channel.unwrap(Effect.map(Scope.make(), (scope) =>
    Channel.ensuringWith(
      Channel.unwrap(Effect.map(Scope.extend(make, scope), pulled)),
      (exit) => Scope.close(scope, exit)
    ))))

/** How one element ends: with its value, or with a defect (a bug), which fails the pull. */
export interface Settle<B> {
  readonly done: (b: B) => void
  readonly die: (cause: Cause.Cause<never>) => void
}

/**
 * Each element started by `start`, which settles it later (from a callback, with no fiber waiting), and may give
 * a function that stops it. The outcomes are handed out one per pull as they come (not in the stream's order),
 * each passed first to `handedOut` with the time (epoch ms of the pulling fiber's clock).
 * The pull ends once the stream has ended and every element has settled. A failure of the stream, or a defect,
 * fails the pull (after the outcomes already in). The elements not yet settled are stopped when the scope
 * closes. Nothing here bounds the elements read: the caller does.
 *
 * `Stream.mapEffect` with `unordered` and a large `concurrency` would keep a fiber per element, and several
 * channel executors: several times the CPU and the memory of an element.
 */
export const settleEach = <A, E, R, B>(
  stream: Stream.Stream<A, E, R>,
  start: (a: A, settle: Settle<B>) => Effect.Effect<(() => void) | undefined>,
  handedOut: (b: B, now: number) => void
): Effect.Effect<Pull<B, E>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const out = new Fifo<B>()
    let running = 0
    let read = false
    let failure: Cause.Cause<E> | undefined
    const stops = new Set<() => void>()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const stop of stops) stop()
        stops.clear()
      })
    )
    // the puller, parked until an outcome comes or the reading ends
    const puller = new Wakeup()
    const each = (a: A) =>
      Effect.suspend(() => {
        running++
        let stop: (() => void) | undefined
        let settled = false
        const ended = () => {
          settled = true
          running--
          if (stop !== undefined) stops.delete(stop)
        }
        const settle: Settle<B> = {
          done: (b) => {
            ended()
            out.push(b)
            puller.wake()
          },
          die: (cause) => {
            ended()
            failure ??= cause
            puller.wake()
          }
        }
        return Effect.map(start(a, settle), (given) => {
          stop = given
          if (stop !== undefined && !settled) stops.add(stop)
        })
      })
    yield* Stream.runForEach(stream, each).pipe(
      Effect.matchCause({
        onSuccess: () => {
          read = true
          puller.wake()
        },
        onFailure: (cause) => {
          failure ??= cause
          puller.wake()
        }
      }),
      Effect.forkScoped
    )
    const pull: Pull<B, E> = Effect.clockWith((clock) => {
      if (out.size > 0) {
        const b = out.shift()!
        handedOut(b, clock.unsafeCurrentTimeMillis())
        return Effect.succeed(Chunk.of(b))
      }
      if (failure !== undefined) return Effect.failCause(Cause.map(failure, Option.some))
      if (read && running === 0) return Effect.fail(Option.none())
      return Effect.zipRight(puller.wait(() => out.size > 0 || failure !== undefined || (read && running === 0)), pull)
    })
    return pull
  })
