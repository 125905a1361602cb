/**
 * Sparse results: the sandbox's way to meet the API's real variety. DataForSEO leaves descriptive fields out
 * of some replies (its own example replies have no `pages_count`). With the `sparse` option, a share of the
 * generated results leave such fields out, so that a client that reads them without care fails in tests.
 *
 * Only fields the result schemas treat as optional are left out. An item keeps its `type` and ranks, and an
 * organic result or an ad its `url`. An HTML page keeps its `page` and `html`. A result keeps its `items`.
 *
 * @internal
 */
import type { ResultFormat } from "../../Engine.js"
import { Prng } from "./seeded.js"

/** A JSON object, as produced for a reply body. */
type Json = { readonly [key: string]: unknown }

/** The fields every item keeps: they identify it. */
const itemKeeps: ReadonlySet<string> = new Set(["type", "rank_group", "rank_absolute"])
/** Items whose link is the point of the item also keep their `url`. */
const linkKeeps: ReadonlySet<string> = new Set([...itemKeeps, "url"])
const linkTypes: ReadonlySet<string> = new Set(["organic", "paid"])
/** The fields every crawled page of an HTML result keeps. */
const pageKeeps: ReadonlySet<string> = new Set(["page", "html"])

/** `value` without the fields `rng` drops (each with the chance of one in two), except those in `keeps`. */
const thin = (value: Json, keeps: ReadonlySet<string>, rng: Prng): Json => {
  const kept: Record<string, unknown> = {}
  for (const key in value) {
    if (keeps.has(key) || !rng.chance(0.5)) kept[key] = value[key]
  }
  return kept
}

const keepsOf = (format: ResultFormat, item: Json): ReadonlySet<string> =>
  format === "html"
    ? pageKeeps
    : typeof item["type"] === "string" && linkTypes.has(item["type"])
    ? linkKeeps
    : itemKeeps

const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A generated result, sparse with the chance `share` (in [0, 1]): then its header leaves `pages_count` out,
 * and each other descriptive field with the chance of one in two. Each item is thinned the same way with
 * the chance `share`. The same `seed` gives the same result. With `share` 0 the result is returned as it is.
 *
 * @example
 * sparse(result, "advanced", 1, 42)["pages_count"] // undefined
 */
export const sparse = (result: Json, format: ResultFormat, share: number, seed: number): Json => {
  if (!(share > 0)) return result
  const rng = new Prng(seed)
  if (!rng.chance(share)) return result
  const { items, pages_count: _pages, ...header } = result
  const thinned: Record<string, unknown> = thin(header, new Set(), rng)
  if (items !== undefined) {
    thinned["items"] = Array.isArray(items)
      ? items.map((item: unknown) => isJson(item) && rng.chance(share) ? thin(item, keepsOf(format, item), rng) : item)
      : items
  }
  return thinned
}
