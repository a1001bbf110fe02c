import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  type CompareContext,
  compare,
  compareLinked,
  indexSites,
  jaroWinkler,
  prepare,
  type Site,
  TokenStats,
  tokenSim
} from "../src/index"

// names from few words so that pairs share words, spellings, joins, acronyms, trade names and legal forms
const WORDS = [
  "CITY OF",
  "CA",
  "DEPT OF",
  "CORRECTIONS",
  "CORRECTION",
  "WAL",
  "MART",
  "WALMART",
  "FPL",
  "FLORIDA",
  "POWER",
  "LIGHT",
  "AND",
  "&",
  "STORE #12",
  "INC",
  "LLC",
  "DBA",
  "PRISON",
  "PLANT",
  "AVENAL",
  "COUNTY",
  "REHABILITATION",
  "REHABILITAION",
  "-",
  ","
]
const nameArb = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }).map((ws) => ws.join(" "))
const siteArb: fc.Arbitrary<Site> = fc.record({
  address: fc.constantFrom("1 MAIN ST", "1 Main Street", "2 MAIN ST", null),
  city: fc.constantFrom("AVENAL", "Avenal", "TAMPA", null),
  state: fc.constantFrom("CA", "FL", null),
  zip: fc.constantFrom("93204", "33601", null)
})
const variantArb = fc.record({
  name: nameArb,
  sites: fc.array(siteArb, { maxLength: 4 }),
  naics: fc.array(fc.constantFrom("922140", "221122", "445110", "44"), { maxLength: 2 }),
  frs: fc.array(fc.constantFrom("110000001", "110000002"), { maxLength: 1 })
})

describe("compareLinked", () => {
  it("decides as compare does, leaving out only distinct pairs (property)", () => {
    fc.assert(
      fc.property(fc.array(variantArb, { minLength: 2, maxLength: 8 }), fc.boolean(), (vs, repeated) => {
        const ps = vs.map((v, i) => prepare({ key: `v${i}`, rows: 1, ...v }))
        const stats = new TokenStats()
        for (const p of ps) stats.add(p.name.key.split(" "))
        const ctx: CompareContext = { stats, hub: () => (repeated ? "repeated" : undefined) }
        for (const a of ps)
          for (const b of ps) {
            const full = compare(a, b, ctx)
            const linked = compareLinked(a, b, ctx)
            if (full.decision === "distinct") expect(linked).toBeUndefined()
            else expect(linked).toEqual(full)
          }
      }),
      { numRuns: 400 }
    )
  })
})

describe("prepare", () => {
  it("builds each variant's site index when first read, the same index and decisions as built up front (property)", () => {
    fc.assert(
      fc.property(fc.array(variantArb, { minLength: 2, maxLength: 6 }), (vs) => {
        const inputs = vs.map((v, i) => ({ key: `v${i}`, rows: 1, ...v }))
        const lazy = inputs.map(prepare)
        const eager = inputs.map(prepare)
        for (const [i, p] of eager.entries()) {
          expect(p.sites).toEqual(indexSites(inputs[i]!.sites))
          expect(p.sites).toBe(p.sites)
        }
        const stats = new TokenStats()
        for (const p of lazy) stats.add(p.name.key.split(" "))
        const ctx: CompareContext = { stats, hub: () => undefined }
        for (const [i, a] of lazy.entries())
          for (const [j, b] of lazy.entries())
            expect(compare(a, b, ctx)).toEqual(compare(eager[i]!, eager[j]!, ctx))
      }),
      { numRuns: 200 }
    )
  })
})

describe("tokenSim", () => {
  it("equals its definition (Jaro-Winkler of long words without digits, from 0.93) whatever bounds skip (property)", () => {
    // few letters, and the second word often an edit of the first: near pairs on both sides of 0.93
    const word = fc.stringMatching(/^[ABEINRST]{3,12}1?$/)
    const pair = word.chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.oneof(
          word,
          fc
            .tuple(fc.nat(11), fc.constantFrom("A", "E", "", "RS", "IN"))
            .map(([i, c]) => a.slice(0, i % (a.length + 1)) + c + a.slice((i % (a.length + 1)) + 1))
        )
      )
    )
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const jw = jaroWinkler(a, b)
        const expected =
          a === b ? 1 : a.length < 5 || b.length < 5 || /\d/.test(a) || /\d/.test(b) || jw < 0.93 ? 0 : jw
        expect(tokenSim(a, b)).toBe(expected)
      }),
      { numRuns: 20000 }
    )
  })
})
