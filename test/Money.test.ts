import { describe, expect, it } from "@effect/vitest"
import * as Money from "../src/Money.js"

describe("Money", () => {
  it("adds 500 tasks of $0.0006 to exactly 0.3", () => {
    const amounts = Array.from({ length: 500 }, () => 0.0006)
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(0.29999999999999744) // why this module exists
    expect(Money.sumUsd(amounts)).toBe(0.3)
    expect(Money.toUsd(amounts.map(Money.fromUsd).reduce(Money.add, Money.zero))).toBe(0.3)
  })

  it("sums mixed documented prices to their exact decimal", () => {
    // standard, high priority, extra pages, live, PAA click: 0.0068 a round
    const round = [0.0006, 0.0012, 0.00045, 0.0009, 0.002, 0.0015, 0.00015]
    const amounts = Array.from({ length: 100 }, () => round).flat()
    expect(Money.sumUsd(amounts)).toBe(0.68)
    expect(Money.sumUsd([0.1, 0.2])).toBe(0.3)
    expect(Money.sumUsd([0.0006, undefined, 0.0012])).toBe(0.0018)
  })

  it("keeps whole micro-dollars from what the API sends", () => {
    expect([0.0006, 0.00045, 0.00015, 0.0015, 1.000001, 0].map(Money.fromUsd)).toEqual([
      600,
      450,
      150,
      1500,
      1_000_001,
      0
    ])
    expect(Money.toUsd(Money.Micros(600))).toBe(0.0006)
    expect(Money.toUsd(Money.Micros(2_250))).toBe(0.00225)
    // reserve then release: back to exactly nothing, where USD doubles leave a remainder
    expect(0.0006 + 0.0012 - 0.0006 - 0.0012).toBe(2.168404344971009e-19)
    const reserved = Money.add(Money.fromUsd(0.0006), Money.fromUsd(0.0012))
    expect(Money.subtract(Money.subtract(reserved, Money.fromUsd(0.0006)), Money.fromUsd(0.0012))).toBe(Money.zero)
  })

  it("formats amounts as the API writes them", () => {
    expect([600, 300_000, 12_000_000, 1_500_000, 450, 1, 0, -450].map((n) => Money.format(Money.Micros(n)))).toEqual([
      "0.0006",
      "0.3",
      "12",
      "1.5",
      "0.00045",
      "0.000001",
      "0",
      "-0.00045"
    ])
  })
})
