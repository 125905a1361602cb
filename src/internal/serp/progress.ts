/**
 * The Serp's progress: counts kept as outcomes come out and results are taken, tasks ended per minute over the
 * last minute, and a snapshot that adds what the poller and the batcher say.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Money from "../../Money.js"
import { Progress } from "../../Progress.js"
import type { SerpError } from "../../Serp.js"
import type { PostedTask, TaskBatcher } from "../../TaskBatcher.js"
import type { TaskPoller } from "../../TaskPoller.js"

/** Seconds in the rate's window. */
const window = 60

/** What the Serp counts itself. */
export interface Counts {
  submitted: number
  posted: number
  collected: number
  noResults: number
  timedOut: number
  alreadyCollected: number
  failed: number
  cost: Money.Micros
  /** Tasks ended in each second of the last minute: `ended[s % 60]` counts second `s` when `stamps[s % 60] === s`. */
  readonly ended: Array<number>
  readonly stamps: Array<number>
}

export const makeCounts = (): Counts => ({
  submitted: 0,
  posted: 0,
  collected: 0,
  noResults: 0,
  timedOut: 0,
  alreadyCollected: 0,
  failed: 0,
  cost: Money.zero,
  ended: new Array<number>(window).fill(0),
  stamps: new Array<number>(window).fill(-1)
})

/** A task posted (or found posted in the ledger). */
export const countPosted = (counts: Counts, posted: PostedTask): void => {
  counts.posted++
  counts.cost = Money.add(counts.cost, Money.fromUsd(posted.cost))
}

/** One task ended at `now` (epoch ms): a result (counted collected once taken), or an error of its kind. */
export const countEnded = (counts: Counts, result: Either.Either<unknown, SerpError>, now: number): void => {
  const second = Math.floor(now / 1000)
  const slot = second % window
  if (counts.stamps[slot] !== second) {
    counts.stamps[slot] = second
    counts.ended[slot] = 0
  }
  counts.ended[slot]!++
  if (result._tag === "Right") return
  switch (result.left._tag) {
    case "NoSearchResultsError":
      counts.noResults++
      return
    case "SerpTimeoutError":
      counts.timedOut++
      return
    case "AlreadyCollectedError":
      counts.alreadyCollected++
      return
    default:
      counts.failed++
  }
}

/** Tasks ended in the last minute, up to `now`. */
const perMinute = (counts: Counts, now: number): number => {
  const second = Math.floor(now / 1000)
  let sum = 0
  for (let slot = 0; slot < window; slot++) {
    if (counts.stamps[slot]! > second - window) sum += counts.ended[slot]!
  }
  return sum
}

/** The progress now: the Serp's counts, the poller's status, what the batcher waits on. */
export const snapshot = (
  counts: Counts,
  batcher: TaskBatcher["Type"],
  poller: TaskPoller["Type"]
): Effect.Effect<Progress> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const status = yield* poller.status
    const posting = yield* batcher.waiting
    const { ended: _ended, stamps: _stamps, ...counted } = counts
    return new Progress({
      ...counted,
      ready: status.seenReady,
      cost: Money.toUsd(counts.cost),
      perMinute: perMinute(counts, now),
      oldestWaiting: status.oldestWaiting,
      waiting: [...posting, ...status.waiting]
    })
  })
