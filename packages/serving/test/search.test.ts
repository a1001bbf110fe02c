import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { normalizeHost } from "../src/Inputs"
import type { SearchEntry } from "../src/Model"
import {
  bucketOf,
  editDistance,
  missingVocab,
  parseVocab,
  planSearch,
  planSearchWrite,
  rankOf,
  type SearchDoc,
  termsOf,
  tokens,
  wordSimilarity
} from "../src/Search"

const entry = (display_name: string, over: Partial<Record<keyof SearchEntry, unknown>> = {}): SearchEntry =>
  ({
    entity_key: "COMPANY#walmart-stores",
    display_name,
    name_variants: [],
    place: null,
    violation_count: 10,
    updated_at: "2026-01-01T00:00:00.000Z",
    ...over
  }) as unknown as SearchEntry

/** Textbook optimal string alignment distance (full table), the reference for the banded one. */
const osa = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  return d[a.length]![b.length]!
}

describe("name search: words and terms", () => {
  it("folds spellings the way slugs do and drops legal forms, articles and store numbers", () => {
    expect(tokens("WAL-MART STORES, INC.")).toEqual(["walmart", "stores"])
    expect(tokens("Wal Mart Stores #1234")).toEqual(["wal", "mart", "stores"])
    expect(tokens("SAM'S CLUB")).toEqual(["sams", "club"])
    expect(tokens("L.L. Bean, L.L.C.")).toEqual(["ll", "bean"])
    expect(tokens("Société Générale")).toEqual(["societe", "generale"])
    expect(tokens("THE COMPANY")).toEqual(["the", "company"])
    expect(tokens("CO")).toEqual(["co"])
  })

  it("indexes words, joins of short words and a state's full name", () => {
    expect(termsOf(entry("WAL MART STORES INC", { name_variants: ["WAL-MART STORES"] }))).toEqual([
      "wal",
      "mart",
      "stores",
      "walmart"
    ])
    expect(termsOf(entry("AT&T INC", { entity_key: "COMPANY#at-and-t" }))).toEqual(["at", "att"])
    expect(termsOf(entry("TX", { entity_key: "STATE#tx" }))).toEqual(["tx", "texas"])
  })

  it("plans the exact lookups a query could mean", () => {
    expect(planSearch("Walmart Stores Inc").exactKeys).toContain("COMPANY#walmart-stores")
    expect(planSearch("austin tx").exactKeys).toEqual(["COMPANY#austin-tx", "CITY#austin-tx"])
    expect(planSearch("new mexico").exactKeys).toContain("STATE#nm")
    expect(planSearch("walmart-stores").exactKeys).toContain("COMPANY#walmart-stores")
    expect(planSearch("wal mart").units.map((u) => u.text)).toEqual(["wal", "mart", "walmart"])
    // A misspelled or cut legal form is dropped (when other words remain); '&' is spelt as in slugs.
    expect(planSearch("acme widgets corporatoin").tokens).toEqual(["acme", "widgets"])
    expect(planSearch("acme widgets corporatoin").exactKeys).toContain("COMPANY#acme-widgets")
    expect(planSearch("denver packaging compan").tokens).toEqual(["denver", "packaging"])
    expect(planSearch("compass").tokens).toEqual(["compass"])
    expect(planSearch("smith & sons").exactKeys).toContain("COMPANY#smith-and-sons")
  })

  it("ranks postings by count (most first), then key; buckets grow with the count", () => {
    expect(rankOf(500, "COMPANY#a") < rankOf(20, "COMPANY#a")).toBe(true)
    expect(rankOf(20, "COMPANY#a") < rankOf(20, "COMPANY#b")).toBe(true)
    expect([0, 1, 2, 3, 4, 1000].map(bucketOf)).toEqual([0, 1, 2, 2, 3, 10])
    // A block gains a term's highest bucket only when it does not hold that bucket or a higher one.
    expect(missingVocab(["walmart:9", "wal:1"], ["walmart:3", "wal:2", "wall:1", "wall:4"])).toEqual([
      "wal:2",
      "wall:4"
    ])
    expect(parseVocab(["walmart:3", "walmart:9", "wal:1", "bad"])).toEqual(
      new Map([
        ["walmart", 9],
        ["wal", 1]
      ])
    )
  })
})

describe("name search: similarity", () => {
  it("property: the banded distance equals the full-table distance up to its bound", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "d"), maxLength: 9 })
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        expect(editDistance(a, b, max)).toBe(Math.min(osa(a, b), max + 1))
      }),
      { numRuns: 2_000 }
    )
  })

  it("scores equal words 1, prefixes high, typos by distance, and ignores short typos", () => {
    expect(wordSimilarity("walmart", "walmart")).toBe(1)
    expect(wordSimilarity("walm", "walmart")).toBeCloseTo(0.8 + 0.2 * (4 / 7))
    expect(wordSimilarity("walmrt", "walmart")).toBeCloseTo(1 - 1 / 7)
    expect(wordSimilarity("corections", "corrections")).toBeCloseTo(1 - 1 / 11)
    expect(wordSimilarity("walmatr", "walmart")).toBeCloseTo(1 - 1 / 7)
    expect(wordSimilarity("abc", "abd")).toBe(0)
    expect(wordSimilarity("walmrx", "walmart")).toBe(0)
  })
})

describe("name search: writes", () => {
  const doc = (p: ReturnType<typeof planSearchWrite>): SearchDoc => {
    if (p._tag !== "Write") throw new Error(p._tag)
    return p.doc
  }

  it("unchanged entries write nothing; older ones are stale; renames delete the lost terms", () => {
    const first = entry("ACME WIDGETS INC")
    const p1 = planSearchWrite(first, undefined)
    expect(p1._tag).toBe("Write")
    const stored = doc(p1)
    expect(planSearchWrite(first, stored)._tag).toBe("Unchanged")
    expect(
      planSearchWrite({ ...first, updated_at: "2025-01-01T00:00:00.000Z" } as SearchEntry, stored)._tag
    ).toBe("Unchanged")
    const renamed = entry("GLOBEX WIDGETS", { updated_at: "2026-02-01T00:00:00.000Z" })
    const p2 = planSearchWrite(renamed, stored)
    if (p2._tag !== "Write") throw new Error(p2._tag)
    expect(p2.deleteTerms).toEqual(["acme"])
    expect(p2.putTerms).toEqual(["globex", "widgets"])
    // it gains a term: the doc first records every term a crash could leave posted
    expect(p2.pendingDoc?.pending).toEqual(["acme", "widgets", "globex"])
    const older = entry("INITECH", { updated_at: "2025-12-01T00:00:00.000Z" })
    expect(planSearchWrite(older, p2.doc)._tag).toBe("Stale")
  })

  it("a write interrupted after its postings is finished by the next one, even with other names", () => {
    const first = entry("ACME WIDGETS INC")
    const stored = doc(planSearchWrite(first, undefined))
    // attempt 1 (rename to GLOBEX) crashes after writing its pending doc and postings
    const attempt = planSearchWrite(entry("GLOBEX INC", { updated_at: "2026-02-01T00:00:00.000Z" }), stored)
    if (attempt._tag !== "Write" || attempt.pendingDoc === undefined)
      throw new Error("expected a pending doc")
    // the next sync carries yet another name: globex's postings must go too
    const next = planSearchWrite(
      entry("INITECH", { updated_at: "2026-03-01T00:00:00.000Z" }),
      attempt.pendingDoc
    )
    if (next._tag !== "Write") throw new Error(next._tag)
    expect([...next.deleteTerms].sort()).toEqual(["acme", "globex", "widgets"])
    // and a retry of the same entry completes instead of being skipped as unchanged
    const retry = planSearchWrite(
      entry("GLOBEX INC", { updated_at: "2026-02-01T00:00:00.000Z" }),
      attempt.pendingDoc
    )
    if (retry._tag !== "Write") throw new Error(retry._tag)
    expect([...retry.deleteTerms].sort()).toEqual(["acme", "widgets"])
  })
})

describe("brand hosts", () => {
  it("normalizes request hosts; rejects what is not a host name", () => {
    expect(normalizeHost("WWW.OshaTrail.com:8443")).toBe("oshatrail.com")
    expect(normalizeHost("oshatrail.com.")).toBe("oshatrail.com")
    expect(normalizeHost("localhost")).toBe("localhost")
    for (const bad of ["", "a b", "x..y", "-x.com", "a/b", "[::1]", "x.com:port", `${"a".repeat(254)}`])
      expect(normalizeHost(bad), bad).toBeUndefined()
  })
})
