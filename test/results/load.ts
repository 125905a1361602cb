/**
 * Reads a fixture (a whole API reply, envelope included) and picks `tasks[i].result`.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"

const Reply = Schema.Struct({
  tasks: Schema.Array(Schema.Struct({ result: Schema.NullOr(Schema.Array(Schema.Unknown)) }))
})

/** The parsed JSON of `test/fixtures/{name}.json`. */
export const readFixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), "utf8"))

/** The elements of `tasks[task].result` of a fixture (fails the test when the reply has no such task). */
export const resultsOf = (name: string, task = 0): ReadonlyArray<unknown> => {
  const reply = Schema.decodeUnknownEither(Reply)(readFixture(name))
  if (Either.isLeft(reply)) throw new Error(`fixture ${name}: ${reply.left.message}`)
  const results = reply.right.tasks[task]?.result
  if (results === undefined || results === null) throw new Error(`fixture ${name}: no result in tasks[${task}]`)
  return results
}

/** Decodes with `schema`, failing the test with effect's message on a decode error. */
export const decodeOrThrow = <A, I>(schema: Schema.Schema<A, I>, input: unknown): A => {
  const decoded = Schema.decodeUnknownEither(schema)(input)
  if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
  return decoded.right
}

/** Encodes with `schema`, failing the test with effect's message on an encode error. */
export const encodeOrThrow = <A, I>(schema: Schema.Schema<A, I>, value: A): I => {
  const encoded = Schema.encodeEither(schema)(value)
  if (Either.isLeft(encoded)) throw new Error(encoded.left.message)
  return encoded.right
}
