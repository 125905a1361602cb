/**
 * The ways the tests reach the emulator: in-process (`Sandbox.layer`) and over loopback (`Sandbox.serve`
 * plus an HTTP client for Node: the platform's on `node:http`, and the library's `UndiciHttpClient`;
 * requests re-addressed from `Sandbox.inProcessBaseUrl` to the server). Every rule is tested every way.
 * The loopback server is served from the test's fiber, so it runs on the test's Clock (TestClock under
 * `it.effect`).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Emulator from "../../src/sandbox/Emulator.js"
import * as Sandbox from "../../src/sandbox/Sandbox.js"
import * as UndiciHttpClient from "../../src/UndiciHttpClient.js"

/** The options of every transport: 30% of the results sparse (descriptive fields left out), unless a test says otherwise. */
const withDefaults = (options: Sandbox.SandboxOptions = {}): Sandbox.SandboxOptions => ({ sparse: 0.3, ...options })

/** `HttpClient` and `Emulator` backed by a loopback server, reached with `transport` (default: over `node:http`). */
export const loopbackLayer = (
  options: Sandbox.SandboxOptions = {},
  transport: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layer
): Layer.Layer<HttpClient.HttpClient | Emulator.Emulator> =>
  Layer.scopedContext(
    Effect.gen(function*() {
      const { emulator, url } = yield* Effect.orDie(Sandbox.serve(withDefaults(options)))
      const sender = Context.get(yield* Layer.build(transport), HttpClient.HttpClient)
      const client = HttpClient.mapRequest(sender, (request) =>
        HttpClientRequest.setUrl(request, request.url.replace(Sandbox.inProcessBaseUrl, url)))
      return Context.make(Emulator.Emulator, emulator).pipe(Context.add(HttpClient.HttpClient, client))
    })
  )

/** Every transport, by name. */
export const transports: ReadonlyArray<{
  readonly name: string
  readonly layer: (options?: Sandbox.SandboxOptions) => Layer.Layer<HttpClient.HttpClient | Emulator.Emulator>
}> = [
  { name: "in-process", layer: (options) => Sandbox.layer(withDefaults(options)) },
  { name: "loopback", layer: loopbackLayer },
  { name: "loopback (undici)", layer: (options) => loopbackLayer(options, UndiciHttpClient.layer) }
]
