/**
 * Alarms for many waits at once, without a timer or a fiber per wait.
 *
 * A wait that sleeps until it is woken or a delay has passed would race its wake-up against a sleep: two fibers
 * forked per wait, and the loser interrupted. With thousands of tasks waiting, that costs more than fetching
 * their results. Here a wait sets an alarm, a plain callback kept in a heap by time, and one watcher fiber sleeps
 * until the earliest alarm, calls those due and sleeps again. The watcher stops when no alarm is set, so that its
 * timer never keeps a finished program alive. Sleeping goes through the `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

/** One alarm: when it rings, and what it calls. `cancel` makes it silent. */
export interface Alarm {
  readonly cancel: () => void
}

/** Sets alarms; see the module comment. */
export interface Alarms {
  /** Calls `ring` once `millis` have passed on the `Clock`, unless the alarm is cancelled first. */
  readonly set: (millis: number, ring: () => void) => Effect.Effect<Alarm>
  /** Alarms set and not yet rung or cancelled. */
  readonly pending: () => number
}

interface Entry {
  readonly at: number
  /** Set order: alarms of the same time ring in the order they were set. */
  readonly order: number
  ring: (() => void) | undefined
}

/** The watcher: when it wakes up next, and its fiber (set once forked). */
interface Watcher {
  at: number
  fiber: Fiber.RuntimeFiber<void> | undefined
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.order < b.order)

/** A binary min-heap of entries by time. */
const push = (heap: Array<Entry>, entry: Entry): void => {
  let i = heap.push(entry) - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (!before(entry, heap[parent]!)) break
    heap[i] = heap[parent]!
    i = parent
  }
  heap[i] = entry
}

const pop = (heap: Array<Entry>): Entry | undefined => {
  const top = heap[0]
  const last = heap.pop()
  if (top === undefined || last === undefined || heap.length === 0) return top
  let i = 0
  for (;;) {
    const left = 2 * i + 1
    if (left >= heap.length) break
    const right = left + 1
    const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left
    if (!before(heap[child]!, last)) break
    heap[i] = heap[child]!
    i = child
  }
  heap[i] = last
  return top
}

/** A set of alarms, watched by at most one fiber at a time. */
export const make = (): Alarms => {
  let heap: Array<Entry> = []
  let live = 0
  let order = 0
  let watcher: Watcher | undefined

  const stop = (): void => {
    watcher?.fiber?.unsafeInterruptAsFork(FiberId.none)
    watcher = undefined
  }

  /** Rings the alarms due at `now`; gives the time of the next one, if any. */
  const ringDue = (now: number): number | undefined => {
    for (;;) {
      const top = heap[0]
      if (top === undefined) return undefined
      if (top.ring === undefined) {
        pop(heap)
        continue
      }
      if (top.at > now) return top.at
      pop(heap)
      const ring = top.ring
      top.ring = undefined
      live--
      ring()
    }
  }

  /** Sleeps until the next alarm, rings those due, and so on while alarms are set. */
  const watch = (self: Watcher): Effect.Effect<void> =>
    Effect.gen(function*() {
      while (watcher === self) {
        yield* Effect.sleep(Duration.millis(Math.max(0, self.at - (yield* Clock.currentTimeMillis))))
        if (watcher !== self) return // replaced meanwhile
        const next = ringDue(yield* Clock.currentTimeMillis)
        if (next === undefined || live === 0) {
          watcher = undefined
          heap = []
        } else self.at = next
      }
    })

  const cancel = (entry: Entry): void => {
    if (entry.ring === undefined) return
    entry.ring = undefined
    if (--live === 0) {
      stop()
      heap = []
    }
  }

  const set = (millis: number, ring: () => void): Effect.Effect<Alarm> =>
    Effect.clockWith((clock) => {
      const entry: Entry = { at: clock.unsafeCurrentTimeMillis() + Math.max(0, millis), order: order++, ring }
      push(heap, entry)
      live++
      const alarm: Alarm = { cancel: () => cancel(entry) }
      if (watcher !== undefined && watcher.at <= entry.at) return Effect.succeed(alarm)
      stop()
      const next: Watcher = { at: entry.at, fiber: undefined }
      watcher = next
      // a daemon, as it outlives the wait that set it when other alarms are set
      return Effect.as(
        Effect.tap(Effect.forkDaemon(Effect.interruptible(watch(next))), (fiber) => {
          next.fiber = fiber
        }),
        alarm
      )
    })

  return { set, pending: () => live }
}
