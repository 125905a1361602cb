/**
 * Deterministic, plausible SERP results for the sandbox. The same task (keyword, depth, device, engine)
 * under the same seed always gives the same page: domains, titles, urls and ranks. Naver pages are in
 * Korean, Google pages in English, and an engine the generator does not know gets a generic page. Every
 * result holds exactly as many items as the task's depth asks.
 *
 * The result shapes follow the reference (§4) and the documented examples: `regular` holds only the
 * regular item types (Naver: organic, paid; Google: organic, paid, featured_snippet), `advanced` a mix of
 * block types, `html` one raw page per crawled SERP page.
 *
 * @since 0.1.0
 */
import type { AnyEngine, ResultFormat } from "../Engine.js"
import * as internal from "./internal/serpGenerator.js"

/** What the generator needs to know about one task: its content, whatever else the task holds. */
export interface SerpTask {
  readonly engine: AnyEngine
  /** The keyword as the API returns it: `%##` decoded, `+` as a space. */
  readonly keyword: string
  readonly depth: number
  readonly device: string
  readonly os: string
  readonly seDomain: string | undefined
  readonly locationCode: number | undefined
  readonly languageCode: string | undefined
}

/** A JSON object, as produced for a reply body. */
export type Json = { readonly [key: string]: unknown }

/** A date as the API writes it: "yyyy-mm-dd hh:mm:ss +00:00" (UTC). */
export const formatDatetime: (millis: number) => string = internal.formatDatetime

/**
 * The `result[0]` object of a task_get reply in the given format. With `sparseShare` above 0, that share
 * of the results leave descriptive fields out (see `internal/sparseResult`), the same ones for the same task.
 *
 * @example
 * const result = SerpGenerator.generate({ engine, keyword: "iphone", depth: 15, ... }, "advanced", "2026-11-23 12:00:00 +00:00", 1)
 * result.items.length // 15
 */
export const generate: (
  task: SerpTask,
  format: ResultFormat,
  datetime: string,
  seed: number,
  sparseShare?: number
) => Json = internal.generate

/**
 * The sandbox's answer to the all-zero task id (reference §6): one item of every type the generator knows
 * for the engine and format, with dummy values.
 */
export const allTypes: (engine: AnyEngine, format: ResultFormat, datetime: string, seed: number) => Json =
  internal.allTypes
