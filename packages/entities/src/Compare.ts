import {
  identityTokens,
  isDescriptor,
  isFacilityWord,
  isStateName,
  isStopword,
  type NormalizedName,
  normalizeName
} from "./Normalize"
import { jaroWinkler, type TokenStats } from "./Similarity"
import { citiesDiffer, indexSites, type Site, type SiteIndex, siteAgreement } from "./Sites"

/** What the matcher knows about one name variant: its published name, the sites, industry codes, registry ids. */
export interface VariantInput {
  /** The variant's id (the silver `company_slug` in the pipeline). */
  readonly key: string
  readonly name: string
  readonly sites: ReadonlyArray<Site>
  /** NAICS codes seen with the name (2-6 digits). */
  readonly naics: ReadonlyArray<string>
  /** EPA FRS registry ids seen with the name. */
  readonly frs: ReadonlyArray<string>
  /** Records behind the variant (for picking a company's display name). */
  readonly rows: number
}

/** A variant ready to compare: its name normalised once. */
export interface Prepared {
  readonly input: VariantInput
  readonly name: NormalizedName
  /** Identity tokens of the head (no stopwords). */
  readonly ids: ReadonlyArray<string>
  /** Identity tokens without generic words (DEPARTMENT, STORE …): what must agree. */
  readonly core: ReadonlyArray<string>
  /** The core tokens written without spaces (what Jaro-Winkler compares). */
  readonly coreText: string
  /** See {@link acronymToken} and {@link initialsOf} (of `ids`). */
  readonly acronym: string | undefined
  readonly initials: string
  /** The trade name's tokens joined by one space ("" when none). */
  readonly tradeText: string
  /** Whether the head names a kind of site (PLANT, PRISON, WWTP …). */
  readonly facility: boolean
  readonly states: ReadonlySet<string>
  /** The sites normalised and indexed once: comparisons look them up instead of re-normalising per pair. */
  readonly sites: SiteIndex
}

/** `ids` without generic words; `ids` itself when it has none (a comparison then reuses the core's scores). */
const coreOf = (ids: ReadonlyArray<string>): ReadonlyArray<string> => {
  const c = ids.filter((t) => !isDescriptor(t))
  return c.length > 0 && c.length < ids.length ? c : ids
}

/**
 * A prepared variant whose site index is built the first time a comparison needs it: most candidate pairs are
 * decided on their names alone, and an index (eight maps and sets) was ~2.8 KB of the ~3.7 KB a prepared name
 * held, which a 1M-row EPA release's 134k new names kept alive at once (the entity step's peak RSS). One getter
 * on the prototype, so every comparison reads it the same way.
 */
class PreparedVariant implements Prepared {
  #sites: SiteIndex | undefined
  constructor(
    readonly input: VariantInput,
    readonly name: NormalizedName,
    readonly ids: ReadonlyArray<string>,
    readonly core: ReadonlyArray<string>,
    readonly coreText: string,
    readonly acronym: string | undefined,
    readonly initials: string,
    readonly tradeText: string,
    readonly facility: boolean,
    readonly states: ReadonlySet<string>
  ) {}
  get sites(): SiteIndex {
    this.#sites ??= indexSites(this.input.sites)
    return this.#sites
  }
}

/** Normalise a variant for comparison (with the city of its first site, so "X AVENAL" at Avenal is X's site). */
export const prepare = (input: VariantInput): Prepared => {
  const name = normalizeName(input.name, { city: input.sites[0]?.city ?? null })
  const ids = identityTokens(name)
  const core = coreOf(ids)
  return new PreparedVariant(
    input,
    name,
    ids,
    core,
    core.join(""),
    acronymOf(ids),
    initialsOf(ids),
    name.trade.join(" "),
    name.head.some(isFacilityWord),
    new Set(input.sites.map((s) => s.state).filter((s): s is string => s !== null && s !== ""))
  )
}

/** The evidence of one comparison, each part 0..1 (or a flag): what `entities show` prints. */
export interface Parts {
  /** Weighted share of each name's core tokens found in the other (the smaller of the two). */
  readonly name: number
  /** The larger share: one name contained in the other. */
  readonly containment: number
  /** Jaro-Winkler of the two heads written without spaces. */
  readonly jaroWinkler: number
  /** 1 same street address, 0.7 same ZIP, 0.5 same city and state, 0 otherwise. */
  readonly site: number
  /** 1 same 4-digit NAICS, 0.5 same sector, -1 different sectors, 0 unknown. */
  readonly naics: number
  /** Both names are sites of different states (a local government there is another body). */
  readonly stateConflict: boolean
}

export type Decision = "merge" | "suggest" | "distinct"

/** A scored comparison: the rule that decided, the score and its parts. */
export interface Comparison {
  readonly decision: Decision
  readonly rule: string
  readonly score: number
  readonly parts: Parts
}

/** What a comparison may know about the corpus: token weights and which heads are known organisations. */
export interface CompareContext {
  readonly stats: TokenStats
  /**
   * Whether a head key is a known organisation: `qualified` when it was seen with site qualifiers
   * ("CA CORRECTIONS - AVENAL", …), `repeated` when several variants share it exactly (store numbers).
   */
  readonly hub: (key: string) => "qualified" | "repeated" | undefined
}

/** Thresholds: at or above `merge` a score joins two names on its own; at or above `suggest` it asks a person. */
export const THRESHOLDS = { merge: 0.92, suggest: 0.72 } as const

/** Token weights by statistics, while those have seen the same number of names (they only grow). */
const weights = new WeakMap<TokenStats, { names: number; byToken: Map<string, number> }>()

const weightsOf = (stats: TokenStats): Map<string, number> => {
  let memo = weights.get(stats)
  if (memo === undefined || memo.names !== stats.size) {
    memo = { names: stats.size, byToken: new Map() }
    weights.set(stats, memo)
  }
  return memo.byToken
}

const weight = (stats: TokenStats, memo: Map<string, number>, t: string): number => {
  let w = memo.get(t)
  if (w === undefined) {
    w = isStopword(t) ? 0 : (isDescriptor(t) ? 0.3 : isStateName(t) ? 0.6 : 1) * stats.idf(t)
    memo.set(t, w)
  }
  return w
}

/**
 * Similarities of long word pairs already computed, by first then second word. Names share few distinct
 * words: a 1M-row ingest asks ~5.6M times about ~4k pairs, and Jaro-Winkler was the comparisons' largest
 * cost. Emptied when it grows past {@link SIMS_CAP} words (a long-lived process meets ever new words).
 */
const sims = new Map<string, Map<string, number>>()
const SIMS_CAP = 50_000

/**
 * Whether two words can reach the Jaro-Winkler of {@link tokenSim} (0.93), from an upper bound: Jaro is at most
 * (m/|a| + m/|b| + 1) / 3 with m matched characters at most the shorter length (or the letters the words have
 * in common, for the second test), and Winkler adds 0.1 × (1 - Jaro) per common leading character (at most 4).
 * Words of unrelated lengths or letters (most pairs of a large vocabulary) are answered without Jaro. The
 * bound is kept a little above the exact one, so a pair near the threshold is always computed.
 */
const ALIKE = 0.93 - 1e-9
const winklerBound = (a: string, b: string, m: number): number => {
  const jaroMax = (m / a.length + m / b.length + 1) / 3
  let p = 0
  while (p < 4 && p < a.length && p < b.length && a.charCodeAt(p) === b.charCodeAt(p)) p++
  return jaroMax + p * 0.1 * (1 - jaroMax)
}
const mayBeAlike = (a: string, b: string): boolean =>
  winklerBound(a, b, Math.min(a.length, b.length)) >= ALIKE
const letterCounts = new Int32Array(128)
const mayBeAlikeByLetters = (a: string, b: string): boolean => {
  for (let i = 0; i < a.length; i++) letterCounts[a.charCodeAt(i) & 127]!++
  let common = 0
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i) & 127
    if (letterCounts[c]! > 0) {
      letterCounts[c]!--
      common++
    }
  }
  letterCounts.fill(0)
  return winklerBound(a, b, common) >= ALIKE
}

/** Token equality for matching: equal, or one misspelling apart in a long word (REHABILITAION). */
export const tokenSim = (a: string, b: string): number => {
  if (a === b) return 1
  if (a.length < 5 || b.length < 5 || !mayBeAlike(a, b)) return 0
  let row = sims.get(a)
  if (row === undefined) {
    if (sims.size >= SIMS_CAP) sims.clear()
    row = new Map()
    sims.set(a, row)
  }
  let sim = row.get(b)
  if (sim === undefined) {
    const jw = /\d/.test(a) || /\d/.test(b) || !mayBeAlikeByLetters(a, b) ? 0 : jaroWinkler(a, b)
    sim = jw >= 0.93 ? jw : 0
    row.set(b, sim)
  }
  return sim
}

/**
 * Rewrite both token lists so words split in one and joined in the other line up: WAL MART vs WALMART,
 * 7 ELEVEN vs 7ELEVEN.
 */
export const alignJoins = (
  a: ReadonlyArray<string>,
  b: ReadonlyArray<string>
): [ReadonlyArray<string>, ReadonlyArray<string>] => {
  const a2 = joinPairs(a, b)
  return [a2, joinPairs(b, a2)]
}

/** Whether `other` holds `x` and `next` written as one word (without building the joined word). */
const joinedIn = (other: ReadonlyArray<string>, x: string, next: string): boolean => {
  for (const y of other)
    if (y.length === x.length + next.length && y.startsWith(x) && y.endsWith(next)) return true
  return false
}

/**
 * `xs` with each pair of words joined where `other` writes them as one word (and not the first alone). Names
 * have a few words, so `other` is scanned rather than hashed, and `xs` itself is returned when nothing joins
 * (most comparisons): this runs three times per comparison.
 */
const joinPairs = (xs: ReadonlyArray<string>, other: ReadonlyArray<string>): ReadonlyArray<string> => {
  let out: Array<string> | undefined
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!
    if (i + 1 < xs.length && joinedIn(other, x, xs[i + 1]!) && !other.includes(x)) {
      out ??= xs.slice(0, i)
      out.push(x + xs[i + 1]!)
      i++
    } else out?.push(x)
  }
  return out ?? xs
}

/** Weighted share of `xs` found in `ys`. */
const coverage = (stats: TokenStats, xs: ReadonlyArray<string>, ys: ReadonlyArray<string>): number => {
  const memo = weightsOf(stats)
  let total = 0
  let got = 0
  for (const x of xs) {
    const w = weight(stats, memo, x)
    total += w
    let best = 0
    for (const y of ys) {
      const s = tokenSim(x, y)
      if (s > best) best = s
      if (best === 1) break
    }
    got += w * best
  }
  return total === 0 ? 0 : got / total
}

/** Whether the first `n` characters of two strings (of at least `n` characters) agree. */
const samePrefix = (x: string, y: string, n: number): boolean => {
  for (let i = 0; i < n; i++) if (x.charCodeAt(i) !== y.charCodeAt(i)) return false
  return true
}

const naicsScore = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  if (a.length === 0 || b.length === 0) return 0
  let best = -1
  for (const x of a)
    for (const y of b) {
      if (x.length >= 4 && y.length >= 4 && samePrefix(x, y, 4)) return 1
      // the sector: the first two digits (all of a shorter code)
      const n = Math.min(2, x.length)
      if (Math.min(2, y.length) === n && samePrefix(x, y, n)) best = Math.max(best, 0.5)
    }
  return best
}

/**
 * `short`'s core tokens in order at the start of `long`'s head (generic words in between are skipped).
 * Returns the identity tokens after the match, or undefined when it is not a prefix — or when the longer name
 * goes on with AND ("FLORIDA POWER" is not a site of "FLORIDA POWER AND LIGHT").
 */
const prefixRest = (
  short: ReadonlyArray<string>,
  longHead: ReadonlyArray<string>
): ReadonlyArray<string> | undefined => {
  let j = 0
  for (const s of short) {
    while (
      j < longHead.length &&
      tokenSim(s, longHead[j]!) === 0 &&
      (isDescriptor(longHead[j]!) || isStopword(longHead[j]!))
    )
      j++
    if (j >= longHead.length || tokenSim(s, longHead[j]!) === 0) return undefined
    j++
  }
  const rest = longHead.slice(j)
  if (rest[0] === "AND") return undefined
  return rest.filter((t) => !isStopword(t))
}

/** Initials of a name's identity words when it has three or more ("CALIFORNIA DEPARTMENT CORRECTION REHABILITATION" -> CDCR). */
export const initialsOf = (ids: ReadonlyArray<string>): string =>
  ids.length >= 3 && ids.every((t) => /^[A-Z]/.test(t)) ? ids.map((t) => t[0]).join("") : ""

const acronymOf = (ids: ReadonlyArray<string>): string | undefined => {
  const t = ids.find((x) => !isStateName(x))
  return t !== undefined && /^[A-Z]{3,6}$/.test(t) ? t : undefined
}

/** The word that may be an acronym: the first identity word after a state name, 3-6 letters. */
export const acronymToken = (p: Prepared): string | undefined => p.acronym

const shareAny = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => {
  for (const x of a) if (b.has(x)) return true
  return false
}

const siteWord = (t: string, cities: ReadonlySet<string>): boolean =>
  isDescriptor(t) || cities.has(t) || /\d/.test(t)

/**
 * Compare two variants at company level: the same organisation (merge), maybe (suggest, for a person to
 * decide) or not (distinct). Rules are tried strongest first; every decision names its rule and its parts.
 */
export const compare = (a: Prepared, b: Prepared, ctx: CompareContext): Comparison => judge(a, b, ctx, true)!

/**
 * {@link compare} for a caller that keeps only merges and suggestions (resolve's candidate loop): the same
 * decision, but `undefined` for a distinct pair, which then needs neither its parts nor its exact score. Most
 * candidate pairs are distinct, and their site agreement is then left uncomputed.
 */
export const compareLinked = (a: Prepared, b: Prepared, ctx: CompareContext): Comparison | undefined =>
  judge(a, b, ctx, false)

const judge = (a: Prepared, b: Prepared, ctx: CompareContext, distinct: boolean): Comparison | undefined => {
  // the states' agreement too only when a rule or the result needs it
  let statesApart: boolean | undefined
  const stateConflict = () => {
    statesApart ??= a.states.size > 0 && b.states.size > 0 && !shareAny(a.states, b.states)
    return statesApart
  }
  const [ac, bc] = alignJoins(a.core, b.core)
  const covA = coverage(ctx.stats, ac, bc)
  const covB = coverage(ctx.stats, bc, ac)
  const name = Math.min(covA, covB)
  const containment = Math.max(covA, covB)
  // the spelling and site agreements only when a rule or the result needs them
  let jwScore: number | undefined
  const jw = () => {
    jwScore ??= jaroWinkler(
      ac === a.core ? a.coreText : ac.join(""),
      bc === b.core ? b.coreText : bc.join("")
    )
    return jwScore
  }
  let siteScore: number | undefined
  const site = () => {
    siteScore ??= siteAgreement(a.sites, b.sites)
    return siteScore
  }
  let naicsAgreement: number | undefined
  const naics = () => {
    naicsAgreement ??= naicsScore(a.input.naics, b.input.naics)
    return naicsAgreement
  }
  const out = (decision: Decision, rule: string, score: number): Comparison | undefined =>
    decision === "distinct" && !distinct
      ? undefined
      : {
          decision,
          rule,
          score: Math.round(score * 1000) / 1000,
          parts: {
            name,
            containment,
            jaroWinkler: jw(),
            site: site(),
            naics: naics(),
            stateConflict: stateConflict()
          }
        }
  if (a.input.frs.some((f) => b.input.frs.includes(f))) return out("merge", "same EPA FRS registry id", 1)
  if (a.ids.length === 0 || b.ids.length === 0) return out("distinct", "no name left to compare", 0)
  // A local government is its place: the same name in another state is another body.
  const government = a.name.government || b.name.government
  if (government && stateConflict()) return out("distinct", "local governments of different states", 0)
  if (a.name.key === b.name.key) return out("merge", "same normalised name", 1)
  // Same words up to spelling and weight; a local government's every identity word must agree ("CITY OF
  // PANAMA CITY" vs "… BEACH"). Words of one name beyond the other may only be generic ones, on one side.
  // names without generic words: the identity words are the core words, already scored
  const coreIsIds = a.core === a.ids && b.core === b.ids
  const [ai, bi] = coreIsIds ? [ac, bc] : alignJoins(a.ids, b.ids)
  const idA = coreIsIds ? covA : coverage(ctx.stats, ai, bi)
  const idB = coreIsIds ? covB : coverage(ctx.stats, bi, ai)
  const onlyDescriptorsExtra = (xs: ReadonlyArray<string>, ys: ReadonlyArray<string>) =>
    xs.every((x) => ys.some((y) => tokenSim(x, y) > 0) || isDescriptor(x))
  const subset =
    name >= THRESHOLDS.merge &&
    ((idA >= 0.999 && onlyDescriptorsExtra(bi, ai)) || (idB >= 0.999 && onlyDescriptorsExtra(ai, bi)))
  const sameWords = government ? Math.min(idA, idB) >= 0.99 : Math.min(idA, idB) >= THRESHOLDS.merge || subset
  // two sites named alike in different cities ("NORTHWEST REGIONAL WWTP" in Tampa and in Sanford) are not one
  const bothFacilities = a.facility && b.facility
  const otherCities = bothFacilities && citiesDiffer(a.sites, b.sites)
  if (sameWords && jw() >= 0.8 && !otherCities)
    return out("merge", "same name words (weighted)", Math.max(name, Math.min(idA, idB)))
  // Acronyms: "CDCR HIGH DESERT STATE PRISON" / "CA DEPT OF CORRECTIONS AND REHABILITATION", "FPL" / "FLORIDA
  // POWER & LIGHT"; three letters collide easily, so those also need the same state
  for (let side = 0; side < 2; side++) {
    const x = side === 0 ? a : b
    const y = side === 0 ? b : a
    const acr = x.acronym
    if (
      acr === undefined ||
      acr !== y.initials ||
      y.ids.includes(acr) ||
      // the expansion must be words (4+ letters with a vowel), not acronyms ("CA CORRECTIONS CCWF" is no CCC)
      y.ids.some((t) => t.length < 4 || !/[AEIOUY]/.test(t))
    )
      continue
    const sameState = shareAny(x.states, y.states)
    if (naics() >= 0 && (acr.length >= 4 ? !stateConflict() : sameState))
      return out("merge", "acronym of the other name", 0.9)
  }
  // Trade names: "X DBA Y" and "Y" are one operator
  const tradeA = a.tradeText
  const tradeB = b.tradeText
  const tradeCore = (t: ReadonlyArray<string>) => t.some((x) => !isDescriptor(x) && !isStateName(x))
  if (
    (tradeA !== "" && tradeCore(a.name.trade) && (tradeA === b.name.key || tradeA === tradeB)) ||
    (tradeB !== "" && tradeCore(b.name.trade) && tradeB === a.name.key)
  )
    return out("merge", "trade name (DBA) equals the other name", 0.9)
  // One name is the other plus site qualifiers: "CA CORRECTIONS" / "CA CORRECTIONS PELICAN BAY STATE PRISON"
  const short = a.core.length <= b.core.length ? a : b
  const long = short === a ? b : a
  const [sc, lh] = alignJoins(short.core, long.name.head)
  const rest = prefixRest(sc, lh)
  // the shorter name must say who: a word that is no state, generic or site word ("CA STATE PRISON" does not),
  // and two core words or one long one
  const strongShort =
    sc.some((t) => !isDescriptor(t) && !isStateName(t)) &&
    (sc.length >= 2 || (sc.length === 1 && sc[0]!.length >= 5))
  if (rest !== undefined && rest.length > 0 && strongShort) {
    // a local government is its place: the city's words are no site qualifier there
    const cities: ReadonlySet<string> = government ? new Set() : long.sites.cityWords
    // "… LAUDERDALE PLANT", "… PELICAN BAY STATE PRISON": a site's own name ending in a site word
    const namedSite = !government && rest.length <= 4 && isFacilityWord(rest[rest.length - 1]!)
    const qualifiers = namedSite || rest.every((t) => siteWord(t, cities))
    // a name seen with site qualifiers is an organisation; one seen only as many spellings of itself is one
    // when the industry agrees too
    const strength = ctx.hub(short.name.key)
    const hub = strength === "qualified" || (strength === "repeated" && (naics() === 1 || site() >= 0.5))
    if (otherCities && !hub) {
      // two sites named alike in different cities: not one organisation on the name alone
    } else if (government ? qualifiers : qualifiers || hub || site() >= 1) {
      if (naics() >= 0 || site() >= 0.5)
        return out(
          "merge",
          qualifiers
            ? "name plus site qualifiers"
            : hub
              ? "known organisation plus a site name"
              : "name contained, same site",
          0.9
        )
      return out("suggest", "name contained, different industry", 0.8)
    }
  }
  // Same site and one name holds the other
  if (containment >= THRESHOLDS.merge && strongShort && naics() >= 0 && !government && site() >= 1)
    return out("merge", "same site, one name contains the other", 0.88)
  const scoreWith = (j: number, s: number, industry: number) =>
    0.55 * name + 0.25 * j + 0.2 * s + (industry < 0 ? -0.1 : 0)
  const similar = containment >= 0.9 && strongShort
  // a pair below the threshold even with full spelling, site and industry agreement is distinct whatever they
  // are (the sum is monotone in each term, in floating point too)
  if (!distinct && !similar && scoreWith(1, 1, 1) < THRESHOLDS.suggest) return undefined
  const score = scoreWith(jw(), site(), naics())
  if (score >= THRESHOLDS.suggest || similar) return out("suggest", "similar names", score)
  return out("distinct", "different names", score)
}
