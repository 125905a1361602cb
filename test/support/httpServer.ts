/**
 * A plain `node:http` server on loopback, for tests that need a real peer (a webhook receiver, a server for
 * an HTTP client under test).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Net from "node:net"

/** Answers one request, its body read whole. */
export type Handler = (request: Http.IncomingMessage, body: Buffer, response: Http.ServerResponse) => void

/**
 * Serves `handler` on 127.0.0.1 and an ephemeral port for the life of the scope; its URL. Closing drops the
 * connections still open (a request left unanswered included).
 */
export const serveHttp = (handler: Handler): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<Http.Server>((resume) => {
        const server = Http.createServer((request, response) => {
          const chunks: Array<Buffer> = []
          request.on("data", (chunk: Buffer) => chunks.push(chunk))
          request.on("end", () => handler(request, Buffer.concat(chunks), response))
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    ),
    (server) => {
      const address = server.address()
      return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    }
  )

/** A port on 127.0.0.1 that nothing listens on: bound by the system, then closed, for a refused connection. */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})
