/**
 * `run`: tasks read as room allows, posted through the batcher's stream path, each posted task waited for
 * (within the deadline), and every task emitted once with its outcome.
 *
 * @since 0.1.0
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  AlreadyCollectedError,
  InvalidOptionError,
  type InvalidTaskError,
  SerpTimeoutError
} from "../../DataForSeoError.js"
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import type { Outcome, RunOptions, SerpError, TaskOf } from "../../Serp.js"
import type { PostedTask, SubmitError, TaskBatcher } from "../../TaskBatcher.js"
import type { Entry, LedgerStoreError, TaskLedger } from "../../TaskLedger.js"
import type { PollError, Result, TaskPoller } from "../../TaskPoller.js"
import * as Alarms from "../alarms.js"
import { isStream, type Pull, readWithin, Room, type Settle, settleEach } from "../stream.js"
import { countEnded, countPosted, type Counts } from "./progress.js"

/** The services a run works with. */
export interface Services {
  readonly batcher: TaskBatcher["Type"]
  readonly poller: TaskPoller["Type"]
  readonly ledger: TaskLedger.Service
  readonly counts: Counts
}

/** The default bound on tasks read and not yet ended. */
export const defaultMaxInFlight = 10_000

/** The tasks of an iterable, one by one. */
function* each<A>(tasks: Iterable<A>): IterableIterator<A> {
  yield* tasks
}

/** The tasks as a stream; an iterable is read one task at a time, never ahead. */
const toStream = <A, E, R>(tasks: Stream.Stream<A, E, R> | Iterable<A>): Stream.Stream<A, E, R> =>
  isStream(tasks) ? tasks : Stream.suspend(() => Stream.fromIteratorSucceed(each(tasks), 1))

/** A task refused at posting: its error, and the caller's key when there is one. */
const refused = <Task, A>(
  task: Task,
  error: SubmitError,
  keyOf: ((task: Task) => string | undefined) | undefined
): Outcome<Task, A> => ({ task, correlationKey: keyOf?.(task), result: Either.left(error) })

/** What settling a task needs of the run's options. */
interface Settings<Task, F extends ResultFormat> {
  readonly format: F
  /** In ms. */
  readonly deadline: number | undefined
  readonly keyOf: ((task: Task) => string | undefined) | undefined
}

/**
 * A posted task's wait, with no fiber: its outcome is settled by the poller, or by the deadline's alarm with a
 * `SerpTimeoutError` (the wait is then stopped). A defect of the wait fails the run. Gives what stops both.
 */
const watched = <E extends AnyEngine, F extends ResultFormat, Task>(
  poller: TaskPoller["Type"],
  alarms: Alarms.Alarms,
  engine: E,
  posted: PostedTask,
  { deadline, format }: Settings<Task, F>,
  settle: (result: Either.Either<Result<E, F>, SerpError>) => void,
  die: (cause: Cause.Cause<never>) => void
): Effect.Effect<() => void> => {
  let over = false
  let stopAlarm = () => {}
  const onOutcome = (exit: Exit.Exit<Result<E, F>, PollError>) => {
    if (over) return
    over = true
    stopAlarm()
    if (Exit.isSuccess(exit)) return settle(Either.right(exit.value))
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) settle(Either.left(failure.value))
    else die(Cause.die(Cause.squash(exit.cause)))
  }
  return Effect.flatMap(poller.watch(engine, posted.id, { format }, onOutcome), (stopWait) => {
    if (deadline === undefined) return Effect.succeed(stopWait)
    const timedOut = () => {
      if (over) return
      over = true
      stopWait()
      settle(Either.left(new SerpTimeoutError({ taskId: posted.id, correlationKey: posted.correlationKey, deadline })))
    }
    return Effect.map(alarms.set(deadline, timedOut), (alarm) => {
      stopAlarm = alarm.cancel
      return () => {
        stopWait()
        alarm.cancel()
      }
    })
  })
}

/** Starts settling one task from its posting outcome: refused, taken by an earlier run, or waited for. */
const start = <E extends AnyEngine, F extends ResultFormat>(
  { counts, poller }: Services,
  alarms: Alarms.Alarms,
  engine: E,
  settings: Settings<TaskOf<E>, F>,
  [task, submitted]: readonly [TaskOf<E>, Either.Either<PostedTask, SubmitError>],
  { die, done }: Settle<Outcome<TaskOf<E>, Result<E, F>>>
): Effect.Effect<(() => void) | undefined> => {
  if (Either.isLeft(submitted)) {
    done(refused(task, submitted.left, settings.keyOf))
    return Effect.succeed(undefined)
  }
  const posted = submitted.right
  countPosted(counts, posted)
  const settle = (result: Either.Either<Result<E, F>, SerpError>) =>
    done({ task, correlationKey: posted.correlationKey, posted, result })
  if (posted.collectedAt === undefined) return watched(poller, alarms, engine, posted, settings, settle, die)
  settle(Either.left(
    new AlreadyCollectedError({
      taskId: posted.id,
      correlationKey: posted.correlationKey,
      collectedAt: posted.collectedAt
    })
  ))
  return Effect.succeed(undefined)
}

/** The bound on tasks in flight: the default, or a whole number of at least 1. */
const maxInFlightOf = (value: number | undefined): Either.Either<number, InvalidOptionError> =>
  value === undefined
    ? Either.right(defaultMaxInFlight)
    : Number.isSafeInteger(value) && value >= 1
    ? Either.right(value)
    : Either.left(
      new InvalidOptionError({ option: "maxInFlight", rule: `must be a whole number of at least 1, not ${value}` })
    )

/** The deadline in ms: none, or a duration longer than zero (an infinite one is none). */
const deadlineOf = (value: unknown): Either.Either<number | undefined, InvalidOptionError> => {
  if (value === undefined) return Either.right(undefined)
  const duration = Duration.decodeUnknown(value)
  const millis = Option.isSome(duration) ? Duration.toMillis(duration.value) : NaN
  if (millis > 0) return Either.right(Number.isFinite(millis) ? millis : undefined)
  return Either.left(
    new InvalidOptionError({ option: "deadline", rule: `must be a duration longer than zero, not ${String(value)}` })
  )
}

/** What a run left in the ledger: its tasks posted and not collected, and its intents of unknown outcome. */
const leftOver = (ledger: TaskLedger.Service, runId: string, engine: AnyEngine) =>
  Effect.gen(function*() {
    // intents recorded from now on are this process's POSTs in flight, not left over
    const now = yield* Clock.currentTimeMillis
    const uncollected = yield* ledger.uncollected({ runId })
    const unknown = yield* ledger.unknownIntents({ runId, recordedBefore: now })
    return [...uncollected, ...unknown].filter((entry) => entry.engine === engine.name)
  })

/** A left-over task, as the caller would have written it, or a warning when its recorded request no longer decodes. */
const revive = <E extends AnyEngine>(engine: E, entry: Entry) =>
  Either.match(engine.decodeTask(entry.request) as Either.Either<TaskOf<E>, InvalidTaskError>, {
    onRight: (task) => Effect.succeed(Option.some(task)),
    onLeft: (error) =>
      Effect.as(
        Effect.logWarning("a left-over task does not decode: it stays in the ledger").pipe(
          Effect.annotateLogs({ correlationKey: entry.correlationKey, field: error.field, rule: error.rule })
        ),
        Option.none()
      )
  })

/** The run's tasks, and each task's key. */
interface Input<Task, Err, R> {
  readonly tasks: Stream.Stream<Task, Err, R>
  readonly keyOf: ((task: Task) => string | undefined) | undefined
}

/**
 * With `resume`, the run's left-overs first (each with its recorded key), then the caller's tasks but those of a
 * left-over's key: each task comes out once.
 */
const withLeftOvers = <E extends AnyEngine, Err, R>(
  services: Services,
  engine: E,
  input: Input<TaskOf<E>, Err, R>
): Effect.Effect<Input<TaskOf<E>, Err, R>, LedgerStoreError> =>
  Effect.gen(function*() {
    const entries = yield* leftOver(services.ledger, services.batcher.runId, engine)
    if (entries.length === 0) return input
    const keys = new Map<TaskOf<E>, string>()
    for (const entry of entries) {
      const task = yield* revive(engine, entry)
      if (Option.isSome(task)) keys.set(task.value, entry.correlationKey)
    }
    const resumed = new Set(keys.values())
    const callerKey = input.keyOf
    const rest = callerKey === undefined ? input.tasks : Stream.filter(input.tasks, (task) => {
      const key = callerKey(task)
      return key === undefined || !resumed.has(key)
    })
    return {
      tasks: Stream.concat(Stream.fromIterable(keys.keys()), rest),
      keyOf: (task) => keys.get(task) ?? callerKey?.(task)
    }
  })

/**
 * Every task with its outcome, one per pull, as outcomes come, each passed to `handedOut` as it is pulled. At most
 * `maxInFlight` tasks are read and not yet pulled out: an outcome's room is given back as the consumer pulls it, so
 * outcomes waiting for a slow consumer count too. The reading and the waits live as long as the scope.
 */
export const outcomes = <E extends AnyEngine, F extends ResultFormat, Err, R>(
  services: Services,
  engine: E,
  tasks: Stream.Stream<TaskOf<E>, Err, R> | Iterable<TaskOf<E>>,
  options: RunOptions<TaskOf<E>, F>,
  handedOut: (outcome: Outcome<TaskOf<E>, Result<E, F>>) => void
): Effect.Effect<Pull<Outcome<TaskOf<E>, Result<E, F>>, Err>, LedgerStoreError | InvalidOptionError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const maxInFlight = yield* maxInFlightOf(options.maxInFlight)
    const deadline = yield* deadlineOf(options.deadline)
    const given: Input<TaskOf<E>, Err, R> = { tasks: toStream(tasks), keyOf: options.correlationKey }
    const input = options.resume === true ? yield* withLeftOvers(services, engine, given) : given
    const room = new Room(maxInFlight)
    const read = readWithin(input.tasks, room, (count) => {
      services.counts.submitted += count
    })
    const submitted = services.batcher.submitStream(engine, read, {
      correlationKey: input.keyOf
    })
    // at most maxInFlight elements in course: the room bounds the tasks read
    const alarms = Alarms.make()
    const settings = { format: options.format, deadline, keyOf: input.keyOf }
    return yield* settleEach(
      submitted,
      (one, settle: Settle<Outcome<TaskOf<E>, Result<E, F>>>) => start(services, alarms, engine, settings, one, settle),
      (outcome, now) => {
        countEnded(services.counts, outcome.result, now)
        room.release(1)
        handedOut(outcome)
      }
    )
  })
