/**
 * The two ways the tests reach the emulator: in-process (`Sandbox.layer`) and over loopback
 * (`Sandbox.serve` plus Node's HTTP client, requests re-addressed from `Sandbox.inProcessBaseUrl` to the
 * server). Every rule is tested both ways. The loopback server is served from the test's fiber, so it
 * runs on the test's Clock (TestClock under `it.effect`).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"

/** `HttpClient` and `Emulator` backed by a loopback server. */
export const loopbackLayer = (options: Sandbox.SandboxOptions = {}): Layer.Layer<HttpClient.HttpClient | Emulator.Emulator> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const { emulator, url } = yield* Effect.orDie(Sandbox.serve(options))
      const node = Context.get(yield* Layer.build(NodeHttpClient.layer), HttpClient.HttpClient)
      const client = HttpClient.mapRequest(node, (request) =>
        HttpClientRequest.setUrl(request, request.url.replace(Sandbox.inProcessBaseUrl, url)))
      return Context.make(Emulator.Emulator, emulator).pipe(Context.add(HttpClient.HttpClient, client))
    })
  )

/** Both transports, by name. */
export const transports: ReadonlyArray<{
  readonly name: string
  readonly layer: (options?: Sandbox.SandboxOptions) => Layer.Layer<HttpClient.HttpClient | Emulator.Emulator>
}> = [
  { name: "in-process", layer: Sandbox.layer },
  { name: "loopback", layer: loopbackLayer }
]
