import { cityTokens } from "./Normalize"
import { jaroWinkler } from "./Similarity"

/** Where a name was seen: one site. Every field may be unknown. */
export interface Site {
  readonly address: string | null
  readonly city: string | null
  readonly state: string | null
  readonly zip: string | null
}

/** One known address of a site, normalised once per variant instead of once per pair of sites compared. */
interface Address {
  /** Upper case, punctuation as spaces. */
  readonly text: string
  /** Where it may meet another address: `z<zip>` and `c<city as written>` (when known). */
  readonly at: ReadonlyArray<string>
}

/**
 * A variant's sites indexed for {@link siteAgreement}: a comparison intersects the two variants' keys instead
 * of normalising and pairing every site of both (O(sites_a × sites_b) regex work per comparison was the
 * largest cost of an ingest's entity step).
 */
export interface SiteIndex {
  /** Known addresses with a house number by `<z|c…>\0<number>`: a numbered address meets those only. */
  readonly numbered: ReadonlyMap<string, ReadonlyArray<Address>>
  /** Known addresses without a house number (they meet any address of their ZIP or city). */
  readonly unnumbered: ReadonlyArray<Address>
  /** Every known address by `z<zip>` and `c<city>`. */
  readonly addresses: ReadonlyMap<string, ReadonlyArray<Address>>
  /** ZIPs that can agree (known and not 00000). */
  readonly zips: ReadonlySet<string>
  /** State and city words (`CA\0SAN JOSE`) of every site with both. */
  readonly places: ReadonlySet<string>
  /** The same, of the sites whose city may count as a shared place (not blank, not UNKNOWN). */
  readonly ownPlaces: ReadonlySet<string>
  /** Cities upper case (none blank): two sites named alike in different cities are not one organisation. */
  readonly cities: ReadonlySet<string>
  /** Canonical words of the cities: a city written after an organisation's name is a site qualifier. */
  readonly cityWords: ReadonlySet<string>
}

const addressOf = (s: string | null): string | undefined => {
  if (s === null) return undefined
  const a = s
    .toUpperCase()
    .replace(/[^A-Z0-9 ]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
  return a === "" || a === "UNKNOWN" ? undefined : a
}

const push = <K, V>(m: Map<K, Array<V>>, k: K, v: V) => {
  const l = m.get(k)
  if (l === undefined) m.set(k, [v])
  else l.push(v)
}

/** Normalise and index a variant's sites once (when the variant is prepared). */
export const indexSites = (sites: ReadonlyArray<Site>): SiteIndex => {
  const numbered = new Map<string, Array<Address>>()
  const unnumbered: Array<Address> = []
  const addresses = new Map<string, Array<Address>>()
  const zips = new Set<string>()
  const places = new Set<string>()
  const ownPlaces = new Set<string>()
  const cities = new Set<string>()
  const cityWords = new Set<string>()
  for (const site of sites) {
    const zip = site.zip !== null && site.zip !== "00000" ? site.zip : undefined
    if (zip !== undefined) zips.add(zip)
    const text = addressOf(site.address)
    if (text !== undefined) {
      const at = [...(zip === undefined ? [] : [`z${zip}`]), ...(site.city === null ? [] : [`c${site.city}`])]
      const address = { text, at }
      const number = /^\d+/.exec(text)?.[0]
      for (const k of at) {
        push(addresses, k, address)
        if (number !== undefined) push(numbered, `${k}\u0000${number}`, address)
      }
      if (number === undefined) unnumbered.push(address)
    }
    const words = cityTokens(site.city)
    if (site.city !== null && site.state !== null) {
      const place = `${site.state}\u0000${words.join(" ")}`
      places.add(place)
      const city = site.city.trim()
      if (city !== "" && !/^UNKNOWN$/i.test(city)) ownPlaces.add(place)
    }
    if (site.city !== null && site.city !== "") cities.add(site.city.toUpperCase())
    for (const w of words) cityWords.add(w)
  }
  return { numbered, unnumbered, addresses, zips, places, ownPlaces, cities, cityWords }
}

/** Two known addresses are one street address when spelled alike (`x` of the first variant, `y` of the second). */
const sameAddress = (xs: ReadonlyArray<Address>, ys: ReadonlyArray<Address> | undefined): boolean => {
  if (ys !== undefined)
    for (const x of xs) for (const y of ys) if (jaroWinkler(x.text, y.text) >= 0.9) return true
  return false
}

/** Whether `small` (the smaller one) and `large` share an element. */
const shared = (small: ReadonlySet<string>, large: ReadonlySet<string>): boolean => {
  for (const x of small) if (large.has(x)) return true
  return false
}
const meet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean =>
  a.size === 0 || b.size === 0 ? false : a.size <= b.size ? shared(a, b) : shared(b, a)

/**
 * Site agreement of two variants, the best over all pairs of their sites: 1 the same street address (in the
 * same ZIP or the same city as written; house numbers, when both have one, equal), 0.7 the same ZIP, 0.5 the
 * same city words in the same state (counted when `a`'s city is not blank or UNKNOWN), 0 otherwise. Only
 * shared keys are looked at: the cost is O(min(sites_a, sites_b)) plus the few address pairs that could match.
 */
export const siteAgreement = (a: SiteIndex, b: SiteIndex): number => {
  if (a.numbered.size <= b.numbered.size) {
    for (const k of a.numbered.keys()) if (sameAddress(a.numbered.get(k)!, b.numbered.get(k))) return 1
  } else
    for (const k of b.numbered.keys()) {
      const xs = a.numbered.get(k)
      if (xs !== undefined && sameAddress(xs, b.numbered.get(k))) return 1
    }
  // an address without a number meets every address of its ZIP or city
  for (const x of a.unnumbered) for (const k of x.at) if (sameAddress([x], b.addresses.get(k))) return 1
  for (const y of b.unnumbered) for (const k of y.at) if (sameAddress(a.addresses.get(k) ?? [], [y])) return 1
  if (meet(a.zips, b.zips)) return 0.7
  if (meet(a.ownPlaces, b.places)) return 0.5
  return 0
}

/** Whether both variants name cities and none of them is the same. */
export const citiesDiffer = (a: SiteIndex, b: SiteIndex): boolean => {
  if (a.cities.size === 0 || b.cities.size === 0) return false
  for (const c of b.cities) if (a.cities.has(c)) return false
  return true
}
