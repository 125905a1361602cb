import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import { InvalidTaskError } from "../src/DataForSeoError.js"
import type { TaskJson } from "../src/Engine.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"
import * as Keyword from "../src/Keyword.js"
import * as TaskOptions from "../src/TaskOptions.js"
import { type Breaker, engineProperties, set } from "./support/engineProperties.js"

const { engine } = GoogleOrganic

type Task = GoogleOrganic.Task

const invalid = (field: string, rule: string) => Either.left(new InvalidTaskError({ field, rule }))

const london = { keyword: "rank tracker api", location_code: 2826, language_code: "en" } as const

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: valid tasks, built from the field schemas; the cross-field rules are kept by construction.

const nonEmpty = fc.string({ minLength: 1, maxLength: 20 })

const location = fc.oneof(
  nonEmpty.map((location_name) => ({ location_name })),
  fc.integer({ min: 1, max: 9_999_999 }).map((location_code) => ({ location_code })),
  Arbitrary.make(GoogleOrganic.LocationCoordinate).map((location_coordinate) => ({ location_coordinate }))
)

const language = fc.oneof(
  nonEmpty.map((language_name) => ({ language_name })),
  fc.constantFrom("en", "de", "ko", "pt-BR").map((language_code) => ({ language_code }))
)

/** Location and language, or a direct search URL with or without them. */
const where = fc.oneof(
  fc.tuple(location, language).map(([l, g]) => ({ ...l, ...g })),
  fc
    .tuple(Arbitrary.make(TaskOptions.HttpUrl), fc.option(location, { nil: {} }), fc.option(language, { nil: {} }))
    .map(([url, l, g]) => ({ url, ...l, ...g }))
)

const deviceAndOs = fc.constantFrom<Pick<Task, "device" | "os">>(
  {},
  { device: "mobile" },
  { os: "macos" },
  { device: "desktop", os: "windows" },
  { device: "mobile", os: "ios" }
)

const postback = fc.option(
  fc.record({
    postback_url: Arbitrary.make(TaskOptions.WebhookUrl),
    postback_data: Arbitrary.make(TaskOptions.PostbackData)
  }),
  { nil: {} }
)

const screenSide = fc.integer({ min: 240, max: 9999 })

const rectangles = fc.oneof(
  fc.constant({}),
  fc.constant({ calculate_rectangles: false }),
  fc
    .record(
      {
        browser_screen_width: screenSide,
        browser_screen_height: screenSide,
        browser_screen_resolution_ratio: fc.double({ min: 0.5, max: 3, noNaN: true })
      },
      { requiredKeys: [] }
    )
    .map((browser) => ({ calculate_rectangles: true, ...browser }))
)

const elementTypes = Arbitrary.make(GoogleOrganic.ElementTypes)

const crawlTargets = fc.option(
  fc
    .tuple(
      Arbitrary.make(TaskOptions.StopCrawlOnMatch),
      fc.option(fc.constantFrom<"any" | "all">("any", "all"), { nil: undefined }),
      fc.oneof(
        fc.constant({}),
        elementTypes.map((find_targets_in) => ({ find_targets_in })),
        elementTypes.map((ignore_targets_in) => ({ ignore_targets_in }))
      )
    )
    .map(([stop_crawl_on_match, mode, within]) => ({
      stop_crawl_on_match,
      ...(mode === undefined ? {} : { target_search_mode: mode }),
      ...within
    })),
  { nil: {} }
)

const validTask: fc.Arbitrary<Task> = fc
  .tuple(
    Arbitrary.make(GoogleOrganic.GoogleKeyword),
    where,
    fc.record(
      {
        priority: Arbitrary.make(TaskOptions.Priority),
        depth: Arbitrary.make(TaskOptions.Depth),
        max_crawl_pages: Arbitrary.make(TaskOptions.MaxCrawlPages),
        se_domain: Arbitrary.make(TaskOptions.SeDomain),
        search_param: fc.string(),
        tag: fc.string({ maxLength: 255 }),
        pingback_url: Arbitrary.make(TaskOptions.WebhookUrl),
        group_organic_results: fc.boolean(),
        people_also_ask_click_depth: fc.integer({ min: 1, max: 4 }),
        load_async_ai_overview: fc.boolean(),
        expand_ai_overview: fc.boolean(),
        remove_from_url: Arbitrary.make(GoogleOrganic.RemoveFromUrl)
      },
      { requiredKeys: [] }
    ),
    deviceAndOs,
    postback,
    rectangles,
    crawlTargets
  )
  .map(([keyword, place, options, device, webhook, browser, targets]) => ({
    keyword,
    ...place,
    ...options,
    ...device,
    ...webhook,
    ...browser,
    ...targets
  }))

const change = (name: string, field: string, update: (json: TaskJson) => TaskJson): Breaker => ({
  name,
  break: (json) => [update(json), field]
})

const target: TaskOptions.CrawlTarget = { match_value: "dataforseo.com", match_type: "domain" }

const withoutPlace = (json: TaskJson): TaskJson => {
  const {
    language_code: _a,
    language_name: _b,
    location_code: _c,
    location_coordinate: _d,
    location_name: _e,
    url: _f,
    ...rest
  } = json
  return rest
}

const breakers: ReadonlyArray<Breaker> = [
  // Shared fields (the Naver suite covers them in more depth).
  change("no keyword", "keyword", ({ keyword: _keyword, ...json }) => json),
  set("keyword", "k".repeat(701)),
  set("priority", 0),
  set("depth", 701),
  set("max_crawl_pages", 1000),
  set("device", "tablet"),
  set("tag", "t".repeat(256)),
  set("pingback_url", "your-server.com/ping?id=$id"),
  set("stop_crawl_on_match", Array.from({ length: 11 }, () => target)),
  change("desktop os on mobile", "os", (json) => ({ ...json, device: "mobile", os: "macos" })),
  change("postback_url without postback_data", "postback_data", ({ postback_data: _data, ...json }) => ({
    ...json,
    postback_url: "https://example.com/post?id=$id"
  })),
  // Google fields.
  set("keyword", "cache:example.com"),
  set("keyword", "albert einstein CACHE:example.com"),
  set("keyword", "cache%3Aexample.com"),
  set("location_code", 0),
  set("location_code", "2840"),
  set("location_name", ""),
  set("location_coordinate", "53.476225,-2.243572"),
  set("location_coordinate", "90.1,0,200"),
  set("location_coordinate", "0,-180.5,200"),
  set("location_coordinate", "0,0,199.8"),
  set("location_coordinate", "0,0,200000"),
  set("location_coordinate", "53.12345678,0,200"),
  set("language_code", ""),
  set("language_name", 7),
  set("group_organic_results", "yes"),
  set("calculate_rectangles", 1),
  set("load_async_ai_overview", null),
  set("expand_ai_overview", "false"),
  set("people_also_ask_click_depth", 0),
  set("people_also_ask_click_depth", 5),
  set("remove_from_url", Array.from({ length: 11 }, (_, i) => `p${i}`)),
  change("empty remove_from_url name", "remove_from_url.1", (json) => ({ ...json, remove_from_url: ["srsltid", ""] })),
  change("browser width too small", "browser_screen_width", (json) => ({
    ...json,
    calculate_rectangles: true,
    browser_screen_width: 239
  })),
  change("browser height too big", "browser_screen_height", (json) => ({
    ...json,
    calculate_rectangles: true,
    browser_screen_height: 10_000
  })),
  change("browser ratio too big", "browser_screen_resolution_ratio", (json) => ({
    ...json,
    calculate_rectangles: true,
    browser_screen_resolution_ratio: 3.5
  })),
  change("browser width without calculate_rectangles", "browser_screen_width", (json) => ({
    ...json,
    calculate_rectangles: false,
    browser_screen_width: 1024
  })),
  change("browser ratio without calculate_rectangles", "browser_screen_resolution_ratio", (json) => {
    const { browser_screen_height: _h, browser_screen_width: _w, calculate_rectangles: _c, ...rest } = json
    return { ...rest, browser_screen_resolution_ratio: 2 }
  }),
  change("no location", "location_code", (json) => ({ ...withoutPlace(json), language_code: "en" })),
  change("no language", "language_code", (json) => ({ ...withoutPlace(json), location_code: 2840 })),
  change("two locations", "location_code", (json) => ({
    ...json,
    location_name: "London,England,United Kingdom",
    location_code: 2826
  })),
  change("two languages", "language_code", (json) => ({ ...json, language_name: "English", language_code: "en" })),
  set("target_search_mode", "some"),
  change("target_search_mode without stop_crawl_on_match", "target_search_mode", (json) => {
    const { find_targets_in: _f, ignore_targets_in: _i, stop_crawl_on_match: _s, ...rest } = json
    return { ...rest, target_search_mode: "all" }
  }),
  change("find_targets_in and ignore_targets_in", "ignore_targets_in", (json) => ({
    ...json,
    stop_crawl_on_match: [target],
    find_targets_in: ["organic"],
    ignore_targets_in: ["paid"]
  })),
  change("empty find_targets_in", "find_targets_in", ({ ignore_targets_in: _i, ...json }) => ({
    ...json,
    stop_crawl_on_match: [target],
    find_targets_in: []
  })),
  set("target", "dataforseo.com"),
  set("location", "London")
]

describe("GoogleOrganic", () => {
  it("describes the Google organic endpoints, live ones included", () => {
    expect(engine.name).toBe("google/organic")
    expect([engine.se, engine.seType]).toStrictEqual(["google", "organic"])
    expect(engine.paths.taskPost).toBe("/v3/serp/google/organic/task_post")
    expect(engine.paths.tasksReady).toBe("/v3/serp/google/organic/tasks_ready")
    expect(engine.paths.taskGet("regular", "07231252-7652-0139-0000-301b3ccdda6f")).toBe(
      "/v3/serp/google/organic/task_get/regular/07231252-7652-0139-0000-301b3ccdda6f"
    )
    expect(engine.paths.live).toStrictEqual({
      regular: "/v3/serp/google/organic/live/regular",
      advanced: "/v3/serp/google/organic/live/advanced",
      html: "/v3/serp/google/organic/live/html"
    })
    expect([engine.defaultDepth, engine.resultsPerPage]).toStrictEqual([10, 10])
    expect(engine.RegularResult).toBe(GoogleOrganic.RegularResult)
    expect(engine.AdvancedResult).toBe(GoogleOrganic.AdvancedResult)
    expect(engine.HtmlResult).toBe(GoogleOrganic.HtmlResult)
  })

  it("encodes a documented task to the documented JSON", () => {
    const task = GoogleOrganic.task({
      keyword: "albert einstein",
      location_name: "London,England,United Kingdom",
      language_name: "English",
      priority: "high",
      device: "mobile",
      os: "ios",
      tag: "some_string_123",
      postback_url: "https://your-server.com/postbackscript?id=$id&tag=$tag",
      postback_data: "advanced"
    })
    const json = {
      keyword: "albert einstein",
      location_name: "London,England,United Kingdom",
      language_name: "English",
      priority: 2,
      device: "mobile",
      os: "ios",
      tag: "some_string_123",
      postback_url: "https://your-server.com/postbackscript?id=$id&tag=$tag",
      postback_data: "advanced"
    }
    expect(engine.encodeTask(task)).toStrictEqual(Either.right(json))
    expect(engine.decodeTask(json)).toStrictEqual(Either.right(task))
  })

  it("encodes the Google-only options as documented", () => {
    const task = GoogleOrganic.task({
      keyword: "c++ 100%",
      location_coordinate: "53.476225,-2.243572,200",
      language_code: "en",
      depth: 100,
      se_domain: "google.co.uk",
      group_organic_results: false,
      calculate_rectangles: true,
      browser_screen_width: 1920,
      browser_screen_height: 1080,
      browser_screen_resolution_ratio: 1.5,
      people_also_ask_click_depth: 4,
      load_async_ai_overview: true,
      expand_ai_overview: true,
      remove_from_url: ["srsltid"],
      stop_crawl_on_match: [{ match_value: "dataforseo.com", match_type: "with_subdomains" }],
      target_search_mode: "all",
      find_targets_in: ["organic", "featured_snippet"]
    })
    expect(engine.encodeTask(task)).toStrictEqual(Either.right({ ...task, keyword: "c%2B%2B 100%25" }))
  })

  it("needs no location or language when a direct url is given", () => {
    const url = "https://www.google.co.uk/search?q=%20rank%20tracker%20api&hl=en&gl=GB"
    expect(engine.encodeTask({ keyword: "rank tracker api", url })).toStrictEqual(
      Either.right({ keyword: "rank tracker api", url })
    )
  })

  it("accepts the extremes of location_coordinate", () => {
    for (const location_coordinate of ["-90,-180,199.9", "90,180,199999", "0.1234567,-0.1234567,200"]) {
      expect(engine.encodeTask({ keyword: "x", location_coordinate, language_code: "en" })).toStrictEqual(
        Either.right({ keyword: "x", location_coordinate, language_code: "en" })
      )
      expect(engine.decodeTask({ keyword: "x", location_coordinate, language_code: "en" })).toStrictEqual(
        Either.right({ keyword: "x", location_coordinate, language_code: "en" })
      )
    }
  })

  it("names the field and the rule of an invalid task", () => {
    expect(engine.encodeTask({ keyword: "cache:example.com", location_code: 2840, language_code: "en" })).toStrictEqual(
      invalid("keyword", "must not use the cache: operator (the API refuses it)")
    )
    expect(engine.encodeTask({ keyword: "x", language_code: "en" })).toStrictEqual(
      invalid(
        "location_code",
        "one of location_name, location_code, location_coordinate is required (unless url is set)"
      )
    )
    expect(engine.encodeTask({ ...london, location_name: "London" })).toStrictEqual(
      invalid("location_code", "only one of location_name, location_code, location_coordinate may be set")
    )
    expect(engine.encodeTask({ keyword: "x", location_code: 2840 })).toStrictEqual(
      invalid("language_code", "one of language_name, language_code is required (unless url is set)")
    )
    expect(engine.encodeTask({ ...london, browser_screen_height: 800 })).toStrictEqual(
      invalid("browser_screen_height", "is only allowed with calculate_rectangles: true")
    )
    expect(engine.encodeTask({ ...london, calculate_rectangles: true, browser_screen_resolution_ratio: 0.4 }))
      .toStrictEqual(
        invalid("browser_screen_resolution_ratio", "must be a number from 0.5 to 3")
      )
    expect(
      engine.encodeTask({
        ...london,
        stop_crawl_on_match: [target],
        find_targets_in: ["organic"],
        ignore_targets_in: ["paid"]
      })
    ).toStrictEqual(invalid("ignore_targets_in", "cannot be set together with find_targets_in"))
    expect(engine.decodeTask({ keyword: "x", location_coordinate: "53.4762251234,-2.24,200", language_code: "en" }))
      .toStrictEqual(
        invalid(
          "location_coordinate",
          `must be "latitude,longitude,radius": latitude -90..90 and longitude -180..180 with at most 7 decimals, radius 199.9..199999`
        )
      )
    expect(engine.decodeTask({ ...london, people_also_ask_click_depth: 5 })).toStrictEqual(
      invalid("people_also_ask_click_depth", "must be an integer from 1 to 4")
    )
  })

  it("multiplies the price by five for search operators, read on the searched text", () => {
    const cost = (keyword: Keyword.Keyword) => engine.costMultiplier({ ...london, keyword })
    expect(cost("albert einstein")).toBe(1)
    expect(cost("site:dataforseo.com serp")).toBe(5)
    expect(cost("serp -inurl:blog")).toBe(5)
    expect(cost("filetype:pdf effect")).toBe(5)
    expect(cost("INTITLE:effect")).toBe(5)
    expect(cost(Keyword.raw("site%3Adataforseo.com"))).toBe(5)
    expect(cost("website: builder")).toBe(1)
    expect(cost("site dataforseo")).toBe(1)
    for (const operator of GoogleOrganic.pricedOperators) {
      expect(cost(`${operator}:x`)).toBe(5)
    }
  })

  engineProperties(engine, {
    validTask,
    breakers,
    fieldNames: ["keyword", "location_code", "location_coordinate", "language_code", "browser_screen_width", "url"],
    required: ["keyword", "location_code", "language_code"],
    typedBreakers: [
      [{ depth: 701 }, "depth"],
      [{ max_crawl_pages: 0 }, "max_crawl_pages"],
      [{ keyword: "k".repeat(701) }, "keyword"],
      [{ keyword: "  " }, "keyword"],
      [{ keyword: "cache:example.com" }, "keyword"],
      [{ tag: "t".repeat(256) }, "tag"],
      [{ se_domain: "https://google.com" }, "se_domain"],
      [{ device: "mobile", os: "windows" }, "os"],
      [{ pingback_url: "ftp://x.example/" }, "pingback_url"],
      [{ people_also_ask_click_depth: 5 }, "people_also_ask_click_depth"]
    ]
  })
})
