/**
 * Streams as `TaskPoller.results` and `Serp.run` use them: inputs given as a `Stream` or as an iterable, and a
 * stage that runs an effect per element in a fiber of its own.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** Whether the input is a stream (else an iterable). */
export const isStream = <A, E, R>(input: Stream.Stream<A, E, R> | Iterable<A>): input is Stream.Stream<A, E, R> =>
  Stream.StreamTypeId in input

/** One element at a time: fails with `None` once the elements are all out. */
export type Pull<A, E> = Effect.Effect<A, Option.Option<E>>

/**
 * `f` of each element, each in a fiber of its own, handed out one per pull as they end (not in the stream's
 * order). The pull ends once the stream has ended and every fiber has; a failure of the stream fails the pull
 * (after the outcomes already in), and the fibers in course are interrupted when the scope closes. The number of
 * fibers is not bounded here: the caller bounds the elements read.
 *
 * `Stream.mapEffect` with `unordered` and a large `concurrency` does the same with several fibers and channel
 * executors per element, and a queue of `Take`s read as a stream costs a few stream stages more per element.
 */
export const forkEach = <A, E, R, B>(
  stream: Stream.Stream<A, E, R>,
  f: (a: A) => Effect.Effect<B>
): Effect.Effect<Pull<B, E>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make<void>()
    let out: Array<B> = []
    let head = 0
    let running = 0
    let read = false
    let failure: Cause.Cause<E> | undefined
    // the puller, parked until an outcome comes or the reading ends
    let parked: ((wake: Effect.Effect<void>) => void) | undefined
    const wake = () => {
      const resume = parked
      parked = undefined
      resume?.(Effect.void)
    }
    const each = (a: A) =>
      Effect.suspend(() => {
        running++
        return FiberSet.run(
          fibers,
          Effect.map(f(a), (b) => {
            running--
            out.push(b)
            wake()
          })
        )
      })
    yield* Stream.runForEach(stream, each).pipe(
      Effect.matchCause({
        onSuccess: () => {
          read = true
          wake()
        },
        onFailure: (cause) => {
          failure = cause
          wake()
        }
      }),
      Effect.forkScoped
    )
    const pull: Pull<B, E> = Effect.suspend(() => {
      if (head < out.length) {
        const b = out[head++]!
        // the outcomes handed out are let go: at once when all are out, else in halves
        if (head === out.length) {
          out = []
          head = 0
        } else if (head > 1024 && head * 2 > out.length) {
          out = out.slice(head)
          head = 0
        }
        return Effect.succeed(b)
      }
      if (failure !== undefined) return Effect.failCause(Cause.map(failure, Option.some))
      if (read && running === 0) return Effect.fail(Option.none())
      return Effect.zipRight(
        Effect.async<void>((resume) => {
          parked = resume
        }),
        pull
      )
    })
    return pull
  })
