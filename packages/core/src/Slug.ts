import { Schema } from "effect"
import type { UsState } from "./UsState"

/** A slug: lowercase ASCII words joined by `-`; never contains `#`, spaces or control characters. */
export const Slug = Schema.String.check(
  Schema.isPattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { description: "lowercase ascii words joined by '-'" }),
  Schema.isMaxLength(120)
).pipe(Schema.brand("Slug"))
export type Slug = typeof Slug.Type

const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
/** True when `s` is a valid {@link Slug}. */
export const isSlug = (s: string): s is Slug => SLUG_RE.test(s) && s.length <= 120

/**
 * Legal-form words dropped from the end of a company name (after punctuation is removed). Company slugs are
 * stored keys: changing this list re-keys companies (the entity matcher's wider list builds on it).
 */
export const LEGAL_SUFFIXES: ReadonlySet<string> = new Set([
  "INC",
  "INCORPORATED",
  "LLC",
  "LC",
  "LP",
  "LLP",
  "LLLP",
  "PLLC",
  "LTD",
  "LIMITED",
  "CORP",
  "CORPORATION",
  "CO",
  "COMPANY",
  "COS",
  "PLC",
  "PC",
  "PA",
  "NA",
  "SA",
  "GMBH",
  "AG",
  "NV",
  "BV",
  "ULC",
  "LTDA"
])
/** Prefixes of legal-form words, for names cut off at 50 characters ("…STORES, INCORPORA"). */
const TRUNCATED_SUFFIX_PREFIXES = ["INCORPORATED", "CORPORATION", "COMPANY", "LIMITED"]

const MAX_SLUG = 80
const NAME_TRUNCATION = 50

/** Printable ASCII only: NFKD leaves it as it is and nothing is folded (the common case in agency files). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

const asciiFold = (s: string): string =>
  PRINTABLE_ASCII.test(s)
    ? s
    : s
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        // U+FFFD and anything else outside ASCII carries no identity we can trust
        .replace(/[^\x20-\x7e]/g, " ")

const toSlug = (words: ReadonlyArray<string>): string => {
  let out = ""
  for (const w of words) {
    const next = out === "" ? w : `${out}-${w}`
    if (next.length > MAX_SLUG) break
    out = next
  }
  return out.toLowerCase()
}

/** The runs of ASCII letters and digits, in order (everything else separates words). */
const words = (s: string): Array<string> => s.match(/[A-Za-z0-9]+/g) ?? []

// The rewrites of `companySlug`, compiled once. Each runs only when the name holds a character (or word) that
// every one of its matches contains, so a plain name skips the scans that cannot change it: a 1M-row OSHA
// catalog has ~145k distinct names and these scans were most of their slug time. Skipping a rewrite that
// cannot match leaves the result as it was (test/slug-reference.ts keeps the unguarded version to compare).
const TRADE_NAME = /\s+(?:D\s*\/?\s*B\s*\/?\s*A|T\/A|AKA|A\/K\/A)\b.*$/
const STORE_PREFIX = /^\d{3,}\s*-\s*/
const THE_PAREN = /\(\s*THE\s*\)/g
const THE_LEADING = /^THE\s+/
const UNIT_NUMBER =
  /\s*-?\s*\b(?:STORE|STORES?\s+NO|UNIT|LOCATION|LOC|BRANCH|FACILITY)\s*(?:NO\.?|NUMBER|#)?\s*#?\s*\d+[A-Z]?\b/g
/** Every match of UNIT_NUMBER contains one of these words (STORES and LOCATION start with STORE and LOC). */
const UNIT_WORD = /STORE|UNIT|LOC|BRANCH|FACILITY/
const DIGIT = /\d/
const HASH_NUMBER = /\s*#\s*[A-Z]?\d+[A-Z]?\b/g
const QUOTE = /["'`’]/
const QUOTE_IN_WORD = /(\w)["'`’](\w)/g
const QUOTES = /["'`’]/g
const INITIAL_BEFORE_INITIAL = /\b([A-Z])\.(?=[A-Z]\b\.?)/g
const INITIALS = /\b([A-Z])\.([A-Z])\./g
const PERIODS = /\./g
const INNER_HYPHEN = /([A-Z0-9])-(?=[A-Z0-9])/g
const AMPERSANDS = /&/g
const PLUSES = /\+/g
const WHITESPACE_RUNS = /\s+/g
/** A whitespace run that is not one plain space: only then does collapsing the runs change the name. */
const ODD_WHITESPACE = /[^\S ]|\s\s/
const DIGITS_ONLY = /^\d+$/

/** Whitespace runs as one space, trimmed. */
const collapseSpaces = (s: string): string =>
  (ODD_WHITESPACE.test(s) ? s.replace(WHITESPACE_RUNS, " ") : s).trim()

/**
 * The canonical company slug. Deterministic and conservative: it folds spellings of the *same* name
 * (case, punctuation, legal suffix, store numbers, `DBA` trade names, `(THE)`, stray quotes,
 * truncation at 50 characters) but never merges different names (`Florida Power Corp` stays apart from
 * `Florida Power & Light Company`). Returns `undefined` when nothing usable remains.
 */
export const companySlug = (raw: string): Slug | undefined => {
  const original = collapseSpaces(asciiFold(raw).toUpperCase())
  let s = original
  // Keep the legal entity, not the trade name: "X DBA Y", "X D/B/A Y", "X T/A Y"
  s = s.replace(TRADE_NAME, "")
  // Leading store numbers: "0423-WAL-MART STORES" (3+ digits so "7-ELEVEN" survives)
  s = s.replace(STORE_PREFIX, "")
  // "(THE)" anywhere, leading "THE "
  if (s.includes("(")) s = s.replace(THE_PAREN, " ")
  s = s.replace(THE_LEADING, "")
  // Store / unit numbers: "# 1204", "STORE #1903", "STORE NO. 12", "- STORE 2998", "UNIT 5"
  if (DIGIT.test(s)) {
    if (UNIT_WORD.test(s)) s = s.replace(UNIT_NUMBER, " ")
    if (s.includes("#")) s = s.replace(HASH_NUMBER, " ")
  }
  // Apostrophes and stray quotes inside words: WEGMAN"S, SAM'S -> WEGMANS, SAMS
  if (QUOTE.test(s)) s = s.replace(QUOTE_IN_WORD, "$1$2").replace(QUOTES, " ")
  // Periods inside abbreviations: L.L.C. -> LLC, U.S. -> US
  if (s.includes("."))
    s = s.replace(INITIAL_BEFORE_INITIAL, "$1").replace(INITIALS, "$1$2").replace(PERIODS, "")
  // Hyphen between letters is spelling, not a separator: WAL-MART == WALMART, 7-ELEVEN == 7ELEVEN
  if (s.includes("-")) s = s.replace(INNER_HYPHEN, "$1")
  if (s.includes("&")) s = s.replace(AMPERSANDS, " AND ")
  if (s.includes("+")) s = s.replace(PLUSES, " AND ")
  let ws = words(s)
  // Name cut at 50 chars ending in a partial legal suffix
  if (original.length >= NAME_TRUNCATION - 1 && ws.length > 1) {
    const last = ws[ws.length - 1]!
    if (last.length >= 2 && TRUNCATED_SUFFIX_PREFIXES.some((p) => p.startsWith(last) && p !== last)) ws.pop()
  }
  // Peel legal suffixes, "L L C" with spaces, dangling "AND", and trailing store numbers
  // ("KROGER 381, INC.", "WAL-MART SUPERCENTER 3473") until none is left.
  for (let changed = true; changed && ws.length > 1; ) {
    changed = false
    const last = ws[ws.length - 1]!
    if (LEGAL_SUFFIXES.has(last) || last === "AND" || DIGITS_ONLY.test(last)) {
      ws.pop()
      changed = true
    } else if (ws.length > 3 && ws.slice(-3).join("") === "LLC") {
      ws = ws.slice(0, -3)
      changed = true
    }
  }
  const slug = toSlug(ws)
  if (slug !== "") return slug as Slug
  const fallback = toSlug(words(original))
  return fallback === "" ? undefined : (fallback as Slug)
}

/** Place names that mean "unknown" in agency files (EPA publishes `UNKNOWN`). */
const UNKNOWN_PLACES = new Set(["", "UNKNOWN", "UNK", "N/A", "NA", "NONE", "NULL", "0", "-"])

/** A city's slug, e.g. `austin-tx` for ("Austin", "TX"); undefined for unknown cities. */
export const citySlug = (
  city: string | null | undefined,
  state: UsState | null | undefined
): Slug | undefined => {
  if (city == null || state == null) return undefined
  const folded = collapseSpaces(asciiFold(city).toUpperCase())
  if (UNKNOWN_PLACES.has(folded)) return undefined
  const base = toSlug(words(folded.replace(/['’]/g, "")))
  if (base === "") return undefined
  return `${base}-${state.toLowerCase()}` as Slug
}

/** Entity keys shared by gold and the serving layer. */
export type EntityKind = "COMPANY" | "CITY" | "STATE"
export const companyKey = (slug: Slug): string => `COMPANY#${slug}`
export const cityKey = (slug: Slug): string => `CITY#${slug}`
export const stateKey = (state: UsState): string => `STATE#${state.toLowerCase()}`

/** An entity key: `COMPANY#tesla`, `CITY#austin-tx`, `STATE#tx`. */
export const EntityKey = Schema.String.check(
  Schema.isPattern(
    /^(?:COMPANY#[a-z0-9]+(?:-[a-z0-9]+)*|CITY#[a-z0-9]+(?:-[a-z0-9]+)*-[a-z]{2}|STATE#[a-z]{2})$/,
    {
      description: "COMPANY#<slug>, CITY#<city-slug>-<st> or STATE#<st>, lowercase"
    }
  ),
  Schema.isMaxLength(140)
).pipe(Schema.brand("EntityKey"))
export type EntityKey = typeof EntityKey.Type

/** Split an entity key into kind and slug; undefined for anything malformed (e.g. key injection via `#`). */
export const parseEntityKey = (key: string): { kind: EntityKind; slug: string } | undefined => {
  if (!Schema.is(EntityKey)(key)) return undefined
  const i = key.indexOf("#")
  return { kind: key.slice(0, i) as EntityKind, slug: key.slice(i + 1) }
}
