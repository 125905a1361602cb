/**
 * Result schemas of Naver organic task_get: one element of `tasks[i].result[]` for the regular and
 * advanced formats (the HTML format is `HtmlResult`).
 *
 * Regular results hold `organic` and `paid` items only; advanced results add `images`, `local_pack`,
 * `map`, `related_searches` and `video`. Items are discriminated on `type`; an item of a type not listed
 * here decodes to an `UnknownItem` (`type: "unknown"`) with every field kept.
 *
 * @example
 * import * as Schema from "effect/Schema"
 * const decode = Schema.decodeUnknownEither(NaverAdvancedResult)
 * // for (const item of result.items ?? []) if (item.type === "organic") item.title
 *
 * @since 0.1.0
 */
import {
  advancedOrganicFields,
  advancedPaidFields,
  imagesFields,
  item,
  localPackFields,
  makeResult,
  mapFields,
  relatedSearchesFields,
  snippetFields,
  videoFields
} from "./SerpCommon.js"
import { itemUnion } from "./UnknownItem.js"

// ---------------------------------------------------------------------------------------------
// regular
// ---------------------------------------------------------------------------------------------

/** An organic result of task_get/regular. */
export const NaverRegularOrganicItem = item("organic", snippetFields)
/** @see NaverRegularOrganicItem */
export type NaverRegularOrganicItem = typeof NaverRegularOrganicItem.Type

/** An ad of task_get/regular. */
export const NaverRegularPaidItem = item("paid", snippetFields)
/** @see NaverRegularPaidItem */
export type NaverRegularPaidItem = typeof NaverRegularPaidItem.Type

/** Any item of task_get/regular: `organic`, `paid`, or an unknown type. */
export const NaverRegularItem = itemUnion(NaverRegularOrganicItem, NaverRegularPaidItem)
/** @see NaverRegularItem */
export type NaverRegularItem = typeof NaverRegularItem.Type

/** One element of `tasks[i].result[]` of `GET /v3/serp/naver/organic/task_get/regular/{id}`. */
export const NaverRegularResult = makeResult(NaverRegularItem)
/** @see NaverRegularResult */
export type NaverRegularResult = typeof NaverRegularResult.Type
/** The JSON of a `NaverRegularResult`, as the API sends it. */
export type NaverRegularResultEncoded = typeof NaverRegularResult.Encoded

// ---------------------------------------------------------------------------------------------
// advanced
// ---------------------------------------------------------------------------------------------

/** An organic result of task_get/advanced. */
export const NaverOrganicItem = item("organic", advancedOrganicFields)
/** @see NaverOrganicItem */
export type NaverOrganicItem = typeof NaverOrganicItem.Type

/** An ad of task_get/advanced. */
export const NaverPaidItem = item("paid", advancedPaidFields)
/** @see NaverPaidItem */
export type NaverPaidItem = typeof NaverPaidItem.Type

/** An image block. */
export const NaverImagesItem = item("images", imagesFields)
/** @see NaverImagesItem */
export type NaverImagesItem = typeof NaverImagesItem.Type

/** A business of the local results ("플레이스"). */
export const NaverLocalPackItem = item("local_pack", localPackFields)
/** @see NaverLocalPackItem */
export type NaverLocalPackItem = typeof NaverLocalPackItem.Type

/** A map block. */
export const NaverMapItem = item("map", mapFields)
/** @see NaverMapItem */
export type NaverMapItem = typeof NaverMapItem.Type

/** The related searches ("연관검색어"). */
export const NaverRelatedSearchesItem = item("related_searches", relatedSearchesFields)
/** @see NaverRelatedSearchesItem */
export type NaverRelatedSearchesItem = typeof NaverRelatedSearchesItem.Type

/** A video block. */
export const NaverVideoItem = item("video", videoFields)
/** @see NaverVideoItem */
export type NaverVideoItem = typeof NaverVideoItem.Type

/** Any item of task_get/advanced: one of the seven Naver types, or an unknown type. */
export const NaverAdvancedItem = itemUnion(
  NaverOrganicItem,
  NaverPaidItem,
  NaverImagesItem,
  NaverLocalPackItem,
  NaverMapItem,
  NaverRelatedSearchesItem,
  NaverVideoItem
)
/** @see NaverAdvancedItem */
export type NaverAdvancedItem = typeof NaverAdvancedItem.Type

/** One element of `tasks[i].result[]` of `GET /v3/serp/naver/organic/task_get/advanced/{id}`. */
export const NaverAdvancedResult = makeResult(NaverAdvancedItem)
/** @see NaverAdvancedResult */
export type NaverAdvancedResult = typeof NaverAdvancedResult.Type
/** The JSON of a `NaverAdvancedResult`, as the API sends it. */
export type NaverAdvancedResultEncoded = typeof NaverAdvancedResult.Encoded
