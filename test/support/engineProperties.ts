/**
 * What every engine's task schema must satisfy, as property tests run on each engine (the way the ledger's
 * contract suite runs on each store), and the helpers the engine tests share.
 */
import { expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { InvalidTaskError } from "../../src/DataForSeoError.js"
import type { Engine, TaskJson } from "../../src/Engine.js"
import { toInvalidTaskError } from "../../src/TaskOptions.js"

/** The field named by a rejection, or "accepted". */
export const fieldOf = (result: Either.Either<unknown, InvalidTaskError>): string =>
  Either.match(result, { onLeft: (error) => error.field, onRight: () => "accepted" })

const isObject = (json: unknown): json is object => typeof json === "object" && json !== null && !Array.isArray(json)

/** One broken rule: how to break a valid task's JSON, and the field the rejection must name. */
export interface Breaker {
  readonly name: string
  readonly break: (json: TaskJson) => readonly [TaskJson, string]
}

/** Sets `field` to a value that breaks its rule. */
export const set = (field: string, value: unknown): Breaker => ({
  name: `${field} = ${JSON.stringify(value)?.slice(0, 40)}`,
  break: (json) => [{ ...json, [field]: value }, field]
})

export interface Properties<Task> {
  readonly validTask: fc.Arbitrary<Task>
  readonly breakers: ReadonlyArray<Breaker>
  /** Field names that random JSON should use often. */
  readonly fieldNames: ReadonlyArray<string>
  /** Fields a rejection may name though the JSON lacks them: the required ones. */
  readonly required: ReadonlyArray<string>
  /** Typed changes that break one rule of any valid task, and the field the rejection must name. */
  readonly typedBreakers: ReadonlyArray<readonly [Partial<Task>, string]>
}

/** The property tests of an engine's task rules: round trip, one broken rule at a time, random JSON. */
export const engineProperties = <Task>(
  engine: Pick<Engine<Task>, "Task" | "encodeTask" | "decodeTask">,
  properties: Properties<Task>
) => {
  const jsonOf = (task: Task): TaskJson => Either.getOrThrow(engine.encodeTask(task))
  // what encodeTask must give: encoding with the task schema itself
  const schemaEncode = (task: Task) => Either.mapLeft(Schema.encodeEither(engine.Task)(task), toInvalidTaskError)

  it.prop("encodeTask gives what encoding with the task schema gives", [properties.validTask], ([task]) => {
    expect(engine.encodeTask(task)).toStrictEqual(schemaEncode(task))
  }, { fastCheck: { numRuns: 300 } })

  it.prop(
    "encodeTask refuses a typed task with one broken rule, naming that field as the task schema does",
    [properties.validTask, fc.constantFrom(...properties.typedBreakers)],
    ([task, [change, field]]) => {
      const broken = { ...task, ...change }
      const result = engine.encodeTask(broken)
      expect(fieldOf(result)).toBe(field)
      expect(result).toStrictEqual(schemaEncode(broken))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop("valid tasks encode to JSON that decodes back to the same task", [properties.validTask], ([task]) => {
    const json = jsonOf(task)
    expect(engine.decodeTask(JSON.parse(JSON.stringify(json)))).toStrictEqual(Either.right(task))
  }, { fastCheck: { numRuns: 200 } })

  it.prop(
    "a task with one broken rule is refused, naming that field",
    [properties.validTask, fc.constantFrom(...properties.breakers)],
    ([task, breaker]) => {
      const [json, field] = breaker.break(jsonOf(task))
      expect(fieldOf(engine.decodeTask(json))).toBe(field)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "decodeTask answers any JSON with an Either, never a throw",
    [fc.oneof(fc.anything(), fc.object(), fc.dictionary(fc.constantFrom(...properties.fieldNames), fc.anything()))],
    ([json]) => {
      const result = engine.decodeTask(json)
      expect(Either.isEither(result)).toBe(true)
      if (Either.isLeft(result)) {
        const { field, rule } = result.left
        expect(result.left).toBeInstanceOf(InvalidTaskError)
        expect(rule.length).toBeGreaterThan(0)
        // The field named is the whole task, a required field, or one of the fields sent (or inside it).
        const named = isObject(json) ? [...properties.required, ...Object.keys(json)] : []
        expect(field === "task" || named.some((key) => field === key || field.startsWith(`${key}.`))).toBe(true)
      }
    },
    { fastCheck: { numRuns: 200 } }
  )
}
