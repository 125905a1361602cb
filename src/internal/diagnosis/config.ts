/**
 * A `ConfigError` in words: the variables that are missing, those whose value is wrong, and what to set.
 *
 * @since 0.1.0
 * @internal
 */
import * as ConfigError from "effect/ConfigError"
import type { Diagnosis } from "../../Diagnosis.js"

/** The variables that hold the account's API credentials. */
const credentials = ["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD"]

/** What the leaves of a ConfigError say: which names are missing, which are wrong and why. */
interface Leaves {
  readonly missing: Array<string>
  readonly wrong: Array<{ readonly name: string; readonly line: string }>
}

/** A path as a person reads it: an environment variable is one segment, a settings field is dotted. */
const nameOf = (path: ReadonlyArray<string>): string => (path.length === 0 ? "the configuration" : path.join("."))

/**
 * The invalid value's line: its message when that names it, else the name and the message. A secret's
 * message is redacted by `Config.redacted`: then only the name is told.
 */
const invalidLine = (name: string, message: string): string =>
  message === "<redacted>" ? `${name} is not valid` : message.includes(name) ? message : `${name}: ${message}`

const collect = (error: ConfigError.ConfigError, leaves: Leaves): void => {
  switch (error._op) {
    case "And":
    case "Or":
      collect(error.left, leaves)
      collect(error.right, leaves)
      return
    case "MissingData":
      leaves.missing.push(nameOf(error.path))
      return
    case "InvalidData":
    case "SourceUnavailable":
    case "Unsupported": {
      const name = nameOf(error.path)
      leaves.wrong.push({ name, line: invalidLine(name, error.message) })
      return
    }
  }
}

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: ReadonlyArray<string>): string =>
  names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`

const unique = (names: ReadonlyArray<string>): Array<string> => [...new Set(names)]

/** What to do about missing variables: for the credentials, where to find them. */
const setAction = (missing: ReadonlyArray<string>): string =>
  missing.some((name) => credentials.includes(name))
    ? `Set ${listed(missing)}: the API login and password are on the API Access page of the DataForSEO dashboard.`
    : `Set ${listed(missing)}.`

/** The diagnosis of a `ConfigError`, or `undefined` for any other value. */
export const explainConfig = (failure: unknown): Diagnosis | undefined => {
  if (!ConfigError.isConfigError(failure)) return undefined
  const leaves: Leaves = { missing: [], wrong: [] }
  collect(failure, leaves)
  const missing = unique(leaves.missing)
  const wrong = unique(leaves.wrong.map(({ name }) => name))
  const headline = [
    missing.length === 0 ? [] : [`${listed(missing)} ${missing.length === 1 ? "is" : "are"} not set.`],
    unique(leaves.wrong.map(({ line }) => (line.endsWith(".") ? line : `${line}.`)))
  ].flat().join(" ")
  const action = [
    missing.length === 0 ? [] : [setAction(missing)],
    wrong.length === 0 ? [] : [`Correct ${listed(wrong)}.`]
  ].flat().join(" ")
  return { headline, action }
}
