/**
 * Every DataForSEO status code, in one table: what it means, its class, whether the task it belongs to
 * is billed, and the level it is sent at (the whole request, or one task of it).
 *
 * The outcome of a call travels in `status_code` fields inside HTTP 200 replies, at two levels. This
 * module turns a code into a decision: `classify(code)` gives the table's entry (an unknown code is
 * classified by its range and keeps its raw value), `toError(code, message)` the typed error.
 *
 * @since 0.1.0
 */
import * as Errors from "./DataForSeoError.js"

/** What a caller can do about a code. */
export type StatusClass =
  | "success"
  | "pending"
  | "retryable"
  | "rate_limited"
  | "billing"
  | "auth"
  | "validation"
  | "not_found"
  | "permanent"

/** Where the code is sent: top of the envelope, inside `tasks[i]`, or both. */
export type StatusLevel = "request" | "task" | "both"

/** Whether a task with this code costs money. `"unknown"` where the docs do not say. */
export type Billed = true | false | "unknown"

/** One row of the table. */
export interface StatusCodeInfo {
  readonly code: number
  readonly meaning: string
  readonly class: StatusClass
  readonly billed: Billed
  readonly level: StatusLevel
  /** Whether sending the same call again can help. 40101 / 40103 say "re-post": a new, billed, task. */
  readonly retryable: boolean
  /** False for a code this table does not list, classified by its range. */
  readonly known: boolean
}

const row = (
  code: number,
  meaning: string,
  statusClass: StatusClass,
  level: StatusLevel,
  billed: Billed = "unknown",
  retryable: boolean = statusClass === "retryable" || statusClass === "rate_limited" || statusClass === "pending"
): StatusCodeInfo => ({ code, meaning, class: statusClass, billed, level, retryable, known: true })

/** Every code of the reference (§1), keyed by code. */
export const table: ReadonlyMap<number, StatusCodeInfo> = new Map(
  [
    row(20000, "Ok", "success", "both", "unknown"),
    row(20100, "Task Created", "success", "task", true),
    row(40000, "Only one task at a time (live endpoints)", "permanent", "task", false),
    row(40001, "Task id used by another client", "not_found", "task", false),
    row(40002, "Task id used by another search engine: check the path", "permanent", "task", false),
    row(40003, "Task id used by another search type: check the path", "permanent", "task", false),
    row(40004, "Task id used by another function: check the id", "permanent", "task", false),
    row(40005, "Task id used by another device type", "permanent", "task", false),
    row(40006, "No more than 100 tasks at a time", "validation", "task", false),
    row(40100, "Not authorized", "auth", "request", false),
    row(40101, "Internal search engine error: re-post the task", "retryable", "task", true),
    row(40102, "No search results", "permanent", "task", "unknown"),
    row(40103, "Task execution failed: re-post the task", "retryable", "task", "unknown"),
    row(40104, "Verify your account first", "auth", "request", false),
    row(40200, "Payment required", "billing", "request", false),
    row(40201, "Account temporarily paused", "auth", "request", false),
    row(40202, "Rate limit per minute exceeded", "rate_limited", "request", false),
    row(40203, "Cost limit exceeded", "billing", "task", false),
    row(40204, "Access denied: subscription needed", "billing", "request", false),
    row(40205, "Duplicate task limit per hour exceeded", "rate_limited", "task", false),
    row(40206, "Duplicate task limit per day exceeded", "rate_limited", "task", false),
    row(40207, "IP address not whitelisted", "auth", "request", false),
    row(40209, "Too many simultaneous requests", "rate_limited", "request", false),
    row(40210, "Insufficient funds", "billing", "request", false),
    row(40400, "Not found", "not_found", "request", false),
    row(40401, "Task not found", "not_found", "task", false),
    row(40402, "Invalid path", "permanent", "request", false),
    row(40403, "Results expired", "not_found", "task", false),
    row(40404, "No prepared data (sandbox)", "permanent", "task", false),
    row(40405, "Insufficient text", "permanent", "task", "unknown"),
    row(40406, "Page not crawled", "permanent", "task", "unknown"),
    row(40407, "Duplicate host", "permanent", "task", "unknown"),
    row(40408, "Invalid target URL", "permanent", "task", "unknown"),
    row(40501, "Invalid field", "validation", "task", false),
    row(40502, "POST data is empty", "validation", "request", false),
    row(40503, "POST data is invalid", "validation", "request", false),
    row(40504, "Too many intersecting keywords", "validation", "task", false),
    row(40505, "Outdated location parameters", "validation", "task", false),
    row(40506, "Unknown fields in POST data", "validation", "task", false),
    row(40601, "Task handed, not yet queued", "pending", "task", true),
    row(40602, "Task in queue", "pending", "task", true),
    row(50000, "Internal error", "retryable", "both", "unknown"),
    row(50001, "Error while checking the balance", "retryable", "request", false),
    row(50100, "Not implemented", "permanent", "request", false),
    row(50301, "Third-party service unavailable", "retryable", "task", "unknown"),
    row(50303, "Update in progress", "retryable", "request", false),
    row(50304, "Function temporarily unavailable", "retryable", "request", false),
    row(50401, "Timeout (live task over 120 s)", "retryable", "task", "unknown"),
    row(50402, "Target page took over 50 s", "retryable", "task", "unknown")
  ].map((info) => [info.code, info] as const)
)

const byRange = (code: number): StatusClass => {
  if (code >= 20000 && code < 30000) return "success"
  if (code >= 40600 && code < 40700) return "pending"
  if (code >= 40100 && code < 40200) return "auth"
  if (code >= 40200 && code < 40300) return "billing"
  if (code >= 40400 && code < 40500) return "not_found"
  if (code >= 40000 && code < 50000) return "validation"
  if (code >= 50000 && code < 60000) return "retryable"
  return "permanent"
}

/**
 * The table's entry for a code. A code the table does not list is classified by its range
 * (2xxxx success, 401xx auth, 402xx billing, 404xx not found, 406xx pending, other 4xxxx validation,
 * 5xxxx retryable) and marked `known: false`.
 */
export const classify = (code: number): StatusCodeInfo => {
  const info = table.get(code)
  if (info !== undefined) return info
  const statusClass = byRange(code)
  return {
    code,
    meaning: "Unknown status code",
    class: statusClass,
    billed: "unknown",
    level: "both",
    retryable: statusClass === "retryable" || statusClass === "pending",
    known: false
  }
}

/** Whether the code means the call (or task) succeeded. */
export const isSuccess = (code: number): boolean => classify(code).class === "success"

/** Whether the code means the task exists but its result is not ready yet. */
export const isPending = (code: number): boolean => classify(code).class === "pending"

/** Where a code came from, for the error it becomes. */
export interface ErrorContext {
  readonly taskId?: string | undefined
  readonly httpStatus?: number | undefined
}

/**
 * The typed error for a non-success code. The raw code and the server's message are kept, whatever
 * the class. A success code is not an error; asking for one gives a `PermanentError` that says so.
 */
export const toError = (code: number, message: string, context: ErrorContext = {}): Errors.StatusError => {
  const info = classify(code)
  const fields = {
    code,
    message,
    retryable: info.retryable,
    ...(context.taskId === undefined ? {} : { taskId: context.taskId }),
    ...(context.httpStatus === undefined ? {} : { httpStatus: context.httpStatus })
  }
  if (code === 40006) return new Errors.TooManyTasksError(fields)
  switch (info.class) {
    case "auth":
      return new Errors.AuthError(fields)
    case "billing":
      return new Errors.BillingError(fields)
    case "rate_limited":
      return new Errors.RateLimitError(fields)
    case "validation":
      return new Errors.ValidationError(fields)
    case "not_found":
      return new Errors.NotFoundError(fields)
    case "retryable":
      return new Errors.ServerError(fields)
    case "pending":
      return new Errors.TaskPendingError(fields)
    case "permanent":
    case "success":
      return new Errors.PermanentError(fields)
  }
}

/**
 * The status code an HTTP status stands for, when the body carries none: 401 → 40100, 402 → 40200,
 * 404 → 40400, 429 → 40202, 5xx → 50000. Any other status is kept as its own code, which `classify`
 * files as permanent.
 */
export const fromHttpStatus = (status: number): number => {
  if (status === 401) return 40100
  if (status === 402) return 40200
  if (status === 404) return 40400
  if (status === 429) return 40202
  if (status >= 500) return 50000
  return status
}
