/**
 * Streams as `TaskPoller.results` and `Serp.run` use them: inputs given as a `Stream` or as an iterable, and a
 * stage that runs an effect per element in a fiber of its own.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"

/** Whether the input is a stream (else an iterable). */
export const isStream = <A, E, R>(input: Stream.Stream<A, E, R> | Iterable<A>): input is Stream.Stream<A, E, R> =>
  Stream.StreamTypeId in input

/**
 * `f` of each element, each in a fiber of its own, emitted as they end (not in the stream's order). The stream
 * ends once it has ended and every fiber has; a failure of the stream fails the result (the fibers in course
 * are interrupted). The number of fibers is not bounded here: the caller bounds the elements read.
 *
 * `Stream.mapEffect` with `unordered` and a large `concurrency` does the same with several fibers and channel
 * executors per element: about twice the CPU and the memory of a task's wait.
 */
export const forkEach = <A, E, R, B>(
  stream: Stream.Stream<A, E, R>,
  f: (a: A) => Effect.Effect<B>
): Stream.Stream<B, E, R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Take.Take<B, E>>(), Queue.shutdown)
    const fibers = yield* FiberSet.make<void>()
    let running = 0
    let read = false
    const endIfDone = () => {
      if (read && running === 0) queue.unsafeOffer(Take.end)
    }
    const each = (a: A) =>
      Effect.suspend(() => {
        running++
        return FiberSet.run(
          fibers,
          Effect.map(f(a), (b) => {
            running--
            queue.unsafeOffer(Take.of(b))
            endIfDone()
          })
        )
      })
    yield* Stream.runForEach(stream, each).pipe(
      Effect.matchCause({
        onSuccess: () => {
          read = true
          endIfDone()
        },
        onFailure: (cause) => {
          queue.unsafeOffer(Take.failCause(cause))
        }
      }),
      Effect.forkScoped
    )
    return Stream.flattenTake(Stream.fromQueue(queue))
  }))
