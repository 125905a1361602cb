/**
 * The `keyword` of a SERP task, and how it travels.
 *
 * The API percent-decodes every keyword it receives (`%##` sequences are decoded and `+` becomes a space),
 * so a keyword sent verbatim is not always the keyword searched: `c++ 100%` would be searched as `c   100`.
 * A task therefore holds the keyword the way the caller means it, and the `Keyword` schema encodes it to
 * the wire: by default `%` and `+` are percent-encoded (`"c++ 100%"` is sent as `"c%2B%2B 100%25"`), which
 * the API decodes back to exactly the text written.
 *
 * A keyword that is already in wire form (copied from another tool, or with deliberate `%20` / `+`
 * escapes) is written `Keyword.raw("albert+einstein")` and sent as is.
 *
 * @example
 * import { Keyword } from "effect-dataforseo"
 *
 * Keyword.toWire("c++ 100%")            // "c%2B%2B 100%25"
 * Keyword.toWire(Keyword.raw("a+b"))    // "a+b"
 * Keyword.searchText(Keyword.raw("a+b")) // "a b"
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { FastEncodeId } from "./internal/fastEncode.js"

/** Most characters the API accepts in the `keyword` field, counted on the wire form. */
export const maxLength = 700

/**
 * A keyword already in the API's wire form, sent as is. Build it with {@link raw}, which keeps the
 * round trip exact: a wire string that only escapes `%` and `+` becomes the plain text instead.
 */
export const RawKeyword = Schema.TaggedStruct("RawKeyword", {
  /** The exact string put in the task's `keyword` field. */
  encoded: Schema.String
})

/** A keyword already in the API's wire form (see {@link raw}). */
export type RawKeyword = Schema.Schema.Type<typeof RawKeyword>

/** What a task's `keyword` holds: the text to search for, or a keyword already in wire form. */
export type Keyword = string | RawKeyword

/** Whether `text` has a `%` or a `+`: a plain search, much cheaper than a regular expression, run for every task posted. */
const hasEscapable = (text: string): boolean => text.includes("%") || text.includes("+")

/** Percent-encodes `%` and `+`, the two characters the API would otherwise decode. */
export const escape = (text: string): string =>
  hasEscapable(text) ? text.replace(/[%+]/g, (char) => (char === "%" ? "%25" : "%2B")) : text

/** True when `wire` is exactly `escape(text)` for some text: no `+` and no `%` except in `%25` / `%2B`. */
const isEscapedText = (wire: string): boolean => !/\+|%(?!25|2B)/.test(wire)

const unescape = (wire: string): string => wire.replace(/%(25|2B)/g, (_, hex: string) => (hex === "25" ? "%" : "+"))

/**
 * A keyword in the API's wire form, to be sent as is.
 *
 * When `encoded` only escapes `%` and `+` (as {@link escape} does), the result is the plain text, which is
 * sent identically: this keeps `decode(encode(task))` equal to `task`.
 *
 * @example
 * Keyword.raw("albert+einstein")  // { _tag: "RawKeyword", encoded: "albert+einstein" }
 * Keyword.raw("c%2B%2B")          // "c++" (sent as "c%2B%2B")
 */
export const raw = (encoded: string): Keyword =>
  isEscapedText(encoded) ? unescape(encoded) : RawKeyword.make({ encoded })

/** The string sent in the task's `keyword` field. */
export const toWire = (keyword: Keyword): string => (typeof keyword === "string" ? escape(keyword) : keyword.encoded)

/** The keyword read from a task's JSON (the inverse of {@link toWire}). */
export const fromWire: (wire: string) => Keyword = raw

const percentRun = /(?:%[0-9A-Fa-f]{2})+/g
const utf8 = new TextDecoder()

const hexByte = (pair: string): number => Number.parseInt(pair, 16)

/**
 * The text the search engine receives once the API has decoded the keyword: `+` becomes a space and
 * `%##` sequences are decoded as UTF-8 (invalid bytes become U+FFFD). Search operators are read here.
 */
export const searchText = (keyword: Keyword): string =>
  typeof keyword === "string"
    ? keyword
    : keyword.encoded
      .replace(/\+/g, " ")
      .replace(percentRun, (run) => utf8.decode(Uint8Array.from(run.slice(1).split("%"), hexByte)))

/** Characters as the API counts them: code points, so that an emoji is one character, not two. */
export const characters = (text: string): number => [...text].length

/** What is wrong with `wire` as the `keyword` sent, or `undefined` when it breaks no rule. */
export const wireProblem = (wire: string): string | undefined =>
  // a string has at most as many characters (code points) as UTF-16 units: count only when it may be too long
  wire.length > maxLength && characters(wire) > maxLength
    ? `must be at most ${maxLength} characters as sent (after percent-encoding), got ${characters(wire)}`
    : (hasEscapable(wire) ? searchText(fromWire(wire)) : wire).trim() === ""
    ? "must not be empty"
    : undefined

/**
 * What encoding a keyword written as plain text with the {@link Keyword} schema gives, without the schema's
 * machinery: it runs for every task posted. `undefined` for a raw keyword, a non-string or a broken rule,
 * which the schema itself encodes or names.
 */
export const plainToWire = (keyword: unknown): string | undefined => {
  if (typeof keyword !== "string") return undefined
  const wire = escape(keyword)
  return wireProblem(wire) === undefined ? wire : undefined
}

/**
 * The `keyword` field: the wire string (at most 700 characters, not blank) on the encoded side, a
 * {@link Keyword} on the type side.
 */
export const Keyword = Schema.transform(
  Schema.String.pipe(Schema.filter((wire) => wireProblem(wire) ?? true)),
  Schema.Union(Schema.String, RawKeyword),
  { strict: true, decode: fromWire, encode: toWire }
).annotations({
  identifier: "Keyword",
  [FastEncodeId]: plainToWire,
  arbitrary: () => (fc) =>
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).filter((text) => text.trim() !== ""),
      fc.stringMatching(/^[a-z]{1,8}(\+[a-z]{1,8}){1,3}$/).map(raw)
    )
})
