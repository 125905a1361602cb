/**
 * The items of a generated SERP: the layout of a page (which item type at which rank) and one generator per
 * item type. The same generator state gives the same items, so a task's page is the same on every call.
 *
 * @internal
 */
import type { Json } from "../SerpGenerator.js"
import type { Prng } from "./seeded.js"
import type { Profile } from "./serpProfiles.js"

/** The keyword as it may appear in a URL path: lower-case ASCII words joined by dashes, or url-encoded. */
export const slugOf = (keyword: string): string => {
  const ascii = keyword
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
  return ascii.length > 0 ? ascii : encodeURIComponent(keyword)
}

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

/** One item's place on the page: its type, its ranks and its page number. */
export interface Slot {
  readonly type: string
  readonly rankGroup: number
  readonly rankAbsolute: number
  readonly page: number
}

/** The item types of a page, in order, exactly `depth` of them. */
export const layout = (types: ReadonlyArray<string>, rng: Prng, depth: number, perPage: number): Array<Slot> => {
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
    else if (others.length > 0 && inPage > paidAtTop && rng.chance(0.2)) {
      type = others[rng.int(others.length)] ?? "organic"
    }
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

/** An organic result: the most common item, one literal with no merge. */
const organicItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
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

/** An ad. */
const paidItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
  return Object.assign(common(slot), {
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

/** A featured snippet. */
const featuredSnippetItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
  return Object.assign(common(slot), {
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

/** A block of three images. */
const imagesItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  return Object.assign(common(slot), {
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
}

/** A block of two videos. */
const videoItem = (profile: Profile, rng: Prng, keyword: string, slot: Slot): Json => {
  return Object.assign(common(slot), {
    items: [1, 2].map((n) => ({
      type: "video_element",
      source: "YouTube",
      title: rng.pick(profile.titles)(keyword),
      timestamp: null,
      url: `https://www.youtube.com/watch?v=${(rng.int(0xffffffff) >>> 0).toString(36)}${n}`
    }))
  })
}

/** A local business, with a phone, a rating and a cid. */
const localPackItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  const hit = hitOf(profile, rng, keyword, slug, slot.rankAbsolute)
  return Object.assign(common(slot), {
    title: hit.title,
    description: hit.description,
    domain: hit.domain,
    phone: `+82-2-${rng.between(100, 999)}-${rng.between(1000, 9999)}`,
    url: hit.url,
    is_paid: false,
    rating: {
      rating_type: "Max5",
      value: Math.round((3 + rng.next() * 2) * 10) / 10,
      votes_count: rng.int(2000),
      rating_max: 5
    },
    cid: String(rng.int(0x7fffffff))
  })
}

/** A map link. */
const mapItem = (profile: Profile, keyword: string, slot: Slot): Json => {
  return Object.assign(common(slot), {
    title: keyword,
    url: `https://map.${profile.seDomain.replace(/^search\./, "")}/search/${encodeURIComponent(keyword)}`
  })
}

/** The engine's related searches. */
const relatedSearchesItem = (profile: Profile, keyword: string, slot: Slot): Json => {
  return Object.assign(common(slot), { items: profile.related.map((f) => f(keyword)) })
}

/** Three questions, each with its expanded answer. */
const peopleAlsoAskItem = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  return Object.assign(common(slot), {
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
}

/** Any other block: its type, ranks and a title. */
const otherItem = (keyword: string, slot: Slot): Json => {
  return Object.assign(common(slot), { title: keyword })
}

/** An `advanced` item of the slot's type, with the fields of the documented advanced examples. */
export const itemOf = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
  switch (slot.type) {
    case "organic":
      return organicItem(profile, rng, keyword, slug, slot)
    case "paid":
      return paidItem(profile, rng, keyword, slug, slot)
    case "featured_snippet":
      return featuredSnippetItem(profile, rng, keyword, slug, slot)
    case "images":
      return imagesItem(profile, rng, keyword, slug, slot)
    case "video":
      return videoItem(profile, rng, keyword, slot)
    case "local_pack":
      return localPackItem(profile, rng, keyword, slug, slot)
    case "map":
      return mapItem(profile, keyword, slot)
    case "related_searches":
      return relatedSearchesItem(profile, keyword, slot)
    case "people_also_ask":
      return peopleAlsoAskItem(profile, rng, keyword, slug, slot)
    default:
      return otherItem(keyword, slot)
  }
}

/**
 * A regular item: the fields of the documented regular examples, no more (regular pages are the ones
 * fetched in bulk, so they stay lean).
 */
export const regularItemOf = (profile: Profile, rng: Prng, keyword: string, slug: string, slot: Slot): Json => {
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
