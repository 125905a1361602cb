/**
 * The typed failures of the library: one tagged, schema-defined class per class of failure.
 *
 * Every error that comes from a DataForSEO status code carries the numeric `code`, the server's
 * `message`, the `taskId` when the code is a task-level one, and `retryable`: whether sending the same
 * call again can help (for 40101 / 40103 a retry means a new, billed, task). Match on `_tag` or on the
 * `code`, never on the message text: DataForSEO says its messages "may vary".
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { InvalidTransition, LedgerStoreError } from "./TaskLedgerEntry.js"

/**
 * `retryable` as a field of every error, set by the constructor when not given: the same shape on every
 * error, where some used to have a getter.
 */
const retryableByDefault = (retryable: boolean) =>
  Schema.Boolean.pipe(Schema.propertySignature, Schema.withConstructorDefault(() => retryable))

const coded = {
  /** The DataForSEO status code (or, for HTTP-only failures, the HTTP status). */
  code: Schema.Number,
  /** The server's message, as sent. */
  message: Schema.String,
  /** The task the code belongs to, for task-level codes. */
  taskId: Schema.optional(Schema.String),
  /** Whether repeating the same call can succeed. */
  retryable: Schema.Boolean,
  /** The HTTP status of the reply, when it was not 200. */
  httpStatus: Schema.optional(Schema.Number)
}

/** Bad or missing credentials, an unverified or paused account, an IP not whitelisted (40100, 40104, 40201, 40207, HTTP 401). */
export class AuthError extends Schema.TaggedError<AuthError>()("AuthError", coded) {}

/** Money: payment required, insufficient funds, a cost limit, a subscription needed (40200, 40203, 40204, 40210, HTTP 402). */
export class BillingError extends Schema.TaggedError<BillingError>()("BillingError", coded) {}

/** Too many calls per minute (40202), too many simultaneous requests (40209), duplicate-task limits (40205, 40206). */
export class RateLimitError extends Schema.TaggedError<RateLimitError>()("RateLimitError", coded) {}

/** More than 100 tasks in one POST (40006). The batcher never sends such a POST: seeing this is a bug. */
export class TooManyTasksError extends Schema.TaggedError<TooManyTasksError>()("TooManyTasksError", coded) {}

/** The server rejected the payload: invalid field, empty or malformed POST data, unknown fields (40501, 40502, 40503, ...). */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", coded) {}

/** A task, resource or endpoint that does not exist or has expired (40400, 40401, 40403, HTTP 404, ...). */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()("NotFoundError", coded) {}

/** A transient server-side failure (HTTP 500, 50000, 50001, 50301, 50303, 50304, ...): a later retry may succeed. */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", coded) {}

/** A definitive refusal that no retry of the same call can fix (40000, 40002-40005, 40102, 40402, 50100, ...). */
export class PermanentError extends Schema.TaggedError<PermanentError>()("PermanentError", coded) {}

/** The task exists but is not done yet (40601, 40602, or 20100 seen from task_get): poll again later. */
export class TaskPendingError extends Schema.TaggedError<TaskPendingError>()("TaskPendingError", coded) {}

/**
 * A reply that does not have the documented shape: malformed or truncated JSON, or a field of the wrong
 * type. `path` names where the decode failed (for example `tasks.0.result.0.items.3.rank_group`).
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  message: Schema.String,
  path: Schema.String,
  /** The endpoint whose reply failed to decode. */
  endpoint: Schema.String,
  /** A malformed reply is not fixed by asking again. */
  retryable: retryableByDefault(false)
}) {}

/**
 * System error codes of failures that happen before a request is sent: the connection was refused or could
 * not be made, the host name did not resolve, the URL was invalid. Such a request created nothing.
 */
const neverSentCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL"
])

/** Failures of the TLS handshake and its certificate checks: the handshake ends before a byte of the request is sent. */
const tlsCodes: ReadonlySet<string> = new Set([
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_REVOKED"
])

/** Whether a system error code is a failed TLS handshake: `ERR_SSL_*`, `ERR_TLS_*`, `EPROTO`, a certificate check. */
export const isTlsFailureCode = (code: string): boolean =>
  tlsCodes.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")

/**
 * Whether a failure with this system error code happened before the request was sent: a refused
 * connection, a name that does not resolve, a failed TLS handshake, an invalid URL.
 */
export const isNeverSentCode = (code: string): boolean => neverSentCodes.has(code) || isTlsFailureCode(code)

/**
 * The request did not complete: connection refused or dropped, DNS, TLS, a body that could not be read.
 * `errorCode` and `host` name the cause when it is known. `neverSent` says the request cannot have reached
 * the server (so it created nothing); otherwise whether the server acted on it is unknown.
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  message: Schema.String,
  endpoint: Schema.String,
  /** The system error code of the cause, e.g. `ECONNREFUSED`, `ENOTFOUND`, `ERR_SSL_WRONG_VERSION_NUMBER`. */
  errorCode: Schema.optional(Schema.String),
  /** The host the request was for, e.g. `api.dataforseo.com`. */
  host: Schema.optional(Schema.String),
  retryable: retryableByDefault(true)
}) {
  /** The request failed before it was sent: nothing reached the server, nothing was created or billed. */
  get neverSent(): boolean {
    return this.errorCode !== undefined && isNeverSentCode(this.errorCode)
  }
}

/** No reply within the configured request timeout. Whether the server acted on the request is unknown. */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  endpoint: Schema.String,
  timeoutMillis: Schema.Number,
  retryable: retryableByDefault(true)
}) {
  override get message(): string {
    return `no reply from ${this.endpoint} within ${this.timeoutMillis} ms`
  }
}

/**
 * A task refused by the library before any HTTP call, because it breaks one of the documented rules.
 * `field` is the task field (dotted path for nested ones, e.g. `stop_crawl_on_match.3.match_type`), `rule` the
 * rule it breaks, in words.
 */
export class InvalidTaskError extends Schema.TaggedError<InvalidTaskError>()("InvalidTaskError", {
  field: Schema.String,
  rule: Schema.String,
  retryable: retryableByDefault(false)
}) {
  override get message(): string {
    return `invalid task field "${this.field}": ${this.rule}`
  }
}

/** The errors that a status code (request or task level) or an HTTP status can become. */
export type StatusError =
  | AuthError
  | BillingError
  | RateLimitError
  | TooManyTasksError
  | ValidationError
  | NotFoundError
  | ServerError
  | PermanentError
  | TaskPendingError

/** Every failure of a call to the API. */
export type DataForSeoError = StatusError | DecodeError | TransportError | TimeoutError

/** Every failure of a call to the API, as one schema: to carry such an error inside another one. */
export const DataForSeoErrorSchema: Schema.Union<[
  typeof AuthError,
  typeof BillingError,
  typeof RateLimitError,
  typeof TooManyTasksError,
  typeof ValidationError,
  typeof NotFoundError,
  typeof ServerError,
  typeof PermanentError,
  typeof TaskPendingError,
  typeof DecodeError,
  typeof TransportError,
  typeof TimeoutError
]> = Schema.Union(
  AuthError,
  BillingError,
  RateLimitError,
  TooManyTasksError,
  ValidationError,
  NotFoundError,
  ServerError,
  PermanentError,
  TaskPendingError,
  DecodeError,
  TransportError,
  TimeoutError
)

/** The error's message, with the path of a decode failure (a transport failure's message names its code and host). */
export const describe = (error: DataForSeoError): string =>
  error._tag === "DecodeError" && error.path !== ""
    ? `${error.message} (at ${error.path} of the ${error.endpoint} reply)`
    : error.message

// ---------------------------------------------------------------------------------------------
// the library's own failures: before a call, or about what calls did
// ---------------------------------------------------------------------------------------------

/** The task was not posted: its estimated cost would take the run past its budget. */
export class BudgetExceededError extends Schema.TaggedError<BudgetExceededError>()("BudgetExceededError", {
  correlationKey: Schema.String,
  estimated: Schema.Number,
  committed: Schema.Number,
  budget: Schema.Number,
  retryable: retryableByDefault(false)
}) {
  override get message(): string {
    return `task ${this.correlationKey} would cost about $${this.estimated} with $${this.committed} of $${this.budget} committed`
  }
}

/**
 * Whether the task was created is unknown: its POST had no readable reply and the policy forbids a blind
 * re-post (or reconciliation could not settle it). The intent stays in the ledger's unknown intents.
 */
export class PostOutcomeUnknownError extends Schema.TaggedError<PostOutcomeUnknownError>()("PostOutcomeUnknownError", {
  correlationKey: Schema.String,
  tag: Schema.String,
  /** What made the outcome unknown, in words. */
  cause: Schema.String,
  /** The failure of the POST that made the outcome unknown, when one did (a `DecodeError` keeps its path). */
  reason: Schema.optional(DataForSeoErrorSchema),
  /**
   * Tasks the same POST created that could not be matched to their submissions (the reply echoed neither
   * their tag nor their request, and id_list did not list their tags): one of them may be this task. They are
   * billed; this task is not posted again.
   */
  unmatched: Schema.optional(Schema.Array(Schema.Struct({ id: Schema.String, cost: Schema.Number }))),
  retryable: retryableByDefault(false)
}) {
  override get message(): string {
    return `outcome of task ${this.correlationKey} (tag ${this.tag}) is unknown: ${this.cause}`
  }
}

/** The account's prices could not be read from its user_data: `path` names what is missing or wrong. */
export class PricesUnavailableError extends Schema.TaggedError<PricesUnavailableError>()("PricesUnavailableError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no task_post price at ${this.path}: ${this.reason}`
  }
}

/** A per-minute limit in user_data that is not a limit: `path` names it, `reason` says what is wrong. */
export class AccountLimitsError extends Schema.TaggedError<AccountLimitsError>()("AccountLimitsError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no per-minute limit at ${this.path}: ${this.reason}`
  }
}

/**
 * The task ran and the search engine had no results for it (40102). A final outcome, never retried. `cost` is
 * what the API reports the task cost.
 */
export class NoSearchResultsError extends Schema.TaggedError<NoSearchResultsError>()("NoSearchResultsError", {
  taskId: Schema.String,
  /** Always 40102. */
  code: Schema.Number,
  /** The server's message, as sent. */
  message: Schema.String,
  /** USD, as the task_get reply reports it. */
  cost: Schema.Number,
  retryable: retryableByDefault(false)
}) {}

/** An option given to the library breaks its rule. `option` names it, `rule` says what it must be. */
export class InvalidOptionError extends Schema.TaggedError<InvalidOptionError>()("InvalidOptionError", {
  option: Schema.String,
  rule: Schema.String,
  retryable: retryableByDefault(false)
}) {
  override get message(): string {
    return `invalid option "${this.option}": ${this.rule}`
  }
}

/** A task still waiting past the run's `deadline`. It stays in the ledger, posted or ready, collectable later. */
export class SerpTimeoutError extends Schema.TaggedError<SerpTimeoutError>()("SerpTimeoutError", {
  /** The DataForSEO task id: its result can still be fetched. */
  taskId: Schema.String,
  correlationKey: Schema.String,
  /** The deadline that passed, in ms. */
  deadline: Schema.Number,
  /** Always true: asking again later may find the result. */
  retryable: retryableByDefault(true)
}) {
  override get message(): string {
    return `task ${this.taskId} (${this.correlationKey}) had no result after ${this.deadline} ms`
  }
}

/**
 * A task whose result an earlier run already took (the ledger holds it `collected`). A rerun does not hand it out
 * again: the run that took it handled it. Its result can still be fetched by id, for free, while DataForSEO keeps it.
 */
export class AlreadyCollectedError extends Schema.TaggedError<AlreadyCollectedError>()("AlreadyCollectedError", {
  /** The DataForSEO task id: `Serp.result` fetches it again. */
  taskId: Schema.String,
  correlationKey: Schema.String,
  /** When the ledger recorded it collected (epoch ms). */
  collectedAt: Schema.optional(Schema.Number),
  /** Always false: the task has no other outcome to wait for. */
  retryable: retryableByDefault(false)
}) {
  override get message(): string {
    return `task ${this.taskId} (${this.correlationKey}) was collected by an earlier run`
  }
}

/**
 * Every failure the library can give, as one union: the API's, the library's own about tasks and runs, and
 * the ledger's (`InvalidTransition`, `LedgerStoreError`, declared with the ledger's states in `TaskLedger`).
 */
export type LibraryError =
  | DataForSeoError
  | InvalidTaskError
  | BudgetExceededError
  | PostOutcomeUnknownError
  | PricesUnavailableError
  | AccountLimitsError
  | NoSearchResultsError
  | SerpTimeoutError
  | AlreadyCollectedError
  | InvalidTransition
  | LedgerStoreError

/** Every failure the library can give, as one schema: to send one across a process, or keep one in a store. */
export const LibraryErrorSchema: Schema.Union<[
  typeof DataForSeoErrorSchema,
  typeof InvalidTaskError,
  typeof BudgetExceededError,
  typeof PostOutcomeUnknownError,
  typeof PricesUnavailableError,
  typeof AccountLimitsError,
  typeof NoSearchResultsError,
  typeof SerpTimeoutError,
  typeof AlreadyCollectedError,
  typeof InvalidTransition,
  typeof LedgerStoreError
]> = Schema.Union(
  DataForSeoErrorSchema,
  InvalidTaskError,
  BudgetExceededError,
  PostOutcomeUnknownError,
  PricesUnavailableError,
  AccountLimitsError,
  NoSearchResultsError,
  SerpTimeoutError,
  AlreadyCollectedError,
  InvalidTransition,
  LedgerStoreError
)

/** Whether a value is one of the library's errors. */
export const isLibraryError: (u: unknown) => u is LibraryError = Schema.is(LibraryErrorSchema)
