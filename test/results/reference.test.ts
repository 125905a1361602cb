/**
 * DataForSEO's own example replies (test/fixtures/reference/, copied from their docs pages) decode with
 * the library's schemas, and encode back to the JSON received.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Envelope from "../../src/Envelope.js"
import { GoogleAdvancedItem, GoogleAdvancedResult, GoogleRegularResult } from "../../src/GoogleResults.js"
import { HtmlResult } from "../../src/HtmlResult.js"
import { IdListItem } from "../../src/IdList.js"
import { NaverRegularResult } from "../../src/NaverResults.js"
import { SerpErrorItem } from "../../src/SerpErrors.js"
import { TasksReadyItem } from "../../src/TasksReady.js"
import { UserData } from "../../src/UserData.js"
import { decodeOrThrow, encodeOrThrow, readFixture } from "./load.js"
import { referenceReply, repairedAdvanced } from "./reference.js"

/** The results of the first task of a reply, after checking that its envelope decodes as the client reads it. */
const resultsOfReply = (reply: unknown): ReadonlyArray<unknown> => {
  const wire = decodeOrThrow(Envelope.WireEnvelope, reply)
  return wire.tasks?.[0]?.result ?? []
}

const roundTrip = <A, I>(schema: Schema.Schema<A, I>, result: unknown): I =>
  encodeOrThrow(schema, decodeOrThrow(schema, result))

const isRecord = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A copy of `value` without `key`. */
const without = (value: unknown, key: string): { readonly [key: string]: unknown } =>
  isRecord(value) ? Object.fromEntries(Object.entries(value).filter(([name]) => name !== key)) : {}

const regularReplies = ["google-organic-task_get-regular.json", "google-organic-live-regular.json"] as const

describe("DataForSEO's example replies", () => {
  it.each([
    [regularReplies[0], [["paid", 1], ["paid", 2], ["paid", 4]]],
    [regularReplies[1], [["featured_snippet", 1], ["paid", 2], ["paid", 3]]]
  ])("%s: the result has no pages_count, decodes, and round trips", (file, firstItems) => {
    const [result] = resultsOfReply(referenceReply(file))
    expect(isRecord(result) && "pages_count" in result).toBe(false)
    const decoded = decodeOrThrow(GoogleRegularResult, result)
    expect(decoded.pages_count).toBeUndefined()
    expect(decoded.keyword).toBe("flight ticket new york san francisco")
    expect(decoded.items?.slice(0, 3).map((item) => [item.type, item.rank_absolute])).toStrictEqual(firstItems)
    expect(roundTrip(GoogleRegularResult, result)).toStrictEqual(result)
  })

  it("a regular result without refinement_chips either (as in a production reply of 2024) decodes", () => {
    const [result] = resultsOfReply(referenceReply("google-organic-task_get-regular.json"))
    const bare = without(result, "refinement_chips")
    const decoded = decodeOrThrow(GoogleRegularResult, bare)
    expect(decoded.refinement_chips).toBeUndefined()
    expect(decoded.items?.length).toBe(isRecord(result) && Array.isArray(result["items"]) ? result["items"].length : -1)
    expect(roundTrip(GoogleRegularResult, bare)).toStrictEqual(bare)
  })

  it("every organic and paid item of the regular examples has its url", () => {
    for (const file of regularReplies) {
      const [result] = resultsOfReply(referenceReply(file))
      for (const item of decodeOrThrow(GoogleRegularResult, result).items ?? []) {
        if (item.type === "organic" || item.type === "paid") expect(item.url).toMatch(/^https?:\/\//)
      }
    }
  })

  it("the advanced example (repaired to JSON): all 49 items decode, unknown types kept whole, exact round trip", () => {
    const [result] = resultsOfReply(repairedAdvanced())
    const items = isRecord(result) && Array.isArray(result["items"]) ? result["items"] : []
    expect(items.length).toBe(49)
    // item by item, so that a failure names the item
    for (const item of items) {
      const decoded = Schema.decodeUnknownEither(GoogleAdvancedItem)(item)
      expect(Either.isRight(decoded), JSON.stringify(item).slice(0, 120)).toBe(true)
      expect(Either.map(decoded, (value) => encodeOrThrow(GoogleAdvancedItem, value))).toStrictEqual(Either.right(item))
    }
    const decoded = decodeOrThrow(GoogleAdvancedResult, result)
    expect(decoded.pages_count).toBeUndefined()
    const types = (decoded.items ?? []).map((item) => item.type === "unknown" ? `?${item.unknown_type}` : item.type)
    expect(types.filter((type) => !type.startsWith("?"))).toStrictEqual([
      "carousel",
      "top_stories",
      "answer_box",
      "video",
      "organic",
      "people_also_search",
      "related_searches",
      "map",
      "featured_snippet",
      "local_pack",
      "knowledge_graph",
      "paid",
      "people_also_ask",
      "images",
      "shopping",
      "ai_overview"
    ])
    expect(types.filter((type) => type.startsWith("?")).length).toBe(33)
    const product = decoded.items?.find((item) =>
      item.type === "unknown" && item.unknown_type === "product_considerations"
    )
    expect(product?.["items"]).toMatchObject([{
      expanded_element: [{ domain: "www.mattressnerd.com" }, { references: [{ source: "Reydar" }] }]
    }])
    expect(roundTrip(GoogleAdvancedResult, result)).toStrictEqual(result)
  })

  it("live/html: one page of raw HTML, round trip", () => {
    const [result] = resultsOfReply(referenceReply("google-organic-live-html.json"))
    const decoded = decodeOrThrow(HtmlResult, result)
    expect(decoded.items?.map((page) => [page.page, page.html.length > 0])).toStrictEqual([[1, true]])
    expect(roundTrip(HtmlResult, result)).toStrictEqual(result)
  })

  it("tasks_ready: two ready tasks, round trip", () => {
    const results = resultsOfReply(referenceReply("google-organic-tasks_ready.json"))
    const decoded = results.map((result) => decodeOrThrow(TasksReadyItem, result))
    expect(decoded.map((item) => [item.id, item.tag])).toStrictEqual([
      ["11081554-0696-0066-0000-27e68ec15871", "tag1"],
      ["11151406-0696-0066-0000-c4ece317cdb2", "tag2"]
    ])
    for (const result of results) expect(roundTrip(TasksReadyItem, result)).toStrictEqual(result)
  })

  it("id_list: eight tasks, round trip", () => {
    const results = resultsOfReply(referenceReply("serp-id_list.json"))
    expect(results.length).toBe(8)
    for (const result of results) {
      expect(decodeOrThrow(IdListItem, result).id).toMatch(/^\d{8}-\d{4}-\d{4}-\d{4}-[0-9a-f]{12}$/)
      expect(roundTrip(IdListItem, result)).toStrictEqual(result)
    }
  })

  it("task_post: the envelope decodes, three created tasks with no result", () => {
    const reply = decodeOrThrow(Envelope.Envelope(Schema.Unknown), referenceReply("google-organic-task_post.json"))
    expect(reply.tasks.map((task) => [task.status_code, task.result])).toStrictEqual([
      [20100, null],
      [20100, null],
      [20100, null]
    ])
    expect(reply.cost).toBe(0.0045)
  })

  it("Naver task_get/regular (the docs' example, test/fixtures/seeds/): decodes, and still does without its descriptive fields", () => {
    const [result] = resultsOfReply(readFixture("seeds/naver-task-get-regular"))
    expect(roundTrip(NaverRegularResult, result)).toStrictEqual(result)
    const bare = ["pages_count", "refinement_chips", "spell", "se_results_count", "check_url", "item_types"]
      .reduce<unknown>((value, key) => without(value, key), result)
    const decoded = decodeOrThrow(NaverRegularResult, bare)
    expect(
      decoded.items?.map((
        item
      ) => [item.type, item.rank_absolute, item.type === "unknown" ? "" : item.url.slice(0, 20)])
    ).toStrictEqual([
      ["organic", 1, "https://www.apple.co"],
      ["paid", 2, "https://adcr.naver.c"]
    ])
    expect(roundTrip(NaverRegularResult, bare)).toStrictEqual(bare)
  })

  it("user_data (the beginning of the docs' example: no money, no price) decodes", () => {
    const [result] = resultsOfReply(referenceReply("appendix-user_data.partial.json"))
    const user = decodeOrThrow(UserData, result)
    expect([user.login, user.money, user.price]).toStrictEqual(["test@gmail.com", undefined, undefined])
    const day = user.rates?.limits?.day
    const serp = typeof day === "object" && day !== null ? day["serp"] : undefined
    expect(serp).toMatchObject({ live: { advanced: 0, html: 0, regular: 0 } })
    expect(roundTrip(UserData, result)).toStrictEqual(result)
  })

  it("errors (the beginning of the docs' example: an id only) decodes", () => {
    const [result] = resultsOfReply(referenceReply("serp-errors.partial.json"))
    expect(decodeOrThrow(SerpErrorItem, result)).toStrictEqual({ id: "03211137-0001-0183-0000-39f10d5940fa" })
  })
})
