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
export const amount = (value: number | undefined): boolean => value === undefined || (Number.isFinite(value) && value >= 0)
