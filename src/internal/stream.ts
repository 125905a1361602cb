/**
 * Inputs given as a `Stream` or as an iterable, as `TaskPoller.results` and `Serp.run` take them.
 *
 * @since 0.1.0
 * @internal
 */
import * as Stream from "effect/Stream"

/** Whether the input is a stream (else an iterable). */
export const isStream = <A, E, R>(input: Stream.Stream<A, E, R> | Iterable<A>): input is Stream.Stream<A, E, R> =>
  Stream.StreamTypeId in input
