/**
 * What a failure means, decided in one place: whether a call is sent again (per retry mode), whether a
 * POST created nothing for sure, and how a failed task_post leaves its batch.
 *
 * @since 0.1.0
 * @internal
 */
import type { DataForSeoError } from "../DataForSeoError.js"

/** Which failures of a call are sent again: see `DataForSeoClient.RetryMode`. */
export type RetryMode = "transient" | "safe" | "none"

/**
 * Whether the call created nothing for sure: a reply whose request-level code refused it as a whole, or a
 * request that was never sent.
 */
export const refusedAsWhole = (error: DataForSeoError): boolean =>
  (error._tag === "TransportError" && error.neverSent) ||
  ((error._tag === "RateLimitError" || error._tag === "ServerError") &&
    error.httpStatus === undefined &&
    error.taskId === undefined)

/** Whether `mode` sends the call again after `error`. */
export const shouldRetry = (mode: RetryMode, error: DataForSeoError): boolean => {
  switch (mode) {
    case "none":
      return false
    case "transient":
      return error.retryable && error._tag !== "TaskPendingError"
    case "safe":
      return refusedAsWhole(error)
  }
}

/**
 * How a failed task_post leaves its batch: refused as a whole and worth sending again (`"resend"`), refused
 * for good (`"refused"`: credentials, money, validation), or of unknown outcome (`"unknown"`: the server may
 * have created and billed the tasks before the failure).
 */
export const postOutcome = (error: DataForSeoError): "resend" | "refused" | "unknown" => {
  if (refusedAsWhole(error)) return "resend"
  switch (error._tag) {
    case "TransportError":
    case "TimeoutError":
    case "DecodeError":
    case "ServerError": // HTTP 5xx: the server may have acted before failing
      return "unknown"
    default:
      return "refused"
  }
}
