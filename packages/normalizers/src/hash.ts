import { createHash } from "node:crypto"
import type { Violation } from "@ventureos/core"
import { HashOmittedWhenNull, LineageFields } from "@ventureos/core"

const LINEAGE = new Set<string>(LineageFields)
const OMITTED_WHEN_NULL = new Set<string>(HashOmittedWhenNull)

// The content hash runs once per record over ~90 keys (OSHA details), and JSON.stringify per key and value
// and a sort per object dominated normalization. The helpers below produce exactly the text of
// "JSON with sorted keys" (hashes are unchanged) with less work: printable ASCII is quoted directly, key
// quoting is memoized, and the sorted key order is reused while objects keep the same key order.

/** Printable ASCII except `"` and `\`: JSON.stringify would return it unchanged between quotes. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const quote = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s))

const quotedKeys = new Map<string, string>()
const quoteKey = (k: string): string => {
  let q = quotedKeys.get(k)
  if (q === undefined) {
    q = quote(k)
    if (quotedKeys.size < 100_000) quotedKeys.set(k, q)
  }
  return q
}

/** Per nesting depth, the last key list seen and its sorted copy. */
const lastKeys: Array<ReadonlyArray<string>> = []
const lastSorted: Array<ReadonlyArray<string>> = []
const sortedKeys = (o: object, depth: number): ReadonlyArray<string> => {
  const keys = Object.keys(o)
  const prev = lastKeys[depth]
  if (prev !== undefined && prev.length === keys.length) {
    let same = true
    for (let i = 0; i < keys.length; i++)
      if (keys[i] !== prev[i]) {
        same = false
        break
      }
    if (same) return lastSorted[depth]!
  }
  const sorted = [...keys].sort()
  if (depth < 8) {
    lastKeys[depth] = keys
    lastSorted[depth] = sorted
  }
  return sorted
}

/** Stable JSON: object keys sorted, so equal content always hashes equal. */
const stable = (v: unknown, depth: number): string => {
  if (typeof v === "string") return quote(v)
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null"
  if (Array.isArray(v)) {
    let s = "["
    for (let i = 0; i < v.length; i++) s += (i === 0 ? "" : ",") + stable(v[i], depth + 1)
    return `${s}]`
  }
  const o = v as Record<string, unknown>
  const keys = sortedKeys(o, depth)
  let s = "{"
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    s += `${i === 0 ? "" : ","}${quoteKey(k)}:${stable(o[k], depth + 1)}`
  }
  return `${s}}`
}

/**
 * Version of the content hash stored in silver (`content_hash`), recorded in each silver table's properties
 * under {@link CONTENT_HASH_PROPERTY}. `2`: md5 of the canonical JSON, with `violation_details` holding only
 * non-blank values. `1` (tables without the property): sha256 (first 32 hex digits), details with a
 * `null` entry per blank column. A lake at an older version is rewritten once by `ventureos lake migrate`.
 */
export const CONTENT_HASH_VERSION = "2"
/** The silver table property holding {@link CONTENT_HASH_VERSION}. */
export const CONTENT_HASH_PROPERTY = "ventureos.content-hash-version"

/** The canonical text of a record's business content (lineage excluded): sorted-key JSON, what is hashed. */
export const canonicalContent = (record: Omit<Violation, "content_hash"> | Violation): string => {
  const o = record as unknown as Record<string, unknown>
  const keys = sortedKeys(o, 0)
  let s = "{"
  let first = true
  for (const k of keys) {
    if (LINEAGE.has(k) || (o[k] === null && OMITTED_WHEN_NULL.has(k))) continue
    s += `${first ? "" : ","}${quoteKey(k)}:${stable(o[k], 1)}`
    first = false
  }
  return `${s}}`
}

/**
 * Hash of a record's business content (lineage excluded): equal hash == nothing to re-write. md5 (128 bits):
 * it detects change, nothing relies on it resisting forgery, and it costs less than half of sha256 over the
 * ~1-2 KB of a record (DuckDB's `md5` computes the same value in SQL: `contentHashSql`).
 */
export const contentHash = (record: Omit<Violation, "content_hash"> | Violation): string =>
  createHash("md5").update(canonicalContent(record)).digest("hex")
