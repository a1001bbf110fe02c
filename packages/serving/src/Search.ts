import { companySlug, isSlug, parseEntityKey, parseUsState, usStateName } from "@ventureos/core"
import type { SearchEntry, SearchMatch, SearchResult } from "./Model"

/**
 * The pure half of the name search, shared by every ServingStore layer (so the memory layer and DynamoDB
 * answer identically). See `README.md` ("Name search") for the design and its measurements.
 *
 * Index (written per entity): every significant word of its names is a *term* (`WAL-MART STORES, INC.` ->
 * `walmart`, `stores`). A term is stored three ways: in the *vocabulary block* of its first three letters
 * (`wal` -> {walmart:13, walgreens:9, ...}: term and a popularity bucket), as a *posting* (term -> entity,
 * ranked by violation count) and in the entity's *doc* (what was indexed, for the exact lookup and for
 * removing stale postings after a rename).
 *
 * Query: one BatchGetItem reads the docs of the slugs the query could be (exact matches) and the vocabulary
 * blocks of its words; the words are matched against the vocabulary (equal, prefix, or within an edit
 * distance: `walmrt` -> walmart, `corections` -> corrections), the best few terms' postings are read (one
 * Query each, most-cited first), and the candidates are ranked: exact slug, then prefix, then fuzzy.
 */

/** Words that do not identify an entity (legal forms, articles): not indexed, ignored in queries. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  "inc",
  "incorporated",
  "llc",
  "lc",
  "llp",
  "lllp",
  "pllc",
  "lp",
  "ltd",
  "limited",
  "corp",
  "corporation",
  "co",
  "company",
  "cos",
  "plc",
  "pc",
  "the",
  "of",
  "and",
  "dba"
])

/** Longest indexed term; longer words are cut (company names are cut at 50 characters anyway). */
export const MAX_TERM_LENGTH = 40
/** Names of an entry that are indexed: the display name and the first variants. */
export const MAX_INDEXED_NAMES = 21
/** Terms indexed per entity (display-name words first). */
export const MAX_TERMS = 32
/** Postings read per search (one Query each). */
export const TERM_BUDGET = 3
/** Results below this similarity are not returned. */
export const MIN_SCORE = 0.5
/** Longest query (characters). */
export const MAX_QUERY_LENGTH = 100

const fold = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    // Apostrophes and stray quotes inside words: SAM'S -> sams, WEGMAN"S -> wegmans
    .replace(/([a-z0-9])["'`’]([a-z0-9])/g, "$1$2")
    // Periods inside abbreviations: L.L.C. -> llc, U.S. -> us
    .replace(/\./g, "")
    // A hyphen between letters or digits is spelling, as in the slugs: WAL-MART == WALMART, 7-ELEVEN
    .replace(/([a-z0-9])-(?=[a-z0-9])/g, "$1")
    // As in the slugs (a stop word, but part of the name a corrected query is slugged from)
    .replace(/[&+]/g, " and ")

/** All words of a name, lowercase ASCII letters and digits. */
export const words = (s: string): Array<string> =>
  fold(s)
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.slice(0, MAX_TERM_LENGTH))

/**
 * The significant words of a name: stop words and store numbers (3+ digits) dropped; a name made only of
 * such words keeps them (`THE COMPANY`, the state `CO`).
 */
export const tokens = (s: string): Array<string> => {
  const all = words(s)
  const sig = all.filter((w) => !STOP_WORDS.has(w) && !/^\d{3,}$/.test(w))
  return sig.length > 0 ? sig : all.filter((w) => !/^\d{3,}$/.test(w))
}

/** Adjacent short words joined (`WAL MART` -> walmart, `AT&T` -> att): how the same name is spelt whole. */
const shortJoins = (toks: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i + 1 < toks.length; i++) {
    const a = toks[i]!
    const b = toks[i + 1]!
    if (a.length <= 4 && b.length <= 4) out.push(a + b)
  }
  return out
}

/** The vocabulary block of a term: its first three letters (a two-letter term is its own block). */
export const blockOf = (term: string): string => term.slice(0, 3)

/** Popularity bucket of a violation count (0, then 1 + floor(log2 count)): ranks vocabulary candidates. */
export const bucketOf = (count: number): number => (count <= 0 ? 0 : 1 + Math.floor(Math.log2(count)))

/** A vocabulary entry: `term:bucket`. */
export const vocabEntry = (term: string, bucket: number): string => `${term}:${bucket}`

/** Terms and their best bucket from a block's entries. */
export const parseVocab = (entries: Iterable<string>): Map<string, number> => {
  const out = new Map<string, number>()
  for (const e of entries) {
    const i = e.lastIndexOf(":")
    if (i <= 0) continue
    const term = e.slice(0, i)
    const bucket = Number(e.slice(i + 1))
    if (!Number.isFinite(bucket)) continue
    out.set(term, Math.max(out.get(term) ?? 0, bucket))
  }
  return out
}

/**
 * The entries of `wanted` a block must gain: a term's highest bucket, unless the block already holds the
 * term with that bucket or a higher one (readers only use the highest, so the block stays small).
 */
export const missingVocab = (stored: Iterable<string>, wanted: Iterable<string>): Array<string> => {
  const have = parseVocab(stored)
  return [...parseVocab(wanted)]
    .filter(([term, bucket]) => (have.get(term) ?? -1) < bucket)
    .map(([term, bucket]) => vocabEntry(term, bucket))
}

/** The names of an entry that are indexed (a state's full name is added: `TX` is also `TEXAS`). */
export const indexedNames = (e: SearchEntry): Array<string> => {
  const names = [e.display_name, ...e.name_variants.slice(0, MAX_INDEXED_NAMES - 1)]
  if (e.entity_key.startsWith("STATE#")) {
    const full = usStateName(e.entity_key.slice(6))
    if (full !== undefined) names.push(full)
  }
  return names
}

/** The normalized names of an entry: token lists, deduplicated, display name first. */
export const nameTokens = (e: SearchEntry): Array<Array<string>> => {
  const seen = new Set<string>()
  const out: Array<Array<string>> = []
  for (const n of indexedNames(e)) {
    const t = tokens(n)
    const k = t.join(" ")
    if (t.length === 0 || seen.has(k)) continue
    seen.add(k)
    out.push(t)
  }
  return out
}

/** The terms an entry is indexed under (words of length >= 2 and joins of short words). */
export const termsOf = (e: SearchEntry): Array<string> => {
  const out = new Set<string>()
  for (const t of nameTokens(e)) {
    for (const w of [...t, ...shortJoins(t)]) if (w.length >= 2 && out.size < MAX_TERMS) out.add(w)
  }
  return [...out]
}

/** Names as stored in postings for ranking: token lists joined by spaces, names by `|` (at most 300 chars). */
export const wordsField = (e: SearchEntry): string => {
  let out = ""
  for (const t of nameTokens(e)) {
    const next = out === "" ? t.join(" ") : `${out}|${t.join(" ")}`
    if (next.length > 300) break
    out = next
  }
  return out
}

/** The kind and id of an entity key. */
export const kindAndId = (
  entityKey: string
): { readonly kind: SearchResult["kind"]; readonly id: string } | undefined => {
  const p = parseEntityKey(entityKey)
  if (p === undefined) return undefined
  return { kind: p.kind === "COMPANY" ? "company" : p.kind === "CITY" ? "city" : "state", id: p.slug }
}

/** Rank of a posting in its term's list: most violations first, then entity key. */
export const rankOf = (count: number, entityKey: string): string =>
  `${String(Math.max(0, 999_999_999_999 - count)).padStart(12, "0")}#${entityKey}`

/** What a posting stores besides its keys: enough to rank and show a result without another read. */
export interface Posting {
  readonly entity_key: string
  readonly display_name: string
  readonly place: string | null
  readonly violation_count: number
  /** {@link wordsField}. */
  readonly words: string
}

export const postingOf = (e: SearchEntry): Posting => ({
  entity_key: e.entity_key,
  display_name: e.display_name,
  place: e.place,
  violation_count: e.violation_count,
  words: wordsField(e)
})

// ---- similarity ------------------------------------------------------------------------------------------

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), or `max + 1` as soon as it
 * must exceed `max` (the band keeps it O(n * max)).
 */
// Three rows reused by every call (searches compare hundreds of words; JavaScript runs one at a time).
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)]

export const editDistance = (a: string, b: string, max: number): number => {
  if (Math.abs(a.length - b.length) > max) return max + 1
  if (a === b) return 0
  const n = a.length
  const m = b.length
  if (rows[0].length < m + 1) rows = [new Int32Array(m + 1), new Int32Array(m + 1), new Int32Array(m + 1)]
  let [prev2, prev, cur] = rows
  for (let j = 0; j <= m; j++) prev[j] = j
  for (let i = 1; i <= n; i++) {
    cur[0] = i
    let rowMin = i
    const ai = a.charCodeAt(i - 1)
    for (let j = 1; j <= m; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1))
        v = Math.min(v, prev2[j - 2]! + 1)
      cur[j] = v
      if (v < rowMin) rowMin = v
    }
    if (rowMin > max) return max + 1
    ;[prev2, prev, cur] = [prev, cur, prev2]
  }
  return Math.min(prev[m]!, max + 1)
}

/** Typos tolerated in a word of this length: none up to 3 letters, one up to 7, then two. */
export const maxTypos = (length: number): number => (length < 4 ? 0 : length < 8 ? 1 : 2)

/** 1 - distance / length when within the tolerated typos, else 0 (no prefix matching). */
export const typoSimilarity = (q: string, t: string): number => {
  if (q === t) return 1
  const typos = maxTypos(q.length)
  if (typos === 0) return 0
  const d = editDistance(q, t, typos)
  return d <= typos ? 1 - d / Math.max(q.length, t.length) : 0
}

/**
 * How well a query word matches an indexed word, 0..1: 1 when equal; 0.8..1 when the query is its
 * beginning (type-ahead); 1 - distance / length within the tolerated typos; a little less for a typo in
 * the beginning of a longer word (type-ahead with a typo); else 0.
 */
export const wordSimilarity = (q: string, t: string): number => {
  if (q === t) return 1
  if (q.length >= 2 && t.startsWith(q)) return 0.8 + (0.2 * q.length) / t.length
  const typos = maxTypos(q.length)
  if (typos === 0) return 0
  const d = editDistance(q, t, typos)
  if (d <= typos) return 1 - d / Math.max(q.length, t.length)
  if (q.length >= 5 && t.length > q.length) {
    const dp = editDistance(q, t.slice(0, q.length), 1)
    if (dp <= 1) return 0.75 * (1 - dp / q.length)
  }
  return 0
}

// ---- queries ---------------------------------------------------------------------------------------------

/** A part of the query matched against terms: one word, or two adjacent words joined (`wal mart`). */
export interface QueryUnit {
  readonly text: string
  /** Indices of the query words it stands for. */
  readonly covers: ReadonlyArray<number>
}

/** What a query reads and how it is matched. */
export interface SearchPlan {
  readonly query: string
  /** Every word of the query, stop words included (corrected names are slugged from them). */
  readonly words: ReadonlyArray<string>
  /** The significant words (at most 8), and where each is in {@link words}. */
  readonly tokens: ReadonlyArray<string>
  readonly tokenAt: ReadonlyArray<number>
  /** The words without spaces: a name starting with it is a prefix match. */
  readonly compact: string
  readonly units: ReadonlyArray<QueryUnit>
  /** Vocabulary blocks to read. */
  readonly blocks: ReadonlyArray<string>
  /** Entity keys the query could name exactly (their docs are read). */
  readonly exactKeys: ReadonlyArray<string>
}

const exactKeysOf = (
  query: string,
  toks: ReadonlyArray<string>,
  cleaned: ReadonlyArray<string>
): Array<string> => {
  const slugs = new Set<string>()
  const lower = query.trim().toLowerCase()
  if (isSlug(lower)) slugs.add(lower)
  // As typed, and without a misspelled legal form (`acme widgets corporatoin` is acme-widgets).
  for (const text of [query, cleaned.join(" ")]) {
    const cs = companySlug(text)
    if (cs !== undefined) slugs.add(cs)
  }
  const plain = words(query).join("-")
  if (isSlug(plain)) slugs.add(plain)
  const out = new Set<string>()
  for (const s of slugs) {
    for (const key of [`COMPANY#${s}`, `CITY#${s}`])
      if (parseEntityKey(key) !== undefined && out.size < 8) out.add(key)
  }
  const st = parseUsState(query.replace(/[^A-Za-z .]/g, " "))
  if (st != null) out.add(`STATE#${st.toLowerCase()}`)
  if (toks.length === 1 && toks[0]!.length === 2) {
    const code = parseUsState(toks[0]!)
    if (code != null) out.add(`STATE#${code.toLowerCase()}`)
  }
  return [...out]
}

/** Long stop words (legal forms) a query may misspell or cut short: `corporatoin`, `compan`. */
const LONG_STOP_WORDS = [...STOP_WORDS].filter((w) => w.length >= 5)
const nearStopWord = (w: string, last: boolean): boolean =>
  w.length >= 4 &&
  LONG_STOP_WORDS.some(
    (s) => (last && s.startsWith(w)) || (maxTypos(s.length) > 0 && editDistance(w, s, 1) <= 1)
  )

/** Plan a query: its words, the units matched against terms, what to read first. */
export const planSearch = (query: string): SearchPlan => {
  // The same words as `tokens`, with their positions; a misspelled or cut legal form is dropped when
  // other words remain.
  const raw = words(query)
  const keep = raw.filter((w, i) => !STOP_WORDS.has(w) && !nearStopWord(w, i === raw.length - 1))
  const all =
    keep.length > 0 ? raw.filter((w, i) => STOP_WORDS.has(w) || !nearStopWord(w, i === raw.length - 1)) : raw
  const notNumber = all.flatMap((w, i) => (/^\d{3,}$/.test(w) ? [] : [i]))
  const sig = notNumber.filter((i) => !STOP_WORDS.has(all[i]!))
  const tokenAt = (sig.length > 0 ? sig : notNumber).slice(0, 8)
  const toks = tokenAt.map((i) => all[i]!)
  const units: Array<QueryUnit> = toks.map((t, i) => ({ text: t, covers: [i] }))
  for (let i = 0; i + 1 < toks.length; i++)
    units.push({ text: (toks[i]! + toks[i + 1]!).slice(0, MAX_TERM_LENGTH), covers: [i, i + 1] })
  const blocks = new Set<string>()
  for (const u of units) if (u.text.length >= 2) blocks.add(blockOf(u.text))
  return {
    query,
    words: all,
    tokens: toks,
    tokenAt,
    compact: toks.join(""),
    units,
    blocks: [...blocks],
    exactKeys: exactKeysOf(query, toks, all)
  }
}

/** A term chosen for reading its postings. */
export interface ChosenTerm {
  readonly term: string
  readonly similarity: number
}

/**
 * The terms whose postings to read: every (unit, vocabulary term) pair is weighted (equal > prefix > typo,
 * typos by similarity) times the share of the query the unit covers, popularity breaking ties; the best
 * `budget` distinct terms win.
 */
export const chooseTerms = (
  plan: SearchPlan,
  vocab: ReadonlyMap<string, ReadonlyMap<string, number>>,
  budget: number = TERM_BUDGET
): Array<ChosenTerm> => {
  const best = new Map<string, { priority: number; similarity: number; bucket: number }>()
  const n = Math.max(1, plan.tokens.length)
  for (const u of plan.units) {
    if (u.text.length < 2) continue
    const block = vocab.get(blockOf(u.text))
    if (block === undefined) continue
    for (const [term, bucket] of block) {
      const similarity = wordSimilarity(u.text, term)
      if (similarity <= 0) continue
      // Equal words first, then words the query begins (by popularity: type-ahead wants the most-cited),
      // then typos by similarity.
      const weight = term === u.text ? 1 : term.startsWith(u.text) ? 0.9 : 0.85 * similarity
      const priority = (weight * u.covers.length) / n
      const old = best.get(term)
      if (old === undefined || priority > old.priority) best.set(term, { priority, similarity, bucket })
    }
  }
  return [...best.entries()]
    .sort(
      ([ta, a], [tb, b]) => b.priority - a.priority || b.bucket - a.bucket || (ta < tb ? -1 : ta > tb ? 1 : 0)
    )
    .slice(0, budget)
    .map(([term, b]) => ({ term, similarity: b.similarity }))
}

/**
 * Entity keys of the query with its misspelled words corrected (`miaim holdings` -> miami-holdings): for
 * each word, the vocabulary's closest terms (after other words, the last one may also be completed:
 * `koprut ent` -> koprut-enterprises), combined best first (at most `max` names, each as a company and a
 * city slug). This finds a little-cited entity by its whole name when its words' postings are too long to
 * reach it. None when every word is known (the query's own slug is among the exact lookups).
 */
export const correctedKeys = (
  plan: SearchPlan,
  vocab: ReadonlyMap<string, ReadonlyMap<string, number>>,
  max = 6
): Array<string> => {
  // A query of known words needs no correction (its own slug was read with the exact lookups).
  const known = (t: string) => t.length >= 2 && vocab.get(blockOf(t))?.has(t) === true
  if (plan.tokens.every(known)) return []
  const options = plan.tokens.map((t, i) => {
    const block = t.length >= 2 ? vocab.get(blockOf(t)) : undefined
    // Completing the last word pays off after other words (`koprut ent`); alone, its postings cover it.
    const last = i === plan.tokens.length - 1 && plan.tokens.length > 1
    const candidates = [...(block ?? [])]
      .filter(([term]) => term !== t)
      .map(([term, bucket]) => ({
        term,
        similarity: last ? wordSimilarity(t, term) : typoSimilarity(t, term),
        bucket
      }))
      .filter((c) => c.similarity > 0)
      .sort((a, b) => b.similarity - a.similarity || b.bucket - a.bucket || (a.term < b.term ? -1 : 1))
      .slice(0, 2)
    return [
      ...(block?.has(t) === true || candidates.length === 0 ? [{ term: t, similarity: 1 }] : []),
      ...candidates
    ]
  })
  // Beam search over the words: the best `max` combinations by product of similarities.
  let beam: Array<{ readonly words: ReadonlyArray<string>; readonly score: number }> = [
    { words: [], score: 1 }
  ]
  for (const opts of options)
    beam = beam
      .flatMap((b) => opts.map((o) => ({ words: [...b.words, o.term], score: b.score * o.similarity })))
      .sort((a, b) => b.score - a.score)
      .slice(0, max + 1)
  const out = new Set<string>()
  for (const b of beam) {
    if (b.words.every((w, i) => w === plan.tokens[i])) continue
    const text = [...plan.words]
    b.words.forEach((w, i) => {
      text[plan.tokenAt[i]!] = w
    })
    const slug = companySlug(text.join(" "))
    if (slug === undefined) continue
    for (const key of [`COMPANY#${slug}`, `CITY#${slug}`])
      if (parseEntityKey(key) !== undefined && !plan.exactKeys.includes(key)) out.add(key)
  }
  return [...out].slice(0, 2 * max)
}

/** Postings read per chosen term: enough for the limit and for ranking, bounded. */
export const postingsLimit = (limit: number): number => Math.min(100, Math.max(20, limit * 2))

/** A candidate to rank: a posting, or an exact doc (same fields). */
export type Candidate = Posting

const namesOf = (words: string): Array<Array<string>> =>
  words
    .split("|")
    .map((n) => n.split(" ").filter((w) => w !== ""))
    .filter((n) => n.length > 0)

/**
 * Similarity of the query to one name (token list): the mean over query words of their best match, times
 * 0.9 unless the first query word matches the name's beginning (`walmrt` is closer to WAL-MART STORES than
 * to SUPER WALMART).
 */
const nameScore = (
  plan: SearchPlan,
  name: ReadonlyArray<string>
): { readonly score: number; readonly coverage: number } => {
  const vocabulary = [...name, ...shortJoins(name), name.join("")]
  const beginnings = [name[0] ?? "", ...shortJoins(name).slice(0, 1), name.join("")]
  const best = plan.tokens.map(() => 0)
  const matched = new Set<string>()
  let first = 0
  const lastToken = plan.tokens.length - 1
  for (const u of plan.units) {
    let s = 0
    const last = u.covers.includes(lastToken)
    for (const w of vocabulary) {
      const sim = wordSimilarity(u.text, w)
      if (sim === 0) continue
      s = Math.max(s, sim)
      // Covered: the word itself, with typos, or begun by the last query word (type-ahead).
      if ((last && w.startsWith(u.text)) || typoSimilarity(u.text, w) > 0) matched.add(w)
    }
    for (const i of u.covers) best[i] = Math.max(best[i]!, s)
    if (u.covers[0] === 0) for (const w of beginnings) first = Math.max(first, wordSimilarity(u.text, w))
  }
  if (best.length === 0) return { score: 0, coverage: 0 }
  const mean = best.reduce((a, b) => a + b, 0) / best.length
  // How much of the name the query accounts for: breaks ties (GIECHIECOOX INC before GIECHIECOOX ELECTRIC
  // for `giechiecoou inc`).
  const coverage = matched.has(name.join("")) ? 1 : name.filter((w) => matched.has(w)).length / name.length
  return { score: first > 0 && first >= best[0]! ? mean : 0.9 * mean, coverage }
}

const MATCH_ORDER: Record<SearchMatch, number> = { exact: 0, prefix: 1, fuzzy: 2 }

/**
 * Rank candidates: exact slug matches first, then names starting with the query, then the rest by
 * similarity (two decimals) and how much of the name the query covers; each by violation count, then
 * entity key; below {@link MIN_SCORE} dropped.
 */
export const rankCandidates = (
  plan: SearchPlan,
  exact: ReadonlyArray<Candidate>,
  found: ReadonlyArray<Candidate>,
  options: { readonly kind?: SearchResult["kind"] | undefined; readonly limit: number }
): Array<SearchResult> => {
  const exactKeys = new Set(exact.map((c) => c.entity_key))
  const byKey = new Map<string, Candidate>()
  for (const c of [...exact, ...found]) if (!byKey.has(c.entity_key)) byKey.set(c.entity_key, c)
  const out: Array<{ readonly result: SearchResult; readonly coverage: number }> = []
  for (const c of byKey.values()) {
    const ki = kindAndId(c.entity_key)
    if (ki === undefined || (options.kind !== undefined && ki.kind !== options.kind)) continue
    const names = namesOf(c.words)
    const isPrefix = plan.compact.length >= 2 && names.some((n) => n.join("").startsWith(plan.compact))
    let best = { score: 0, coverage: 0 }
    for (const n of names) {
      const s = nameScore(plan, n)
      if (s.score > best.score || (s.score === best.score && s.coverage > best.coverage)) best = s
    }
    const match: SearchMatch = exactKeys.has(c.entity_key) ? "exact" : isPrefix ? "prefix" : "fuzzy"
    if (match === "fuzzy" && best.score < MIN_SCORE) continue
    out.push({
      result: {
        entity_key: c.entity_key,
        kind: ki.kind,
        id: ki.id,
        display_name: c.display_name,
        place: c.place,
        violation_count: c.violation_count,
        match,
        score: match === "fuzzy" ? Math.round(best.score * 1000) / 1000 : 1
      },
      coverage: match === "fuzzy" ? Math.round(best.coverage * 100) : 0
    })
  }
  return out
    .sort(
      ({ result: a, coverage: ca }, { result: b, coverage: cb }) =>
        MATCH_ORDER[a.match] - MATCH_ORDER[b.match] ||
        Math.round(b.score * 100) - Math.round(a.score * 100) ||
        cb - ca ||
        b.violation_count - a.violation_count ||
        (a.entity_key < b.entity_key ? -1 : a.entity_key > b.entity_key ? 1 : 0)
    )
    .slice(0, options.limit)
    .map((o) => o.result)
}

// ---- writes ----------------------------------------------------------------------------------------------

/** The stored doc of an indexed entity. */
export interface SearchDoc extends SearchEntry {
  /** Terms whose postings hold this entity. */
  readonly terms: ReadonlyArray<string>
  /**
   * Terms a write in progress may have posted (set before postings are written, cleared after): a retry after
   * a crash removes them too, so no posting is ever left behind by a rename.
   */
  readonly pending: ReadonlyArray<string>
  /** Fingerprint of the entry (without `updated_at`). */
  readonly entry_fp: string
}

/** Fingerprint of what an entry indexes (stable JSON without `updated_at`). */
export const entryFingerprint = (e: SearchEntry): string =>
  JSON.stringify([e.entity_key, e.display_name, e.name_variants, e.place, e.violation_count])

/** What one entry's write does, given its stored doc. */
export type SearchWritePlan =
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "Stale" }
  | {
      readonly _tag: "Write"
      /** Written first when the entry gains terms (absent otherwise). */
      readonly pendingDoc: SearchDoc | undefined
      readonly posting: Posting
      readonly rank: string
      readonly putTerms: ReadonlyArray<string>
      readonly deleteTerms: ReadonlyArray<string>
      /** Vocabulary entries by block. */
      readonly vocab: ReadonlyMap<string, ReadonlyArray<string>>
      readonly doc: SearchDoc
    }

/**
 * Plan an entry's write: unchanged (same fingerprint, nothing pending) or stale (the stored doc is newer)
 * entries write nothing; otherwise every posting of the new terms is put, postings of terms the entity no
 * longer has (or that an interrupted write may have left) are deleted, and the doc is written last.
 */
export const planSearchWrite = (e: SearchEntry, stored: SearchDoc | undefined): SearchWritePlan => {
  const fp = entryFingerprint(e)
  if (stored !== undefined && stored.pending.length === 0 && stored.entry_fp === fp)
    return { _tag: "Unchanged" }
  if (stored !== undefined && Date.parse(stored.updated_at) > Date.parse(e.updated_at))
    return { _tag: "Stale" }
  const terms = termsOf(e)
  const keep = new Set(terms)
  const old = new Set([...(stored?.terms ?? []), ...(stored?.pending ?? [])])
  const gains = terms.some((t) => !(stored?.terms ?? []).includes(t))
  const vocab = new Map<string, Array<string>>()
  const bucket = bucketOf(e.violation_count)
  const oldBucket = stored === undefined ? -1 : bucketOf(stored.violation_count)
  for (const t of terms) {
    if (stored?.terms.includes(t) && oldBucket === bucket && stored.pending.length === 0) continue
    const b = blockOf(t)
    const list = vocab.get(b) ?? []
    list.push(vocabEntry(t, bucket))
    vocab.set(b, list)
  }
  const doc: SearchDoc = { ...e, terms, pending: [], entry_fp: fp }
  return {
    _tag: "Write",
    pendingDoc: gains
      ? stored === undefined
        ? { ...e, terms: [], pending: terms, entry_fp: "" }
        : { ...stored, pending: [...new Set([...old, ...terms])] }
      : undefined,
    posting: postingOf(e),
    rank: rankOf(e.violation_count, e.entity_key),
    putTerms: terms,
    deleteTerms: [...old].filter((t) => !keep.has(t)),
    vocab,
    doc
  }
}

/** A doc as a ranking candidate. */
export const docCandidate = (d: SearchEntry): Candidate => postingOf(d)
