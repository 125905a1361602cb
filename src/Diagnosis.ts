/**
 * What a failure means for a person. A failure they can fix (the network, the credentials, money, limits,
 * configuration) becomes two plain lines: what happened, naming the cause, and what to do. Any other
 * failure is a bug or a defect, and keeps its full report.
 *
 * @example
 * ```ts
 * import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
 * import { Diagnosis } from "effect-dataforseo"
 *
 * // Two lines on stderr and exit code 1 for a fixable failure; the usual report for the rest.
 * NodeRuntime.runMain(Diagnosis.reportFailure(program), { disableErrorReporting: true })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { explainConfig } from "./internal/diagnosis/config.js"
import { explainApiError, explainSystemError } from "./internal/diagnosis/errors.js"

/**
 * A failure a person can fix, in words. `headline` says what happened and names the cause (the host, the
 * code, the variable). `action` says what to do about it.
 *
 * @since 0.1.0
 */
export interface Diagnosis {
  readonly headline: string
  readonly action: string
}

/** How deep `explain` looks into errors that wrap others. */
const maxDepth = 8

/**
 * The diagnosis of a failure a person can fix, or `undefined` for any other failure.
 *
 * `failure` is a `Cause`, a `FiberFailure` (what `Effect.runPromise` rejects with) or an error value. In a
 * Cause, every failure and defect must be fixable: one bug among them keeps the full report. Interruptions
 * are left aside. Failures seen by parallel calls are usually the same one, so the first is the one told.
 * An error that wraps another (in its `cause`) is explained by what it wraps.
 *
 * @example
 * ```ts
 * import { DataForSeoError, Diagnosis } from "effect-dataforseo"
 *
 * Diagnosis.explain(new DataForSeoError.AuthError({ code: 40100, message: "You are not authorized.", retryable: false }))
 * // { headline: "DataForSEO refused the credentials (40100: You are not authorized).",
 * //   action: "Check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD: ..." }
 * ```
 *
 * @since 0.1.0
 */
export const explain = (failure: unknown): Diagnosis | undefined => explainAt(failure, 0)

const explainAt = (failure: unknown, depth: number): Diagnosis | undefined => {
  if (depth > maxDepth) return undefined
  if (Cause.isCause(failure)) return explainCause(failure, depth)
  if (Runtime.isFiberFailure(failure)) return explainCause(failure[Runtime.FiberFailureCauseId], depth)
  const known = explainConfig(failure) ?? explainApiError(failure) ?? explainSystemError(failure)
  if (known !== undefined) return known
  const wrapped = typeof failure === "object" && failure !== null ? Reflect.get(failure, "cause") : undefined
  return typeof wrapped === "object" && wrapped !== null ? explainAt(wrapped, depth + 1) : undefined
}

const explainCause = (cause: Cause.Cause<unknown>, depth: number): Diagnosis | undefined => {
  const reasons = [...Cause.failures(cause), ...Cause.defects(cause)]
  let first: Diagnosis | undefined
  for (const reason of reasons) {
    const diagnosis = explainAt(reason, depth + 1)
    if (diagnosis === undefined) return undefined
    first ??= diagnosis
  }
  return first
}

/**
 * The diagnosis as the two lines a person reads: the headline, then the action.
 *
 * @since 0.1.0
 */
export const format = (diagnosis: Diagnosis): string => `${diagnosis.headline}\n${diagnosis.action}`

/**
 * `self`, reporting its failure: a fixable one as the two lines of its diagnosis on stderr, any other as
 * the full cause at the error log level (what `runMain` prints by default). Interruption prints nothing.
 * The effect fails as before. Pair it with `runMain`'s `disableErrorReporting`, which keeps the exit code
 * (1 on failure) and leaves the report to this.
 *
 * It is an effect, not a runner: the library does not depend on a platform's runtime.
 *
 * @since 0.1.0
 */
export const reportFailure = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tapErrorCause(self, (cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const diagnosis = explain(cause)
    return diagnosis === undefined ? Effect.logError(cause) : Console.error(format(diagnosis))
  })
