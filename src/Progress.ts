/**
 * Where a pipeline stands, readable at any moment: tasks submitted, posted, ready, collected and ended otherwise,
 * the money spent, the pace, the oldest task still waiting, and what the pipeline waits on when it waits
 * (reconciling POSTs of unknown outcome, a 40202 cut in force, a refused POST's backoff).
 *
 * `Serp` keeps one: `serp.progress` reads it, `serp.progressEvery(interval)` streams it.
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { Progress, Serp } from "effect-dataforseo"
 *
 * Effect.gen(function*() {
 *   const serp = yield* Serp.Serp
 *   yield* serp.progressEvery("10 seconds").pipe(
 *     Stream.runForEach((progress) => Effect.log(Progress.format(progress))),
 *     Effect.fork
 *   )
 * })
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Money from "./Money.js"

/** The endpoints whose limits the pipeline paces. */
export const Endpoint = Schema.Literal("task_post", "tasks_ready", "task_get")

/** @see Endpoint */
export type Endpoint = typeof Endpoint.Type

/** Tasks whose POST outcome is unknown, waiting for id_list to list them (or not) before anything is sent again. */
export class Reconciling extends Schema.TaggedClass<Reconciling>()("Reconciling", {
  tasks: Schema.Number,
  /** When the oldest of these waits began (epoch ms). */
  since: Schema.Number
}) {}

/** A POST refused as a whole (40202, 5xxxx), its tasks waiting for the backoff before it is sent again. */
export class BackingOff extends Schema.TaggedClass<BackingOff>()("BackingOff", {
  tasks: Schema.Number,
  /** When the oldest of these waits began (epoch ms). */
  since: Schema.Number
}) {}

/** The server answered 40202: the pace of `endpoint` is cut below its configured limit, and recovers with time. */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  endpoint: Endpoint,
  /** Calls per window in force now. */
  limit: Schema.Number,
  /** Calls per window configured. */
  configured: Schema.Number
}) {}

/** What the pipeline waits on, besides DataForSEO's queue. */
export const Waiting = Schema.Union(Reconciling, BackingOff, RateLimited)

/** @see Waiting */
export type Waiting = typeof Waiting.Type

/** A posted task, and since when it is waited for (epoch ms). */
export const Oldest = Schema.Struct({ taskId: Schema.String, since: Schema.Number })

/** @see Oldest */
export interface Oldest extends Schema.Schema.Type<typeof Oldest> {}

/**
 * Counts since the service was built, over all its runs. Each task ends once: `collected`, `noResults`,
 * `timedOut`, `alreadyCollected` or `failed`.
 */
export class Progress extends Schema.Class<Progress>("Progress")({
  /** Tasks read from the runs' inputs (left-overs of a resumed run included). */
  submitted: Schema.Number,
  /** Tasks created by DataForSEO, or found posted in the ledger. */
  posted: Schema.Number,
  /** Tasks seen ready (in tasks_ready, by a signal, or by task_get), results not yet fetched included. */
  ready: Schema.Number,
  /** Results taken by the consumer, and recorded collected. */
  collected: Schema.Number,
  /** Tasks ended with 40102: the engine found nothing. */
  noResults: Schema.Number,
  /** Tasks past their deadline. */
  timedOut: Schema.Number,
  /** Tasks an earlier run had taken. */
  alreadyCollected: Schema.Number,
  /** Tasks ended with any other error, at posting or at collecting. */
  failed: Schema.Number,
  /** USD charged for the tasks posted (as recorded: an earlier process's cost for a resumed task). */
  cost: Schema.Number,
  /** Tasks ended in the last minute. */
  perMinute: Schema.Number,
  /** The task waited for longest, if any is waited for. */
  oldestWaiting: Schema.optional(Oldest),
  /** What the pipeline waits on now, besides DataForSEO's queue. */
  waiting: Schema.Array(Waiting)
}) {}

/** Tasks read and not yet ended. */
export const inFlight = (progress: Progress): number =>
  progress.submitted - progress.collected - progress.noResults - progress.timedOut - progress.alreadyCollected -
  progress.failed

/** One waiting cause, in words. */
const describeWaiting = (waiting: Waiting): string => {
  switch (waiting._tag) {
    case "Reconciling":
      return `reconciling ${waiting.tasks} task(s) of unknown POST outcome through id_list`
    case "BackingOff":
      return `backing off a refused POST of ${waiting.tasks} task(s)`
    case "RateLimited":
      return `${waiting.endpoint} rate limited (40202): ${waiting.limit} of ${waiting.configured} calls a window`
  }
}

/** The progress in one line, for a log or a terminal; `now` (epoch ms) dates the oldest wait. */
export const format = (progress: Progress, now: number = Date.now()): string => {
  const ended = [
    `${progress.collected} collected`,
    progress.noResults > 0 ? `${progress.noResults} no results` : undefined,
    progress.timedOut > 0 ? `${progress.timedOut} timed out` : undefined,
    progress.alreadyCollected > 0 ? `${progress.alreadyCollected} taken before` : undefined,
    progress.failed > 0 ? `${progress.failed} failed` : undefined
  ].filter((part) => part !== undefined)
  const parts = [
    `${progress.submitted} submitted, ${progress.posted} posted, ${progress.ready} ready, ${ended.join(", ")}`,
    `$${Money.format(Money.fromUsd(progress.cost))}`,
    `${Math.round(progress.perMinute)}/min`
  ]
  if (progress.oldestWaiting !== undefined) {
    parts.push(`oldest waiting ${Math.max(0, Math.round((now - progress.oldestWaiting.since) / 1000))} s`)
  }
  return [parts.join(" · "), ...progress.waiting.map(describeWaiting)].join("; ")
}
