import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as ApiDateTime from "../src/ApiDateTime.js"

describe("ApiDateTime", () => {
  it("writes a time as the API does, to the second, in UTC", () => {
    expect(ApiDateTime.fromMillis(Date.UTC(2026, 2, 17, 11, 24, 44, 999))).toBe("2026-03-17 11:24:44 +00:00")
    expect(ApiDateTime.fromMillis(new Date(Date.UTC(2019, 10, 15, 12, 57, 46)))).toBe("2019-11-15 12:57:46 +00:00")
  })

  it("reads what it writes, and the other forms the API and its docs use", () => {
    const at = Date.UTC(2026, 2, 17, 11, 24, 44)
    expect(ApiDateTime.toMillis(ApiDateTime.fromMillis(at))).toEqual(Option.some(at))
    expect(ApiDateTime.toMillis("2026-03-17 13:24:44 +02:00")).toEqual(Option.some(at))
    expect(ApiDateTime.toMillis("2026-03-17T11:24:44Z")).toEqual(Option.some(at))
    expect(ApiDateTime.toMillis("2026-03-17 11-24-44")).toEqual(Option.some(at))
    expect(ApiDateTime.toMillis("2026-03-17 11:24:44.123 +0000")).toEqual(Option.some(at))
    expect(ApiDateTime.toMillis("yesterday")).toEqual(Option.none())
  })

  it("the schema takes only the form the API expects in a request", () => {
    expect(Schema.is(ApiDateTime.ApiDateTime)("2026-03-17 11:24:44 +00:00")).toBe(true)
    expect(Schema.is(ApiDateTime.ApiDateTime)("2026-03-17T11:24:44Z")).toBe(false)
  })
})
