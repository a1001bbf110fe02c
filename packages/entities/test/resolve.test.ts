import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  cluster,
  companyOf,
  emptyMap,
  explain,
  type OverrideRecord,
  resolve,
  type Site,
  type VariantInput,
  variantKeyOf
} from "../src/index"

const site = (
  city: string | null,
  state: string | null,
  zip: string | null = null,
  address: string | null = null
): Site => ({
  address,
  city,
  state,
  zip
})
const v = (name: string, s: Site = site(null, null), naics: Array<string> = []): VariantInput => ({
  key: variantKeyOf(name),
  name,
  sites: [s],
  naics,
  frs: [],
  rows: 1
})

const companies = (inputs: ReadonlyArray<VariantInput>, overrides: ReadonlyArray<OverrideRecord> = []) => {
  const { map } = resolve(emptyMap(), inputs, overrides)
  return (name: string) => companyOf(map, variantKeyOf(name))
}

describe("resolve: who is the same organisation", () => {
  it("joins spellings, abbreviations and site qualifiers of one agency (real OSHA names)", () => {
    const names = [
      ["CA CORRECTIONS - AVENAL", "AVENAL"],
      ["CA CORRECTIONS AVENAL", "AVENAL"],
      ["CA CORRECTIONS - CHOWCHILLA", "CHOWCHILLA"],
      ["CA DEPT OF CORRECTIONS", "STOCKTON"],
      ["CALIFORNIA DEPARTMENT OF CORRECTIONS", "WASCO"],
      ["CA CORRECTIONS PELICAN BAY STATE PRISON", "CRESCENT CITY"],
      ["CA CORRECTIONS, MULE CREEK STATE PRISON", "IONE"]
    ] as const
    const of = companies(names.map(([n, c]) => v(n, site(c, "CA"), ["922140"])))
    const keys = new Set(names.map(([n]) => of(n)))
    expect(keys.size).toBe(1)
  })

  it("keeps documented hard negatives apart", () => {
    const of = companies([
      v("FLORIDA POWER CORP.", site(null, "FL")),
      v("FLORIDA POWER & LIGHT COMPANY", site(null, "FL")),
      v("FLORIDA POWER & LIGHT LAUDERDALE PLANT", site("DAVIE", "FL")),
      v("CITY OF PANAMA CITY", site("PANAMA CITY", "FL")),
      v("CITY OF PANAMA CITY BEACH", site("PANAMA CITY BEACH", "FL")),
      v("CITY OF SPRINGFIELD", site("SPRINGFIELD", "IL")),
      v("CITY OF SPRINGFIELD WWTP", site("SPRINGFIELD", "MO")),
      v("AIR BOAT SERVICE INC.", site("X", "FL")),
      v("AIRBOATS WEST INC.", site("Y", "FL"))
    ])
    expect(of("FLORIDA POWER CORP.")).not.toBe(of("FLORIDA POWER & LIGHT COMPANY"))
    expect(of("FLORIDA POWER & LIGHT COMPANY")).toBe(of("FLORIDA POWER & LIGHT LAUDERDALE PLANT"))
    expect(of("CITY OF PANAMA CITY")).not.toBe(of("CITY OF PANAMA CITY BEACH"))
    expect(of("CITY OF SPRINGFIELD")).not.toBe(of("CITY OF SPRINGFIELD WWTP"))
    expect(of("AIR BOAT SERVICE INC.")).not.toBe(of("AIRBOATS WEST INC."))
  })

  it("joins WAL MART / WAL-MART / WALMART and store numbers", () => {
    const names = [
      "WAL-MART STORES, INC.",
      "WALMART STORES, INC. # 1204",
      "WAL MART STORE #12",
      "0423-WAL-MART STORES"
    ]
    const of = companies(names.map((n) => v(n, site(null, "AR"), ["452"])))
    expect(new Set(names.map(of)).size).toBe(1)
  })

  it("uses acronyms with the same state (CDCR)", () => {
    const of = companies([
      v("CA DEPARTMENT OF CORRECTIONS AND REHABILITATION", site("TRACY", "CA")),
      v("CDCR HIGH DESERT STATE PRISON", site("SUSANVILLE", "CA"))
    ])
    expect(of("CDCR HIGH DESERT STATE PRISON")).toBe(of("CA DEPARTMENT OF CORRECTIONS AND REHABILITATION"))
  })

  it("is incremental: a second batch only scores its new names and keeps earlier companies", () => {
    const first = resolve(emptyMap(), [v("KROGER CO", site(null, "OH")), v("KROGER #343", site(null, "KY"))])
    const second = resolve(first.map, [
      v("THE KROGER COMPANY", site(null, "TN")),
      v("PUBLIX SUPER MARKETS INC")
    ])
    expect(companyOf(second.map, variantKeyOf("THE KROGER COMPANY"))).toBe(
      companyOf(first.map, variantKeyOf("KROGER CO"))
    )
    expect(second.map.version).toBe(first.map.version + 1)
    // nothing new: nothing compared, version unchanged
    const third = resolve(second.map, [])
    expect(third.compared).toBe(0)
    expect(third.map.version).toBe(second.map.version)
    expect(third.map.variants).toEqual(second.map.variants)
  })

  it("always respects operator overrides: merge, split, parent, rename; show explains", () => {
    const inputs = [v("KROGER CO"), v("KROGER #343"), v("RALPHS GROCERY CO"), v("FRED MEYER STORES INC")]
    const overrides: Array<OverrideRecord> = [
      {
        version: 1,
        at: "2026-01-01T00:00:00Z",
        override: { op: "merge", from: "ralphs-grocery", into: "kroger" }
      },
      { version: 2, at: "2026-01-01T00:00:00Z", override: { op: "split", variant: "kroger-343" } },
      {
        version: 3,
        at: "2026-01-01T00:00:00Z",
        override: { op: "parent", company: "fred-meyer-stores", parent: "kroger" }
      },
      {
        version: 4,
        at: "2026-01-01T00:00:00Z",
        override: { op: "rename", company: "kroger", name: "The Kroger Co." }
      }
    ]
    const { map } = resolve(emptyMap(), inputs, overrides)
    expect(companyOf(map, "ralphs-grocery")).toBe(companyOf(map, "kroger"))
    expect(companyOf(map, "kroger-343")).toBe("kroger-343")
    expect(map.companies["fred-meyer-stores"]?.parent).toBe(companyOf(map, "kroger"))
    expect(map.companies[companyOf(map, "kroger")]?.name).toBe("The Kroger Co.")
    const shown = explain(map, "ralphs-grocery")!
    expect(shown.variants.find((x) => x.variant === "ralphs-grocery")?.rule).toMatch(/operator merge/)
    // re-resolving the same map with the same overrides changes nothing (they are replayed, not re-applied twice)
    const again = resolve(map, [v("KROGER STORE 12")], overrides).map
    expect(companyOf(again, "kroger-343")).toBe("kroger-343")
    expect(companyOf(again, "ralphs-grocery")).toBe(companyOf(again, "kroger"))
  })
})

describe("cluster: no chaining through one ambiguous link", () => {
  it("does not join two groups tied by one link when their representatives disagree", () => {
    // groups {0,1} and {2,3}; item 4 links to both; only 0-1, 2-3 and the two links of 4 exist
    const links = [
      { a: 0, b: 1, score: 1 },
      { a: 2, b: 3, score: 1 },
      { a: 1, b: 4, score: 0.95 },
      { a: 3, b: 4, score: 0.94 }
    ]
    // 4 is as close to both: with representatives that disagree it joins neither
    expect(cluster(5, links, { representativesAgree: () => false }).groups).toEqual([[0, 1], [2, 3], [4]])
    expect(cluster(5, links, { representativesAgree: () => true }).groups).toEqual([[0, 1, 2, 3, 4]])
    // two independent links tie groups even when their representatives disagree
    const twice = [...links, { a: 0, b: 2, score: 0.93 }, { a: 1, b: 3, score: 0.93 }]
    expect(cluster(5, twice, { representativesAgree: () => false }).groups).toEqual([[0, 1, 2, 3], [4]])
  })

  it("every group is connected by accepted links, and cannot-link pairs never share a group (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(
              fc.record({
                a: fc.nat(n - 1),
                b: fc.nat(n - 1),
                score: fc.double({ min: 0.5, max: 1, noNaN: true })
              }),
              { maxLength: 30 }
            ),
            fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 4 }),
            fc.boolean()
          )
        ),
        ([n, raw, cannot, agree]) => {
          const links = raw
            .filter((l) => l.a !== l.b)
            .map((l) => ({ ...l, a: Math.min(l.a, l.b), b: Math.max(l.a, l.b) }))
          const forbidden = new Set(cannot.map(([x, y]) => `${Math.min(x, y)}:${Math.max(x, y)}`))
          const { groups, joins } = cluster(n, links, {
            representativesAgree: () => agree,
            cannotLink: (x, y) => forbidden.has(`${Math.min(x, y)}:${Math.max(x, y)}`)
          })
          expect(groups.flat().sort((x, y) => x - y)).toEqual([...Array(n).keys()])
          for (const g of groups) {
            for (const x of g) for (const y of g) if (x < y) expect(forbidden.has(`${x}:${y}`)).toBe(false)
            // joins of a group connect it (|g| - 1 joins inside it)
            const inside = joins.filter((j) => g.includes(j.link.a) && g.includes(j.link.b))
            expect(inside.length).toBe(g.length - 1)
          }
        }
      )
    )
  })
})
