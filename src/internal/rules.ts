/**
 * Checks of configuration values (settings, batcher options): each rule names its field, and the first
 * that does not hold becomes a `ConfigError` naming it.
 *
 * @since 0.1.0
 * @internal
 */
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"

/** A rule on one field: its path, whether it holds, and what the field must be. */
export type Rule = readonly [path: ReadonlyArray<string>, holds: boolean, mustBe: string]

/** `value`, or a `ConfigError` naming the field of the first rule that does not hold. */
export const checked = <A>(value: A, rules: ReadonlyArray<Rule>): Either.Either<A, ConfigError.ConfigError> => {
  const broken = rules.find(([, holds]) => !holds)
  return broken === undefined ? Either.right(value) : Either.left(ConfigError.InvalidData([...broken[0]], broken[2]))
}

/** Whether `value` is a whole number of at least `min`. */
export const wholeAtLeast = (min: number, value: number): boolean => Number.isInteger(value) && value >= min

/** Whether `value` is absent, or a finite amount of zero or more. */
export const amount = (value: number | undefined): boolean =>
  value === undefined || (Number.isFinite(value) && value >= 0)

/** Whether `value` holds more than white space. */
export const nonBlank = (value: string): boolean => value.trim() !== ""

/**
 * Whether `value` is an absolute http(s) URL with a host, and nothing the `/v3/...` paths could not be
 * appended to: no query, no fragment. Credentials go in the login and password, never in the URL.
 */
export const httpUrl = (value: string): boolean => {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return false
  const url = new URL(value)
  return url.hostname !== "" && url.search === "" && url.hash === "" && url.username === "" && url.password === "" &&
    !value.includes("?") && !value.includes("#")
}
