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
import { hash, Prng } from "./internal/seeded.js"
import { sparse } from "./internal/sparseResult.js"

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

/** One generation: a task, when its result was "received" ("yyyy-mm-dd hh:mm:ss +00:00"), and the sandbox seed. */
interface SerpRequest extends SerpTask {
  readonly datetime: string
  readonly seed: number
}

/** A JSON object, as produced for a reply body. */
export type Json = { readonly [key: string]: unknown }

interface Profile {
  readonly seDomain: string
  readonly locationCode: number
  readonly languageCode: string
  readonly htmlLang: string
  readonly domains: readonly [string, ...Array<string>]
  readonly titles: readonly [(k: string) => string, ...Array<(k: string) => string>]
  readonly descriptions: readonly [(k: string) => string, ...Array<(k: string) => string>]
  readonly related: readonly [(k: string) => string, ...Array<(k: string) => string>]
  readonly checkUrl: (seDomain: string, keyword: string, depth: number) => string
  /** Item types `regular` may hold. */
  readonly regularTypes: ReadonlyArray<string>
  /** Blocks besides organic that `advanced` may hold, with the chance of each at a given slot. */
  readonly blocks: ReadonlyArray<string>
  readonly pageTitle: (keyword: string) => string
}

const naver: Profile = {
  seDomain: "search.naver.com",
  locationCode: 0,
  languageCode: "",
  htmlLang: "ko",
  domains: [
    "blog.naver.com",
    "namu.wiki",
    "ko.wikipedia.org",
    "www.tistory.com",
    "cafe.naver.com",
    "shopping.naver.com",
    "www.coupang.com",
    "news.naver.com",
    "www.chosun.com",
    "www.hani.co.kr",
    "www.donga.com",
    "brunch.co.kr",
    "kin.naver.com",
    "www.11st.co.kr",
    "www.gmarket.co.kr",
    "m.blog.naver.com",
    "post.naver.com",
    "www.yna.co.kr"
  ],
  titles: [
    (k) => `${k} - 나무위키`,
    (k) => `${k} 추천 및 가격 비교 총정리`,
    (k) => `${k} 솔직 후기 | 네이버 블로그`,
    (k) => `[뉴스] ${k} 관련 최신 소식`,
    (k) => `${k} 사용법과 꿀팁 모음`,
    (k) => `${k} - 위키백과, 우리 모두의 백과사전`,
    (k) => `${k} 할인 정보 - 최저가 쇼핑`
  ],
  descriptions: [
    (k) => `${k}에 대한 모든 정보를 한눈에 확인하세요. 최신 리뷰와 사용자 평가를 제공합니다.`,
    (k) => `지금 가장 인기 있는 ${k} 정보를 비교하고 합리적으로 선택하세요.`,
    (k) => `${k} 직접 사용해 본 솔직한 후기입니다. 장점과 단점을 자세히 정리했습니다.`,
    (k) => `${k} 관련 뉴스, 블로그, 카페 글을 모아 보여 드립니다.`,
    (k) => `${k}의 역사와 특징, 그리고 자주 묻는 질문을 정리한 문서입니다.`
  ],
  related: [(k) => `${k} 가격`, (k) => `${k} 후기`, (k) => `${k} 추천`, (k) => `${k} 비교`, (k) => `${k} 할인`, (k) => `${k} 사용법`],
  checkUrl: (seDomain, keyword, depth) =>
    `https://${seDomain}/search.naver?display=${depth}&start=1&page=1&where=nexearch&sm=tab_hty.top&query=${encodeURIComponent(keyword)}&`,
  regularTypes: ["organic", "paid"],
  blocks: ["images", "local_pack", "map", "related_searches", "video"],
  pageTitle: (k) => `${k} : 네이버 통합검색`
}

const google: Profile = {
  seDomain: "google.com",
  locationCode: 2840,
  languageCode: "en",
  htmlLang: "en",
  domains: [
    "en.wikipedia.org",
    "www.youtube.com",
    "www.reddit.com",
    "www.amazon.com",
    "www.nytimes.com",
    "medium.com",
    "www.forbes.com",
    "www.bbc.com",
    "github.com",
    "stackoverflow.com",
    "www.theverge.com",
    "www.cnet.com",
    "www.techradar.com",
    "www.quora.com",
    "www.investopedia.com",
    "www.healthline.com",
    "www.britannica.com",
    "www.imdb.com"
  ],
  titles: [
    (k) => `${k} - Wikipedia`,
    (k) => `The Best ${k} of 2026: Tested and Reviewed`,
    (k) => `What Is ${k}? A Complete Guide`,
    (k) => `${k}: Everything You Need to Know`,
    (k) => `10 Things Nobody Tells You About ${k}`,
    (k) => `${k} News and Updates`,
    (k) => `How to Choose ${k} | Expert Advice`
  ],
  descriptions: [
    (k) => `Learn everything about ${k}: history, features, prices and what experts recommend.`,
    (k) => `We compared the most popular ${k} options so you don't have to. Read our full review.`,
    (k) => `${k} explained in plain words, with examples, tips and frequently asked questions.`,
    (k) => `The latest news, analysis and opinion on ${k} from around the world.`,
    (k) => `Find answers to common questions about ${k} and join the discussion.`
  ],
  related: [(k) => `${k} price`, (k) => `best ${k}`, (k) => `${k} review`, (k) => `${k} vs`, (k) => `${k} near me`, (k) => `what is ${k}`],
  checkUrl: (seDomain, keyword) => `https://www.${seDomain}/search?q=${encodeURIComponent(keyword)}&num=100&hl=en&gl=US&ie=UTF-8&oe=UTF-8`,
  regularTypes: ["organic", "paid", "featured_snippet"],
  blocks: ["featured_snippet", "people_also_ask", "images", "video", "local_pack", "related_searches"],
  pageTitle: (k) => `${k} - Google Search`
}

const generic: Profile = {
  ...google,
  checkUrl: (seDomain, keyword) => `https://${seDomain}/search?q=${encodeURIComponent(keyword)}`,
  regularTypes: ["organic", "paid"],
  blocks: ["related_searches"],
  pageTitle: (k) => `${k} - Search`
}

const profiles: ReadonlyMap<string, Profile> = new Map([
  ["naver", naver],
  ["google", google]
])

const profileOf = (engine: AnyEngine): Profile => profiles.get(engine.se) ?? generic

const slugOf = (keyword: string): string => {
  const ascii = keyword
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
  return ascii.length > 0 ? ascii : encodeURIComponent(keyword)
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/** A date as the API writes it: "yyyy-mm-dd hh:mm:ss +00:00" (UTC). */
export const formatDatetime = (millis: number): string => {
  const d = new Date(millis)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes()
  )}:${pad(d.getUTCSeconds())} +00:00`
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** One organic-like hit: a domain, a url, a title and a description. */
interface Hit {
  readonly domain: string
  readonly url: string
  readonly title: string
  readonly description: string
  readonly breadcrumb: string
}

const hitOf = (profile: Profile, rng: Prng, keyword: string, slug: string, n: number): Hit => {
  const domain = rng.pick(profile.domains)
  const path = `${slug}-${n}${rng.int(1000)}`
  return {
    domain,
    url: `https://${domain}/${path}`,
    title: rng.pick(profile.titles)(keyword),
    description: rng.pick(profile.descriptions)(keyword),
    breadcrumb: `https://${domain} › ${slug}`
  }
}

interface Slot {
  readonly type: string
  readonly rankGroup: number
  readonly rankAbsolute: number
  readonly page: number
}

/** The item types of a page, in order, exactly `depth` of them. */
const layout = (types: ReadonlyArray<string>, rng: Prng, depth: number, perPage: number): Array<Slot> => {
  const slots: Array<Slot> = []
  const groups = new Map<string, number>()
  const canPaid = types.includes("paid")
  const others = types.filter((type) => type !== "organic" && type !== "paid" && type !== "related_searches")
  const paidAtTop = canPaid ? rng.int(3) : 0
  for (let i = 0; i < depth; i++) {
    const inPage = i % perPage
    let type = "organic"
    if (inPage < paidAtTop) type = "paid"
    else if (inPage === perPage - 1 && types.includes("related_searches")) type = "related_searches"
    else if (others.length > 0 && inPage > paidAtTop && rng.chance(0.2)) type = others[rng.int(others.length)] ?? "organic"
    const group = (groups.get(type) ?? 0) + 1
    groups.set(type, group)
    slots.push({ type, rankGroup: group, rankAbsolute: i + 1, page: Math.floor(i / perPage) + 1 })
  }
  return slots
}

const xpathOf = (slot: Slot): string => `/html[1]/body[1]/div[3]/div[2]/div[1]/div[${slot.rankAbsolute}]`

/** The fields every item has. A fresh literal, extended with `Object.assign`: spreading it is much slower. */
const common = (slot: Slot): Record<string, unknown> => ({
  type: slot.type,
  rank_group: slot.rankGroup,
  rank_absolute: slot.rankAbsolute,
  page: slot.page,
  position: "left",
  xpath: xpathOf(slot),
  rectangle: null
})

const itemOf = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  const base = slot.type === "organic" ? {} : common(slot)
  switch (slot.type) {
    case "organic": {
      // the most common item: one literal, no merge
      const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
      return {
        type: slot.type,
        rank_group: slot.rankGroup,
        rank_absolute: slot.rankAbsolute,
        page: slot.page,
        position: "left",
        xpath: xpathOf(slot),
        rectangle: null,
        domain: hit.domain,
        title: hit.title,
        description: hit.description,
        url: hit.url,
        breadcrumb: hit.breadcrumb,
        website_name: hit.domain.replace(/^www\./, ""),
        is_image: false,
        is_video: false,
        is_featured_snippet: false,
        is_malicious: false,
        is_web_story: false,
        pre_snippet: null,
        extended_snippet: null,
        images: null,
        amp_version: false,
        rating: null,
        price: null,
        highlighted: [keyword],
        links: null,
        faq: null,
        timestamp: null
      }
    }
    case "paid": {
      const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
      return Object.assign(base, {
        domain: hit.domain,
        title: hit.title,
        description: hit.description,
        url: `${hit.url}?utm_source=ads`,
        breadcrumb: hit.breadcrumb,
        website_name: hit.domain.replace(/^www\./, ""),
        is_image: false,
        is_video: false,
        images: null,
        highlighted: [keyword],
        extra: null,
        description_rows: null,
        links: null,
        price: null,
        rating: null
      })
    }
    case "featured_snippet": {
      const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
      return Object.assign(base, {
        domain: hit.domain,
        title: hit.title,
        featured_title: keyword,
        description: hit.description,
        url: hit.url,
        breadcrumb: hit.breadcrumb,
        timestamp: null,
        images: null,
        table: null
      })
    }
    case "images":
      return Object.assign(base, {
        title: keyword,
        url: `https://${profile.seDomain}/images?q=${encodeURIComponent(keyword)}`,
        items: [1, 2, 3].map((n) => {
          const domain = rng.pick(profile.domains)
          return {
            type: "images_element",
            alt: `${keyword} ${n}`,
            url: `https://${domain}/${slug}-${n}`,
            image_url: `https://${domain}/img/${slug}-${n}.jpg`
          }
        }),
        related_image_searches: null
      })
    case "video":
      return Object.assign(base, {
        items: [1, 2].map((n) => ({
          type: "video_element",
          source: "YouTube",
          title: rng.pick(profile.titles)(keyword),
          timestamp: null,
          url: `https://www.youtube.com/watch?v=${(rng.int(0xffffffff) >>> 0).toString(36)}${n}`
        }))
      })
    case "local_pack": {
      const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
      return Object.assign(base, {
        title: hit.title,
        description: hit.description,
        domain: hit.domain,
        phone: `+82-2-${rng.between(100, 999)}-${rng.between(1000, 9999)}`,
        url: hit.url,
        is_paid: false,
        rating: { rating_type: "Max5", value: Math.round((3 + rng.next() * 2) * 10) / 10, votes_count: rng.int(2000), rating_max: 5 },
        cid: String(rng.int(0x7fffffff))
      })
    }
    case "map":
      return Object.assign(base, { title: keyword, url: `https://map.${profile.seDomain.replace(/^search\./, "")}/search/${encodeURIComponent(keyword)}` })
    case "related_searches":
      return Object.assign(base, { items: profile.related.map((f) => f(keyword)) })
    case "people_also_ask":
      return Object.assign(base, {
        items: [1, 2, 3].map(() => {
          const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
          return {
            type: "people_also_ask_element",
            title: `${rng.pick(profile.related)(keyword)}?`,
            seed_question: null,
            xpath: `${xpathOf(slot)}/div[1]`,
            expanded_element: [
              {
                type: "people_also_ask_expanded_element",
                featured_title: null,
                url: hit.url,
                domain: hit.domain,
                title: hit.title,
                description: hit.description,
                images: null,
                timestamp: null,
                table: null
              }
            ]
          }
        })
      })
    default:
      return Object.assign(base, { title: keyword })
  }
}

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
  hash(`${request.engine.name}\u0000${request.keyword}\u0000${request.device}\u0000${request.os}\u0000${request.seDomain ?? ""}\u0000${request.locationCode ?? ""}\u0000${request.languageCode ?? ""}`, request.seed)

const htmlPage = (profile: Profile, request: SerpRequest, page: number, items: ReadonlyArray<Json>): string => {
  const keyword = escapeHtml(request.keyword)
  const body = items
    .map((item) =>
      typeof item["url"] === "string" && typeof item["title"] === "string"
        ? `<div class="result"><a href="${escapeHtml(item["url"])}"><h3>${escapeHtml(item["title"])}</h3></a><p>${escapeHtml(
          String(item["description"] ?? "")
        )}</p></div>`
        : `<div class="block ${String(item["type"])}"></div>`
    )
    .join("\n")
  return `<!DOCTYPE html>\n<html lang="${profile.htmlLang}"><head><meta charset="utf-8"><title>${escapeHtml(
    profile.pageTitle(request.keyword)
  )}</title></head>\n<body data-page="${page}"><form><input name="query" value="${keyword}"></form>\n<div id="main">\n${body}\n</div></body></html>`
}

/**
 * A regular item: the fields of the documented regular examples, no more (regular pages are the ones
 * fetched in bulk, so they stay lean).
 */
const regularItemOf = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
  return slot.type === "featured_snippet"
    ? {
      type: slot.type,
      rank_group: slot.rankGroup,
      rank_absolute: slot.rankAbsolute,
      page: slot.page,
      position: "left",
      xpath: xpathOf(slot),
      domain: hit.domain,
      title: hit.title,
      featured_title: keyword,
      description: hit.description,
      url: hit.url,
      breadcrumb: hit.breadcrumb
    }
    : {
      type: slot.type,
      rank_group: slot.rankGroup,
      rank_absolute: slot.rankAbsolute,
      page: slot.page,
      position: "left",
      xpath: xpathOf(slot),
      domain: hit.domain,
      title: hit.title,
      description: hit.description,
      url: slot.type === "paid" ? `${hit.url}?utm_source=ads` : hit.url,
      breadcrumb: hit.breadcrumb
    }
}

/**
 * The `result[0]` object of a task_get reply in the given format. With `sparseShare` above 0, that share
 * of the results leave descriptive fields out (see `SparseResult`), the same ones for the same task.
 *
 * @example
 * const result = SerpGenerator.generate({ engine, keyword: "iphone", depth: 15, ... }, "advanced", "2026-11-23 12:00:00 +00:00", 1)
 * result.items.length // 15
 */
export const generate = (task: SerpTask, format: ResultFormat, datetime: string, seed: number, sparseShare = 0): Json => {
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
    advanced ? itemOf(profile, rng, request.keyword, slug, slot) : regularItemOf(profile, rng, request.keyword, slug, slot)
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

/**
 * The sandbox's answer to the all-zero task id (reference §6): one item of every type the generator knows
 * for the engine and format, with dummy values.
 */
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
  const types = format === "regular" ? profile.regularTypes : ["organic", ...profile.regularTypes.filter((t) => t !== "organic"), ...profile.blocks]
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
