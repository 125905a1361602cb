/**
 * `submitStream`: a stream's tasks posted in groups through `submitAll`, each task emitted with its outcome
 * as its group settles.
 *
 * @since 0.1.0
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { TaskSide } from "../../Engine.js"
import type { SubmitStreamOptions } from "../../TaskBatcher.js"
import type { Batcher } from "./state.js"
import { submitAll } from "./submit.js"

// A failure of `tasks` ends its reading, and comes out once every task read has come out with its outcome:
// the groups in hand are posted (and paid for) whatever happens, so none is left without its outcome.
/** Posts the tasks of a stream as they come, and emits each with its outcome, in the order they settle. */
export const submitStream = <Task, E, R>(
  b: Batcher,
  engine: TaskSide<Task>,
  tasks: Stream.Stream<Task, E, R>,
  streamOptions: SubmitStreamOptions<Task> = {}
) =>
  Stream.suspend(() => {
    let failure = Option.none<E>()
    return tasks.pipe(
      Stream.catchAll((error) => {
        failure = Option.some(error)
        return Stream.empty
      }),
      Stream.groupedWithin(b.maxTasks, b.window),
      Stream.mapEffect(
        (group) =>
          Effect.map(submitAll(b, engine, group, streamOptions), (outcomes) =>
            Chunk.zip(group, Chunk.unsafeFromArray(outcomes))),
        { concurrency: b.streamInHand, unordered: true }
      ),
      Stream.flattenChunks,
      Stream.concat(Stream.suspend(() =>
        Option.match(failure, { onNone: () => Stream.empty, onSome: Stream.fail })
      ))
    )
  })
