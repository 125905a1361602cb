/**
 * The library's errors a person can fix, in words: the network, the credentials, money, limits, a budget,
 * an invalid task. Errors that mean a bug (a reply that does not decode, a ledger transition refused, ...)
 * have no diagnosis here.
 *
 * @since 0.1.0
 * @internal
 */
import {
  AuthError,
  BillingError,
  BudgetExceededError,
  InvalidTaskError,
  isNeverSentCode,
  isTlsFailureCode,
  PostOutcomeUnknownError,
  RateLimitError,
  ServerError,
  TimeoutError,
  TransportError
} from "../../DataForSeoError.js"
import type { Diagnosis } from "../../Diagnosis.js"
import * as Money from "../../Money.js"

const nothingSent = "Nothing was sent."

/** A status code and the server's message, as a person reads them: `40100: You are not authorized`. */
const cited = (code: number, message: string): string => {
  const text = message.trim().replace(/\.+$/, "")
  return text.length === 0 ? String(code) : `${code}: ${text}`
}

const dollars = (usd: number): string => `$${Money.format(Money.fromUsd(usd))}`

const millis = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`)

const unresolved = new Set(["ENOTFOUND", "EAI_NONAME", "EAI_FAIL"])
const unreachable = new Set(["ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"])
/** A failed TLS handshake: the protocol, or a certificate that could not be trusted. */
const tls = (code: string): boolean => isTlsFailureCode(code) || code.includes("CERT")

/** What a failed connection means, from its system error code and host. */
const connection = (
  code: string | undefined,
  host: string | undefined,
  neverSent: boolean,
  endpoint: string
): Diagnosis => {
  const to = host ?? "the API host"
  const sent = neverSent ? ` ${nothingSent}` : ""
  const checkNetwork = "Check the network connection, and any proxy or firewall."
  if (code === undefined) {
    return {
      headline: `The connection to ${to} failed before a reply came.`,
      action: `${checkNetwork} Then run again.`
    }
  }
  if (unresolved.has(code)) {
    return {
      headline: `The host ${to} did not resolve (${code}).${sent}`,
      action: "Check the network connection and DNS, and DATAFORSEO_BASE_URL if you set it."
    }
  }
  if (code === "EAI_AGAIN") {
    return {
      headline: `The host ${to} could not be resolved for now (${code}).${sent}`,
      action: "Check the network connection and DNS, then run again."
    }
  }
  if (code === "ECONNREFUSED") {
    return {
      headline: `The connection to ${to} was refused (${code}).${sent}`,
      action: "Check that a server listens at DATAFORSEO_BASE_URL, or that no proxy or firewall refuses the connection."
    }
  }
  if (code === "ERR_INVALID_URL") {
    return {
      headline: `The request's URL${endpoint === "" ? "" : ` for ${endpoint}`} is not valid (${code}).${sent}`,
      action: "Set DATAFORSEO_BASE_URL to production, sandbox or a full URL such as https://api.dataforseo.com."
    }
  }
  if (tls(code)) {
    return {
      headline: `The TLS handshake with ${to} failed (${code}).${sent}`,
      action:
        "Check that the scheme of DATAFORSEO_BASE_URL suits the server (https for DataForSEO). Behind a proxy that intercepts TLS, give Node its certificate with NODE_EXTRA_CA_CERTS."
    }
  }
  if (unreachable.has(code)) return { headline: `${to} could not be reached (${code}).${sent}`, action: checkNetwork }
  return {
    headline: `The connection to ${to} failed before a reply came (${code}).${sent}`,
    action: `${checkNetwork} Then run again.`
  }
}

const explainAuth = ({ code, message }: AuthError): Diagnosis => {
  switch (code) {
    case 40104:
      return {
        headline: `The account is not verified yet (${cited(code, message)}).`,
        action: "Verify its email or phone number in the DataForSEO dashboard."
      }
    case 40201:
      return {
        headline: `DataForSEO has paused the account (${cited(code, message)}).`,
        action: "Contact DataForSEO support."
      }
    case 40207:
      return {
        headline: `This machine's IP address is not on the account's whitelist (${cited(code, message)}).`,
        action: "Add it in the dashboard's API Access settings: https://dataforseo.com/help-center/whitelist-ips"
      }
    default:
      return {
        headline: `DataForSEO refused the credentials (${cited(code, message)}).`,
        action:
          "Check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD: the API login and password are on the API Access page of the DataForSEO dashboard."
      }
  }
}

const explainBilling = ({ code, message }: BillingError): Diagnosis => {
  switch (code) {
    case 40210:
      return {
        headline: `The account's balance is too low (${cited(code, message)}).`,
        action: "Add funds in the DataForSEO dashboard. The sandbox (DATAFORSEO_BASE_URL=sandbox) is free."
      }
    case 40203:
      return {
        headline: `The account's daily cost limit is reached (${cited(code, message)}).`,
        action: "Raise the limit in the dashboard's API settings, or wait for the next day (UTC)."
      }
    case 40204:
      return {
        headline: `This API needs a subscription (${cited(code, message)}).`,
        action: "Subscribe to it in the DataForSEO dashboard."
      }
    default:
      return {
        headline: `DataForSEO asks for payment (${cited(code, message)}).`,
        action: "Check the account's balance and billing in the DataForSEO dashboard."
      }
  }
}

const explainRateLimit = ({ code, message }: RateLimitError): Diagnosis => {
  const others = "or stop other programs that use the account meanwhile."
  switch (code) {
    case 40209:
      return {
        headline: `Too many requests at once for the account (${cited(code, message)}).`,
        action: `Lower DATAFORSEO_SIMULTANEOUS_REQUESTS, ${others}`
      }
    case 40205:
    case 40206:
      return {
        headline: `The account's duplicate-task limit per ${code === 40205 ? "hour" : "day"} is reached (${
          cited(code, message)
        }).`,
        action:
          "Raise or turn off the limit in the dashboard, or wait: https://dataforseo.com/help-center/limit-duplicate-tasks"
      }
    default:
      return {
        headline: `Too many calls a minute for the account (${cited(code, message)}).`,
        action:
          `Lower DATAFORSEO_TASK_POST_PER_MINUTE, DATAFORSEO_TASK_GET_PER_MINUTE or DATAFORSEO_TASKS_READY_PER_MINUTE to the account's limits, ${others}`
      }
  }
}

/** The diagnosis of one of the library's errors a person can fix, or `undefined`. */
export const explainApiError = (failure: unknown): Diagnosis | undefined => {
  if (failure instanceof TransportError) {
    return connection(failure.errorCode, failure.host, failure.neverSent, failure.endpoint)
  }
  if (failure instanceof TimeoutError) {
    return {
      headline: `No reply from ${failure.endpoint} within ${millis(failure.timeoutMillis)}.`,
      action:
        "Check the network connection, or allow more time with DATAFORSEO_REQUEST_TIMEOUT (such as \"2 minutes\")."
    }
  }
  if (failure instanceof AuthError) return explainAuth(failure)
  if (failure instanceof BillingError) return explainBilling(failure)
  if (failure instanceof RateLimitError) return explainRateLimit(failure)
  if (failure instanceof ServerError) {
    return {
      headline: `DataForSEO failed on its side (${cited(failure.code, failure.message)}).`,
      action: "Try again later."
    }
  }
  if (failure instanceof BudgetExceededError) {
    return {
      headline: `Task ${failure.correlationKey} would take the run past its budget of ${
        dollars(failure.budget)
      } (about ${dollars(failure.estimated)} more, ${dollars(failure.committed)} committed).`,
      action: "Raise the budget of TaskBatcher.layer({ budget }), or post fewer tasks."
    }
  }
  if (failure instanceof PostOutcomeUnknownError) {
    return {
      headline: `Whether task ${failure.correlationKey} was created is unknown: ${failure.cause}.`,
      action: `It may be billed. The ledger keeps its intent: look for its tag ${failure.tag} before posting it again.`
    }
  }
  if (failure instanceof InvalidTaskError) {
    return {
      headline: `The task field "${failure.field}" is invalid: ${failure.rule}. ${nothingSent}`,
      action: "Correct the task."
    }
  }
  return undefined
}

/** A system error code and host of a raw Node error (`getaddrinfo ENOTFOUND`, `connect ECONNREFUSED`, ...). */
const systemCause = (failure: unknown): { readonly code: string; readonly host: string | undefined } | undefined => {
  if (typeof failure !== "object" || failure === null) return undefined
  const code: unknown = Reflect.get(failure, "code")
  if (typeof code !== "string" || !(isNeverSentCode(code) || unreachable.has(code))) return undefined
  const hostname: unknown = Reflect.get(failure, "hostname")
  const address: unknown = Reflect.get(failure, "address")
  const port: unknown = Reflect.get(failure, "port")
  const host = typeof hostname === "string"
    ? hostname
    : typeof address === "string"
    ? typeof port === "number" ? `${address}:${port}` : address
    : undefined
  return { code, host }
}

/**
 * The diagnosis of a raw Node network error, as an `HttpClient` or a socket reports it before the library
 * names it: `getaddrinfo ENOTFOUND`, `connect ECONNREFUSED`, a TLS failure. The first of an
 * `AggregateError`'s errors (Node's connection attempts to each address) stands for all of them.
 */
export const explainSystemError = (failure: unknown): Diagnosis | undefined => {
  const errors: unknown = typeof failure === "object" && failure !== null ? Reflect.get(failure, "errors") : undefined
  const system = systemCause(Array.isArray(errors) && errors.length > 0 ? errors[0] : failure)
  return system === undefined ? undefined : connection(system.code, system.host, isNeverSentCode(system.code), "")
}
