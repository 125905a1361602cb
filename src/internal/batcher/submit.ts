/**
 * `submit` and `submitAll`: tasks admitted and queued on their engine's lane, their outcomes awaited.
 * `submitAll` reads its iterable as tasks go out, a window at a time.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type { TaskSide } from "../../Engine.js"
import type { PostedTask, SubmitAllOptions, SubmitError, SubmitOptions } from "../../TaskBatcher.js"
import { admit, admitNew } from "./admission.js"
import { enqueue } from "./packing.js"
import type { Batcher, Done, Outcome } from "./state.js"

/** Posts one task (packed with others) and returns it once DataForSEO created it and the ledger holds its id. */
export const submit = <Task>(b: Batcher, engine: TaskSide<Task>, task: Task, submitOptions: SubmitOptions = {}) =>
  Effect.gen(function*() {
    const outcome = yield* Deferred.make<PostedTask, SubmitError>()
    const pending = yield* admit(
      b,
      engine,
      task,
      submitOptions.correlationKey,
      (exit) => Deferred.unsafeDone(outcome, exit)
    )
    if (pending !== undefined) yield* enqueue(b, engine, [pending])
    return yield* Deferred.await(outcome)
  })

/**
 * Posts many tasks of one engine, one outcome per task in their order. At most `admissionWindow` tasks are
 * admitted and unresolved at once: the rest of the caller's iterable is read as tasks go out (once half
 * the window is resolved, in one go), so a million tasks cost the memory of their outcomes, not of a
 * million tasks waiting to be posted.
 */
export const submitAll = <Task>(
  b: Batcher,
  engine: TaskSide<Task>,
  tasks: Iterable<Task>,
  submitOptions: SubmitAllOptions<Task> = {}
) =>
  Effect.gen(function*() {
    const { admissionWindow, maxTasks } = b
    const keyOf = submitOptions.correlationKey
    const iterator = tasks[Symbol.iterator]()
    // each outcome is kept as it comes, not its Exit: a million tasks hold a million outcomes, once
    const outcomes: Array<Outcome> = []
    /** A defect or an interruption of a task (the one of the lowest index): the whole call's. */
    let fatal: { readonly index: number; readonly cause: Cause.Cause<never> } | undefined
    let reading = true
    let unresolved = 0
    let wake: Deferred.Deferred<void> | undefined
    const allDone = yield* Deferred.make<void>()
    const doneAt = (index: number): Done => (exit) => {
      if (Exit.isSuccess(exit)) outcomes[index] = Either.right(exit.value)
      else {
        const failure = Cause.failureOrCause(exit.cause)
        if (Either.isLeft(failure)) outcomes[index] = Either.left(failure.left)
        else if (fatal === undefined || index < fatal.index) fatal = { index, cause: failure.right }
      }
      unresolved--
      if (wake !== undefined && unresolved <= admissionWindow / 2) {
        Deferred.unsafeDone(wake, Exit.void)
        wake = undefined
      }
      if (!reading && unresolved === 0) Deferred.unsafeDone(allDone, Exit.void)
    }
    const read = (count: number): Array<Task> => {
      const chunk: Array<Task> = []
      while (chunk.length < count) {
        const next = iterator.next()
        if (next.done === true) {
          reading = false
          break
        }
        chunk.push(next.value)
      }
      return chunk
    }
    while (reading) {
      // closed meanwhile: its tasks were interrupted, and the rest of the iterable (maybe endless) is not read
      if (b.closed) return yield* Effect.interrupt
      if (admissionWindow - unresolved < maxTasks) {
        // made and awaited in one step: no outcome can come in between unheard
        const signal = Deferred.unsafeMake<void>(FiberId.none)
        wake = signal
        yield* Deferred.await(signal)
      }
      const first = outcomes.length
      const room = admissionWindow - unresolved
      const chunk = read(room - (room % maxTasks)) // whole batches: none waits for the rest of a batch
      outcomes.length = first + chunk.length
      unresolved += chunk.length
      const admitted = keyOf === undefined
        ? chunk.map((task, i) => admitNew(b, engine, task, doneAt(first + i)))
        : yield* Effect.forEach(chunk, (task, i) => admit(b, engine, task, keyOf(task, first + i), doneAt(first + i)))
      const pendings = admitted.filter((pending) => pending !== undefined)
      yield* enqueue(b, engine, pendings)
    }
    if (unresolved > 0) yield* Deferred.await(allDone)
    if (fatal !== undefined) return yield* Effect.failCause(fatal.cause)
    for (let i = 0; i < outcomes.length; i++) {
      if (outcomes[i] === undefined) return yield* Effect.dieMessage(`submitAll: task ${i} has no outcome`)
    }
    return outcomes
  })
