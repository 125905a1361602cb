/**
 * An annotation that gives a field schema's encode as a plain function, for the fields encoded for every
 * task posted (the keyword): `TaskOptions.codec` calls it instead of running the schema's parser.
 *
 * The function returns the encoded value, or `undefined` to leave the value to the schema, which encodes
 * it or names what is wrong. On every value it accepts it must give what the schema gives: the engine
 * property tests compare the two.
 *
 * @since 0.1.0
 * @internal
 */
import * as Option from "effect/Option"
import * as AST from "effect/SchemaAST"

/** The annotation's key. */
export const FastEncodeId: unique symbol = Symbol.for("effect-dataforseo/FastEncode")

/** A field's encode without the parser: the encoded value, or `undefined` for "ask the schema". */
export type FastEncode = (value: unknown) => unknown

const noOptions: AST.ParseOptions = {}

/** Whether `value` passes the filter of `refinement`, run outside the parser (one shared options object). */
export const passes = (refinement: AST.Refinement, value: unknown): boolean =>
  Option.isNone(refinement.filter(value, noOptions, refinement))

/**
 * The fast encode of a field schema: its own, or that of the schema it filters, followed by the filters
 * (run once the value is known to be of the filtered type, as the schema runs them).
 */
export const get = (ast: AST.AST): FastEncode | undefined => {
  const own = Option.getOrUndefined(AST.getAnnotation<FastEncode>(ast, FastEncodeId))
  if (own !== undefined || !AST.isRefinement(ast)) return own
  const from = get(ast.from)
  return from === undefined
    ? undefined
    : (value) => {
      const encoded = from(value)
      return encoded !== undefined && passes(ast, value) ? encoded : undefined
    }
}
