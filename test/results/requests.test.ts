import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { formatApiDateTime, IdListRequest } from "../../src/IdList.js"
import { SerpErrorsRequest } from "../../src/SerpErrors.js"

const decodeIdList = Schema.decodeUnknownEither(IdListRequest)
const decodeErrors = Schema.decodeUnknownEither(SerpErrorsRequest)

describe("request bodies", () => {
  it("id_list: a valid window encodes to the documented JSON", () => {
    const body = {
      datetime_from: "2026-03-17 00:00:00 +00:00",
      datetime_to: "2026-03-17 23:59:59 +00:00",
      limit: 1000,
      offset: 0,
      sort: "desc",
      include_metadata: true
    }
    const decoded = decodeIdList(body)
    expect(Either.map(decoded, Schema.encodeSync(IdListRequest))).toStrictEqual(Either.right(body))
  })

  it("id_list: rejects a limit past 1,000, a bad sort and a date-time in another form", () => {
    const base = { datetime_from: "2026-03-17 00:00:00 +00:00", datetime_to: "2026-03-17 23:59:59 +00:00" }
    expect(Either.isRight(decodeIdList(base))).toBe(true)
    expect(Either.isLeft(decodeIdList({ ...base, limit: 1001 }))).toBe(true)
    expect(Either.isLeft(decodeIdList({ ...base, limit: 0 }))).toBe(true)
    expect(Either.isLeft(decodeIdList({ ...base, sort: "newest" }))).toBe(true)
    expect(Either.isLeft(decodeIdList({ ...base, datetime_to: "2026-03-17T23:59:59Z" }))).toBe(true)
    expect(Either.isLeft(decodeIdList({ datetime_from: base.datetime_from }))).toBe(true)
  })

  it("formatApiDateTime writes the API's UTC form", () => {
    expect(formatApiDateTime(new Date(Date.UTC(2026, 2, 17, 11, 24, 44, 512)))).toBe("2026-03-17 11:24:44 +00:00")
  })

  it("errors: limit 1 to 1,000, optional filters", () => {
    expect(Either.isRight(decodeErrors({}))).toBe(true)
    expect(Either.isRight(decodeErrors({ limit: 1, offset: 10, filtered_function: "pingback_url" }))).toBe(true)
    expect(Either.isLeft(decodeErrors({ limit: 0 }))).toBe(true)
    expect(Either.isLeft(decodeErrors({ limit: 1001 }))).toBe(true)
    expect(Either.isLeft(decodeErrors({ offset: -1 }))).toBe(true)
    expect(Either.isLeft(decodeErrors({ datetime_from: "yesterday" }))).toBe(true)
  })
})
