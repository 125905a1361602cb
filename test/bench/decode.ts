/**
 * `node --import tsx test/bench/decode.ts`: the cost of decoding a task_get/advanced reply, relative to
 * parsing its JSON. For each payload it times `JSON.parse` alone and `JSON.parse` + schema decode in the
 * same run, interleaved, after a warm-up, and prints the ratio of the medians:
 *
 *   bench decode-naver-700 ratio=<x> target=1.6
 *   bench decode-google-100 ratio=<x> target=1.6
 *
 * The decode is the library's own: the full schema, every field validated, `errors: "first"`.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { GoogleAdvancedResult } from "../../src/GoogleResults.js"
import { NaverAdvancedResult } from "../../src/NaverResults.js"
import { googleAdvancedResult, naverAdvancedResult } from "../fixtures/generate.js"

const TARGET = 1.6
const options = { errors: "first" } as const

const median = (values: Array<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const bench = <A, I>(name: string, schema: Schema.Schema<A, I>, payload: unknown, budgetMs: number) => {
  const decode = Schema.decodeUnknownEither(schema, options)
  const text = JSON.stringify(payload)
  const parseOnly = () => JSON.parse(text)
  const parseAndDecode = () => {
    const decoded = decode(JSON.parse(text))
    if (Either.isLeft(decoded)) {
      throw new Error(`${name}: the benchmark payload does not decode: ${decoded.left.message}`)
    }
    return decoded.right
  }
  // each sample times a batch, so that timer resolution does not matter
  const batchOf = (f: () => unknown) => {
    const start = performance.now()
    let sink: unknown
    for (let i = 0; i < 10; i++) sink = f()
    const elapsed = performance.now() - start
    return sink === undefined ? Number.NaN : elapsed
  }
  const warmUntil = performance.now() + budgetMs * 0.2
  while (performance.now() < warmUntil) {
    batchOf(parseOnly)
    batchOf(parseAndDecode)
  }
  const parseTimes: Array<number> = []
  const decodeTimes: Array<number> = []
  const stopAt = performance.now() + budgetMs * 0.8
  while (performance.now() < stopAt) {
    parseTimes.push(batchOf(parseOnly))
    decodeTimes.push(batchOf(parseAndDecode))
  }
  const ratio = median(decodeTimes) / median(parseTimes)
  console.log(`bench ${name} ratio=${ratio.toFixed(2)} target=${TARGET}`)
  if (process.env["BENCH_VERBOSE"]) {
    console.log(
      `  ${name}: ${text.length} bytes, parse ${median(parseTimes).toFixed(3)} ms/10, parse+decode ${
        median(decodeTimes).toFixed(3)
      } ms/10, ${parseTimes.length} samples`
    )
  }
  return ratio <= TARGET
}

const results = [
  bench("decode-naver-700", NaverAdvancedResult, naverAdvancedResult(700), 12_000),
  bench("decode-google-100", GoogleAdvancedResult, googleAdvancedResult(100), 12_000)
]
process.exit(results.every((ok) => ok) ? 0 : 1)
