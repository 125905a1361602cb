/**
 * The body of `SerpGenerator`: one task's result in each format, from the engine's profile and a
 * generator seeded by the task's content.
 *
 * @internal
 */
import * as ApiDateTime from "../../ApiDateTime.js"
import type { AnyEngine, ResultFormat } from "../../Engine.js"
import type { Json, SerpTask } from "../SerpGenerator.js"
import { hash, Prng } from "./seeded.js"
import { itemOf, layout, regularItemOf, slugOf } from "./serpItems.js"
import { naver, profileOf } from "./serpProfiles.js"
import type { Profile } from "./serpProfiles.js"
import { sparse } from "./sparseResult.js"

/** One generation: a task, when its result was "received" ("yyyy-mm-dd hh:mm:ss +00:00"), and the sandbox seed. */
interface SerpRequest extends SerpTask {
  readonly datetime: string
  readonly seed: number
}

/** A date as the API writes it: "yyyy-mm-dd hh:mm:ss +00:00" (UTC). */
export const formatDatetime = (millis: number): string => ApiDateTime.fromMillis(millis)

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const resultHeader = (request: SerpRequest, profile: Profile): Record<string, unknown> => {
  const seDomain = request.seDomain ?? profile.seDomain
  return {
    keyword: request.keyword,
    type: request.engine.seType,
    se_domain: seDomain,
    location_code: request.locationCode ?? profile.locationCode,
    language_code: request.languageCode ?? profile.languageCode,
    check_url: profile.checkUrl(seDomain, request.keyword, request.depth),
    datetime: request.datetime
  }
}

const seedOf = (request: SerpRequest): number =>
  hash(
    `${request.engine.name}\u0000${request.keyword}\u0000${request.device}\u0000${request.os}\u0000${
      request.seDomain ?? ""
    }\u0000${request.locationCode ?? ""}\u0000${request.languageCode ?? ""}`,
    request.seed
  )

const htmlPage = (profile: Profile, request: SerpRequest, page: number, items: ReadonlyArray<Json>): string => {
  const keyword = escapeHtml(request.keyword)
  const body = items
    .map((item) =>
      typeof item["url"] === "string" && typeof item["title"] === "string"
        ? `<div class="result"><a href="${escapeHtml(item["url"])}"><h3>${escapeHtml(item["title"])}</h3></a><p>${
          escapeHtml(
            String(item["description"] ?? "")
          )
        }</p></div>`
        : `<div class="block ${String(item["type"])}"></div>`
    )
    .join("\n")
  return `<!DOCTYPE html>\n<html lang="${profile.htmlLang}"><head><meta charset="utf-8"><title>${
    escapeHtml(
      profile.pageTitle(request.keyword)
    )
  }</title></head>\n<body data-page="${page}"><form><input name="query" value="${keyword}"></form>\n<div id="main">\n${body}\n</div></body></html>`
}

/** The `result[0]` of a task_get reply for the task, sparse with the chance `sparseShare`. */
export const generate = (
  task: SerpTask,
  format: ResultFormat,
  datetime: string,
  seed: number,
  sparseShare = 0
): Json => {
  const request: SerpRequest = {
    engine: task.engine,
    keyword: task.keyword,
    depth: task.depth,
    device: task.device,
    os: task.os,
    seDomain: task.seDomain,
    locationCode: task.locationCode,
    languageCode: task.languageCode,
    datetime,
    seed
  }
  const result = generateFor(request, format)
  return sparseShare > 0 ? sparse(result, format, sparseShare, seedOf(request) ^ 0x2545f491) : result
}

const generateFor = (request: SerpRequest, format: ResultFormat): Json => {
  const profile = profileOf(request.engine)
  const rng = new Prng(seedOf(request))
  const slug = slugOf(request.keyword)
  const perPage = Math.max(1, request.engine.resultsPerPage)
  const depth = Math.max(0, Math.floor(request.depth))
  const pagesCount = Math.max(1, Math.ceil(depth / perPage))
  const advancedTypes = ["organic", ...profile.regularTypes.filter((t) => t !== "organic"), ...profile.blocks]
  const pageTypes = layout(advancedTypes, new Prng(seedOf(request) ^ 0x9e3779b9), Math.min(depth, perPage * 2), perPage)
  const itemTypes = [...new Set(pageTypes.map((slot) => slot.type))]
  const seResultsCount = 1000 + (seedOf(request) % 50_000_000)
  if (format === "html") {
    const slots = layout(profile.regularTypes, rng, depth, perPage)
    const items = slots.map((slot) => regularItemOf(profile, rng, request.keyword, slug, slot))
    const pages: Array<Json> = []
    for (let page = 1; page <= pagesCount; page++) {
      pages.push({
        page,
        date: request.datetime,
        html: htmlPage(profile, request, page, items.slice((page - 1) * perPage, page * perPage))
      })
    }
    return { ...resultHeader(request, profile), items_count: pages.length, items: pages }
  }
  const advanced = format === "advanced"
  const slots = layout(advanced ? advancedTypes : profile.regularTypes, rng, depth, perPage)
  const items = slots.map((slot) =>
    advanced
      ? itemOf(profile, rng, request.keyword, slug, slot)
      : regularItemOf(profile, rng, request.keyword, slug, slot)
  )
  return {
    ...resultHeader(request, profile),
    spell: null,
    refinement_chips: null,
    item_types: [...new Set([...itemTypes, ...slots.map((slot) => slot.type)])],
    se_results_count: seResultsCount,
    pages_count: pagesCount,
    items_count: items.length,
    items
  }
}

/** The answer to the all-zero task id: one item of every type the generator knows. */
export const allTypes = (engine: AnyEngine, format: ResultFormat, datetime: string, seed: number): Json => {
  const profile = profileOf(engine)
  const request: SerpRequest = {
    engine,
    keyword: profile === naver ? "아이폰" : "iphone",
    depth: 0,
    device: "desktop",
    os: "windows",
    seDomain: undefined,
    locationCode: undefined,
    languageCode: undefined,
    datetime,
    seed
  }
  if (format === "html") return generateFor({ ...request, depth: engine.resultsPerPage }, "html")
  const rng = new Prng(seed)
  const types = format === "regular"
    ? profile.regularTypes
    : ["organic", ...profile.regularTypes.filter((t) => t !== "organic"), ...profile.blocks]
  const unique = [...new Set(types)]
  const items = unique.map((type, i) => {
    const slot = { type, rankGroup: 1, rankAbsolute: i + 1, page: 1 }
    return format === "advanced"
      ? itemOf(profile, rng, request.keyword, slugOf(request.keyword), slot)
      : regularItemOf(profile, rng, request.keyword, slugOf(request.keyword), slot)
  })
  return {
    ...resultHeader(request, profile),
    spell: null,
    refinement_chips: null,
    item_types: unique,
    se_results_count: 1000,
    pages_count: 1,
    items_count: items.length,
    items
  }
}
