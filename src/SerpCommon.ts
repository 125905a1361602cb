/**
 * Building blocks shared by every SERP result schema: open structs that keep unknown fields, the
 * nullable-field helper, the result header and the small sub-objects (rectangle, rating, price, links,
 * images) that many item types carry.
 *
 * Two rules hold in every result schema (both engines, every format, the other SERP endpoints):
 *
 * - Nothing is dropped. Every object schema has a `[key: string]: unknown` index signature, so a field
 *   DataForSEO adds tomorrow decodes, is kept, and encodes back.
 * - Tolerant reader. A schema requires only what identifies a thing: an item's `type` and ranks, a task's
 *   `id`, and the `url` of an organic result or an ad, whose link is the point of the item. Every
 *   descriptive field may be absent or `null`. The API does leave fields out: its own example replies
 *   have no `pages_count`, and a paid result that cannot be read is a lost result.
 *
 * An absent field decodes as absent (`undefined`), never as `null`, so that encoding gives back the JSON
 * that was received.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { fastArray } from "./internal/fastArray.js"

/**
 * The index signature that keeps the fields a schema does not name. Added to every object schema of
 * result schema so that new API fields survive a decode / encode round trip.
 */
export const OtherFields = Schema.Record({
  // arbitrary values get one extra key: effect's arbitrary for a `string` key could generate a key that
  // shadows an optional field with a value of the wrong type, or `__proto__`
  key: Schema.String.annotations({ arbitrary: () => (fc) => fc.constant("an_extra_field") }),
  value: Schema.Unknown
})

/**
 * An object schema with the given fields that also keeps every other field (see `OtherFields`).
 *
 * @example
 * const Rating = open({ value: nullable(Schema.Number) })
 * // decodes { value: 4.5, votes_count: 10 } to the same object, votes_count included
 */
export const open = <Fields extends Schema.Struct.Fields>(fields: Fields) => Schema.Struct(fields, OtherFields)

/** A field that may be absent or `null`: `field?: A | null`. */
export const nullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { exact: true })

/** A nullable, optional array: `field?: ReadonlyArray<A> | null`. */
export const nullableArray = <S extends Schema.Schema.Any>(schema: S) => nullable(Schema.Array(schema))

// ---------------------------------------------------------------------------------------------
// sub-objects
// ---------------------------------------------------------------------------------------------

/** Pixel position of an element, sent when the task asked for `calculate_rectangles` (else `null`). */
export const Rectangle = open({
  x: nullable(Schema.Number),
  y: nullable(Schema.Number),
  width: nullable(Schema.Number),
  height: nullable(Schema.Number)
})
/** @see Rectangle */
export type Rectangle = typeof Rectangle.Type

/** A rating shown in the SERP (stars, votes). `rating_type` is e.g. `"Max5"`. */
export const Rating = open({
  rating_type: nullable(Schema.String),
  value: nullable(Schema.Number),
  votes_count: nullable(Schema.Number),
  rating_max: nullable(Schema.Number)
})
/** @see Rating */
export type Rating = typeof Rating.Type

/** A price shown in the SERP. */
export const Price = open({
  current: nullable(Schema.Number),
  regular: nullable(Schema.Number),
  max_value: nullable(Schema.Number),
  currency: nullable(Schema.String),
  is_price_range: nullable(Schema.Boolean),
  displayed_price: nullable(Schema.String)
})
/** @see Price */
export type Price = typeof Price.Type

/** A link inside an element (sitelinks, answer box links): `type` is e.g. `"link_element"`. */
export const LinkElement = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  description: nullable(Schema.String),
  url: nullable(Schema.String),
  domain: nullable(Schema.String)
})
/** @see LinkElement */
export type LinkElement = typeof LinkElement.Type

/** An image inside an element: `type` is e.g. `"images_element"`. */
export const ImageElement = open({
  type: nullable(Schema.String),
  alt: nullable(Schema.String),
  url: nullable(Schema.String),
  image_url: nullable(Schema.String)
})
/** @see ImageElement */
export type ImageElement = typeof ImageElement.Type

/** A video inside a `video` block: `type` is `"video_element"`. */
export const VideoElement = open({
  type: nullable(Schema.String),
  source: nullable(Schema.String),
  title: nullable(Schema.String),
  timestamp: nullable(Schema.String),
  url: nullable(Schema.String),
  preview_image: nullable(Schema.String)
})
/** @see VideoElement */
export type VideoElement = typeof VideoElement.Type

/** "Related image searches" shown under an `images` block. */
export const RelatedImageSearch = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  url: nullable(Schema.String),
  image_url: nullable(Schema.String)
})
/** @see RelatedImageSearch */
export type RelatedImageSearch = typeof RelatedImageSearch.Type

// ---------------------------------------------------------------------------------------------
// the result header
// ---------------------------------------------------------------------------------------------

/**
 * The search engine's autocorrection. `type` is one of `did_you_mean`, `showing_results_for`,
 * `no_results_found_for`, `including_results_for` (kept a string: new values must not fail a decode).
 */
export const Spell = open({
  keyword: nullable(Schema.String),
  type: nullable(Schema.String)
})
/** @see Spell */
export type Spell = typeof Spell.Type

/** One option of a refinement chip. */
export const RefinementChipOption = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  url: nullable(Schema.String),
  domain: nullable(Schema.String)
})
/** @see RefinementChipOption */
export type RefinementChipOption = typeof RefinementChipOption.Type

/** One refinement chip (Google's filter buttons above the results). */
export const RefinementChip = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  url: nullable(Schema.String),
  domain: nullable(Schema.String),
  options: nullableArray(RefinementChipOption)
})
/** @see RefinementChip */
export type RefinementChip = typeof RefinementChip.Type

/** Search refinement chips (always `null` for Naver). */
export const RefinementChips = open({
  type: nullable(Schema.String),
  xpath: nullable(Schema.String),
  items: nullableArray(RefinementChip)
})
/** @see RefinementChips */
export type RefinementChips = typeof RefinementChips.Type

/**
 * The fields every task_get regular / advanced result starts with, before its `items`. All of them
 * describe the SERP, none identifies it (the task `id` of the envelope does): each may be absent or `null`.
 * `location_code` is `0` and `language_code` `""` for Naver, which has no location or language.
 */
export const resultHeaderFields = {
  keyword: nullable(Schema.String),
  type: nullable(Schema.String),
  se_domain: nullable(Schema.String),
  location_code: nullable(Schema.Number),
  language_code: nullable(Schema.String),
  check_url: nullable(Schema.String),
  datetime: nullable(Schema.String),
  spell: nullable(Spell),
  refinement_chips: nullable(RefinementChips),
  item_types: nullableArray(Schema.String),
  se_results_count: nullable(Schema.Number),
  pages_count: nullable(Schema.Number),
  items_count: nullable(Schema.Number)
}

/**
 * A task_get regular / advanced result whose `items` are decoded with `item`.
 *
 * Items are decoded by `fastArray`: the same checks as `Schema.Array(item)`, compiled.
 * `items` is kept as the API sends it: absent, or `null` when the SERP had no items (the API does send
 * `null`), so that a round trip gives back the same JSON. Read it as `result.items ?? []`.
 */
export const makeResult = <A, I>(item: Schema.Schema<A, I, never>) =>
  open({ ...resultHeaderFields, items: nullable(fastArray(item)) })

// ---------------------------------------------------------------------------------------------
// item fields
// ---------------------------------------------------------------------------------------------

/**
 * Fields of every top-level SERP item besides `type`: ranks, page, `position` (`left` / `right`),
 * `xpath` and `rectangle`. The ranks are required: with `type` they identify the item. The rest may be
 * absent or `null`.
 */
export const itemFields = {
  rank_group: Schema.Number,
  rank_absolute: Schema.Number,
  page: nullable(Schema.Number),
  position: nullable(Schema.String),
  xpath: nullable(Schema.String),
  rectangle: nullable(Rectangle)
}

/**
 * The fields of a search result snippet: what `organic` and `paid` items (regular and advanced) share.
 * `url` is required: an organic result or an ad is a link to a page, and a rank without its page says
 * nothing. Other items (`featured_snippet`, `local_pack`, `map`, ...) keep `url` optional: a business may
 * have no website, and the API sends `null` there.
 */
export const snippetFields = {
  domain: nullable(Schema.String),
  title: nullable(Schema.String),
  description: nullable(Schema.String),
  url: Schema.String,
  breadcrumb: nullable(Schema.String)
}

/** The fields `organic` items of the advanced results share across engines. */
export const advancedOrganicFields = {
  ...snippetFields,
  website_name: nullable(Schema.String),
  is_image: nullable(Schema.Boolean),
  is_video: nullable(Schema.Boolean),
  images: nullableArray(ImageElement),
  highlighted: nullableArray(Schema.String),
  links: nullableArray(LinkElement),
  rating: nullable(Rating),
  price: nullable(Price),
  timestamp: nullable(Schema.String)
}

/** The fields `paid` items of the advanced results share across engines. */
export const advancedPaidFields = {
  ...snippetFields,
  website_name: nullable(Schema.String),
  is_image: nullable(Schema.Boolean),
  is_video: nullable(Schema.Boolean),
  images: nullableArray(ImageElement),
  highlighted: nullableArray(Schema.String),
  extra: nullable(open({ ad_aclk: nullable(Schema.String) })),
  description_rows: nullableArray(Schema.String),
  links: nullableArray(LinkElement),
  price: nullable(Price),
  rating: nullable(Rating)
}

/** An item schema: an open struct whose `type` is the literal `type`. */
export const item = <const Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  open({ type: Schema.Literal(type), ...itemFields, ...fields })

/** Fields of an `images` block: a title, a link to the image search, the images. */
export const imagesFields = {
  title: nullable(Schema.String),
  url: nullable(Schema.String),
  items: nullableArray(ImageElement),
  related_image_searches: nullableArray(RelatedImageSearch)
}

/** Fields of a `local_pack` item: one business of the local results. */
export const localPackFields = {
  title: nullable(Schema.String),
  description: nullable(Schema.String),
  domain: nullable(Schema.String),
  phone: nullable(Schema.String),
  url: nullable(Schema.String),
  is_paid: nullable(Schema.Boolean),
  rating: nullable(Rating),
  cid: nullable(Schema.String)
}

/** Fields of a `map` item. */
export const mapFields = {
  title: nullable(Schema.String),
  url: nullable(Schema.String)
}

/** Fields of a `related_searches` block: the suggested queries. */
export const relatedSearchesFields = {
  items: nullableArray(Schema.String)
}

/** Fields of a `video` block: its videos. */
export const videoFields = {
  items: nullableArray(VideoElement)
}
