/**
 * Result schemas of Google organic task_get: one element of `tasks[i].result[]` for the regular and
 * advanced formats (the HTML format is `HtmlResult`).
 *
 * Regular results hold `organic`, `paid` and `featured_snippet` items. Advanced results hold any of the
 * fifty-odd Google SERP features: the common ones are typed here; every other `type` (`jobs`, `twitter`,
 * `events`, ...) decodes to an `UnknownItem` (`type: "unknown"`, `unknown_type: "jobs"`) with every field
 * kept, and encodes back to the JSON it came from.
 *
 * @example
 * for (const item of result.items ?? []) {
 *   switch (item.type) {
 *     case "organic": console.log(item.rank_absolute, item.url); break
 *     case "people_also_ask": console.log(item.items?.map((q) => q.title)); break
 *     case "unknown": console.log(`not typed yet: ${item.unknown_type}`)
 *   }
 * }
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import {
  advancedOrganicFields,
  advancedPaidFields,
  ImageElement,
  imagesFields,
  item,
  LinkElement,
  localPackFields,
  makeResult,
  mapFields,
  nullable,
  nullableArray,
  open,
  Price,
  Rating,
  Rectangle,
  relatedSearchesFields,
  videoFields
} from "./SerpCommon.js"
import { itemUnion } from "./UnknownItem.js"

// ---------------------------------------------------------------------------------------------
// sub-objects
// ---------------------------------------------------------------------------------------------

/** A table in a featured snippet or an expanded "people also ask" answer. */
export const Table = open({
  table_header: nullableArray(Schema.String),
  table_content: nullableArray(Schema.Array(Schema.String))
})
/** @see Table */
export type Table = typeof Table.Type

/** The FAQ rich snippet of an organic result. */
export const FaqBox = open({
  type: nullable(Schema.String),
  items: nullableArray(open({
    type: nullable(Schema.String),
    title: nullable(Schema.String),
    description: nullable(Schema.String),
    links: nullableArray(LinkElement)
  }))
})
/** @see FaqBox */
export type FaqBox = typeof FaqBox.Type

/** Google's "About this result" panel of an organic result. */
export const AboutThisResult = open({
  type: nullable(Schema.String),
  url: nullable(Schema.String),
  source: nullable(Schema.String),
  source_info: nullable(Schema.String),
  source_url: nullable(Schema.String),
  language: nullable(Schema.String),
  location: nullable(Schema.String),
  search_terms: nullableArray(Schema.String),
  related_terms: nullableArray(Schema.String)
})
/** @see AboutThisResult */
export type AboutThisResult = typeof AboutThisResult.Type

/** A result grouped under its parent organic result (`group_organic_results: true`). */
export const RelatedResult = open({
  type: nullable(Schema.String),
  domain: nullable(Schema.String),
  title: nullable(Schema.String),
  url: nullable(Schema.String),
  breadcrumb: nullable(Schema.String),
  description: nullable(Schema.String),
  timestamp: nullable(Schema.String),
  highlighted: nullableArray(Schema.String),
  about_this_result: nullable(AboutThisResult),
  rectangle: nullable(Rectangle)
})
/** @see RelatedResult */
export type RelatedResult = typeof RelatedResult.Type

// ---------------------------------------------------------------------------------------------
// organic, paid, featured snippet: regular and advanced
// ---------------------------------------------------------------------------------------------

/** An organic result (regular and advanced). */
export const GoogleOrganicItem = item("organic", {
  ...advancedOrganicFields,
  cache_url: nullable(Schema.String),
  related_search_url: nullable(Schema.String),
  is_featured_snippet: nullable(Schema.Boolean),
  is_malicious: nullable(Schema.Boolean),
  is_web_story: nullable(Schema.Boolean),
  pre_snippet: nullable(Schema.String),
  extended_snippet: nullable(Schema.String),
  amp_version: nullable(Schema.Boolean),
  faq: nullable(FaqBox),
  extended_people_also_search: nullableArray(Schema.String),
  about_this_result: nullable(AboutThisResult),
  related_result: nullableArray(RelatedResult)
})
/** @see GoogleOrganicItem */
export type GoogleOrganicItem = typeof GoogleOrganicItem.Type

/** An ad (regular and advanced). */
export const GooglePaidItem = item("paid", advancedPaidFields)
/** @see GooglePaidItem */
export type GooglePaidItem = typeof GooglePaidItem.Type

/** The featured snippet ("position zero") (regular and advanced). */
export const GoogleFeaturedSnippetItem = item("featured_snippet", {
  domain: nullable(Schema.String),
  title: nullable(Schema.String),
  featured_title: nullable(Schema.String),
  description: nullable(Schema.String),
  url: nullable(Schema.String),
  breadcrumb: nullable(Schema.String),
  website_name: nullable(Schema.String),
  timestamp: nullable(Schema.String),
  images: nullableArray(ImageElement),
  table: nullable(Table)
})
/** @see GoogleFeaturedSnippetItem */
export type GoogleFeaturedSnippetItem = typeof GoogleFeaturedSnippetItem.Type

/** Any item of task_get/regular: `organic`, `paid`, `featured_snippet`, or an unknown type. */
export const GoogleRegularItem = itemUnion(GoogleOrganicItem, GooglePaidItem, GoogleFeaturedSnippetItem)
/** @see GoogleRegularItem */
export type GoogleRegularItem = typeof GoogleRegularItem.Type

/** One element of `tasks[i].result[]` of `GET /v3/serp/google/organic/task_get/regular/{id}`. */
export const GoogleRegularResult = makeResult(GoogleRegularItem)
/** @see GoogleRegularResult */
export type GoogleRegularResult = typeof GoogleRegularResult.Type
/** The JSON of a `GoogleRegularResult`, as the API sends it. */
export type GoogleRegularResultEncoded = typeof GoogleRegularResult.Encoded

// ---------------------------------------------------------------------------------------------
// advanced: SERP features
// ---------------------------------------------------------------------------------------------

/** One question of a "people also ask" block, with its expanded answers. */
export const PeopleAlsoAskElement = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  seed_question: nullable(Schema.String),
  xpath: nullable(Schema.String),
  expanded_element: nullableArray(open({
    type: nullable(Schema.String),
    featured_title: nullable(Schema.String),
    url: nullable(Schema.String),
    domain: nullable(Schema.String),
    title: nullable(Schema.String),
    description: nullable(Schema.String),
    images: nullableArray(ImageElement),
    timestamp: nullable(Schema.String),
    table: nullable(Table)
  }))
})
/** @see PeopleAlsoAskElement */
export type PeopleAlsoAskElement = typeof PeopleAlsoAskElement.Type

/** The "People also ask" block. */
export const GooglePeopleAlsoAskItem = item("people_also_ask", { items: nullableArray(PeopleAlsoAskElement) })
/** @see GooglePeopleAlsoAskItem */
export type GooglePeopleAlsoAskItem = typeof GooglePeopleAlsoAskItem.Type

/** A business of the local pack. */
export const GoogleLocalPackItem = item("local_pack", localPackFields)
/** @see GoogleLocalPackItem */
export type GoogleLocalPackItem = typeof GoogleLocalPackItem.Type

/**
 * One row of a knowledge graph panel. Its `type` names one of many `knowledge_graph_*_item` shapes
 * (`knowledge_graph_description_item`, `knowledge_graph_row_item`, ...); the common fields are typed, the
 * rest kept.
 */
export const KnowledgeGraphElement = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  text: nullable(Schema.String),
  url: nullable(Schema.String),
  position: nullable(Schema.String),
  xpath: nullable(Schema.String)
})
/** @see KnowledgeGraphElement */
export type KnowledgeGraphElement = typeof KnowledgeGraphElement.Type

/** The knowledge graph panel. */
export const GoogleKnowledgeGraphItem = item("knowledge_graph", {
  title: nullable(Schema.String),
  sub_title: nullable(Schema.String),
  description: nullable(Schema.String),
  card_id: nullable(Schema.String),
  url: nullable(Schema.String),
  image_url: nullable(Schema.String),
  logo_url: nullable(Schema.String),
  cid: nullable(Schema.String),
  items: nullableArray(KnowledgeGraphElement)
})
/** @see GoogleKnowledgeGraphItem */
export type GoogleKnowledgeGraphItem = typeof GoogleKnowledgeGraphItem.Type

/** The related searches at the bottom of the page. */
export const GoogleRelatedSearchesItem = item("related_searches", relatedSearchesFields)
/** @see GoogleRelatedSearchesItem */
export type GoogleRelatedSearchesItem = typeof GoogleRelatedSearchesItem.Type

/** The "People also search for" block. */
export const GooglePeopleAlsoSearchItem = item("people_also_search", {
  title: nullable(Schema.String),
  items: nullableArray(Schema.String)
})
/** @see GooglePeopleAlsoSearchItem */
export type GooglePeopleAlsoSearchItem = typeof GooglePeopleAlsoSearchItem.Type

/** An image block. */
export const GoogleImagesItem = item("images", imagesFields)
/** @see GoogleImagesItem */
export type GoogleImagesItem = typeof GoogleImagesItem.Type

/** A video block. */
export const GoogleVideoItem = item("video", videoFields)
/** @see GoogleVideoItem */
export type GoogleVideoItem = typeof GoogleVideoItem.Type

/** One story of a "Top stories" block. */
export const TopStoriesElement = open({
  type: nullable(Schema.String),
  source: nullable(Schema.String),
  domain: nullable(Schema.String),
  title: nullable(Schema.String),
  date: nullable(Schema.String),
  amp_version: nullable(Schema.Boolean),
  timestamp: nullable(Schema.String),
  url: nullable(Schema.String),
  image_url: nullable(Schema.String),
  badges: nullableArray(Schema.String)
})
/** @see TopStoriesElement */
export type TopStoriesElement = typeof TopStoriesElement.Type

/** The "Top stories" block. */
export const GoogleTopStoriesItem = item("top_stories", {
  title: nullable(Schema.String),
  items: nullableArray(TopStoriesElement)
})
/** @see GoogleTopStoriesItem */
export type GoogleTopStoriesItem = typeof GoogleTopStoriesItem.Type

/** One product of a shopping block. */
export const ShoppingElement = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  price: nullable(Price),
  source: nullable(Schema.String),
  description: nullable(Schema.String),
  marketplace: nullable(Schema.String),
  marketplace_url: nullable(Schema.String),
  url: nullable(Schema.String),
  rating: nullable(Rating)
})
/** @see ShoppingElement */
export type ShoppingElement = typeof ShoppingElement.Type

/** A shopping (product ads) block. */
export const GoogleShoppingItem = item("shopping", {
  title: nullable(Schema.String),
  items: nullableArray(ShoppingElement)
})
/** @see GoogleShoppingItem */
export type GoogleShoppingItem = typeof GoogleShoppingItem.Type

/** A direct answer box. */
export const GoogleAnswerBoxItem = item("answer_box", {
  text: nullableArray(Schema.String),
  links: nullableArray(LinkElement)
})
/** @see GoogleAnswerBoxItem */
export type GoogleAnswerBoxItem = typeof GoogleAnswerBoxItem.Type

/** A source cited by an AI overview. */
export const AiOverviewReference = open({
  type: nullable(Schema.String),
  source: nullable(Schema.String),
  domain: nullable(Schema.String),
  url: nullable(Schema.String),
  title: nullable(Schema.String),
  text: nullable(Schema.String)
})
/** @see AiOverviewReference */
export type AiOverviewReference = typeof AiOverviewReference.Type

/** One part of an AI overview (a paragraph, a list, a table, ...: `type` says which). */
export const AiOverviewElement = open({
  type: nullable(Schema.String),
  position: nullable(Schema.String),
  title: nullable(Schema.String),
  text: nullable(Schema.String),
  markdown: nullable(Schema.String),
  links: nullableArray(LinkElement),
  images: nullableArray(ImageElement),
  references: nullableArray(AiOverviewReference)
})
/** @see AiOverviewElement */
export type AiOverviewElement = typeof AiOverviewElement.Type

/** Google's AI overview. `asynchronous_ai_overview` tells whether it was loaded asynchronously. */
export const GoogleAiOverviewItem = item("ai_overview", {
  asynchronous_ai_overview: nullable(Schema.Boolean),
  markdown: nullable(Schema.String),
  items: nullableArray(AiOverviewElement),
  references: nullableArray(AiOverviewReference)
})
/** @see GoogleAiOverviewItem */
export type GoogleAiOverviewItem = typeof GoogleAiOverviewItem.Type

/** A map block. */
export const GoogleMapItem = item("map", mapFields)
/** @see GoogleMapItem */
export type GoogleMapItem = typeof GoogleMapItem.Type

/** One card of a carousel. */
export const CarouselElement = open({
  type: nullable(Schema.String),
  title: nullable(Schema.String),
  subtitle: nullable(Schema.String),
  image_url: nullable(Schema.String)
})
/** @see CarouselElement */
export type CarouselElement = typeof CarouselElement.Type

/** A carousel. */
export const GoogleCarouselItem = item("carousel", {
  title: nullable(Schema.String),
  items: nullableArray(CarouselElement)
})
/** @see GoogleCarouselItem */
export type GoogleCarouselItem = typeof GoogleCarouselItem.Type

/** Any item of task_get/advanced: one of the typed Google SERP features, or an unknown type. */
export const GoogleAdvancedItem = itemUnion(
  GoogleOrganicItem,
  GooglePaidItem,
  GoogleFeaturedSnippetItem,
  GooglePeopleAlsoAskItem,
  GoogleLocalPackItem,
  GoogleKnowledgeGraphItem,
  GoogleRelatedSearchesItem,
  GooglePeopleAlsoSearchItem,
  GoogleImagesItem,
  GoogleVideoItem,
  GoogleTopStoriesItem,
  GoogleShoppingItem,
  GoogleAnswerBoxItem,
  GoogleAiOverviewItem,
  GoogleMapItem,
  GoogleCarouselItem
)
/** @see GoogleAdvancedItem */
export type GoogleAdvancedItem = typeof GoogleAdvancedItem.Type

/** One element of `tasks[i].result[]` of `GET /v3/serp/google/organic/task_get/advanced/{id}`. */
export const GoogleAdvancedResult = makeResult(GoogleAdvancedItem)
/** @see GoogleAdvancedResult */
export type GoogleAdvancedResult = typeof GoogleAdvancedResult.Type
/** The JSON of a `GoogleAdvancedResult`, as the API sends it. */
export type GoogleAdvancedResultEncoded = typeof GoogleAdvancedResult.Encoded
