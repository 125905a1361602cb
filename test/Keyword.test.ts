import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Keyword from "../src/Keyword.js"

const decode = Schema.decodeUnknownEither(Keyword.Keyword)
const encode = Schema.encodeEither(Keyword.Keyword)

describe("Keyword", () => {
  it("percent-encodes only % and + so the API reads the keyword as written", () => {
    expect(Keyword.toWire("c++ 100%")).toBe("c%2B%2B 100%25")
    expect(Keyword.toWire("albert einstein")).toBe("albert einstein")
    expect(Keyword.toWire("café %20 ü")).toBe("café %2520 ü")
  })

  it("sends a raw keyword as is", () => {
    const keyword = Keyword.raw("albert+einstein")
    expect(keyword).toStrictEqual({ _tag: "RawKeyword", encoded: "albert+einstein" })
    expect(Keyword.toWire(keyword)).toBe("albert+einstein")
    expect(encode(keyword)).toStrictEqual(Either.right("albert+einstein"))
  })

  it("normalises a raw keyword that only escapes % and + to its plain text, sent identically", () => {
    expect(Keyword.raw("c%2B%2B 100%25")).toBe("c++ 100%")
    expect(Keyword.toWire(Keyword.raw("c%2B%2B 100%25"))).toBe("c%2B%2B 100%25")
  })

  it("decodes the wire form back to the keyword written", () => {
    expect(decode("c%2B%2B 100%25")).toStrictEqual(Either.right("c++ 100%"))
    expect(decode("a+b")).toStrictEqual(Either.right({ _tag: "RawKeyword", encoded: "a+b" }))
  })

  it("reads the searched text the way the API decodes it", () => {
    expect(Keyword.searchText("c++")).toBe("c++")
    expect(Keyword.searchText(Keyword.raw("caf%C3%A9+au+lait"))).toBe("café au lait")
    expect(Keyword.searchText(Keyword.raw("site%3Aexample.com"))).toBe("site:example.com")
    expect(Keyword.searchText(Keyword.raw("bad%FF+byte"))).toBe("bad\uFFFD byte")
    expect(Keyword.searchText(Keyword.raw("100%+sure"))).toBe("100% sure")
  })

  it("accepts 700 characters as sent and refuses 701", () => {
    expect(encode("a".repeat(700))).toStrictEqual(Either.right("a".repeat(700)))
    expect(Either.isLeft(encode("a".repeat(701)))).toBe(true)
    expect(Either.isLeft(decode("a".repeat(701)))).toBe(true)
    // 700 characters typed, but each "+" is sent as three: the limit applies to what is sent.
    expect(Either.isLeft(encode("+".repeat(300)))).toBe(true)
    // Code points, not UTF-16 units: 700 emoji fit.
    expect(Either.isRight(encode("😀".repeat(700)))).toBe(true)
  })

  it("refuses an empty or blank keyword", () => {
    expect(Either.isLeft(encode(""))).toBe(true)
    expect(Either.isLeft(encode("   "))).toBe(true)
    expect(Either.isLeft(decode("+"))).toBe(true)
    expect(Either.isLeft(decode(42))).toBe(true)
  })

  it.prop(
    "the API decodes the sent form of any text back to that text",
    [FastCheck.string({ unit: "binary" })],
    ([text]) => {
      expect(Keyword.searchText(Keyword.RawKeyword.make({ encoded: Keyword.escape(text) }))).toBe(text)
      expect(Keyword.fromWire(Keyword.toWire(text))).toBe(text)
    }
  )

  it.prop(
    "any wire string decodes to a keyword sent back unchanged",
    [FastCheck.stringMatching(/^[a-z %+0-9A-F]{0,30}$/)],
    ([wire]) => {
      expect(Keyword.toWire(Keyword.fromWire(wire))).toBe(wire)
    }
  )

  it.prop(
    "plainToWire gives what the schema's encode gives, and leaves to it what it refuses",
    [FastCheck.oneof(
      FastCheck.string({ unit: "binary" }),
      FastCheck.constantFrom(" ", "+", "%", "a".repeat(701), "%".repeat(234))
    )],
    ([text]) => {
      expect(Keyword.plainToWire(text)).toBe(Either.getOrUndefined(encode(text)))
    }
  )

  it.prop(
    "keywords built with raw round-trip through the schema",
    [FastCheck.string(), FastCheck.boolean()],
    ([text, isRaw]) => {
      const keyword = isRaw ? Keyword.raw(text) : text
      const wire = encode(keyword)
      if (Either.isRight(wire)) {
        expect(decode(wire.right)).toStrictEqual(Either.right(keyword))
      } else {
        expect(Keyword.searchText(keyword).trim()).toBe("")
      }
    }
  )
})
