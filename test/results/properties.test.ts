import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { GoogleLanguage, GoogleLocation } from "../../src/GoogleLocations.js"
import { GoogleAdvancedItem, GoogleAdvancedResult, GoogleRegularResult } from "../../src/GoogleResults.js"
import { HtmlResult } from "../../src/HtmlResult.js"
import { IdListItem, IdListRequest } from "../../src/IdList.js"
import { isKeptAsIs } from "../../src/internal/fastArray.js"
import { NaverAdvancedItem, NaverAdvancedResult, NaverRegularResult } from "../../src/NaverResults.js"
import { SerpErrorItem, SerpErrorsRequest } from "../../src/SerpErrors.js"
import { TasksReadyItem } from "../../src/TasksReady.js"
import { UserData } from "../../src/UserData.js"
import { decodeOrThrow, resultsOf } from "./load.js"

/** Every result decoder, each answering an `Either` whatever its input. */
const decoders: ReadonlyArray<(input: unknown) => Either.Either<unknown, unknown>> = [
  Schema.decodeUnknownEither(NaverRegularResult),
  Schema.decodeUnknownEither(NaverAdvancedResult),
  Schema.decodeUnknownEither(NaverAdvancedItem),
  Schema.decodeUnknownEither(GoogleRegularResult),
  Schema.decodeUnknownEither(GoogleAdvancedResult),
  Schema.decodeUnknownEither(GoogleAdvancedItem),
  Schema.decodeUnknownEither(HtmlResult),
  Schema.decodeUnknownEither(TasksReadyItem),
  Schema.decodeUnknownEither(IdListItem),
  Schema.decodeUnknownEither(IdListRequest),
  Schema.decodeUnknownEither(SerpErrorItem),
  Schema.decodeUnknownEither(SerpErrorsRequest),
  Schema.decodeUnknownEither(UserData),
  Schema.decodeUnknownEither(GoogleLocation),
  Schema.decodeUnknownEither(GoogleLanguage)
]

const itemsOf = (fixture: string) =>
  decodeOrThrow(Schema.Struct({ items: Schema.Array(Schema.Unknown) }), resultsOf(fixture)[0]).items

const naverItems = itemsOf("naver-advanced")
const googleItems = itemsOf("google-advanced")

/**
 * Random JSON, without objects that have their own `toString` / `valueOf` keys: effect's union parser
 * calls `String(value)` on a discriminant, which throws for such an object (see the test below for how
 * the result schemas handle it).
 */
const json = fc.jsonValue().filter((value) => !JSON.stringify(value).match(/"(toString|valueOf)":/))

/** A fixture item with one field (maybe a new one) set to random JSON, or random JSON instead of an item. */
const mutatedItem = (items: ReadonlyArray<unknown>) =>
  fc.oneof(
    fc.constantFrom(...items),
    fc.record({
      item: fc.constantFrom(...items),
      key: fc.constantFrom("type", "rank_group", "title", "url", "items", "rating", "links", "price", "new_field"),
      value: json
    }).map(({ item, key, value }) => typeof item === "object" && item !== null ? { ...item, [key]: value } : item),
    fc.jsonValue()
  )

/** The plain effect decoder that `fastArray` (inside the result schemas) must agree with. */
const plain = <A, I>(item: Schema.Schema<A, I>) => Schema.decodeUnknownEither(Schema.Array(item))

/** A result header to put random items under. */
const header = decodeOrThrow(
  Schema.Struct({ keyword: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  resultsOf("naver-advanced")[0]
)

describe("properties", () => {
  it.prop("decoding never throws: any input gives Left or Right", [fc.anything()], ([input]) => {
    for (const decode of decoders) {
      const decoded = decode(input)
      expect(Either.isLeft(decoded) || Either.isRight(decoded)).toBe(true)
    }
  })

  it.prop(
    "random JSON that is not an object is rejected as a result, with a message",
    [fc.jsonValue().filter((value) => typeof value !== "object" || value === null || Array.isArray(value))],
    ([input]) => {
      const decoded = Schema.decodeUnknownEither(NaverAdvancedResult)(input)
      expect(Either.isLeft(decoded) && decoded.left.message.length > 0).toBe(true)
    }
  )

  // every header field may be absent or null (tolerant reader), but one that is there must have its type
  it.each([
    ["keyword", 12],
    ["se_domain", true],
    ["location_code", "2840"],
    ["datetime", {}],
    ["spell", "did_you_mean"],
    ["item_types", "organic"],
    ["pages_count", "1"],
    ["items", {}]
  ])("a header field may be absent or null, not of the wrong type: %s = %j", (key, value) => {
    const decode = Schema.decodeUnknownEither(NaverAdvancedResult)
    const absent = Object.fromEntries(Object.entries(header).filter(([name]) => name !== key))
    expect(Either.map(decode(absent), (result) => key in result)).toStrictEqual(Either.right(false))
    expect(Either.isRight(decode({ ...header, [key]: null }))).toBe(true)
    const decoded = decode({ ...header, [key]: value })
    expect(Either.isLeft(decoded) && decoded.left.message).toContain(`["${key}"]`)
  })

  it.prop(
    "compiled item checks agree with effect's decoder (Naver)",
    [fc.array(mutatedItem(naverItems), { maxLength: 12 })],
    ([items]) => {
      const expected = plain(NaverAdvancedItem)(items)
      const actual = Schema.decodeUnknownEither(NaverAdvancedResult)({ ...header, items })
      expect(Either.isRight(actual)).toBe(Either.isRight(expected))
      if (Either.isRight(actual) && Either.isRight(expected)) expect(actual.right.items).toStrictEqual(expected.right)
      if (Either.isLeft(actual)) expect(actual.left.message).toContain("[\"items\"]")
    }
  )

  it.prop(
    "compiled item checks agree with effect's decoder (Google)",
    [fc.array(mutatedItem(googleItems), { maxLength: 12 })],
    ([items]) => {
      const expected = plain(GoogleAdvancedItem)(items)
      const actual = Schema.decodeUnknownEither(GoogleAdvancedResult)({ ...header, items })
      expect(Either.isRight(actual)).toBe(Either.isRight(expected))
      if (Either.isRight(actual) && Either.isRight(expected)) expect(actual.right.items).toStrictEqual(expected.right)
    }
  )

  it.prop("an item kept as it is decodes, with effect, to an equal value", [mutatedItem(googleItems)], ([item]) => {
    const kept = isKeptAsIs(GoogleAdvancedItem)(item)
    const decoded = Schema.decodeUnknownEither(GoogleAdvancedItem)(item)
    if (kept) expect(decoded).toStrictEqual(Either.right(item))
    else expect(Either.isLeft(decoded) || (Either.isRight(decoded) && decoded.right.type === "unknown")).toBe(true)
  })

  it.prop(
    "a whole result kept as it is decodes, with effect, to an equal value",
    [
      fc.constantFrom(...resultsOf("naver-advanced"), ...resultsOf("google-advanced")),
      fc.constantFrom("keyword", "type", "datetime", "spell", "refinement_chips", "item_types", "items", "new_field"),
      json
    ],
    ([result, key, value]) => {
      const schemas = [
        [isKeptAsIs(NaverAdvancedResult), Schema.decodeUnknownEither(NaverAdvancedResult)],
        [isKeptAsIs(GoogleAdvancedResult), Schema.decodeUnknownEither(GoogleAdvancedResult)]
      ] as const
      for (const [kept, decode] of schemas) {
        for (const input of [result, typeof result === "object" ? { ...result, [key]: value } : result]) {
          if (kept(input)) expect(decode(input)).toStrictEqual(Either.right(input))
        }
      }
    }
  )

  it("a valid result of known item types is kept as it is: no copy is made", () => {
    expect(resultsOf("naver-advanced").every(isKeptAsIs(NaverAdvancedResult))).toBe(true)
    expect(resultsOf("naver-regular").every(isKeptAsIs(NaverRegularResult))).toBe(true)
    // Google's fixture holds item types the schema does not model (jobs, events): those go through effect's decoder
    const google = resultsOf("google-advanced")[0] as { readonly items: ReadonlyArray<{ readonly type: string }> }
    const known = { ...google, items: google.items.filter((item) => isKeptAsIs(GoogleAdvancedItem)(item)) }
    expect(known.items.length).toBeGreaterThan(10)
    expect(isKeptAsIs(GoogleAdvancedResult)(known)).toBe(true)
    expect(isKeptAsIs(GoogleAdvancedResult)(google)).toBe(false)
  })

  it("an item whose `type` cannot be turned into a string is a Left, not a throw", () => {
    const items = [naverItems[0], { type: { toString: "" }, rank_group: 1, rank_absolute: 2 }]
    const decoded = Schema.decodeUnknownEither(NaverAdvancedResult)({ ...header, items })
    expect(Either.isLeft(decoded) && decoded.left.message).toMatch(/\[1\][\s\S]*type/)
  })

  it.prop(
    "generated results round trip (arbitraries of the schemas)",
    [Arbitrary.make(NaverAdvancedResult), Arbitrary.make(GoogleRegularResult)],
    ([naver, google]) => {
      const naverJson = Schema.encodeSync(NaverAdvancedResult)(naver)
      expect(Schema.decodeUnknownSync(NaverAdvancedResult)(naverJson)).toStrictEqual(naver)
      const googleJson = Schema.encodeSync(GoogleRegularResult)(google)
      expect(Schema.decodeUnknownSync(GoogleRegularResult)(googleJson)).toStrictEqual(google)
    },
    { fastCheck: { numRuns: 30 } }
  )
})
