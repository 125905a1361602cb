/**
 * Amounts of money in whole micro-dollars, so that sums are exact. DataForSEO sends costs as USD numbers
 * (`0.0006`). Adding such numbers drifts: 500 × 0.0006 adds up to 0.29999999999999744. A micro-dollar is
 * one millionth of a USD. Every price the API documents is a whole number of them (the finest is
 * $0.00015, 150 micro-dollars), so sums of whole micro-dollars are exact.
 *
 * Convert each amount once with `fromUsd`, add the integers, and turn the total back with `toUsd`. The
 * total then is the USD number its decimal reads as: `toUsd` of 300,000 micro-dollars is exactly `0.3`.
 * Integer sums stay exact up to about 9 billion USD.
 *
 * @example
 * ```ts
 * import { Money } from "effect-dataforseo"
 *
 * const total = Money.sumUsd([0.0006, 0.0012, 0.00045]) // 0.00225, not 0.0022500000000000003
 * Money.format(Money.fromUsd(total)) // "0.00225"
 * ```
 *
 * @since 0.1.0
 */
import * as Brand from "effect/Brand"

/**
 * A whole number of micro-dollars (one millionth of a USD). The brand keeps it apart from USD numbers.
 *
 * @since 0.1.0
 */
export type Micros = number & Brand.Brand<"effect-dataforseo/Micros">

/**
 * Brands a whole number of micro-dollars. It does not check: use `fromUsd` for an amount in USD.
 *
 * @since 0.1.0
 */
export const Micros = Brand.nominal<Micros>()

/** Micro-dollars in one USD. */
const perUsd = 1_000_000

/**
 * No money.
 *
 * @since 0.1.0
 */
export const zero: Micros = Micros(0)

/**
 * An amount in USD as whole micro-dollars, rounded to the nearest one. Amounts finer than a micro-dollar
 * (no documented price is) lose what lies past the sixth decimal.
 *
 * @since 0.1.0
 */
export const fromUsd = (usd: number): Micros => Micros(Math.round(usd * perUsd))

/**
 * The amount in USD. The result is the number its decimal reads as (`300000` gives exactly `0.3`): a
 * whole number divided by a million is rounded once, to the double nearest the exact quotient.
 *
 * @since 0.1.0
 */
export const toUsd = (micros: Micros): number => micros / perUsd

/**
 * The sum of two amounts.
 *
 * @since 0.1.0
 */
export const add = (self: Micros, that: Micros): Micros => Micros(self + that)

/**
 * The first amount less the second.
 *
 * @since 0.1.0
 */
export const subtract = (self: Micros, that: Micros): Micros => Micros(self - that)

/**
 * The exact sum of amounts in USD (absent ones count as nothing), in USD.
 *
 * @example
 * ```ts
 * Money.sumUsd(Array.from({ length: 500 }, () => 0.0006)) // 0.3
 * ```
 *
 * @since 0.1.0
 */
export const sumUsd = (amounts: Iterable<number | undefined>): number => {
  let micros = 0
  for (const usd of amounts) {
    if (usd !== undefined) micros += Math.round(usd * perUsd)
  }
  return micros / perUsd
}

/**
 * The amount written as the API writes costs: a plain decimal in USD, without trailing zeros or an
 * exponent (`"0.0006"`, `"0.3"`, `"12"`).
 *
 * @since 0.1.0
 */
export const format = (micros: Micros): string => {
  const magnitude = Math.abs(micros)
  const whole = Math.floor(magnitude / perUsd)
  const fraction = String(magnitude % perUsd).padStart(6, "0").replace(/0+$/, "")
  return `${micros < 0 ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`
}
