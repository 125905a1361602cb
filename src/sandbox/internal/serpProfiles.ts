/**
 * The search engines the SERP generator knows: for each, its domains, titles, descriptions and the item
 * types its pages hold. Naver pages are in Korean, Google pages in English. An engine the generator does
 * not know gets a generic profile.
 *
 * @internal
 */
import type { AnyEngine } from "../../Engine.js"

/** How one search engine's pages look. */
export interface Profile {
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

/** Naver: Korean pages on search.naver.com. */
export const naver: Profile = {
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
  related: [
    (k) => `${k} 가격`,
    (k) => `${k} 후기`,
    (k) => `${k} 추천`,
    (k) => `${k} 비교`,
    (k) => `${k} 할인`,
    (k) => `${k} 사용법`
  ],
  checkUrl: (seDomain, keyword, depth) =>
    `https://${seDomain}/search.naver?display=${depth}&start=1&page=1&where=nexearch&sm=tab_hty.top&query=${
      encodeURIComponent(keyword)
    }&`,
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
  related: [
    (k) => `${k} price`,
    (k) => `best ${k}`,
    (k) => `${k} review`,
    (k) => `${k} vs`,
    (k) => `${k} near me`,
    (k) => `what is ${k}`
  ],
  checkUrl: (seDomain, keyword) =>
    `https://www.${seDomain}/search?q=${encodeURIComponent(keyword)}&num=100&hl=en&gl=US&ie=UTF-8&oe=UTF-8`,
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

/** The profile of an engine, by its `se` name; the generic one when the generator does not know it. */
export const profileOf = (engine: AnyEngine): Profile => profiles.get(engine.se) ?? generic
