/**
 * The `sparse` option: a share of the generated results leave optional descriptive fields out, as the
 * real API sometimes does, and still decode with the engines' schemas.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import type { AnyEngine, ResultFormat } from "../../../src/Engine.js"
import * as GoogleOrganic from "../../../src/GoogleOrganic.js"
import * as NaverOrganic from "../../../src/NaverOrganic.js"
import * as Sandbox from "../../../src/sandbox/Sandbox.js"
import * as SerpGenerator from "../../../src/sandbox/SerpGenerator.js"
import { firstTask, get, post } from "../helpers.js"

const engines: ReadonlyArray<AnyEngine> = [NaverOrganic.engine, GoogleOrganic.engine]
const formats: ReadonlyArray<ResultFormat> = ["regular", "advanced", "html"]
const datetime = "2026-11-23 12:00:00 +00:00"

const schemaOf = (engine: AnyEngine, format: ResultFormat) =>
  format === "regular" ? engine.RegularResult : format === "advanced" ? engine.AdvancedResult : engine.HtmlResult

const task = (engine: AnyEngine, keyword: string, depth = 30): SerpGenerator.SerpTask => ({
  engine,
  keyword,
  depth,
  device: "desktop",
  os: "windows",
  seDomain: undefined,
  locationCode: undefined,
  languageCode: undefined
})

const keywords = Array.from({ length: 40 }, (_, i) => `keyword ${i}`)

const itemsOf = (result: SerpGenerator.Json): ReadonlyArray<{ readonly [key: string]: unknown }> => {
  const items = result["items"]
  return Array.isArray(items) ? items : []
}

describe("sparse results", () => {
  for (const engine of engines) {
    for (const format of formats) {
      it(`${engine.name} ${format}: with sparse 1, no pages_count, fields left out, and every result decodes and round trips`, () => {
        const schema = schemaOf(engine, format)
        const results = keywords.map((keyword) => SerpGenerator.generate(task(engine, keyword), format, datetime, 1, 1))
        for (const [i, result] of results.entries()) {
          expect("pages_count" in result).toBe(false)
          const decoded = Schema.decodeUnknownEither(schema)(result)
          expect(Either.isRight(decoded) ? "" : String(decoded.left)).toBe("")
          expect(Either.flatMap(decoded, Schema.encodeEither(schema))).toStrictEqual(Either.right(result))
          // the items are all there
          const full = SerpGenerator.generate(task(engine, keywords[i] ?? ""), format, datetime, 1)
          expect(itemsOf(result).length).toBe(itemsOf(full).length)
        }
        const items = results.flatMap(itemsOf)
        const idField = format === "html" ? "html" : "rank_absolute"
        expect(items.every((item) => idField in item)).toBe(true)
        // an item lost some field: the description of a SERP item, or the scan date of a page
        const described = format === "html" ? "date" : "xpath"
        expect(items.filter((item) => !(described in item)).length).toBeGreaterThan(items.length / 4)
        expect(results.filter((result) => !("keyword" in result)).length).toBeGreaterThan(results.length / 4)
        for (const item of items) {
          if (item["type"] === "organic" || item["type"] === "paid") expect(item["url"]).toMatch(/^https:\/\//)
        }
      })
    }
  }

  it("sparse 0 gives the results as before, every field sent", () => {
    for (const engine of engines) {
      for (const format of formats) {
        const full = SerpGenerator.generate(task(engine, "shoes"), format, datetime, 1)
        expect(SerpGenerator.generate(task(engine, "shoes"), format, datetime, 1, 0)).toStrictEqual(full)
        expect(full["keyword"]).toBe("shoes")
        if (format !== "html") expect(full["pages_count"]).toBe(engine === NaverOrganic.engine ? 2 : 3)
      }
    }
  })

  it("a share of 0.3 makes about 30% of the results sparse, the same ones for the same seed", () => {
    const many = Array.from({ length: 400 }, (_, i) => `query ${i}`)
    const sparseOnes = (seed: number) =>
      many.filter((keyword) =>
        !("pages_count" in
          SerpGenerator.generate(task(GoogleOrganic.engine, keyword, 10), "regular", datetime, seed, 0.3))
      )
    const once = sparseOnes(1)
    expect(once.length).toBeGreaterThan(400 * 0.22)
    expect(once.length).toBeLessThan(400 * 0.38)
    expect(sparseOnes(1)).toStrictEqual(once)
    expect(sparseOnes(2)).not.toStrictEqual(once)
  })

  it.effect("the emulator serves sparse results with the option, full ones without it", () =>
    Effect.gen(function*() {
      const fetch = (layer: ReturnType<typeof Sandbox.layer>) =>
        Effect.gen(function*() {
          const reply = yield* post(Sandbox.inProcessBaseUrl, "/v3/serp/naver/organic/task_post", [{
            keyword: "운동화",
            depth: 30
          }])
          yield* TestClock.adjust("3 seconds")
          const got = yield* get(
            Sandbox.inProcessBaseUrl,
            NaverOrganic.engine.paths.taskGet("advanced", firstTask(reply).id)
          )
          return firstTask(got).result?.[0] ?? {}
        }).pipe(Effect.provide(layer))
      const sparse = yield* fetch(Sandbox.layer({ sparse: 1 }))
      const full = yield* fetch(Sandbox.layer())
      expect(["pages_count" in sparse, "pages_count" in full]).toStrictEqual([false, true])
      expect(Either.isRight(Schema.decodeUnknownEither(NaverOrganic.engine.AdvancedResult)(sparse))).toBe(true)
    }))
})
