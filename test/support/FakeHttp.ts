/**
 * A fake `HttpClient` for unit tests: records every request and answers from a script, one reply per
 * call (the last reply repeats). A reply is a status and a body, a transport failure, or a hang.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { gzipSync } from "node:zlib"

export type Reply =
  | { readonly status: number; readonly body: string | Uint8Array; readonly gzip?: boolean }
  | { readonly transport: string }
  | { readonly hang: true }

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

export const json = (body: unknown, status = 200): Reply => ({ status, body: JSON.stringify(body) })

export const make = (script: ReadonlyArray<Reply>) =>
  Effect.gen(function*() {
    const recorded = yield* Ref.make<ReadonlyArray<Recorded>>([])
    const record = (request: HttpClientRequest.HttpClientRequest) =>
      Ref.update(recorded, (all) => [
        ...all,
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : undefined
        }
      ])
    const client = HttpClient.make((request) =>
      Effect.gen(function*() {
        yield* record(request)
        const count = (yield* Ref.get(recorded)).length
        const reply = script[Math.min(count, script.length) - 1]
        if (reply === undefined) return yield* Effect.dieMessage("FakeHttp: empty script")
        if ("hang" in reply) return yield* Effect.never
        if ("transport" in reply) {
          return yield* new HttpClientError.RequestError({ request, reason: "Transport", description: reply.transport })
        }
        const body = reply.gzip === true ? new Uint8Array(gzipSync(reply.body)) : reply.body
        return HttpClientResponse.fromWeb(request, new Response(body, { status: reply.status }))
      })
    )
    return { client, recorded: Ref.get(recorded) }
  })
