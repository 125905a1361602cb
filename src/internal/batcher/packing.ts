/**
 * Packing: each engine's lane of admitted tasks, and its packer, which fills batches from the lane (at once
 * when full, after the window when partial) and hands each batch, with its request slot, to a fiber of its own.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import type { TaskSide } from "../../Engine.js"
import { Lane } from "./lane.js"
import { interruptAll } from "./outcomes.js"
import { run } from "./send.js"
import type { Batcher, Pending } from "./state.js"

/** Fills `batch` from the lane: at once when full, after the window when partial. A task whose tag is busy is held back. */
const fill = (b: Batcher, lane: Lane<Pending>, batch: Array<Pending>) =>
  Effect.gen(function*() {
    const add = (items: Iterable<Pending>) => {
      for (const p of items) {
        if (batch.length < b.maxTasks && !(p.tracked && b.busy.has(p.tag))) {
          batch.push(p)
          if (p.tracked) b.busy.add(p.tag)
        } else lane.held.push(p)
      }
    }
    add(lane.held.splice(0))
    while (batch.length === 0) {
      yield* lane.ready
      add(lane.take(b.maxTasks))
    }
    if (batch.length < b.maxTasks) {
      yield* Effect.sleep(b.window)
      add(lane.take(b.maxTasks - batch.length))
    }
  })

// Once it has its request slot, a batch is handed to its own fiber, which owns it from then on.
// Until then it is the packer's: interrupted (the batcher closing), it interrupts the batch's callers,
// who would otherwise wait for ever. A fiber forked into a scope already closing is interrupted before
// it starts, so its own clean-up never runs: then its batch's callers are interrupted here too (its
// request slot is not given back, which no longer matters once the batcher is closed).
const nextBatch = <Task>(b: Batcher, engine: TaskSide<Task>, lane: Lane<Pending>) =>
  Effect.suspend(() => {
    const batch: Array<Pending> = []
    let handedOver = false
    let started = false
    const job = Effect.suspend(() => {
      started = true
      return run(b, engine, batch)
    }).pipe(Effect.ensuring(b.inFlight.release(1)))
    return Effect.uninterruptibleMask((restore) =>
      restore(Effect.zipRight(fill(b, lane, batch), b.inFlight.take(1))).pipe(
        Effect.zipRight(Effect.forkIn(Effect.interruptible(job), b.scope)),
        Effect.map((fiber) => {
          handedOver = true
          fiber.addObserver(() => {
            if (!started) interruptAll(b, batch)
          })
        })
      )
    ).pipe(Effect.onInterrupt(() => Effect.sync(() => (handedOver ? undefined : interruptAll(b, batch)))))
  })

/** The packer of one engine's lane: batch after batch, for as long as the batcher's scope. */
const packer = <Task>(b: Batcher, engine: TaskSide<Task>, lane: Lane<Pending>) =>
  Effect.forever(nextBatch(b, engine, lane))

// a lane without its packer would hold its tasks for ever: both are made, or neither
const laneFor = <Task>(b: Batcher, engine: TaskSide<Task>): Effect.Effect<Lane<Pending>> =>
  Effect.uninterruptible(
    Effect.suspend(() => {
      const existing = b.lanes.get(engine.name)
      if (existing !== undefined) return Effect.succeed(existing)
      const lane = new Lane<Pending>()
      b.lanes.set(engine.name, lane)
      // forked from an uninterruptible region, the packer must be made interruptible again, or closing
      // the batcher's scope would wait for it for ever
      return Effect.as(Effect.forkIn(Effect.interruptible(packer(b, engine, lane)), b.scope), lane)
    })
  )

/** Queues admitted tasks on their engine's lane; once the batcher is closed, interrupts their callers instead. */
export const enqueue = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  pendings: ReadonlyArray<Pending>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (b.closed) {
      interruptAll(b, pendings)
      return Effect.void
    }
    return Effect.map(laneFor(b, engine), (lane) => lane.offerAll(pendings))
  })

/** Closes the batcher's lanes: no task is queued from now on, and the callers of those waiting are interrupted. */
export const closeLanes = (b: Batcher): Effect.Effect<void> =>
  Effect.sync(() => {
    b.closed = true
    for (const lane of b.lanes.values()) interruptAll(b, lane.drain())
  })
