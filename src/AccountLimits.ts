/**
 * The account's real per-minute limits, read from `GET /v3/appendix/user_data` (`rates.limits.minute`).
 *
 * DataForSEO documents 2,000 task_post calls a minute but sets the limits per account. user_data says
 * what they are: `{ serp: { task_post: 2000, tasks_ready: 20, task_get: { regular: 2000, ... } } }`.
 * A limit user_data does not give keeps the configured value.
 *
 * @example
 * import { AccountLimits, DataForSeoClient, DataForSeoConfig, TaskBatcher, TaskLedger } from "effect-dataforseo"
 * import { Layer } from "effect"
 *
 * // the batcher paced by the account's own limits
 * const client = DataForSeoClient.layerBasic.pipe(Layer.provideMerge(DataForSeoConfig.layerConfig))
 * const batcher = TaskBatcher.layer().pipe(
 *   Layer.provide(AccountLimits.layer),
 *   Layer.provide(TaskLedger.layerMemory),
 *   Layer.provide(client)
 * )
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import { DataForSeoClient } from "./DataForSeoClient.js"
import { DataForSeoConfig, defaultLimits, type Limits } from "./DataForSeoConfig.js"
import { AccountLimitsError, type DataForSeoError } from "./DataForSeoError.js"
import * as Envelope from "./Envelope.js"
import { UserData } from "./UserData.js"

/** A per-minute limit in user_data that is not a limit. Declared with the library's other errors. */
export { AccountLimitsError }

/** Where user_data keeps each limit, under `rates.limits.minute`. */
const paths = {
  taskPostPerMinute: ["serp", "task_post"],
  tasksReadyPerMinute: ["serp", "tasks_ready"],
  taskGetPerMinute: ["serp", "task_get"]
} as const

const minute = ["rates", "limits", "minute"] as const

/** The node at `path` below `root`; `undefined` when a level is absent or null. */
const nodeAt = (root: unknown, path: ReadonlyArray<string>): Either.Either<unknown, AccountLimitsError> => {
  let node = root
  for (let i = 0; i < path.length; i++) {
    if (node === undefined || node === null) return Either.right(undefined)
    if (!Predicate.isRecord(node)) {
      return Either.left(
        new AccountLimitsError({ path: path.slice(0, i).join("."), reason: `not a table: ${JSON.stringify(node)}` })
      )
    }
    node = node[path[i] ?? ""]
  }
  return Either.right(node)
}

/**
 * The limit a node gives: a number, or the smallest number of a table such as
 * `task_get: { regular, advanced, html }` (one pace serves them all). `undefined` when it gives none.
 */
const smallest = (node: unknown, path: string): Either.Either<number | undefined, AccountLimitsError> => {
  if (node === undefined || node === null) return Either.right(undefined)
  if (typeof node === "number") {
    return Number.isSafeInteger(node) && node >= 1
      ? Either.right(node)
      : Either.left(new AccountLimitsError({ path, reason: `${node} is not a positive whole number` }))
  }
  if (!Predicate.isRecord(node)) {
    return Either.left(
      new AccountLimitsError({ path, reason: `${JSON.stringify(node)} is not a positive whole number` })
    )
  }
  let least: number | undefined
  for (const [key, child] of Object.entries(node)) {
    const limit = smallest(child, `${path}.${key}`)
    if (Either.isLeft(limit)) return limit
    if (limit.right !== undefined && (least === undefined || limit.right < least)) least = limit.right
  }
  return Either.right(least)
}

const limitAt = (user: unknown, path: ReadonlyArray<string>) =>
  Either.flatMap(nodeAt(user, [...minute, ...path]), (node) => smallest(node, [...minute, ...path].join(".")))

/**
 * The limits from a user_data result: `rates.limits.minute.serp.task_post`, `.tasks_ready` and
 * `.task_get` (the smallest of its result types) where user_data gives them, `fallback` elsewhere.
 * user_data gives no tasks per POST, simultaneous requests or window: these come from `fallback`.
 * A value there that is not a positive whole number is an `AccountLimitsError` naming its path.
 */
export const fromUserData = (
  user: UserData,
  fallback: Limits = defaultLimits
): Either.Either<Limits, AccountLimitsError> =>
  Either.map(
    Either.all({
      taskPostPerMinute: limitAt(user, paths.taskPostPerMinute),
      tasksReadyPerMinute: limitAt(user, paths.tasksReadyPerMinute),
      taskGetPerMinute: limitAt(user, paths.taskGetPerMinute)
    }),
    (account): Limits => ({
      ...fallback,
      taskPostPerMinute: account.taskPostPerMinute ?? fallback.taskPostPerMinute,
      tasksReadyPerMinute: account.tasksReadyPerMinute ?? fallback.tasksReadyPerMinute,
      taskGetPerMinute: account.taskGetPerMinute ?? fallback.taskGetPerMinute
    })
  )

/** The account's limits (`fromUserData`), read from `GET /v3/appendix/user_data` (free). */
export const fromAccount: (
  fallback?: Limits
) => Effect.Effect<Limits, DataForSeoError | AccountLimitsError, DataForSeoClient> = Effect.fn(
  "AccountLimits.fromAccount"
)(
  function*(fallback: Limits = defaultLimits) {
    const client = yield* DataForSeoClient
    const reply = yield* client.get("/v3/appendix/user_data", UserData, { retry: "transient" })
    return yield* fromUserData(yield* Envelope.firstResult(reply), fallback)
  }
)

/**
 * The configuration with the account's limits: the `DataForSeoConfig` it is given, its limits replaced
 * by `fromAccount`'s. The configured limits are the fallback. It reads user_data once, when built.
 * Provide it to the services that pace calls (the batcher), over a client built on the plain
 * configuration (see the module example).
 */
export const layer: Layer.Layer<
  DataForSeoConfig,
  DataForSeoError | AccountLimitsError,
  DataForSeoConfig | DataForSeoClient
> = Layer.effect(
  DataForSeoConfig,
  Effect.gen(function*() {
    const settings = yield* DataForSeoConfig
    const limits = yield* fromAccount(settings.limits)
    return { ...settings, limits }
  })
)
