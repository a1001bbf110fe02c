/**
 * The slug functions as they were before their fast paths (packages/core/src/Slug.ts at 1473429), kept
 * unchanged so a property test can hold the shipped ones to them: slugs are stored keys in silver, gold and
 * serving, so a faster version must return the same slug for every input, byte for byte.
 */
import type { Slug, UsState } from "../src/index"

/**
 * Legal-form words dropped from the end of a company name (after punctuation is removed). Company slugs are
 * stored keys: changing this list re-keys companies (the entity matcher's wider list builds on it).
 */
const LEGAL_SUFFIXES: ReadonlySet<string> = new Set([
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

const asciiFold = (s: string): string =>
  s
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

const words = (s: string): Array<string> =>
  s
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter((w) => w !== "")

/**
 * The canonical company slug. Deterministic and conservative: it folds spellings of the *same* name
 * (case, punctuation, legal suffix, store numbers, `DBA` trade names, `(THE)`, stray quotes,
 * truncation at 50 characters) but never merges different names (`Florida Power Corp` stays apart from
 * `Florida Power & Light Company`). Returns `undefined` when nothing usable remains.
 */
export const companySlugReference = (raw: string): Slug | undefined => {
  const original = asciiFold(raw).toUpperCase().replace(/\s+/g, " ").trim()
  let s = original
  // Keep the legal entity, not the trade name: "X DBA Y", "X D/B/A Y", "X T/A Y"
  s = s.replace(/\s+(?:D\s*\/?\s*B\s*\/?\s*A|T\/A|AKA|A\/K\/A)\b.*$/, "")
  // Leading store numbers: "0423-WAL-MART STORES" (3+ digits so "7-ELEVEN" survives)
  s = s.replace(/^\d{3,}\s*-\s*/, "")
  // "(THE)" anywhere, leading "THE "
  s = s.replace(/\(\s*THE\s*\)/g, " ").replace(/^THE\s+/, "")
  // Store / unit numbers: "# 1204", "STORE #1903", "STORE NO. 12", "- STORE 2998", "UNIT 5"
  s = s.replace(
    /\s*-?\s*\b(?:STORE|STORES?\s+NO|UNIT|LOCATION|LOC|BRANCH|FACILITY)\s*(?:NO\.?|NUMBER|#)?\s*#?\s*\d+[A-Z]?\b/g,
    " "
  )
  s = s.replace(/\s*#\s*[A-Z]?\d+[A-Z]?\b/g, " ")
  // Apostrophes and stray quotes inside words: WEGMAN"S, SAM'S -> WEGMANS, SAMS
  s = s.replace(/(\w)["'`’](\w)/g, "$1$2").replace(/["'`’]/g, " ")
  // Periods inside abbreviations: L.L.C. -> LLC, U.S. -> US
  s = s.replace(/\b([A-Z])\.(?=[A-Z]\b\.?)/g, "$1").replace(/\b([A-Z])\.([A-Z])\./g, "$1$2")
  s = s.replace(/\./g, "")
  // Hyphen between letters is spelling, not a separator: WAL-MART == WALMART, 7-ELEVEN == 7ELEVEN
  s = s.replace(/([A-Z0-9])-(?=[A-Z0-9])/g, "$1")
  s = s.replace(/&/g, " AND ").replace(/\+/g, " AND ")
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
    if (LEGAL_SUFFIXES.has(last) || last === "AND" || /^\d+$/.test(last)) {
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
export const citySlugReference = (
  city: string | null | undefined,
  state: UsState | null | undefined
): Slug | undefined => {
  if (city == null || state == null) return undefined
  const folded = asciiFold(city).toUpperCase().replace(/\s+/g, " ").trim()
  if (UNKNOWN_PLACES.has(folded)) return undefined
  const base = toSlug(words(folded.replace(/['’]/g, "")))
  if (base === "") return undefined
  return `${base}-${state.toLowerCase()}` as Slug
}
