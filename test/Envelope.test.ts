/**
 * Decoding a reply's body outside the HTTP client, as a postback receiver does: gzip or not, the envelope,
 * then each result with its schema. Every failure is a `DecodeError` that names its path.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import * as Envelope from "../src/Envelope.js"
import * as GoogleOrganic from "../src/GoogleOrganic.js"

const published = readFileSync(new URL("./fixtures/reference/google-organic-task_get-regular.json", import.meta.url))

describe("Envelope.decodeBody", () => {
  it.effect("decodes DataForSEO's published task_get/regular reply, gzip or not, with the engine's result schema", () =>
    Effect.gen(function*() {
      for (const body of [new Uint8Array(published), new Uint8Array(gzipSync(published))]) {
        const envelope = yield* Envelope.decodeBody("postback", body, GoogleOrganic.RegularResult)
        expect(envelope.status_code).toBe(20000)
        const result = envelope.tasks[0]?.result?.[0]
        expect(result?.keyword).toBe("flight ticket new york san francisco")
        expect(result?.items?.map((item) => item.type)).toContain("organic")
      }
    }))

  it.effect("a truncated gzip body, a body that is not the envelope and a result of the wrong shape are DecodeErrors with their paths", () =>
    Effect.gen(function*() {
      const cut = new Uint8Array(gzipSync(published).subarray(0, 40))
      expect(yield* Effect.flip(Envelope.decodeBody("postback", cut, GoogleOrganic.RegularResult))).toMatchObject({
        _tag: "DecodeError",
        endpoint: "postback",
        path: ""
      })
      const notEnvelope = new TextEncoder().encode(JSON.stringify({ status_code: "20000" }))
      const error = yield* Effect.flip(Envelope.decodeBody("postback", notEnvelope, GoogleOrganic.RegularResult))
      expect(error._tag).toBe("DecodeError")
      const reply = JSON.parse(published.toString("utf8"))
      reply.tasks[0].result[0].items[0].rank_group = "first"
      const wrong = new TextEncoder().encode(JSON.stringify(reply))
      expect(yield* Effect.flip(Envelope.decodeBody("postback", wrong, GoogleOrganic.RegularResult))).toMatchObject({
        path: "tasks.0.result.0.items.0.rank_group"
      })
    }))

  it("decodeWire leaves results undecoded and fills the documented defaults", () => {
    const wire = Envelope.decodeWire(
      "x",
      JSON.stringify({ version: "1", status_code: 20000, status_message: "Ok.", tasks: null })
    )
    expect(Either.getOrThrow(wire)).toMatchObject({ cost: 0, tasks_count: 0, tasks_error: 0, tasks: [] })
  })
})
