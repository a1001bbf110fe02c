import { citySlug, companySlug, isSlug, type UsState } from "@ventureos/core"
import { cluster, type Link } from "./Cluster"
import {
  acronymToken,
  type CompareContext,
  type Comparison,
  compare,
  compareLinked,
  initialsOf,
  type Parts,
  type Prepared,
  prepare,
  type VariantInput
} from "./Compare"
import { isDescriptor, isStopword } from "./Normalize"
import { TokenStats } from "./Similarity"
import type { Site } from "./Sites"

/**
 * The entity map: every name variant (a silver `company_slug`) -> its company (the key of one of its
 * variants) -> optionally a parent; facilities are (company, site) pairs. It is data: the pipeline stores
 * it in the lake home, the CLI curates it through overrides, serving rolls gold up through it.
 */
export interface VariantEntry {
  readonly input: VariantInput
  /** The normalised head key (cached: token statistics and blocking need no re-normalisation). */
  readonly head: string
  /** Whether the name had site qualifiers after the organisation. */
  readonly qualified: boolean
  readonly company: string
  /** Why the variant is in its company: the rule that linked it, or `representative` / an override. */
  readonly rule: string
  readonly score: number
  /** The variant it was linked to (null for a company's representative). */
  readonly via: string | null
  readonly parts: Parts | null
  /** How the clustering's coherence check passed for the link (`single`, `representatives`, `links:n`). */
  readonly coherence: string | null
}

export interface CompanyEntry {
  readonly name: string
  /** Parent company key (or a parent slug set by an operator); null when none is known. */
  readonly parent: string | null
}

export interface EntityMap {
  /** Incremented by every resolve that changed something. */
  readonly version: number
  readonly updatedAt: string
  readonly variants: Readonly<Record<string, VariantEntry>>
  readonly companies: Readonly<Record<string, CompanyEntry>>
  /** Pairs for a person to review (similar names in different companies), strongest first; kept across runs. */
  readonly suggestions?: ReadonlyArray<Suggestion>
  /**
   * Where the map is known to be complete: per source (e.g. an agency's silver table), the snapshot whose every
   * name it holds. Set by the caller that read the names; `resolve` does not carry it (after an override the
   * next update reads everything again).
   */
  readonly complete?: Readonly<Record<string, string>>
}

/** An operator's correction; the matcher replays all of them, in order, on every resolve. */
export type Override =
  | { readonly op: "merge"; readonly from: string; readonly into: string }
  | { readonly op: "split"; readonly variant: string }
  | { readonly op: "parent"; readonly company: string; readonly parent: string | null }
  | { readonly op: "rename"; readonly company: string; readonly name: string }

/** An override as stored: numbered (the overrides file is append-only, its versions are the history). */
export interface OverrideRecord {
  readonly version: number
  readonly at: string
  readonly override: Override
}

/** A pair a person should look at: similar, but not merged on its own (or merged links refused as incoherent). */
export interface Suggestion {
  readonly a: string
  readonly b: string
  readonly companyA: string
  readonly companyB: string
  readonly comparison: Comparison
}

export const emptyMap = (): EntityMap => ({ version: 0, updatedAt: "", variants: {}, companies: {} })

const MAX_SITES = 20
const POSTINGS_CAP = 2000
/** A word held by at most this many names is rare enough to block on as a second key. */
const RARE = 200
const MAX_CANDIDATES = 300

const siteKey = (s: Site): string =>
  `${s.address ?? ""}|${s.city ?? ""}|${s.state ?? ""}|${s.zip ?? ""}`.toUpperCase()

const mergeInput = (a: VariantInput, b: VariantInput): VariantInput => {
  const sites = new Map(a.sites.map((s) => [siteKey(s), s]))
  for (const s of b.sites) if (sites.size < MAX_SITES) sites.set(siteKey(s), s)
  return {
    key: a.key,
    name: b.rows > a.rows ? b.name : a.name,
    sites: [...sites.values()],
    naics: [...new Set([...a.naics, ...b.naics])].slice(0, 10),
    frs: [...new Set([...a.frs, ...b.frs])].slice(0, 10),
    rows: a.rows + b.rows
  }
}

/** Facility key of a company at a site: `<company>@<zip>` or `<company>@<city-st>`, else `<company>@unknown`. */
export const facilityKey = (company: string, site: Site | undefined): string => {
  if (site === undefined) return `${company}@unknown`
  if (site.zip !== null && /^\d{5}$/.test(site.zip) && site.zip !== "00000") return `${company}@${site.zip}`
  const c = citySlug(site.city, site.state as UsState | null)
  return `${company}@${c ?? "unknown"}`
}

/** A representative among prepared variants: a name without site qualifiers first, then most records, then shortest. */
const representative = (ps: ReadonlyArray<Prepared>): Prepared =>
  [...ps].sort(
    (x, y) =>
      Number(x.name.tail.length > 0) - Number(y.name.tail.length > 0) ||
      y.input.rows - x.input.rows ||
      x.name.key.length - y.name.key.length ||
      (x.input.key < y.input.key ? -1 : 1)
  )[0]!

export interface ResolveOptions {
  readonly now?: string
  /** Keep suggestions (pairs to review); default true. */
  readonly suggestions?: boolean
}

export interface ResolveResult {
  readonly map: EntityMap
  /** Variants whose company changed (including new ones), with the old company (null when new). */
  readonly moved: ReadonlyArray<{
    readonly variant: string
    readonly from: string | null
    readonly to: string
  }>
  readonly suggestions: ReadonlyArray<Suggestion>
  /** Comparisons scored (the cost of the run). */
  readonly compared: number
}

/**
 * Resolve new (or updated) variants against the map, incrementally: only pairs with at least one incoming
 * variant are scored, candidates come from blocking (the incoming name's two rarest tokens, its first two
 * core tokens, words joined, its EPA FRS registry ids), and existing companies stay as they are unless a new
 * name ties two of them coherently. Operator overrides are replayed last, so they always win.
 */
export const resolve = (
  map: EntityMap,
  inputs: ReadonlyArray<VariantInput>,
  overrides: ReadonlyArray<OverrideRecord> = [],
  options: ResolveOptions = {}
): ResolveResult => {
  const now = options.now ?? new Date().toISOString()
  const entries = new Map<string, VariantEntry>(Object.entries(map.variants))
  const incoming = new Map<string, VariantInput>()
  for (const i of inputs) {
    const prior = incoming.get(i.key)
    incoming.set(i.key, prior === undefined ? i : mergeInput(prior, i))
  }
  const prepared = new Map<string, Prepared>()
  const prep = (key: string): Prepared => {
    let p = prepared.get(key)
    if (p === undefined) {
      p = prepare(incoming.get(key) ?? entries.get(key)!.input)
      prepared.set(key, p)
    }
    return p
  }
  // Incoming inputs update what the map knows of a variant (more sites, codes, records).
  const fresh: Array<string> = []
  for (const [key, input] of incoming) {
    const e = entries.get(key)
    const merged = e === undefined ? input : mergeInput(e.input, input)
    incoming.set(key, merged)
    if (e === undefined) fresh.push(key)
  }
  const keys = [...new Set([...entries.keys(), ...incoming.keys()])].sort()
  const index = new Map(keys.map((k, i) => [k, i]))
  const headOf = (k: string): string => {
    const e = entries.get(k)
    if (e !== undefined && !incoming.has(k)) return e.head
    return prep(k).name.key
  }
  const qualifiedOf = (k: string): boolean => {
    const e = entries.get(k)
    if (e !== undefined && !incoming.has(k)) return e.qualified
    return prep(k).name.tail.length > 0
  }
  // Token statistics (IDF) over every variant's head; heads seen with site qualifiers are organisations.
  const stats = new TokenStats()
  const qualifiedHeads = new Map<string, number>()
  const headCounts = new Map<string, number>()
  const postings = new Map<string, Array<number>>()
  const post = (token: string, i: number) => {
    const l = postings.get(token)
    if (l === undefined) postings.set(token, [i])
    else if (l.length < POSTINGS_CAP) l.push(i)
  }
  for (const [i, k] of keys.entries()) {
    const head = headOf(k)
    const toks = head === "" ? [] : head.split(" ")
    stats.add(toks)
    if (qualifiedOf(k)) qualifiedHeads.set(head, (qualifiedHeads.get(head) ?? 0) + 1)
    headCounts.set(head, (headCounts.get(head) ?? 0) + 1)
    const core = toks.filter((t) => !isDescriptor(t) && !isStopword(t))
    const c = core.length > 0 ? core : toks
    for (const t of toks) post(t, i)
    for (let j = 0; j + 1 < toks.length; j++) post(`${toks[j]}${toks[j + 1]}`, i)
    const initials = initialsOf(toks.filter((t) => !isStopword(t)))
    if (initials !== "") post(`#${initials}`, i)
    if (c.length >= 1) post(`^${c.slice(0, 2).join(" ")}`, i)
    // one-word names ("WALMART") are found by the longer names that start with them
    if (c.length === 1) post(`^${c[0]}`, i)
    // names of one EPA facility (FRS registry id) meet whatever they are called
    const e = entries.get(k)
    for (const f of (incoming.get(k) ?? e?.input)?.frs ?? []) post(`@${f}`, i)
  }
  const companySizes = new Map<string, number>()
  for (const e of entries.values()) companySizes.set(e.company, (companySizes.get(e.company) ?? 0) + 1)
  const ctx: CompareContext = {
    stats,
    hub: (head) =>
      (qualifiedHeads.get(head) ?? 0) >= 2
        ? "qualified"
        : (headCounts.get(head) ?? 0) >= 3
          ? "repeated"
          : undefined
  }

  // Operator state: pinned (split) variants never link automatically.
  const pinned = new Set<string>()
  for (const o of overrides) {
    if (o.override.op === "split") pinned.add(o.override.variant)
    if (o.override.op === "merge") {
      pinned.delete(o.override.from)
      pinned.delete(o.override.into)
    }
  }

  // Score incoming variants against their candidates.
  const links: Array<Link> = []
  const linkInfo = new Map<string, Comparison>()
  const suggestionPairs: Array<[number, number, Comparison]> = []
  let compared = 0
  // A pair is met twice only when both names are incoming: each name keeps the incoming names still to come
  // that it was scored against, which the later one checks (a set of every pair scored was the loop's cost).
  const pending = new Uint8Array(keys.length)
  for (const k of incoming.keys()) pending[index.get(k)!] = 1
  const scoredWith = new Map<number, Set<number>>()
  // how many blocking keys found each candidate of the current name, reset after it: a typed array instead
  // of a map per name (up to ~10k postings visited per name)
  const hitCount = new Int32Array(keys.length)
  for (const k of incoming.keys()) {
    if (pinned.has(k)) continue
    const p = prep(k)
    const i = index.get(k)!
    pending[i] = 0
    const toks = p.name.key === "" ? [] : p.name.key.split(" ")
    const core = p.core
    const lookups = new Set<string>()
    // the rarest word always, the second rarest while it is still rare: the cost follows the new names
    const rare = [...new Set(toks)]
      .filter((t) => !isStopword(t))
      .sort((x, y) => stats.count(x) - stats.count(y))
    if (rare[0] !== undefined) lookups.add(rare[0])
    if (rare[1] !== undefined && stats.count(rare[1]) <= RARE) lookups.add(rare[1])
    for (let j = 0; j + 1 < toks.length; j++) lookups.add(`${toks[j]}${toks[j + 1]}`)
    if (core.length >= 1) {
      lookups.add(`^${core.slice(0, 2).join(" ")}`)
      // a one-word name this one extends ("WALMART" for "WALMART NEIGHBORHOOD MARKET")
      lookups.add(`^${core[0]}`)
    }
    // acronyms both ways: this name's acronym word among others' initials, this name's initials among their words
    const acr = acronymToken(p)
    if (acr !== undefined) lookups.add(`#${acr}`)
    const own = initialsOf(p.ids)
    if (own !== "") lookups.add(own)
    for (const f of p.input.frs) lookups.add(`@${f}`)
    // candidates in the order first found, with how many keys found each
    const found: Array<number> = []
    for (const l of lookups)
      for (const c of postings.get(l) ?? [])
        if (c !== i) {
          const n = hitCount[c]!
          if (n === 0) found.push(c)
          hitCount[c] = n + 1
        }
    // at most MAX_CANDIDATES per name: those found by the most keys
    const cands =
      found.length <= MAX_CANDIDATES
        ? found
        : [...found].sort((x, y) => hitCount[y]! - hitCount[x]! || x - y).slice(0, MAX_CANDIDATES)
    for (const c of found) hitCount[c] = 0
    for (const c of cands) {
      const other = keys[c]!
      if (pinned.has(other)) continue
      if (scoredWith.get(c)?.has(i) === true) continue
      if (pending[c] === 1) {
        const later = scoredWith.get(i)
        if (later === undefined) scoredWith.set(i, new Set([c]))
        else later.add(c)
      }
      const a = Math.min(i, c)
      const b = Math.max(i, c)
      // existing pairs were decided before; only pairs with an incoming variant are scored
      const cmp = compareLinked(p, prep(other), ctx)
      compared++
      if (cmp === undefined) continue
      if (cmp.decision === "merge") {
        links.push({ a, b, score: cmp.score })
        linkInfo.set(`${a}:${b}`, cmp)
      } else if (cmp.decision === "suggest") suggestionPairs.push([i, c, cmp])
    }
  }

  // Cluster: existing companies are the starting groups.
  const initial = new Map<string, Array<number>>()
  for (const [k, e] of entries) {
    if (pinned.has(k) && e.company !== k) continue
    const g = initial.get(e.company) ?? []
    g.push(index.get(k)!)
    initial.set(e.company, g)
  }
  const repCache = new Map<string, Prepared>()
  const repOf = (g: ReadonlyArray<number>): Prepared => {
    const id = g.join(",")
    let r = repCache.get(id)
    if (r === undefined) {
      // an existing company's own variant represents it
      const own = g.find((x) => {
        const e = entries.get(keys[x]!)
        return e !== undefined && e.company === keys[x]
      })
      r = own !== undefined ? prep(keys[own]!) : representative(g.slice(0, 200).map((x) => prep(keys[x]!)))
      repCache.set(id, r)
    }
    return r
  }
  const { groups, joins } = cluster(keys.length, links, {
    initial: [...initial.values()],
    // the groups' representatives must match on their own, or be close names (suggest with most tokens shared)
    representativesAgree: (a, b) => {
      const c = compare(repOf(a), repOf(b), ctx)
      return c.decision === "merge" || (c.decision === "suggest" && c.parts.name >= 0.6)
    }
  })
  const coherenceOf = new Map<string, string>()
  for (const j of joins) coherenceOf.set(`${j.link.a}:${j.link.b}`, j.coherence)

  // Group -> company key
  const groupOf = new Int32Array(keys.length)
  for (const [gi, g] of groups.entries()) for (const x of g) groupOf[x] = gi
  const companyOfGroup = groups.map((g) => {
    const counts = new Map<string, number>()
    for (const x of g) {
      const e = entries.get(keys[x]!)
      if (e !== undefined && !(pinned.has(keys[x]!) && e.company !== keys[x]))
        counts.set(e.company, (counts.get(e.company) ?? 0) + 1)
    }
    const existing = [...counts.entries()]
      .filter(([c]) => g.includes(index.get(c) ?? -1))
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0]
    return existing ?? repOf(g).input.key
  })
  const companyOf = (i: number): string => companyOfGroup[groupOf[i]!]!

  // Entries after clustering; each variant's links by item (a scan of all links per variant was quadratic)
  const linksOf = new Map<number, Array<Link>>()
  for (const l of links)
    for (const x of [l.a, l.b]) {
      const got = linksOf.get(x)
      if (got === undefined) linksOf.set(x, [l])
      else got.push(l)
    }
  const next = new Map<string, VariantEntry>()
  for (const [i, k] of keys.entries()) {
    const company = companyOf(i)
    const prior = entries.get(k)
    const input = incoming.get(k) ?? prior!.input
    if (prior !== undefined && !incoming.has(k) && prior.company === company && !pinned.has(k)) {
      next.set(k, prior)
      continue
    }
    let best: { other: number; cmp: Comparison } | undefined
    for (const l of linksOf.get(i) ?? []) {
      const o = l.a === i ? l.b : l.a
      if (companyOf(o) !== company) continue
      const cmp = linkInfo.get(`${l.a}:${l.b}`)!
      if (best === undefined || cmp.score > best.cmp.score) best = { other: o, cmp }
    }
    const p = prep(k)
    const keepPrior = prior !== undefined && prior.company === company && best === undefined
    next.set(k, {
      input,
      head: p.name.key,
      qualified: p.name.tail.length > 0,
      company,
      rule: keepPrior
        ? prior!.rule
        : company === k
          ? "representative"
          : best !== undefined
            ? best.cmp.rule
            : "joined with its company",
      score: keepPrior ? prior!.score : company === k ? 1 : (best?.cmp.score ?? 1),
      via: keepPrior ? prior!.via : company === k ? null : best !== undefined ? keys[best.other]! : null,
      parts: keepPrior ? prior!.parts : company === k ? null : (best?.cmp.parts ?? null),
      coherence: keepPrior
        ? prior!.coherence
        : best === undefined
          ? null
          : (coherenceOf.get(`${Math.min(i, best.other)}:${Math.max(i, best.other)}`) ?? "single")
    })
  }

  // Operator overrides, in order: they always win.
  const companies = new Map<string, CompanyEntry>()
  const nameOf = (company: string): string => {
    const e = next.get(company)
    return e?.input.name ?? company
  }
  const membersOf = (company: string) => [...next.entries()].filter(([, e]) => e.company === company)
  for (const o of overrides) {
    const ov = o.override
    if (ov.op === "merge") {
      const from = next.get(ov.from)?.company ?? ov.from
      const into = next.get(ov.into)?.company ?? ov.into
      if (from === into || !next.has(ov.from) || !next.has(ov.into)) continue
      for (const [k, e] of membersOf(from))
        next.set(k, {
          ...e,
          company: into,
          rule: `operator merge (override ${o.version})`,
          score: 1,
          via: ov.into,
          parts: null,
          coherence: null
        })
    } else if (ov.op === "split") {
      const e = next.get(ov.variant)
      if (e === undefined) continue
      const former = e.company
      next.set(ov.variant, {
        ...e,
        company: ov.variant,
        rule: `operator split (override ${o.version})`,
        score: 1,
        via: null,
        parts: null,
        coherence: null
      })
      if (former === ov.variant) {
        // the company's own variant left: the rest keep a company of their own, keyed by their representative
        const rest = membersOf(former).filter(([k]) => k !== ov.variant)
        if (rest.length > 0) {
          const rep = representative(rest.map(([k]) => prep(k))).input.key
          for (const [k, r] of rest) next.set(k, { ...r, company: rep })
        }
      }
    }
  }
  for (const e of next.values())
    if (!companies.has(e.company)) companies.set(e.company, { name: nameOf(e.company), parent: null })
  for (const o of overrides) {
    const ov = o.override
    if (ov.op !== "parent" && ov.op !== "rename") continue
    const c = next.get(ov.company)?.company ?? ov.company
    const prior = companies.get(c)
    if (prior === undefined) continue
    if (ov.op === "rename") companies.set(c, { ...prior, name: ov.name })
    else {
      const parent = ov.parent === null ? null : (next.get(ov.parent)?.company ?? ov.parent)
      companies.set(c, { ...prior, parent: parent === c ? null : parent })
    }
  }

  const moved: Array<{ variant: string; from: string | null; to: string }> = []
  for (const [k, e] of next) {
    const from = entries.get(k)?.company ?? null
    if (from !== e.company) moved.push({ variant: k, from, to: e.company })
  }
  const suggestions: Array<Suggestion> = []
  if (options.suggestions !== false) {
    const seenS = new Set<string>()
    const push = (i: number, c: number, cmp: Comparison) => {
      const a = keys[i]!
      const b = keys[c]!
      const ca = next.get(a)!.company
      const cb = next.get(b)!.company
      const id = ca < cb ? `${ca}|${cb}` : `${cb}|${ca}`
      if (ca === cb || seenS.has(id)) return
      seenS.add(id)
      suggestions.push({ a, b, companyA: ca, companyB: cb, comparison: cmp })
    }
    for (const [i, c, cmp] of suggestionPairs) push(i, c, cmp)
    for (const l of links) {
      const cmp = linkInfo.get(`${l.a}:${l.b}`)!
      push(l.a, l.b, {
        ...cmp,
        decision: "suggest",
        rule: `${cmp.rule} (refused: the groups are not coherent)`
      })
    }
    suggestions.sort((x, y) => y.comparison.score - x.comparison.score || (x.a < y.a ? -1 : 1))
  }
  // suggestions of earlier runs stay while their names are still in different companies
  const kept = (map.suggestions ?? []).filter((x) => {
    const ca = next.get(x.a)?.company
    const cb = next.get(x.b)?.company
    return ca !== undefined && cb !== undefined && ca !== cb
  })
  const seenPairs = new Set(suggestions.map((x) => `${x.a}|${x.b}`))
  const allSuggestions = [
    ...suggestions,
    ...kept
      .filter((x) => !seenPairs.has(`${x.a}|${x.b}`))
      .map((x) => ({ ...x, companyA: next.get(x.a)!.company, companyB: next.get(x.b)!.company }))
  ]
    .sort((x, y) => y.comparison.score - x.comparison.score || (x.a < y.a ? -1 : 1))
    .slice(0, 1000)
  const changed = moved.length > 0 || incoming.size > 0 || overrides.length > 0
  return {
    map: {
      version: changed ? map.version + 1 : map.version,
      updatedAt: changed ? now : map.updatedAt,
      variants: Object.fromEntries([...next.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      companies: Object.fromEntries([...companies.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      suggestions: allSuggestions
    },
    moved,
    suggestions,
    compared
  }
}

/** The company of a variant under the map (the variant itself when the map does not know it). */
export const companyOf = (map: EntityMap, variant: string): string =>
  map.variants[variant]?.company ?? variant

/** The parent of a company (the company itself when none is known). */
export const parentOf = (map: EntityMap, company: string): string => map.companies[company]?.parent ?? company

/** Variant -> company for every variant whose company is another key (what serving redirects). */
export const aliases = (map: EntityMap): Map<string, string> => {
  const out = new Map<string, string>()
  for (const [k, e] of Object.entries(map.variants)) if (e.company !== k) out.set(k, e.company)
  return out
}

/** Members of each company. */
export const membersByCompany = (map: EntityMap): Map<string, Array<string>> => {
  const out = new Map<string, Array<string>>()
  for (const [k, e] of Object.entries(map.variants)) {
    const l = out.get(e.company)
    if (l === undefined) out.set(e.company, [k])
    else l.push(k)
  }
  return out
}

/** Everything known about a company (or the company of a variant): members with why each joined, facilities. */
export const explain = (
  map: EntityMap,
  key: string
):
  | {
      readonly company: string
      readonly name: string
      readonly parent: string
      readonly variants: ReadonlyArray<{
        readonly variant: string
        readonly name: string
        readonly rule: string
        readonly score: number
        readonly via: string | null
        readonly coherence: string | null
        readonly parts: Parts | null
      }>
      readonly facilities: ReadonlyArray<{
        readonly facility: string
        readonly site: Site
        readonly variants: ReadonlyArray<string>
      }>
    }
  | undefined => {
  const company = map.variants[key]?.company ?? (map.companies[key] !== undefined ? key : undefined)
  if (company === undefined) return undefined
  const members = Object.entries(map.variants).filter(([, e]) => e.company === company)
  const facilities = new Map<string, { site: Site; variants: Set<string> }>()
  for (const [k, e] of members)
    for (const s of e.input.sites) {
      const f = facilityKey(company, s)
      const got = facilities.get(f) ?? { site: s, variants: new Set<string>() }
      got.variants.add(k)
      facilities.set(f, got)
    }
  return {
    company,
    name: map.companies[company]?.name ?? company,
    parent: parentOf(map, company),
    variants: members.map(([k, e]) => ({
      variant: k,
      name: e.input.name,
      rule: e.rule,
      score: e.score,
      via: e.via,
      coherence: e.coherence,
      parts: e.parts
    })),
    facilities: [...facilities.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([facility, f]) => ({ facility, site: f.site, variants: [...f.variants].sort() }))
  }
}

/** The variant key a name gets in the lake: its silver company slug (what ingest stores), or a fallback. */
export const variantKeyOf = (name: string): string => {
  const s = companySlug(name)
  return s !== undefined && isSlug(s) ? s : "unnamed"
}
