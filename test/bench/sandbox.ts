/**
 * Throughput of the loopback sandbox, which every later benchmark runs against, so it must not be their
 * bottleneck: task_post calls with 100 tasks each (target 300 calls/s, 30,000 tasks/s) and task_get calls
 * of 15-item results (target 2,000 calls/s). The server runs in this process; the load generator, plain
 * keep-alive `node:http` requests, 24 in flight, runs in a worker thread so that it has its own core.
 *
 * Prints `bench sandbox-post calls_per_s=<x> target=300` and `bench sandbox-get calls_per_s=<x> target=2000`.
 */
import * as Effect from "effect/Effect"
import { Worker } from "node:worker_threads"
import * as Sandbox from "../../src/sandbox/Sandbox.js"

const CONCURRENCY = 24
const SECONDS = 3

/**
 * The load generator: `concurrency` loops of keep-alive `node:http` requests for `seconds`, counting 200
 * replies with the expected code. (Not `fetch`: on this 2-core machine undici's fetch alone tops out near
 * 500 calls/s against a trivial server, so it would measure itself, not the sandbox.)
 */
const generator = `
const { parentPort, workerData } = require("node:worker_threads")
const http = require("node:http")
const { url, auth, mode, ids, seconds, concurrency } = workerData
const target = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ keyword: "아이폰 " + i, tag: "bench-" + i })))
const call = (method, path, payload) => new Promise((resolve, reject) => {
  const headers = { authorization: auth }
  if (payload !== undefined) { headers["content-type"] = "application/json"; headers["content-length"] = Buffer.byteLength(payload) }
  const request = http.request({ host: target.hostname, port: target.port, method, path, headers, agent }, (response) => {
    const chunks = []
    response.on("data", (chunk) => chunks.push(chunk))
    response.on("end", () => resolve({ status: response.statusCode, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }))
  })
  request.on("error", reject)
  request.end(payload)
})
let ok = 0, failed = 0, n = 0
const deadline = Date.now() + seconds * 1000
async function loop() {
  while (Date.now() < deadline) {
    const i = n++
    const { status, json } = mode === "post"
      ? await call("POST", "/v3/serp/naver/organic/task_post", body)
      : await call("GET", "/v3/serp/naver/organic/task_get/regular/" + ids[i % ids.length])
    const code = json.tasks && json.tasks[0] ? json.tasks[0].status_code : json.status_code
    if (status === 200 && (code === 20100 || code === 20000)) ok++
    else failed++
  }
}
const started = Date.now()
Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
  parentPort.postMessage({ ok, failed, seconds: (Date.now() - started) / 1000 })
})
`

interface Load {
  readonly ok: number
  readonly failed: number
  readonly seconds: number
}

const load = (data: Record<string, unknown>) =>
  Effect.async<Load>((resume) => {
    const worker = new Worker(generator, {
      eval: true,
      workerData: { seconds: SECONDS, concurrency: CONCURRENCY, ...data }
    })
    worker.once("message", (message: Load) => {
      resume(Effect.succeed(message))
      void worker.terminate()
    })
  })

const auth = `Basic ${Buffer.from("sandbox:sandbox").toString("base64")}`

const program = Effect.gen(function*() {
  const { emulator, url } = yield* Sandbox.serve({
    accounts: [{ login: "sandbox", password: "sandbox", balance: 1e9 }],
    queueDelay: { normal: 0, high: 0 },
    limits: { perMinute: { task_post: 1e9, task_get: 1e9 }, simultaneous: 1000 }
  })
  const posted = yield* load({ url, auth, mode: "post", ids: [] })
  const postRate = posted.ok / posted.seconds
  const tasks = yield* emulator.tasks
  const ids = tasks.slice(0, 5000).map((task) => task.id)
  const got = yield* load({ url, auth, mode: "get", ids })
  const getRate = got.ok / got.seconds
  if (posted.failed + got.failed > 0) {
    console.error(`bench sandbox: ${posted.failed} posts and ${got.failed} gets failed`)
  }
  console.log(`bench sandbox-post calls_per_s=${postRate.toFixed(0)} target=300`)
  console.log(`bench sandbox-get calls_per_s=${getRate.toFixed(0)} target=2000`)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
