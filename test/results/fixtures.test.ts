import { describe, expect, it } from "@effect/vitest"
import type * as Schema from "effect/Schema"
import { GoogleLanguage, GoogleLocation } from "../../src/GoogleLocations.js"
import { GoogleAdvancedResult, GoogleRegularResult } from "../../src/GoogleResults.js"
import { HtmlResult } from "../../src/HtmlResult.js"
import { IdListItem } from "../../src/IdList.js"
import { NaverAdvancedResult, NaverRegularResult } from "../../src/NaverResults.js"
import { SerpErrorItem } from "../../src/SerpErrors.js"
import { TasksReadyItem } from "../../src/TasksReady.js"
import { UserData } from "../../src/UserData.js"
import { googleAdvancedResult, naverAdvancedResult } from "../fixtures/generate.js"
import { decodeOrThrow, encodeOrThrow, resultsOf } from "./load.js"

const decodeAll = <A, I>(schema: Schema.Schema<A, I>, fixture: string) =>
  resultsOf(fixture).map((result) => decodeOrThrow(schema, result))

/** Decodes then encodes one result. */
const roundTrip = <A, I>(schema: Schema.Schema<A, I>) => (result: unknown): I =>
  encodeOrThrow(schema, decodeOrThrow(schema, result))

const roundTrips: ReadonlyArray<readonly [string, (result: unknown) => unknown]> = [
  ["naver-regular", roundTrip(NaverRegularResult)],
  ["naver-advanced", roundTrip(NaverAdvancedResult)],
  ["naver-html", roundTrip(HtmlResult)],
  ["google-regular", roundTrip(GoogleRegularResult)],
  ["google-advanced", roundTrip(GoogleAdvancedResult)],
  ["google-html", roundTrip(HtmlResult)],
  ["tasks-ready", roundTrip(TasksReadyItem)],
  ["id-list", roundTrip(IdListItem)],
  ["errors", roundTrip(SerpErrorItem)],
  ["user-data", roundTrip(UserData)],
  ["google-locations", roundTrip(GoogleLocation)],
  ["google-languages", roundTrip(GoogleLanguage)]
]

describe("fixtures", () => {
  it.each(roundTrips)("%s decodes, and encodes back to the same JSON", (fixture, decodeEncode) => {
    const results = resultsOf(fixture)
    expect(results.length).toBeGreaterThan(0)
    for (const result of results) expect(decodeEncode(result)).toStrictEqual(result)
  })

  it("Naver regular (the documented example reply)", () => {
    const [result] = decodeAll(NaverRegularResult, "naver-regular")
    expect(result?.se_domain).toBe("search.naver.com")
    expect(result?.location_code).toBe(0)
    expect(result?.items_count).toBe(110)
    expect(result?.item_types).toStrictEqual(["organic", "paid", "related_searches"])
    expect(result?.items?.map((item) => [item.type, item.rank_absolute])).toStrictEqual([["organic", 1], ["paid", 2]])
    const organic = result?.items?.[0]
    expect(organic?.type === "organic" && organic.title).toBe("iPhone - Apple (KR)")
    const paid = result?.items?.[1]
    expect(paid?.type === "paid" && paid.breadcrumb).toBe("direct.lghellovision.net")
  })

  it("Naver advanced: all seven item types, Korean text, extra fields kept", () => {
    const [result] = decodeAll(NaverAdvancedResult, "naver-advanced")
    const items = result?.items ?? []
    expect(items.map((item) => item.type)).toStrictEqual([
      "paid",
      "organic",
      "organic",
      "images",
      "video",
      "local_pack",
      "map",
      "related_searches"
    ])
    expect(result?.spell).toStrictEqual({ keyword: "아이폰15", type: "did_you_mean" })
    for (const item of items) {
      switch (item.type) {
        case "paid":
          expect(item.price?.displayed_price).toBe("1,250,000원")
          expect(item["ad_position"]).toBe("top")
          break
        case "organic":
          if (item.rank_group === 2) {
            expect(item.rating?.votes_count).toBe(212)
            expect(item.images?.[0]?.alt).toBe("아이폰15 후면 카메라")
            expect(item["author"]).toBe("테크러버")
          }
          break
        case "video":
          expect(item.items?.[1]?.["duration"]).toBe("12:31")
          break
        case "local_pack":
          expect([item.title, item.phone, item.rating?.value]).toStrictEqual(["애플 가로수길", "02-6712-6700", 4.6])
          break
        case "related_searches":
          expect(item.items).toContain("아이폰15 가격")
          break
        case "images":
          expect(item.items?.length).toBe(2)
          break
        case "map":
          expect(item.title).toBe("지도")
          break
        case "unknown":
          expect.fail(`unexpected unknown item ${item.unknown_type}`)
      }
    }
  })

  it("Naver and Google HTML: one item per crawled page", () => {
    const [naver] = decodeAll(HtmlResult, "naver-html")
    expect(naver?.items?.map((page) => page.page)).toStrictEqual([1, 2])
    expect(naver?.items?.[0]?.html).toContain("아이폰15 : 네이버 검색")
    const [google] = decodeAll(HtmlResult, "google-html")
    expect(google?.location_code).toBe(2840)
    expect(google?.items?.[0]?.date).toBe("2026-03-17 11:24:41 +00:00")
  })

  it("Google regular: organic, paid and featured_snippet", () => {
    const [result] = decodeAll(GoogleRegularResult, "google-regular")
    expect(result?.items?.map((item) => item.type)).toStrictEqual(["paid", "featured_snippet", "organic", "organic"])
    const snippet = result?.items?.[1]
    expect(snippet?.type === "featured_snippet" && snippet.table?.table_content).toStrictEqual([
      ["Counter Culture", "Medium"],
      ["Stumptown", "Dark"]
    ])
    expect(result?.refinement_chips?.items?.[1]?.options?.[0]?.title).toBe("Dark")
  })

  it("Google advanced: typed features, unknown types kept whole", () => {
    const [result] = decodeAll(GoogleAdvancedResult, "google-advanced")
    const items = result?.items ?? []
    expect(items.length).toBe(20)
    const unknown = items.flatMap((item) => item.type === "unknown" ? [item] : [])
    expect(unknown.map((item) => item.unknown_type)).toStrictEqual(["jobs", "twitter", "events"])
    expect(unknown.map((item) => item.rank_absolute)).toStrictEqual([14, 15, 16])
    expect(unknown[1]?.["verified"]).toBe(true)
    expect(unknown[0]?.["items"]).toStrictEqual([{
      type: "jobs_element",
      title: "Barista",
      employer_name: "Blue Bottle Coffee",
      location: "Oakland, CA",
      source: "via LinkedIn",
      salary: "$20–$24 an hour",
      contract_type: "Full-time",
      timestamp: "2026-03-15 00:00:00 +00:00"
    }])
    const known = items.filter((item) => item.type !== "unknown").map((item) => item.type)
    expect(new Set(known)).toStrictEqual(
      new Set([
        "ai_overview",
        "paid",
        "featured_snippet",
        "organic",
        "people_also_ask",
        "local_pack",
        "images",
        "video",
        "top_stories",
        "shopping",
        "answer_box",
        "map",
        "carousel",
        "related_searches",
        "knowledge_graph",
        "people_also_search"
      ])
    )
    for (const item of items) {
      if (item.type === "people_also_ask") {
        expect(item.items?.map((question) => question.title)).toStrictEqual([
          "What is the #1 coffee bean in the world?",
          "Which coffee beans are best for espresso?"
        ])
      }
      if (item.type === "shopping") expect(item.items?.[0]?.price?.current).toBe(21.99)
      if (item.type === "knowledge_graph") expect(item.items?.[1]?.["data_attrid"]).toBe("kc:/biology:scientific_name")
      if (item.type === "ai_overview") expect(item.references?.[0]?.domain).toBe("www.seriouseats.com")
      if (item.type === "map") expect(item.rectangle).toStrictEqual({ x: 180, y: 1320.5, width: 652, height: 220 })
      if (item.type === "organic" && item.rank_group === 2) expect(item["main_domain"]).toBe("reddit.com")
    }
  })

  it("tasks_ready: ids, tags and endpoints (null where a format does not exist)", () => {
    const items = decodeAll(TasksReadyItem, "tasks-ready")
    expect(items.map((item) => [item.se, item.tag])).toStrictEqual([
      ["naver", "batch-7/아이폰15"],
      ["google", "kw-42"],
      ["google", ""]
    ])
    expect(items[2]?.endpoint_regular).toBeNull()
    expect(items[0]?.endpoint_advanced).toBe(
      "/v3/serp/naver/organic/task_get/advanced/03171324-1535-0066-0000-770617fdc9a8"
    )
  })

  it("id_list: status, cost and the posted parameters", () => {
    const items = decodeAll(IdListItem, "id-list")
    expect(items.map((item) => [item.status, item.cost, item.datetime_done])).toStrictEqual([
      ["completed", 0.0012, "2026-03-17 11:20:44 +00:00"],
      ["in queue", 0.0006, null]
    ])
    expect(items[0]?.metadata?.["tag"]).toBe("batch-7/아이폰15")
  })

  it("errors: failed webhook deliveries", () => {
    const items = decodeAll(SerpErrorItem, "errors")
    expect(items.map((item) => [item.function, item.http_method, item.http_code])).toStrictEqual([
      ["pingback_url", "GET", 0],
      ["postback_url", "POST", 500]
    ])
    expect(items[1]?.http_time).toBe(0.3412)
  })

  it("user_data: nested limits, money and prices", () => {
    const [user] = decodeAll(UserData, "user-data")
    const minute = user?.rates?.limits?.minute
    const serp = typeof minute === "object" && minute !== null ? minute["serp"] : undefined
    expect(typeof serp === "object" && serp !== null ? serp["task_post"] : undefined).toBe(2000)
    expect([user?.money?.total, user?.money?.balance]).toStrictEqual([500, 412.3371])
    expect(user?.price?.["serp"]).toMatchObject({
      task_post: { priority_high: [{ cost_type: "per_result", cost: 0.0012 }] }
    })
    expect(user?.llm_mentions_subscription_expiry_date).toBe("2026-12-31 23:59:59 +00:00")
  })

  it("locations and languages", () => {
    const locations = decodeAll(GoogleLocation, "google-locations")
    expect(locations.map((location) => location.location_code_parent)).toStrictEqual([null, 2840, 21137, null, 20972])
    expect(locations[3]?.country_iso_code).toBe("KR")
    const languages = decodeAll(GoogleLanguage, "google-languages")
    expect(languages.map((language) => language.language_code)).toStrictEqual(["en", "ko", "zh-TW", "de"])
  })

  it("the benchmark payloads decode to what was sent", () => {
    const naver = naverAdvancedResult(700)
    const decodedNaver = decodeOrThrow(NaverAdvancedResult, naver)
    expect(decodedNaver.items?.length).toBe(700)
    expect(encodeOrThrow(NaverAdvancedResult, decodedNaver)).toStrictEqual(naver)
    const google = googleAdvancedResult(100)
    const decodedGoogle = decodeOrThrow(GoogleAdvancedResult, google)
    expect(decodedGoogle.items?.filter((item) => item.type === "unknown").length).toBeGreaterThan(0)
    expect(encodeOrThrow(GoogleAdvancedResult, decodedGoogle)).toStrictEqual(google)
  })
})
