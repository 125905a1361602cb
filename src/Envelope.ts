/**
 * The envelope every DataForSEO reply comes in: request-level status at the top, one entry per task in
 * `tasks[]`, each with its own status and its `result[]`. Generic over the schema of one result element,
 * so the same envelope decodes a task_post reply (`result: null`), a tasks_ready list or an advanced SERP.
 *
 * @example
 * import { Envelope } from "effect-dataforseo"
 * import * as Schema from "effect/Schema"
 *
 * const Reply = Envelope.Envelope(Schema.Unknown)
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { gunzipSync } from "node:zlib"
import { DecodeError, type StatusError } from "./DataForSeoError.js"
import { fastArray, isKeptAsIs } from "./internal/fastArray.js"
import { systemCause } from "./internal/transport.js"
import * as StatusCode from "./StatusCode.js"

/**
 * The echo of the posted parameters (`tasks[i].data`): `api`, `function`, `se`, `se_type`, the task's fields,
 * `tag`. Any JSON object, kept as it came.
 */
export const TaskData = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

// The fields of `tasks[i]` as the API sends them, absent or null where it may.
const wireTaskFields = {
  id: Schema.String,
  status_code: Schema.Number,
  status_message: Schema.String,
  time: nullable(Schema.String),
  cost: nullable(Schema.Number),
  result_count: nullable(Schema.Number),
  path: nullable(Schema.Array(Schema.String)),
  data: nullable(TaskData),
  result: nullable(Schema.Array(Schema.Unknown))
}

/** One entry of `tasks[]`, generic over the schema of one `result[]` element, with the documented defaults. */
export const Task = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    ...wireTaskFields,
    cost: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    result_count: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    path: Schema.optionalWith(Schema.Array(Schema.String), { nullable: true, default: () => [] }),
    result: Schema.optionalWith(Schema.NullOr(Schema.Array(result)), { default: () => null })
  })

/** The type of one decoded `tasks[i]` whose results are `A`. */
export interface Task<A> {
  readonly id: string
  readonly status_code: number
  readonly status_message: string
  readonly time?: string | null | undefined
  readonly cost: number
  readonly result_count: number
  readonly path: ReadonlyArray<string>
  readonly data?: { readonly [key: string]: unknown } | null | undefined
  readonly result: ReadonlyArray<A> | null
}

const wireEnvelopeFields = {
  version: Schema.String,
  status_code: Schema.Number,
  status_message: Schema.String,
  time: nullable(Schema.String),
  cost: nullable(Schema.Number),
  tasks_count: nullable(Schema.Number),
  tasks_error: nullable(Schema.Number)
}

/** The whole reply, generic over the schema of one `result[]` element. `tasks: null` decodes as `[]`. */
export const Envelope = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    ...wireEnvelopeFields,
    cost: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks_count: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks_error: Schema.optionalWith(Schema.Number, { nullable: true, default: () => 0 }),
    tasks: Schema.optionalWith(Schema.Array(Task(result)), { nullable: true, default: () => [] })
  })

/**
 * The reply exactly as sent, results not decoded, every field and every unknown field kept. Valid replies
 * are checked without a copy (`fastArray`), at close to the speed of `JSON.parse`; `normalize` then fills
 * the defaults of `Envelope`. The HTTP client decodes every reply this way, then each result with its schema.
 */
export const WireEnvelope = Schema.Struct(
  {
    ...wireEnvelopeFields,
    tasks: nullable(fastArray(Schema.Struct(wireTaskFields, TaskData)))
  },
  TaskData
)

/** The type of a reply as sent. */
export type WireEnvelope = typeof WireEnvelope.Type

type WireTask = NonNullable<WireEnvelope["tasks"]>[number]

// A task that already has every default (as the API sends them) is used as it is, without a copy.
const isNormal = (task: WireTask): task is WireTask & Task<unknown> =>
  typeof task.cost === "number" && typeof task.result_count === "number" && Array.isArray(task.path) &&
  task.result !== undefined

/** A reply as sent, with the defaults `Envelope` documents: absent or null counts are 0, `tasks` and `path` []. */
export const normalize = (wire: WireEnvelope): Envelope<unknown> => ({
  ...wire,
  cost: wire.cost ?? 0,
  tasks_count: wire.tasks_count ?? 0,
  tasks_error: wire.tasks_error ?? 0,
  tasks: (wire.tasks ?? []).map((task) =>
    isNormal(task) ? task : {
      ...task,
      cost: task.cost ?? 0,
      result_count: task.result_count ?? 0,
      path: task.path ?? [],
      result: task.result ?? null
    }
  )
})

/** The type of a decoded reply whose results are `A`. */
export interface Envelope<A> {
  readonly version: string
  readonly status_code: number
  readonly status_message: string
  readonly time?: string | null | undefined
  readonly cost: number
  readonly tasks_count: number
  readonly tasks_error: number
  readonly tasks: ReadonlyArray<Task<A>>
}

/** Only the request-level status of a reply, for reading the code out of an error body whatever its tasks hold. */
export const Status = Schema.Struct({
  status_code: Schema.Number,
  status_message: Schema.String
})

/**
 * The first result of a reply's first task, which is what task_get and live calls answer; or that task's
 * status as a typed error (`TaskPendingError` for 40601 / 40602, `NotFoundError` for 40401, ...). A reply
 * with no task, or a successful task with no result, is a `NotFoundError` (40400).
 *
 * @example
 * const reply = yield* client.get(engine.paths.taskGet("advanced", id), engine.AdvancedResult)
 * const serp = yield* Envelope.firstResult(reply, id)
 */
export const firstResult = <A>(envelope: Envelope<A>, taskId?: string): Either.Either<A, StatusError> => {
  const task = envelope.tasks[0]
  const id = taskId ?? task?.id
  if (task !== undefined && !StatusCode.isSuccess(task.status_code)) {
    return Either.left(StatusCode.toError(task.status_code, task.status_message, { taskId: id }))
  }
  const result = task?.result?.[0]
  return result === undefined
    ? Either.left(
      StatusCode.toError(40400, task === undefined ? "the reply has no task" : "the task has no result", { taskId: id })
    )
    : Either.right(result)
}

// ---------------------------------------------------------------------------------------------
// decoding a reply's body: for the HTTP client, and for a postback receiver
// ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder()

const gzipMagic = (bytes: Uint8Array): boolean => bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/**
 * A body as sent, inflated when it is gzip (it starts with gzip's magic bytes, whatever the headers say).
 * A corrupt or truncated gzip body is a `DecodeError` of `endpoint`.
 */
export const gunzip = (endpoint: string, bytes: Uint8Array): Either.Either<Uint8Array, DecodeError> => {
  if (!gzipMagic(bytes)) return Either.right(bytes)
  try {
    return Either.right(gunzipSync(bytes))
  } catch (cause) {
    return Either.left(
      new DecodeError({
        endpoint,
        path: "",
        message: `the reply's gzip body is corrupt or cut short: ${systemCause(cause).message}`
      })
    )
  }
}

/** A parse failure as the path of its first issue, `tasks.0.result.3.rank_group`. */
const firstIssue = (error: ParseResult.ParseError): { path: string; message: string } => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  return issue === undefined
    ? { path: "", message: error.message }
    : { path: issue.path.join("."), message: issue.message }
}

const decodeError = (endpoint: string, error: ParseResult.ParseError, at: ReadonlyArray<string | number> = []) => {
  const issue = firstIssue(error)
  return new DecodeError({
    endpoint,
    message: issue.message,
    path: [...at, ...(issue.path === "" ? [] : [issue.path])].join(".")
  })
}

// The envelope with its results left as they are: one decoder, compiled once, for every reply. Results are
// then decoded element by element with the caller's schema, whose compiled parser Schema caches by AST.
const decodeWireEither = Schema.decodeEither(Schema.parseJson(WireEnvelope))

/**
 * A reply's JSON text as an envelope whose results are not decoded yet, with the documented defaults. A text
 * that is not the envelope is a `DecodeError` naming the path.
 */
export const decodeWire = (endpoint: string, text: string): Either.Either<Envelope<unknown>, DecodeError> =>
  Either.mapBoth(decodeWireEither(text), { onLeft: (error) => decodeError(endpoint, error), onRight: normalize })

// A reply whose tasks carry no result (task_post, id_list errors, ...) is what it is, whatever the result schema.
const resultless = (envelope: Envelope<unknown>): envelope is Envelope<never> =>
  envelope.tasks.every((task) => task.result === null)

/** How one `result[]` is decoded: kept as it is when the compiled checks vouch for it, else by effect's parser. */
interface ResultsDecoder<A, R> {
  readonly keptAsIs: (input: unknown) => input is ReadonlyArray<A>
  readonly decode: (input: unknown) => Effect.Effect<ReadonlyArray<A>, ParseResult.ParseError, R>
}

// One decoder of a whole `result[]` per result schema, compiled once.
const resultDecoders = new WeakMap<Schema.Schema.Any, ResultsDecoder<unknown, unknown>>()

const resultsDecoder = <A, I, R>(result: Schema.Schema<A, I, R>): ResultsDecoder<A, R> => {
  const known = resultDecoders.get(result) as ResultsDecoder<A, R> | undefined
  if (known !== undefined) return known
  const array = Schema.Array(result)
  const kept = isKeptAsIs(array)
  const made: ResultsDecoder<A, R> = {
    keptAsIs: (input): input is ReadonlyArray<A> => kept(input),
    decode: Schema.decodeUnknown(array, { onExcessProperty: "preserve" })
  }
  resultDecoders.set(result, made)
  return made
}

/**
 * Decodes every task's `result[]` with `result`; a failure names its whole path, `tasks.0.result.3.items.1.type`.
 * A result the compiled checks vouch for (`fastArray`: every field as the schema wants it, no transformation) is
 * kept as parsed, without a copy.
 */
export const decodeResults = <A, I, R>(
  endpoint: string,
  envelope: Envelope<unknown>,
  result: Schema.Schema<A, I, R>
): Effect.Effect<Envelope<A>, DecodeError, R> => {
  if (resultless(envelope)) return Effect.succeed(envelope)
  const decoder = resultsDecoder(result)
  const decodeTask = (task: Task<unknown>, t: number): Effect.Effect<Task<A>, DecodeError, R> =>
    task.result === null
      ? Effect.succeed({ ...task, result: null })
      : decoder.keptAsIs(task.result)
      ? Effect.succeed({ ...task, result: task.result })
      : Effect.mapBoth(decoder.decode(task.result), {
        onFailure: (error) => decodeError(endpoint, error, ["tasks", t, "result"]),
        onSuccess: (decoded) => ({ ...task, result: decoded })
      })
  // most replies hold one task
  const only = envelope.tasks.length === 1 ? envelope.tasks[0] : undefined
  return only !== undefined
    ? Effect.map(decodeTask(only, 0), (task) => ({ ...envelope, tasks: [task] }))
    : Effect.map(Effect.forEach(envelope.tasks, decodeTask), (tasks) => ({ ...envelope, tasks }))
}

/**
 * A whole body (gzip or not, as a postback delivers it) as an envelope whose results are decoded with
 * `result`. The request-level status is not checked: read `status_code`.
 *
 * @example
 * const envelope = yield* Envelope.decodeBody("postback", body, GoogleOrganic.AdvancedResult)
 */
export const decodeBody = <A, I, R>(
  endpoint: string,
  bytes: Uint8Array,
  result: Schema.Schema<A, I, R>
): Effect.Effect<Envelope<A>, DecodeError, R> =>
  Effect.flatMap(
    gunzip(endpoint, bytes),
    (text) =>
      Effect.flatMap(decodeWire(endpoint, utf8.decode(text)), (envelope) => decodeResults(endpoint, envelope, result))
  )

/** Only the request-level status of a body, if it has one: for a reply that is not HTTP 200. */
export const decodeStatus = Schema.decodeUnknownOption(Schema.parseJson(Status))
