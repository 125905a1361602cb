/**
 * Compile-time checks of the task types: this file is type-checked by `tsc -p tsconfig.json --noEmit`
 * (part of `npm test`). Each `@ts-expect-error` line must fail to compile, or tsc reports the directive as
 * unused; the runtime tests only make vitest count the file.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import type { InvalidTaskError } from "../../src/DataForSeoError.js"
import type { AnyEngine, TaskJson } from "../../src/Engine.js"
import * as GoogleOrganic from "../../src/GoogleOrganic.js"
import type * as Keyword from "../../src/Keyword.js"
import * as NaverOrganic from "../../src/NaverOrganic.js"

/** Never called: the lines below are checked by the compiler only. */
const doesNotCompile = () => {
  // @ts-expect-error a misspelt field
  NaverOrganic.task({ keyword: "x", depht: 10 })
  // @ts-expect-error the keyword is required
  NaverOrganic.task({ depth: 10 })
  // @ts-expect-error device is "desktop" | "mobile"
  NaverOrganic.task({ keyword: "x", device: "tablet" })
  // @ts-expect-error os is one of windows / macos / android / ios
  NaverOrganic.task({ keyword: "x", os: "linux" })
  // @ts-expect-error priority is "normal" | "high" in a task; 2 is its wire form
  NaverOrganic.task({ keyword: "x", priority: 2 })
  // @ts-expect-error depth is a number
  NaverOrganic.task({ keyword: "x", depth: "10" })
  // @ts-expect-error postback_data is "regular" | "advanced" | "html"
  NaverOrganic.task({ keyword: "x", postback_url: "https://example.com/p", postback_data: "json" })
  // @ts-expect-error match_type is "domain" | "with_subdomains" | "wildcard"
  NaverOrganic.task({ keyword: "x", stop_crawl_on_match: [{ match_value: "a.com", match_type: "exact" }] })
  // @ts-expect-error Naver has no location field
  NaverOrganic.task({ keyword: "x", location_code: 2840 })
  // @ts-expect-error Naver has no Google-only options
  NaverOrganic.task({ keyword: "x", calculate_rectangles: true })
  // @ts-expect-error a raw keyword is built with Keyword.raw, not a bare tag
  NaverOrganic.task({ keyword: { _tag: "RawKeyword" } })

  // @ts-expect-error a misspelt field
  GoogleOrganic.task({ keyword: "x", location_code: 2840, langauge_code: "en" })
  // @ts-expect-error location_code is a number
  GoogleOrganic.task({ keyword: "x", location_code: "2840", language_code: "en" })
  // @ts-expect-error target_search_mode is "any" | "all"
  GoogleOrganic.task({ keyword: "x", location_code: 2840, language_code: "en", target_search_mode: "some" })
  // @ts-expect-error device is "desktop" | "mobile"
  const task: GoogleOrganic.Task = { keyword: "x", location_code: 2840, language_code: "en", device: "tablet" }
  return task
}

describe("task types", () => {
  it("derives the task types from the schemas", () => {
    expectTypeOf<NaverOrganic.Task>().toEqualTypeOf<Schema.Schema.Type<typeof NaverOrganic.Task>>()
    expectTypeOf<GoogleOrganic.Task>().toEqualTypeOf<Schema.Schema.Type<typeof GoogleOrganic.Task>>()
    expectTypeOf<NaverOrganic.Task["keyword"]>().toEqualTypeOf<Keyword.Keyword>()
    expectTypeOf<NaverOrganic.Task["priority"]>().toEqualTypeOf<"normal" | "high" | undefined>()
    expectTypeOf<GoogleOrganic.Task["device"]>().toEqualTypeOf<"desktop" | "mobile" | undefined>()
    expectTypeOf<Schema.Schema.Encoded<typeof NaverOrganic.Task>>().toEqualTypeOf<TaskJson>()
    expectTypeOf(NaverOrganic.engine.encodeTask).parameter(0).toEqualTypeOf<NaverOrganic.Task>()
    expectTypeOf(GoogleOrganic.engine.decodeTask).returns.toEqualTypeOf<
      Either.Either<GoogleOrganic.Task, InvalidTaskError>
    >()
    const engines: ReadonlyArray<AnyEngine> = [NaverOrganic.engine, GoogleOrganic.engine]
    expect(engines.map((engine) => engine.name)).toStrictEqual(["naver/organic", "google/organic"])
    expect(typeof doesNotCompile).toBe("function")
  })

  it("compiles well-typed tasks and encodes them", () => {
    const naver = NaverOrganic.task({ keyword: "x", priority: "high", device: "mobile", os: "ios" })
    const google: GoogleOrganic.Task = { keyword: "x", location_code: 2840, language_code: "en", depth: 20 }
    expect(NaverOrganic.engine.encodeTask(naver)).toStrictEqual(
      Either.right({ keyword: "x", priority: 2, device: "mobile", os: "ios" })
    )
    expect(GoogleOrganic.engine.encodeTask(google)).toStrictEqual(Either.right(google))
  })
})
