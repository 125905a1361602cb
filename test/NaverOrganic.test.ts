import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import { InvalidTaskError } from "../src/DataForSeoError.js"
import type { TaskJson } from "../src/Engine.js"
import * as Keyword from "../src/Keyword.js"
import * as NaverOrganic from "../src/NaverOrganic.js"
import * as TaskOptions from "../src/TaskOptions.js"
import { type Breaker, engineProperties, fieldOf, set } from "./support/engineProperties.js"

const { engine } = NaverOrganic

const invalid = (field: string, rule: string) => Either.left(new InvalidTaskError({ field, rule }))

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: valid tasks, built from the field schemas; the cross-field rules are kept by construction.

const deviceAndOs = fc.constantFrom<Pick<NaverOrganic.Task, "device" | "os">>(
  {},
  { device: "desktop" },
  { device: "mobile" },
  { os: "macos" },
  { device: "desktop", os: "windows" },
  { device: "mobile", os: "android" },
  { device: "mobile", os: "ios" }
)

const postback = fc.option(
  fc.record({
    postback_url: Arbitrary.make(TaskOptions.WebhookUrl),
    postback_data: Arbitrary.make(TaskOptions.PostbackData)
  }),
  { nil: {} }
)

const validTask: fc.Arbitrary<NaverOrganic.Task> = fc
  .tuple(
    Arbitrary.make(Keyword.Keyword),
    fc.record(
      {
        url: Arbitrary.make(TaskOptions.HttpUrl),
        priority: Arbitrary.make(TaskOptions.Priority),
        depth: Arbitrary.make(TaskOptions.Depth),
        max_crawl_pages: Arbitrary.make(TaskOptions.MaxCrawlPages),
        se_domain: Arbitrary.make(TaskOptions.SeDomain),
        search_param: Arbitrary.make(TaskOptions.SearchParam),
        stop_crawl_on_match: Arbitrary.make(TaskOptions.StopCrawlOnMatch),
        tag: Arbitrary.make(TaskOptions.Tag),
        pingback_url: Arbitrary.make(TaskOptions.WebhookUrl)
      },
      { requiredKeys: [] }
    ),
    deviceAndOs,
    postback
  )
  .map(([keyword, options, device, webhook]) => ({ keyword, ...options, ...device, ...webhook }))

const without = (field: string): Breaker => ({
  name: `no ${field}`,
  break: ({ [field]: _removed, ...json }) => [json, field]
})

const targets = (json: TaskJson): ReadonlyArray<TaskJson> =>
  Array.isArray(json.stop_crawl_on_match) && json.stop_crawl_on_match.length > 0
    ? json.stop_crawl_on_match
    : [{ match_value: "dataforseo.com", match_type: "domain" }]

/** Breaks the last target of `stop_crawl_on_match` (adding one if there is none). */
const breakLastTarget = (field: string, value: unknown): Breaker => ({
  name: `stop_crawl_on_match.last.${field} = ${JSON.stringify(value)}`,
  break: (json) => {
    const list = targets(json)
    const index = list.length - 1
    const broken = list.map((target, i) => (i === index ? { ...target, [field]: value } : target))
    return [{ ...json, stop_crawl_on_match: broken }, `stop_crawl_on_match.${index}.${field}`]
  }
})

/** Rules shared with every engine. */
const sharedBreakers: ReadonlyArray<Breaker> = [
  without("keyword"),
  set("keyword", ""),
  set("keyword", "a".repeat(701)),
  set("keyword", 42),
  set("priority", 3),
  set("priority", "high"),
  set("depth", 0),
  set("depth", 701),
  set("depth", 10.5),
  set("depth", "10"),
  set("max_crawl_pages", 0),
  set("max_crawl_pages", 101),
  set("device", "tablet"),
  set("os", "linux"),
  set("se_domain", "https://search.naver.com"),
  set("se_domain", "search naver"),
  set("search_param", 1),
  set("url", "search.naver.com/search.naver?query=x"),
  set("url", "ftp://search.naver.com/"),
  set("tag", "t".repeat(256)),
  set("pingback_url", "/pingscript?id=$id"),
  set("postback_url", "mailto:me@example.com"),
  set("stop_crawl_on_match", []),
  set("stop_crawl_on_match", "dataforseo.com"),
  set(
    "stop_crawl_on_match",
    Array.from({ length: 11 }, () => ({ match_value: "dataforseo.com", match_type: "domain" }))
  ),
  breakLastTarget("match_type", "exact"),
  breakLastTarget("match_value", ""),
  breakLastTarget("extra", true),
  set("keywords", ["typo"]),
  {
    name: "os of the other device",
    break: (json) => [{ ...json, device: "mobile", os: "windows" }, "os"]
  },
  {
    name: "mobile os without device",
    break: ({ device: _device, ...json }) => [{ ...json, os: "ios" }, "os"]
  },
  {
    name: "postback_url without postback_data",
    break: (
      { postback_data: _data, ...json }
    ) => [{ ...json, postback_url: "https://example.com/post?id=$id" }, "postback_data"]
  },
  {
    name: "postback_data without postback_url",
    break: ({ postback_url: _url, ...json }) => [{ ...json, postback_data: "regular" }, "postback_data"]
  },
  {
    name: "bad postback_data",
    break: (json) => [{ ...json, postback_url: "https://example.com/post", postback_data: "json" }, "postback_data"]
  }
]

const naverBreakers: ReadonlyArray<Breaker> = [
  ...sharedBreakers,
  set("location_code", 2840),
  set("language_code", "en")
]

describe("NaverOrganic", () => {
  it("describes the Naver organic endpoints", () => {
    expect(engine.name).toBe("naver/organic")
    expect([engine.se, engine.seType]).toStrictEqual(["naver", "organic"])
    expect(engine.paths.taskPost).toBe("/v3/serp/naver/organic/task_post")
    expect(engine.paths.tasksReady).toBe("/v3/serp/naver/organic/tasks_ready")
    expect(engine.paths.taskGet("advanced", "03171218-1535-0066-0000-6e916482abe9")).toBe(
      "/v3/serp/naver/organic/task_get/advanced/03171218-1535-0066-0000-6e916482abe9"
    )
    expect(engine.paths.taskGet("html", "x")).toBe("/v3/serp/naver/organic/task_get/html/x")
    expect(engine.paths.live).toBeUndefined()
    expect([engine.defaultDepth, engine.resultsPerPage]).toStrictEqual([15, 15])
    expect(engine.RegularResult).toBe(NaverOrganic.RegularResult)
    expect(engine.AdvancedResult).toBe(NaverOrganic.AdvancedResult)
    expect(engine.HtmlResult).toBe(NaverOrganic.HtmlResult)
  })

  it("encodes the documented example task to the documented JSON", () => {
    const task = NaverOrganic.task({
      keyword: "albert einstein",
      priority: "high",
      tag: "some_string_123",
      pingback_url: "https://your-server.com/pingscript?id=$id&tag=$tag",
      device: "desktop",
      os: "windows"
    })
    const json = {
      keyword: "albert einstein",
      priority: 2,
      tag: "some_string_123",
      pingback_url: "https://your-server.com/pingscript?id=$id&tag=$tag",
      device: "desktop",
      os: "windows"
    }
    expect(engine.encodeTask(task)).toStrictEqual(Either.right(json))
    expect(engine.decodeTask(json)).toStrictEqual(Either.right(task))
  })

  it("encodes the cURL example with a postback", () => {
    // Nothing to transform here: the task and its JSON are the same object.
    const task = NaverOrganic.task({
      keyword: "albert einstein",
      device: "desktop",
      tag: "some_string_123",
      postback_url: "https://your-server.com/postbackscript.php",
      postback_data: "regular"
    })
    expect(engine.encodeTask(task)).toStrictEqual(Either.right(task))
    expect(engine.decodeTask(task)).toStrictEqual(Either.right(task))
  })

  it("sends a minimal task as the keyword alone: defaults are the API's", () => {
    expect(engine.encodeTask({ keyword: "albert einstein" })).toStrictEqual(
      Either.right({ keyword: "albert einstein" })
    )
    expect(engine.encodeTask({ keyword: "x", priority: "normal" })).toStrictEqual(
      Either.right({ keyword: "x", priority: 1 })
    )
  })

  it("sends the keyword so that it arrives unchanged, or as is when raw", () => {
    expect(engine.encodeTask({ keyword: "c++ 100%" })).toStrictEqual(Either.right({ keyword: "c%2B%2B 100%25" }))
    expect(engine.decodeTask({ keyword: "c%2B%2B 100%25" })).toStrictEqual(Either.right({ keyword: "c++ 100%" }))
    const raw = { keyword: Keyword.raw("albert+einstein") }
    expect(engine.encodeTask(raw)).toStrictEqual(Either.right({ keyword: "albert+einstein" }))
    expect(engine.decodeTask({ keyword: "albert+einstein" })).toStrictEqual(Either.right(raw))
  })

  it("keeps $id and $tag in webhook URLs", () => {
    const task = {
      keyword: "x",
      postback_url: "http://h.example/p?id=$id&tag=$tag",
      postback_data: "advanced"
    } as const
    expect(engine.encodeTask(task)).toStrictEqual(Either.right(task))
  })

  it("accepts up to 10 stop_crawl_on_match targets", () => {
    const stop_crawl_on_match = Array.from({ length: 10 }, (_, i) => ({
      match_value: `site${i}.com`,
      match_type: "with_subdomains" as const
    }))
    expect(engine.encodeTask({ keyword: "x", stop_crawl_on_match })).toStrictEqual(
      Either.right({ keyword: "x", stop_crawl_on_match })
    )
  })

  it("names the field and the rule of an invalid task", () => {
    expect(engine.encodeTask({ keyword: "x", depth: 701 })).toStrictEqual(
      invalid("depth", "must be an integer from 1 to 700")
    )
    expect(engine.encodeTask({ keyword: "x", device: "mobile", os: "macos" })).toStrictEqual(
      invalid("os", `must be "android" or "ios" when device is "mobile"`)
    )
    expect(engine.encodeTask({ keyword: "x", os: "android" })).toStrictEqual(
      invalid("os", `must be "windows" or "macos" when device is "desktop" (the default)`)
    )
    expect(engine.encodeTask({ keyword: "x", postback_url: "https://example.com/p" })).toStrictEqual(
      invalid("postback_data", `is required when postback_url is set ("regular", "advanced" or "html")`)
    )
    expect(engine.encodeTask({ keyword: "x", tag: "t".repeat(256) })).toStrictEqual(
      invalid("tag", "must be a string of at most 255 characters")
    )
    expect(engine.encodeTask({ keyword: "x", pingback_url: "your-server.com/ping" })).toStrictEqual(
      invalid("pingback_url", "must be an absolute http(s) URL")
    )
    expect(engine.decodeTask({ keyword: "x", priority: 3 })).toStrictEqual(
      invalid("priority", `must be "normal" or "high" (sent as 1 or 2)`)
    )
    expect(engine.decodeTask({})).toStrictEqual(invalid("keyword", "is required"))
    expect(engine.decodeTask(null)).toStrictEqual(
      invalid("task", "must be a JSON object (one task of the task_post array)")
    )
    expect(engine.decodeTask({ keyword: "x", location_code: 2840 })).toStrictEqual(
      invalid("location_code", "is not a field of this task (the API answers 40506 for unknown fields)")
    )
  })

  it("refuses fields the API does not know when encoding, at the top and in stop_crawl_on_match", () => {
    // a variable, not a literal: TypeScript only refuses excess fields of fresh object literals
    const withLocation = { keyword: "x", depth: 0, location_code: 2840 }
    expect(engine.encodeTask(withLocation)).toStrictEqual(
      invalid("location_code", "is not a field of this task (the API answers 40506 for unknown fields)")
    )
    const target = { match_value: "a.com", match_type: "domain" as const, exact: true }
    for (
      const result of [
        engine.encodeTask({ keyword: "x", stop_crawl_on_match: [target] }),
        engine.decodeTask({ keyword: "x", stop_crawl_on_match: [target] })
      ]
    ) {
      expect(result).toStrictEqual(
        invalid("stop_crawl_on_match.0.exact", "is not a field of this task (the API answers 40506 for unknown fields)")
      )
    }
  })

  it("names the nested path of a broken stop_crawl_on_match target", () => {
    const json = {
      keyword: "x",
      stop_crawl_on_match: [
        { match_value: "a.com", match_type: "domain" },
        { match_value: "b.com", match_type: "domain" },
        { match_value: "c.com", match_type: "wildcard" },
        { match_value: "d.com", match_type: "exact" }
      ]
    }
    expect(engine.decodeTask(json)).toStrictEqual(
      invalid("stop_crawl_on_match.3.match_type", `must be "domain", "with_subdomains" or "wildcard"`)
    )
    const target = { match_value: "a.com", match_type: "domain" } as const
    expect(fieldOf(engine.encodeTask({ keyword: "x", stop_crawl_on_match: Array.from({ length: 11 }, () => target) })))
      .toBe(
        "stop_crawl_on_match"
      )
  })

  it("refuses unknown fields when encoding too, instead of dropping them silently", () => {
    const built = { keyword: "x", keywords: "y" }
    expect(fieldOf(engine.encodeTask(built))).toBe("keywords")
  })

  it("refuses unknown keys the schema sees that a plain key listing would miss: non-enumerable ones and symbols", () => {
    const hidden = Object.defineProperty({ keyword: "x" }, "keywords", { value: "y", enumerable: false })
    expect(fieldOf(engine.encodeTask(hidden))).toBe("keywords")
    expect(fieldOf(engine.encodeTask({ keyword: "x", [Symbol.for("extra")]: "y" }))).toBe("Symbol(extra)")
  })

  it("refuses the task_post echo fields that are not task fields", () => {
    expect(fieldOf(engine.decodeTask({ keyword: "x", api: "serp", function: "task_post" }))).toBe("api")
  })

  it("never multiplies the price", () => {
    expect(engine.costMultiplier({ keyword: "site:naver.com" })).toBe(1)
  })

  engineProperties(engine, {
    validTask,
    breakers: naverBreakers,
    fieldNames: ["keyword", "depth", "os", "device", "stop_crawl_on_match", "postback_url"],
    required: ["keyword"],
    typedBreakers: [
      [{ depth: 0 }, "depth"],
      [{ max_crawl_pages: 101 }, "max_crawl_pages"],
      [{ keyword: "k".repeat(701) }, "keyword"],
      [{ keyword: " " }, "keyword"],
      [{ tag: "t".repeat(256) }, "tag"],
      [{ url: "naver.com" }, "url"],
      [{ se_domain: "http://naver.com" }, "se_domain"],
      [{ device: "mobile", os: "macos" }, "os"],
      [{ pingback_url: "ftp://x.example/" }, "pingback_url"],
      [{ stop_crawl_on_match: [] }, "stop_crawl_on_match"]
    ]
  })
})
