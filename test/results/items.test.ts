import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { GoogleAdvancedItem, GoogleOrganicItem, GooglePeopleAlsoAskItem } from "../../src/GoogleResults.js"
import { GoogleAdvancedResult } from "../../src/GoogleResults.js"
import type { NaverLocalPackItem, NaverOrganicItem, NaverPaidItem } from "../../src/NaverResults.js"
import { NaverAdvancedItem, NaverAdvancedResult, NaverRegularResult } from "../../src/NaverResults.js"
import type { UnknownItem } from "../../src/UnknownItem.js"
import { decodeOrThrow, encodeOrThrow, resultsOf } from "./load.js"

const organic = {
  type: "organic",
  rank_group: 1,
  rank_absolute: 3,
  page: 1,
  position: "left",
  xpath: "/html[1]/body[1]/div[1]",
  rectangle: null,
  domain: "www.apple.com",
  title: "iPhone - Apple (KR)",
  description: null,
  url: "https://www.apple.com/kr/iphone/",
  breadcrumb: "www.apple.com/kr/iphone"
}

const decodeItem = Schema.decodeUnknownEither(NaverAdvancedItem)

describe("items", () => {
  it("narrow on `type`, in TypeScript and at run time", () => {
    const items = decodeOrThrow(NaverAdvancedResult, resultsOf("naver-advanced")[0]).items ?? []
    const seen: Array<string> = []
    for (const item of items) {
      if (item.type === "organic") {
        expectTypeOf(item).toEqualTypeOf<NaverOrganicItem>()
        expectTypeOf(item.title).toEqualTypeOf<string | null | undefined>()
        expectTypeOf(item.rank_absolute).toEqualTypeOf<number>()
        seen.push(`organic:${item.title}`)
      }
      switch (item.type) {
        case "paid":
          expectTypeOf(item).toEqualTypeOf<NaverPaidItem>()
          expectTypeOf(item.description_rows).toEqualTypeOf<ReadonlyArray<string> | null | undefined>()
          break
        case "local_pack":
          expectTypeOf(item).toEqualTypeOf<NaverLocalPackItem>()
          seen.push(`local_pack:${item.phone}`)
          break
        case "unknown":
          expectTypeOf(item).toEqualTypeOf<UnknownItem>()
          expectTypeOf(item.unknown_type).toEqualTypeOf<string>()
          break
        case "organic":
        case "images":
        case "map":
        case "related_searches":
        case "video":
          break
        default:
          expectTypeOf(item).toBeNever()
      }
    }
    expect(seen).toStrictEqual([
      "organic:iPhone 15 - Apple (KR)",
      "organic:아이폰15 실사용 한 달 후기 (배터리, 카메라)",
      "local_pack:02-6712-6700"
    ])
  })

  it("narrow the Google union, unknown member included", () => {
    const items = decodeOrThrow(GoogleAdvancedResult, resultsOf("google-advanced")[0]).items ?? []
    const titles = items.flatMap((item): Array<string> => {
      expectTypeOf(item).toEqualTypeOf<GoogleAdvancedItem>()
      if (item.type === "organic") {
        expectTypeOf(item).toEqualTypeOf<GoogleOrganicItem>()
        return [item.title ?? ""]
      }
      if (item.type === "people_also_ask") {
        expectTypeOf(item).toEqualTypeOf<GooglePeopleAlsoAskItem>()
        return (item.items ?? []).map((question) => question.title ?? "")
      }
      if (item.type === "unknown") return [`${item.unknown_type}:${String(item["title"])}`]
      return []
    })
    expect(titles).toStrictEqual([
      "The Best Coffee Beans of 2026, Tested and Reviewed",
      "What are the best coffee beans you've tried? : r/Coffee",
      "What is the #1 coffee bean in the world?",
      "Which coffee beans are best for espresso?",
      "jobs:Jobs",
      "twitter:Coffee Review (@coffeereview) · X",
      "events:Coffee festivals"
    ])
  })

  it("keep a new field of a known item, through decode and encode", () => {
    const input = { ...organic, ai_summary: { text: "새 필드", score: 0.9 }, badges: ["new"] }
    const decoded = decodeOrThrow(NaverAdvancedItem, input)
    expect(decoded.type).toBe("organic")
    expect(decoded["ai_summary"]).toStrictEqual({ text: "새 필드", score: 0.9 })
    expect(encodeOrThrow(NaverAdvancedItem, decoded)).toStrictEqual(input)
  })

  it("decode a new item type to an unknown item, and encode it back", () => {
    const input = {
      type: "shopping_carousel",
      rank_group: 1,
      rank_absolute: 9,
      items: [{ price: "₩1,290,000" }],
      extra: null
    }
    const decoded = decodeOrThrow(NaverAdvancedItem, input)
    expect(decoded).toStrictEqual({
      type: "unknown",
      unknown_type: "shopping_carousel",
      rank_group: 1,
      rank_absolute: 9,
      items: [{ price: "₩1,290,000" }],
      extra: null
    })
    expect(encodeOrThrow(NaverAdvancedItem, decoded)).toStrictEqual(input)
  })

  it("reject a known type whose fields do not match (it does not fall back to an unknown item)", () => {
    const decoded = decodeItem({ ...organic, rank_group: "1" })
    expect(Either.isLeft(decoded)).toBe(true)
    expect(Either.isLeft(decoded) && decoded.left.message).toContain("rank_group")
    expect(Either.isLeft(decodeItem({ ...organic, links: [{ url: 42 }] }))).toBe(true)
    expect(Either.isLeft(decodeItem({ type: 7 }))).toBe(true)
  })

  it("report where a bad item is, by its index", () => {
    const result = resultsOf("naver-regular")[0]
    const bad = decodeOrThrow(Schema.Struct({ items: Schema.Array(Schema.Unknown) }), result)
    const decoded = Schema.decodeUnknownEither(NaverRegularResult)({
      ...(typeof result === "object" ? result : {}),
      items: [...bad.items, { ...organic, rank_absolute: null }]
    })
    expect(Either.isLeft(decoded) && decoded.left.message).toMatch(/\[2\][\s\S]*rank_absolute/)
  })

  it("accept absent optional fields and `items: null`", () => {
    expect(decodeOrThrow(NaverAdvancedItem, { type: "map", rank_group: 1, rank_absolute: 4 })).toStrictEqual({
      type: "map",
      rank_group: 1,
      rank_absolute: 4
    })
    const result = decodeOrThrow(NaverRegularResult, {
      keyword: "없는검색어",
      type: "organic",
      se_domain: "search.naver.com",
      location_code: 0,
      language_code: "",
      check_url: null,
      datetime: "2026-03-17 11:24:44 +00:00",
      spell: null,
      refinement_chips: null,
      item_types: null,
      se_results_count: 0,
      pages_count: 1,
      items_count: 0,
      items: null
    })
    expect(result.items).toBeNull()
  })

  it("require what identifies an item (type, ranks, and the url of an organic result or an ad), nothing else", () => {
    const bare = { type: "organic", rank_group: 1, rank_absolute: 3, url: "https://www.apple.com/kr/iphone/" }
    expect(decodeItem(bare)).toStrictEqual(Either.right(bare))
    for (const key of ["rank_group", "rank_absolute", "url"]) {
      const missing = Object.fromEntries(Object.entries(organic).filter(([name]) => name !== key))
      const decoded = decodeItem(missing)
      expect(Either.isLeft(decoded) && decoded.left.message).toContain(`["${key}"]`)
      expect(Either.isLeft(decodeItem({ ...missing, type: "paid" }))).toBe(true)
    }
    expect(Either.isLeft(decodeItem({ ...organic, url: null }))).toBe(true)
    // a business of the local pack may have no website: its url stays optional
    const business = { type: "local_pack", rank_group: 1, rank_absolute: 4, title: "애플 가로수길", url: null }
    expect(decodeItem(business)).toStrictEqual(Either.right(business))
  })
})
