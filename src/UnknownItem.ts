/**
 * Items whose `type` this library does not know yet, and the item unions built around them.
 *
 * DataForSEO adds SERP item types over time. Such an item must neither fail a decode nor lose a field,
 * and it must not spoil TypeScript narrowing on the known types: a member `{ type: string }` in a union
 * would keep `if (item.type === "organic")` from narrowing to the organic item. So an unknown item
 * decodes to `{ type: "unknown", unknown_type: "jobs", ...every other field }` and encodes back to
 * `{ type: "jobs", ... }`.
 *
 * An item whose `type` *is* known but whose fields do not match that type's schema is a decode error,
 * not an unknown item: a typed item can always be trusted.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open } from "./SerpCommon.js"

const unknownItemFields = {
  rank_group: nullable(Schema.Number),
  rank_absolute: nullable(Schema.Number),
  page: nullable(Schema.Number),
  position: nullable(Schema.String),
  xpath: nullable(Schema.String)
}

/**
 * The decoded form of an item of an unknown type: `type` is `"unknown"`, `unknown_type` the `type` the
 * API sent, and every field is kept.
 *
 * @example
 * if (item.type === "unknown" && item.unknown_type === "jobs") console.log(item["title"])
 */
export const UnknownItemDecoded = open({
  type: Schema.Literal("unknown"),
  unknown_type: Schema.String,
  ...unknownItemFields
})

/** An item of a type this library does not know yet (see `UnknownItemDecoded`). */
export type UnknownItem = typeof UnknownItemDecoded.Type

/** The JSON of an item of an unknown type, as the API sends it. */
export type UnknownItemEncoded = typeof UnknownItemDecoded.Encoded

/**
 * The schema of items whose `type` is none of `knownTypes`: decodes `{ type: "jobs", ... }` to
 * `{ type: "unknown", unknown_type: "jobs", ... }` and back.
 */
export const makeUnknownItem = (knownTypes: ReadonlyArray<string>) => {
  const known = new Set(knownTypes)
  const Encoded = open({
    type: Schema.String.pipe(
      Schema.filter((type) => !known.has(type), {
        message: () => `a known item type must match its own schema (known: ${[...known].join(", ")})`
      })
    ),
    ...unknownItemFields
  })
  return Schema.transform(Encoded, Schema.typeSchema(UnknownItemDecoded), {
    strict: true,
    decode: ({ type, ...fields }): UnknownItem => ({ ...fields, type: "unknown", unknown_type: type }),
    encode: ({ type: _unknown, unknown_type, ...fields }) => ({ ...fields, type: unknown_type })
  })
}

/** What `itemUnion` needs of a member: an object schema whose `type` field is one string literal. */
export interface KnownItemSchema extends Schema.Schema.AnyNoContext {
  readonly fields: { readonly type: { readonly literals: readonly [string] } }
}

/**
 * The union of the known item schemas and the unknown item, discriminated on the literal `type` so that
 * decoding goes straight to the right member and `item.type === "organic"` narrows.
 */
export const itemUnion = <const Members extends ReadonlyArray<KnownItemSchema>>(...members: Members) =>
  Schema.Union(...members, makeUnknownItem(members.map((member) => member.fields.type.literals[0])))
