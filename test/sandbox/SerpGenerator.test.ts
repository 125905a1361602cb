import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import type { AnyEngine, ResultFormat } from "../../src/Engine.js"
import * as Envelope from "../../src/Envelope.js"
import * as GoogleOrganic from "../../src/GoogleOrganic.js"
import { IdListItem } from "../../src/IdList.js"
import * as NaverOrganic from "../../src/NaverOrganic.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as SerpGenerator from "../../src/sandbox/SerpGenerator.js"
import { SerpErrorItem } from "../../src/SerpErrors.js"
import { TasksReadyItem } from "../../src/TasksReady.js"
import { UserData } from "../../src/UserData.js"
import { firstTask, get, post, receiver, settle } from "./helpers.js"

const base = Sandbox.inProcessBaseUrl
const formats: ReadonlyArray<ResultFormat> = ["regular", "advanced", "html"]
const schemaOf = (engine: AnyEngine, format: ResultFormat) =>
  format === "regular" ? engine.RegularResult : format === "advanced" ? engine.AdvancedResult : engine.HtmlResult

const decodeAll = <A, I>(schema: Schema.Schema<A, I>, values: ReadonlyArray<unknown>) =>
  values.map((value) => Schema.decodeUnknownEither(schema)(value))

describe("generated results decode with the result schemas", () => {
  const engines: ReadonlyArray<AnyEngine> = [NaverOrganic.engine, GoogleOrganic.engine]
  for (const engine of engines) {
    for (const format of formats) {
      it(`${engine.name} ${format}: many keywords and depths, and the all-types answer`, () => {
        const results = [1, 7, 15, 40, 100].flatMap((depth) =>
          ["아이폰 15", "running shoes", "C++ & Rust", ""].map((keyword, i) =>
            SerpGenerator.generate(
              {
                engine,
                keyword,
                depth,
                device: i % 2 === 0 ? "desktop" : "mobile",
                os: "windows",
                seDomain: undefined,
                locationCode: undefined,
                languageCode: undefined
              },
              format,
              "2026-11-23 12:00:00 +00:00",
              i
            )
          )
        )
        results.push(SerpGenerator.allTypes(engine, format, "2026-11-23 12:00:00 +00:00", 1))
        const decoded = decodeAll(schemaOf(engine, format), results)
        expect(decoded.filter(Either.isLeft).map((e) => String(e.left)).slice(0, 1)).toEqual([])
      })
    }
  }

  it.effect("a whole task_get reply decodes with Envelope and the engine's schema", () =>
    Effect.gen(function*() {
      const reply = yield* post(base, "/v3/serp/google/organic/task_post", [{
        keyword: "shoes",
        location_code: 2840,
        language_code: "en",
        depth: 20
      }])
      const id = firstTask(reply).id
      yield* TestClock.adjust("2 seconds")
      const got = yield* get(base, GoogleOrganic.engine.paths.taskGet("advanced", id))
      const decoded = Schema.decodeUnknownEither(Envelope.Envelope(GoogleOrganic.engine.AdvancedResult))(got.json)
      expect(Either.isRight(decoded)).toBe(true)
      if (Either.isRight(decoded)) expect(decoded.right.tasks[0]?.result?.[0]?.items).toHaveLength(20)
    }).pipe(Effect.provide(Sandbox.layer())))

  it.effect("tasks_ready, id_list, errors and user_data replies decode with their schemas", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 10, 23, 12))
      yield* post(base, "/v3/serp/naver/organic/task_post", [{ keyword: "a", tag: "x" }, {
        keyword: "b",
        postback_url: "http://127.0.0.1:9/$id",
        postback_data: "advanced"
      }])
      yield* settle
      yield* TestClock.adjust("3 seconds")
      yield* settle
      const ready = yield* get(base, "/v3/serp/tasks_ready")
      const idList = yield* post(base, "/v3/serp/id_list", [{
        datetime_from: "2026-11-23 11:00:00 +00:00",
        datetime_to: "2026-11-23 13:00:00 +00:00",
        include_metadata: true
      }])
      const errors = yield* post(base, "/v3/serp/errors", [{ limit: 10 }])
      const user = yield* get(base, "/v3/appendix/user_data")
      const check = <A, I>(schema: Schema.Schema<A, I>, json: unknown, count: number) => {
        const decoded = Schema.decodeUnknownEither(Envelope.Envelope(schema))(json)
        expect(Either.isRight(decoded) ? decoded.right.tasks[0]?.result?.length : String(decoded.left)).toBe(count)
      }
      check(TasksReadyItem, ready.json, 2)
      check(IdListItem, idList.json, 2)
      check(SerpErrorItem, errors.json, 1)
      check(UserData, user.json, 1)
    }).pipe(Effect.provide(Sandbox.layer({ webhookClient: receiver(() => 500).client }))))
})
