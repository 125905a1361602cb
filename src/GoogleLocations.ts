/**
 * `GET /v3/serp/google/locations[/{country}]` and `GET /v3/serp/google/languages`: the codes Google tasks
 * accept in `location_code` and `language_code`. Free.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { nullable, open } from "./SerpCommon.js"

/**
 * A location Google tasks can target. `location_code` identifies it and is required; the other fields may
 * be absent or `null`. `location_code_parent` is `null` for countries.
 */
export const GoogleLocation = open({
  location_code: Schema.Number,
  location_name: nullable(Schema.String),
  location_code_parent: nullable(Schema.Number),
  country_iso_code: nullable(Schema.String),
  /** e.g. `"Country"`, `"State"`, `"City"`, `"DMA Region"`. */
  location_type: nullable(Schema.String)
})
/** @see GoogleLocation */
export type GoogleLocation = typeof GoogleLocation.Type

/**
 * A language Google tasks can target: `language_code` is ISO 639-1 (`"en"`), sometimes with a region
 * (`"zh-TW"`). The code is required, the name may be absent or `null`.
 */
export const GoogleLanguage = open({
  language_name: nullable(Schema.String),
  language_code: Schema.String
})
/** @see GoogleLanguage */
export type GoogleLanguage = typeof GoogleLanguage.Type
