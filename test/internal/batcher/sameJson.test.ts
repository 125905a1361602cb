import { describe, expect, it } from "@effect/vitest"
import { sameJson } from "../../../src/internal/batcher/sameJson.js"

describe("sameJson", () => {
  it("objects are compared by key, whatever the order; an undefined value is a missing key", () => {
    expect(sameJson({ keyword: "a", depth: 20 }, { depth: 20, keyword: "a" })).toBe(true)
    expect(sameJson({ keyword: "a", tag: undefined }, { keyword: "a" })).toBe(true)
    expect(sameJson({ keyword: "a" }, { keyword: "a", depth: 20 })).toBe(false)
    expect(sameJson({ keyword: "a", depth: 20 }, { keyword: "a", device: 20 })).toBe(false)
    expect(sameJson({ keyword: "a", depth: 20 }, { keyword: "a", depth: "20" })).toBe(false)
  })

  it("arrays element by element, nested values all the way down", () => {
    expect(sameJson({ stop: [1, { a: [null] }] }, { stop: [1, { a: [null] }] })).toBe(true)
    expect(sameJson({ stop: [1, 2] }, { stop: [2, 1] })).toBe(false)
    expect(sameJson({ stop: [1] }, { stop: { 0: 1 } })).toBe(false)
    expect(sameJson({ a: null }, { a: {} })).toBe(false)
    expect(sameJson({ toString: 1 }, {})).toBe(false)
  })
})
