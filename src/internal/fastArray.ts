/**
 * `fastArray(item)`: an array schema that decodes like `Schema.Array(item)`, several times faster.
 *
 * A task_get/advanced reply holds hundreds of items of a few dozen fields each. Effect's generic parser
 * allocates an `Either` per field and a fresh object per struct; on such replies decoding costs several
 * times what `JSON.parse` does. Most items, though, belong to schemas without transformations, which
 * decode a valid value to an equal value. For those, this module compiles the item schema's AST once into
 * plain predicate closures that check every field exactly as effect's parser would, and keeps the parsed
 * value as it is. Whatever the closures cannot vouch for (an item of a schema with a transformation, such
 * as an unknown item type, or any invalid item) goes through effect's own decoder, so results and errors
 * are effect's: on any failure the whole array is decoded again by `Schema.Array(item)` for its error.
 *
 * Decoded items share structure with the input (no copy is made); every result type is readonly.
 *
 * @since 0.1.0
 * @internal
 */
import * as Arr from "effect/Array"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/** The answer of a compiled check. */
const enum Verdict {
  /** Effect's decode succeeds and gives a value equal to the input. */
  Identity,
  /** Effect's decode fails. */
  Invalid,
  /** Not known here: ask effect's decoder. */
  Ask
}

type Check = (input: unknown) => Verdict

const valid: Check = () => Verdict.Identity
const ask: Check = () => Verdict.Ask
const is = (predicate: (input: unknown) => boolean): Check => (input) =>
  predicate(input) ? Verdict.Identity : Verdict.Invalid

const isString = is((input) => typeof input === "string")
const isNumber = is((input) => typeof input === "number")
const isBoolean = is((input) => typeof input === "boolean")
const isUndefined = is((input) => input === undefined)
const isNotNullable = is((input) => input !== null && input !== undefined)
const isRecord = (input: unknown): input is { readonly [key: string]: unknown } =>
  typeof input === "object" && input !== null && !Array.isArray(input)

const compiled = new WeakMap<AST.AST, Check>()

/** Marks the declarations `fastArray` makes, so that a schema holding one compiles it as an array. */
const FastArrayId: unique symbol = Symbol.for("effect-dataforseo/fastArray")

/** Compiles the decoding check of `ast`, memoized per node (schemas share their sub-schemas). */
const compile = (ast: AST.AST): Check => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  const check = compileNode(ast)
  compiled.set(ast, check)
  return check
}

const compileNode = (ast: AST.AST): Check => {
  switch (ast._tag) {
    case "StringKeyword":
      return isString
    case "NumberKeyword":
      return isNumber
    case "BooleanKeyword":
      return isBoolean
    case "UndefinedKeyword":
      return isUndefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return valid
    case "Literal": {
      const literal = ast.literal
      return is((input) => input === literal)
    }
    case "TupleType":
      return compileArray(ast)
    case "TypeLiteral":
      return compileStruct(ast)
    case "Union":
      return compileUnion(ast)
    case "Declaration": {
      // a fastArray within the schema (a result's items): it decodes as Schema.Array of its item
      const item = ast.typeParameters[0]
      return ast.annotations[FastArrayId] === true && item !== undefined ? compileArrayOf(compile(item)) : ask
    }
    default:
      // refinements, transformations, other declarations, suspensions, ...: effect decides
      return ask
  }
}

/** `Schema.Array(x)`: the parser builds a new array of the decoded elements, equal when they are. */
const compileArray = (ast: AST.TupleType): Check => {
  const rest = ast.rest[0]
  if (ast.elements.length > 0 || ast.rest.length !== 1 || rest === undefined) return ask
  return compileArrayOf(compile(rest.type))
}

/** An array whose elements each pass `element`. */
const compileArrayOf = (element: Check): Check => (input) => {
  if (!Array.isArray(input)) return Verdict.Invalid
  let verdict = Verdict.Identity
  for (let i = 0; i < input.length; i++) {
    const v = element(input[i])
    if (v === Verdict.Invalid) return Verdict.Invalid
    if (v === Verdict.Ask) verdict = Verdict.Ask
  }
  return verdict
}

/** How a struct checks one property: primitives inline (most fields), anything else by its compiled check. */
const enum Kind {
  String,
  NullableString,
  Number,
  NullableNumber,
  Boolean,
  NullableBoolean,
  Other
}

const primitiveKind = (ast: AST.AST): Kind | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return Kind.String
    case "NumberKeyword":
      return Kind.Number
    case "BooleanKeyword":
      return Kind.Boolean
  }
  return undefined
}

/** `X` or `NullOr(X)` for a primitive `X` (in either order: both members keep the value as it is). */
const kindOf = (ast: AST.AST): Kind => {
  const primitive = primitiveKind(ast)
  if (primitive !== undefined) return primitive
  if (ast._tag === "Union" && ast.types.length === 2) {
    const [first, second] = ast.types
    const isNull = (member: AST.AST | undefined) =>
      member !== undefined && AST.isLiteral(member) && member.literal === null
    const other = isNull(first) ? second : isNull(second) ? first : undefined
    const kind = other === undefined ? undefined : primitiveKind(other)
    if (kind === Kind.String) return Kind.NullableString
    if (kind === Kind.Number) return Kind.NullableNumber
    if (kind === Kind.Boolean) return Kind.NullableBoolean
  }
  return Kind.Other
}

/**
 * A struct. The parser builds a new object of the declared properties plus the keys matched by index
 * signatures; that object equals the input when no key is dropped (every key is declared or matched by a
 * `string` index signature) and no required key is missing (the parser would add it as `undefined`).
 */
const compileStruct = (ast: AST.TypeLiteral): Check => {
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) return isNotNullable
  const names: Array<string> = []
  const optional: Array<boolean> = []
  const kinds: Array<Kind> = []
  const checks: Array<Check> = []
  for (const ps of ast.propertySignatures) {
    if (typeof ps.name !== "string") return ask
    names.push(ps.name)
    optional.push(ps.isOptional)
    kinds.push(kindOf(ps.type))
    checks.push(compile(ps.type))
  }
  const values: Array<Check> = []
  for (const is of ast.indexSignatures) {
    if (is.parameter._tag !== "StringKeyword") return ask
    const value = compile(is.type)
    if (value !== valid) values.push(value)
  }
  const keepsEveryKey = ast.indexSignatures.length > 0
  const positions = new Map(names.map((name, i) => [name, i]))
  const required = optional.filter((isOptional) => !isOptional).length
  // walking the input's own keys (a fast, cached enumeration for parsed JSON) instead of looking up every
  // declared name: absent optional fields cost nothing
  return (input) => {
    if (!isRecord(input)) return Verdict.Invalid
    let verdict = Verdict.Identity
    let seen = 0
    for (const key in input) {
      const value = input[key]
      const i = positions.get(key)
      if (i === undefined) {
        if (!keepsEveryKey) verdict = Verdict.Ask
      } else {
        if (!optional[i]) seen++
        switch (kinds[i]) {
          case Kind.String:
            if (typeof value !== "string") return Verdict.Invalid
            break
          case Kind.NullableString:
            if (value !== null && typeof value !== "string") return Verdict.Invalid
            break
          case Kind.Number:
            if (typeof value !== "number") return Verdict.Invalid
            break
          case Kind.NullableNumber:
            if (value !== null && typeof value !== "number") return Verdict.Invalid
            break
          case Kind.Boolean:
            if (typeof value !== "boolean") return Verdict.Invalid
            break
          case Kind.NullableBoolean:
            if (value !== null && typeof value !== "boolean") return Verdict.Invalid
            break
          default: {
            const v = checks[i]!(value)
            if (v === Verdict.Invalid) return Verdict.Invalid
            if (v === Verdict.Ask) verdict = Verdict.Ask
          }
        }
      }
      for (let j = 0; j < values.length; j++) {
        const v = values[j]!(value)
        if (v === Verdict.Invalid) return Verdict.Invalid
        if (v === Verdict.Ask) verdict = Verdict.Ask
      }
    }
    // a missing required key: the parser would decode `undefined` for it (and add the key)
    return seen < required ? Verdict.Ask : verdict
  }
}

/** The required literal-valued properties of a union member, as effect's union parser sees them when decoding. */
const literalsOf = (ast: AST.AST): Array<readonly [PropertyKey, AST.LiteralValue]> | undefined => {
  switch (ast._tag) {
    case "TypeLiteral":
      return ast.propertySignatures.flatMap((ps) => {
        const type = AST.encodedAST(ps.type)
        if (!AST.isLiteral(type) || ps.isOptional) return []
        const entry: readonly [PropertyKey, AST.LiteralValue] = [ps.name, type.literal]
        return [entry]
      })
    case "Refinement":
      return literalsOf(ast.from)
    case "Transformation":
      return literalsOf(ast.from)
    case "TupleType":
      // effect also discriminates on literal tuple elements; this module does not model them
      return ast.elements.some((element) => AST.isLiteral(AST.encodedAST(element.type))) ? undefined : []
    case "Suspend":
      return undefined
    default:
      return []
  }
}

/**
 * A union. Effect's parser tries the members whose literal property matches the input's (by
 * `String(value)`), then the members without literal properties, in declaration order, and returns the
 * first success. This check follows the same order; it only handles unions discriminated by at most one
 * property name, one literal per member.
 */
const compileUnion = (ast: AST.Union): Check => {
  let key: PropertyKey | undefined
  const buckets = new Map<string, Array<Check>>()
  const otherwise: Array<Check> = []
  for (const member of ast.types) {
    const literals = literalsOf(member)
    if (literals === undefined || literals.length > 1) return ask
    const check = compile(member)
    const literal = literals[0]
    if (literal === undefined) {
      otherwise.push(check)
      continue
    }
    if (key !== undefined && key !== literal[0]) return ask
    key = literal[0]
    const hash = String(literal[1])
    buckets.set(hash, [...(buckets.get(hash) ?? []), check])
  }
  const none: ReadonlyArray<Check> = []
  const tryAll = (input: unknown, candidates: ReadonlyArray<Check>): Verdict => {
    for (let i = 0; i < candidates.length; i++) {
      const v = candidates[i]!(input)
      if (v !== Verdict.Invalid) return v
    }
    return Verdict.Invalid
  }
  const discriminant = key
  if (discriminant === undefined) {
    // NullOr(X) with X a struct or an array: X rejects null, the null literal keeps it
    const [first, second] = ast.types
    if (
      ast.types.length === 2 && first !== undefined && second !== undefined && AST.isLiteral(second) &&
      second.literal === null &&
      (first._tag === "TypeLiteral" && first.propertySignatures.length + first.indexSignatures.length > 0 ||
        first._tag === "TupleType")
    ) {
      const check = compile(first)
      return (input) => input === null ? Verdict.Identity : check(input)
    }
    return (input) => tryAll(input, otherwise)
  }
  return (input) => {
    if (typeof input === "object" && input !== null && Object.prototype.hasOwnProperty.call(input, discriminant)) {
      const value: unknown = Reflect.get(input, discriminant)
      const bucket = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ||
          value === null || typeof value === "bigint"
        ? buckets.get(String(value)) ?? none
        : value === undefined
        ? buckets.get("undefined") ?? none
        : undefined
      if (bucket === undefined) return Verdict.Ask
      const v = tryAll(input, bucket)
      if (v !== Verdict.Invalid) return v
    }
    return tryAll(input, otherwise)
  }
}

/**
 * For a union discriminated on a key: a test for inputs whose discriminant is an object (whose conversion
 * to a string may throw), and a schema that rejects them with a proper issue.
 */
const unsafeDiscriminant = (ast: AST.AST) => {
  if (ast._tag !== "Union") return undefined
  const keys = new Set(ast.types.flatMap((member) => (literalsOf(member) ?? []).map(([key]) => key)))
  const [key] = keys
  if (keys.size !== 1 || typeof key !== "string") return undefined
  return {
    test: (input: unknown) =>
      isRecord(input) && Object.prototype.hasOwnProperty.call(input, key) && typeof input[key] === "object" &&
      input[key] !== null,
    schema: Schema.Struct({ [key]: Schema.Union(Schema.String, Schema.Number, Schema.Boolean, Schema.Null) })
  }
}

/**
 * An array of `item`, decoded and encoded exactly like `Schema.Array(item)`, but decoding the items
 * that belong to transformation-free members of `item` with compiled checks instead of effect's parser.
 *
 * @example
 * const Items = fastArray(NaverAdvancedItem) // Schema<ReadonlyArray<NaverAdvancedItem>, ReadonlyArray<...>>
 */
export const fastArray = <A, I>(item: Schema.Schema<A, I, never>) =>
  Schema.declare(
    [item],
    {
      decode: (item) => {
        const check = compile(item.ast)
        const isUnchanged = (input: unknown): input is A => check(input) === Verdict.Identity
        const decodeItem = ParseResult.decodeUnknownEither(item)
        const decodeAll = ParseResult.decodeUnknownEither(Schema.Array(item))
        const unsafe = unsafeDiscriminant(item.ast)
        // the reason such an item fails, told without effect's union parser
        const rejectUnsafe = unsafe === undefined ? undefined : {
          test: unsafe.test,
          decode: ParseResult.decodeUnknownEither(Schema.Array(unsafe.schema))
        }
        return (input, options) => {
          if (!Array.isArray(input)) return decodeAll(input, options)
          const output: Array<A> = []
          for (let i = 0; i < input.length; i++) {
            const element: unknown = input[i]
            if (isUnchanged(element)) {
              output.push(element)
              continue
            }
            // effect's union calls `String(value)` on the discriminant, which throws for `{ "toString": "" }`
            if (rejectUnsafe !== undefined && rejectUnsafe.test(element)) {
              return Either.flatMap(rejectUnsafe.decode(input, options), () => decodeAll(input, options))
            }
            const decoded = decodeItem(element, options)
            // a failure is reported by effect's array decoder, with the element's index in its path
            if (Either.isLeft(decoded)) return decodeAll(input, options)
            output.push(decoded.right)
          }
          return Either.right(output)
        }
      },
      encode: (item) => {
        const encodeAll = ParseResult.encodeUnknownEither(Schema.Array(item))
        return (input, options) => encodeAll(input, options)
      }
    },
    {
      [FastArrayId]: true,
      description: "an array whose items are decoded by compiled checks where possible",
      arbitrary: (item) => (fc) => fc.array(item(fc)),
      pretty: (item) => (items) => `[${items.map(item).join(", ")}]`,
      equivalence: (item) => Arr.getEquivalence(item)
    }
  )

/**
 * Whether `fastArray` keeps `input` as it is when decoding it as an element of `schema`, i.e. whether the
 * compiled checks vouch that effect's decode of `input` succeeds with an equal value.
 */
export const isKeptAsIs = (schema: Schema.Schema.Any) => {
  const check = compile(schema.ast)
  return (input: unknown): boolean => check(input) === Verdict.Identity
}
