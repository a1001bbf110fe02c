import type { FeedItem } from "@ventureos/serving"
import { stripControl } from "./Prompt"

/**
 * Output validation: a summary is short plain text, and every number and every name in it appears in the
 * source record's fields. A model that follows an injected instruction, invents a fine or names someone
 * who is not in the record fails here, and the caller falls back to the extractive summary.
 */

export const MIN_SUMMARY_CHARS = 20
export const MAX_SUMMARY_CHARS = 700

/** The outcome of {@link checkSummary}. */
export type Checked =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: string }

/** Words that may be capitalized in a summary without appearing in the record. */
const ALLOWED_WORDS = new Set(
  [
    "osha",
    "epa",
    "faa",
    "occupational",
    "safety",
    "health",
    "administration",
    "environmental",
    "protection",
    "agency",
    "federal",
    "aviation",
    "us",
    "u.s",
    "united",
    "states",
    "department",
    "labor",
    "clean",
    "water",
    "air",
    "act",
    "i",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec"
  ].map((w) => w.toLowerCase())
)

/** Every string of the record a summary may draw on. */
const sourceText = (r: FeedItem): string =>
  [
    r.agency,
    r.violation_id,
    r.date,
    r.company_name,
    r.company_slug,
    r.city ?? "",
    r.state ?? "",
    r.city_slug ?? "",
    r.violation_type.replace(/_/g, " "),
    r.violation_type_code ?? "",
    r.status,
    r.penalty_initial ?? "",
    r.penalty_current ?? "",
    r.description ?? "",
    ...Object.entries(r.details).flatMap(([k, v]) => [k, v ?? ""])
  ].join("\n")

/** A number as a canonical string: `$1,250.00` -> `1250`, `03` -> `3`, `0.50` -> `0.5`. */
const canonicalNumber = (raw: string): string | undefined => {
  const n = Number(raw.replace(/,/g, ""))
  return Number.isFinite(n) ? String(n) : undefined
}

const NUMBER = /\d[\d,]*(?:\.\d+)?/g

const numbersOf = (s: string): Set<string> => {
  const out = new Set<string>()
  for (const m of s.matchAll(NUMBER)) {
    const c = canonicalNumber(m[0])
    if (c !== undefined) out.add(c)
  }
  return out
}

/** Case-insensitive words of the source, for name checks. */
const wordsOf = (s: string): Set<string> => {
  const out = new Set<string>()
  for (const w of s.toLowerCase().match(/[a-z][a-z'’.&-]*/g) ?? []) {
    out.add(bareWord(w))
    // Compound words count by their parts too: WAL-MART -> wal, mart.
    for (const p of w.split(/[-.&]/)) if (p !== "") out.add(bareWord(p))
  }
  return out
}

/** A word without trailing punctuation or possessive: `Inc.` -> `Inc`, `ACME's` -> `ACME`. */
const bareWord = (w: string): string => w.replace(/['’]s$/i, "").replace(/[.’'&-]+$/, "")

/** Validate a model's output against the record. */
export const checkSummary = (raw: string, record: FeedItem): Checked => {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(raw))
    return { ok: false, reason: "control characters" }
  const text = stripControl(raw)
  if (text.length < MIN_SUMMARY_CHARS) return { ok: false, reason: `too short (${text.length} characters)` }
  if (text.length > MAX_SUMMARY_CHARS) return { ok: false, reason: `too long (${text.length} characters)` }
  if (/[<>]/.test(text)) return { ok: false, reason: "markup (< or >)" }
  if (/https?:\/\/|www\.|\]\(|```|^#|\*\*|^\s*[-*]\s/m.test(text))
    return { ok: false, reason: "links or markdown" }
  const source = sourceText(record)
  const numbers = numbersOf(source)
  for (const m of text.matchAll(NUMBER)) {
    const c = canonicalNumber(m[0])
    if (c === undefined || !numbers.has(c)) return { ok: false, reason: `number not in the record: ${m[0]}` }
  }
  const words = wordsOf(source)
  // Names: capitalized words that do not start a sentence (and all-caps words anywhere).
  const tokens = [
    ...text.matchAll(/([.!?:;]["')]?\s+|^)?(["'(]?)([A-Za-z](?:[A-Za-z'’&-]|\.(?=[A-Za-z]))*)/g)
  ]
  for (const t of tokens) {
    const word = bareWord(t[3]!)
    if (word === "") continue
    const startsSentence = t[1] !== undefined
    const capitalized = /^[A-Z]/.test(word)
    const allCaps = word.length > 1 && word === word.toUpperCase() && /[A-Z]/.test(word)
    if (!capitalized || (startsSentence && !allCaps)) continue
    const lower = word.toLowerCase()
    if (ALLOWED_WORDS.has(lower) || words.has(lower)) continue
    return { ok: false, reason: `name not in the record: ${word}` }
  }
  return { ok: true, text }
}
