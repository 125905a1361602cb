/**
 * The task_get section: one paced call for one task, and what its reply means for the wait, as a `Step`:
 * done (a result or a final error), wait (not ready yet), or retry (a transient failure).
 *
 * @since 0.1.0
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { DataForSeoError } from "../../DataForSeoError.js"
import { NoSearchResultsError } from "../../DataForSeoError.js"
import type { ResultFormat } from "../../Engine.js"
import type * as Envelope from "../../Envelope.js"
import * as StatusCode from "../../StatusCode.js"
import { metrics, type PollError } from "../../TaskPoller.js"
import { increment } from "../counting.js"
import { shouldRetry } from "../failure.js"
import type { Poller, Watch } from "./state.js"

/** What one task_get call means for the wait. */
export type Step<A> =
  | { readonly _tag: "Done"; readonly outcome: Either.Either<A, PollError> }
  | { readonly _tag: "Wait" }
  | { readonly _tag: "Retry"; readonly error: DataForSeoError }

const wait: Step<never> = { _tag: "Wait" }
const done = <A>(outcome: Either.Either<A, PollError>): Step<A> => ({ _tag: "Done", outcome })

/** Asks task_get for one task, paced. The poller's workers bound the calls in flight. */
export const fetchOnce = <A, I>(
  poller: Poller,
  watch: Watch,
  format: ResultFormat,
  schema: Schema.Schema<A, I>
): Effect.Effect<Step<A>> => {
  const call = poller.client.get(watch.engine.paths.taskGet(format, watch.id), schema, {
    retry: "none",
    // the poller's keeper stops a call at the request timeout: the client's deadline would cost a fiber per call
    timeout: Duration.infinity,
    pacer: poller.getPacer,
    span: {
      name: "TaskPoller.taskGet",
      // the call runs in a worker's fiber: its parent is the span of the wait's caller
      parent: Option.getOrUndefined(watch.parent),
      attributes: { "dataforseo.task_id": watch.id, "dataforseo.format": format }
    }
  })
  return Effect.withFiberRuntime((fiber) => {
    increment(fiber, metrics.taskGetCalls)
    return Effect.matchEffect(call, {
      onFailure: (error) => onCallFailure<A>(poller, error),
      onSuccess: (reply) => Effect.succeed(readTask(reply, watch.id))
    })
  })
}

/**
 * A call that failed as a whole. A result that does not decode (its path is in `tasks.N.result`) is final.
 * A reply that does not decode at all (cut short, broken gzip), a transient failure or a 40202 is asked again:
 * task_get is free and can be repeated, even for a task the failed call collected.
 */
const onCallFailure = <A>(poller: Poller, error: DataForSeoError): Effect.Effect<Step<A>> => {
  switch (error._tag) {
    case "RateLimitError":
      return Effect.as(poller.getPacer.rateLimited, { _tag: "Retry", error })
    case "TaskPendingError":
      return Effect.succeed(wait)
    case "DecodeError":
      return Effect.succeed(
        /^tasks\.\d+\.result\./.test(error.path) ? done(Either.left(error)) : { _tag: "Retry", error }
      )
    default:
      return Effect.succeed(shouldRetry("transient", error) ? { _tag: "Retry", error } : done(Either.left(error)))
  }
}

/** The status of the reply's task: its result, a wait, or its typed error. */
export const readTask = <A>(envelope: Envelope.Envelope<A>, taskId: string): Step<A> => {
  const task = envelope.tasks[0]
  if (task === undefined) {
    return { _tag: "Retry", error: StatusCode.toError(40400, "the reply has no task", { taskId }) }
  }
  const code = task.status_code
  if (code === 20100 || StatusCode.isPending(code)) return wait
  if (code === 40102) {
    return done(Either.left(new NoSearchResultsError({ taskId, code, message: task.status_message, cost: task.cost })))
  }
  if (!StatusCode.isSuccess(code)) {
    const error = StatusCode.toError(code, task.status_message, { taskId })
    // 5xxxx at the task level is the server's trouble, not the task's; 40101 and 40103 mean re-post
    return code >= 50000 ? { _tag: "Retry", error } : done(Either.left(error))
  }
  const result = task.result?.[0]
  return result === undefined
    ? done(Either.left(StatusCode.toError(40400, "the task has no result", { taskId })))
    : done(Either.right(result))
}
