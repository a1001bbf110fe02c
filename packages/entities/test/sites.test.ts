import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { citiesDiffer, cityTokens, indexSites, jaroWinkler, type Site, siteAgreement } from "../src/index"

/**
 * The site agreement as it was written before sites were indexed: every pair of sites, both addresses
 * normalised inside the pair loop. Kept here only, as the definition the indexed version must equal.
 */
const referenceSiteScore = (a: ReadonlyArray<Site>, b: ReadonlyArray<Site>): number => {
  const digits = (s: string | null): string =>
    s === null
      ? ""
      : s
          .toUpperCase()
          .replace(/[^A-Z0-9 ]/g, " ")
          .replace(/\s+/g, " ")
          .trim()
  let best = 0
  for (const x of a)
    for (const y of b) {
      const zip = x.zip !== null && y.zip !== null && x.zip === y.zip && x.zip !== "00000"
      const ax = digits(x.address)
      const ay = digits(y.address)
      const known = (s: string) => s !== "" && s !== "UNKNOWN"
      if (known(ax) && known(ay) && (zip || (x.city !== null && x.city === y.city))) {
        const nx = /^\d+/.exec(ax)?.[0]
        const ny = /^\d+/.exec(ay)?.[0]
        if ((nx === ny || nx === undefined || ny === undefined) && jaroWinkler(ax, ay) >= 0.9) return 1
      }
      if (zip) best = Math.max(best, 0.7)
      else if (
        x.city !== null &&
        y.city !== null &&
        x.state !== null &&
        x.state === y.state &&
        cityTokens(x.city).join(" ") === cityTokens(y.city).join(" ") &&
        x.city.trim() !== "" &&
        !/^UNKNOWN$/i.test(x.city.trim())
      )
        best = Math.max(best, 0.5)
    }
  return best
}

const referenceCitiesDiffer = (a: ReadonlyArray<Site>, b: ReadonlyArray<Site>): boolean => {
  const citiesA = new Set(a.map((x) => x.city?.toUpperCase()).filter((c) => c !== undefined && c !== ""))
  return (
    citiesA.size > 0 &&
    b.some((x) => (x.city ?? "") !== "") &&
    !b.some((x) => citiesA.has(x.city?.toUpperCase()))
  )
}

// small pools so that ZIPs, cities and addresses collide often, with the edge cases of each field
const pool = <A>(xs: ReadonlyArray<A>, free: fc.Arbitrary<A>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...xs) }, { weight: 1, arbitrary: free })
const text = fc.option(fc.string({ maxLength: 12 }), { nil: null })
const siteArb: fc.Arbitrary<Site> = fc.record({
  address: pool(
    [
      "123 MAIN ST",
      "123 Main St.",
      "123 MAIN STREET",
      "124 MAIN ST",
      "MAIN ST",
      "12 OAK AVE",
      "UNKNOWN",
      "unknown",
      " - ",
      "",
      null
    ],
    text
  ),
  city: pool(
    ["Avenal", "AVENAL", " avenal ", "San Jose", "SAN  JOSE", "St. Louis", "Unknown", "", " ", null],
    text
  ),
  state: pool(["CA", "ca", "TX", "", null], text),
  zip: pool(["93204", "93205", "00000", "", null], text)
})
const sitesArb = fc.array(siteArb, { maxLength: 8 })

describe("site agreement", () => {
  it("equals the pairwise definition on any two site lists (order of arguments kept)", () => {
    fc.assert(
      fc.property(sitesArb, sitesArb, (a, b) => {
        expect(siteAgreement(indexSites(a), indexSites(b))).toBe(referenceSiteScore(a, b))
        expect(citiesDiffer(indexSites(a), indexSites(b))).toBe(referenceCitiesDiffer(a, b))
      }),
      { numRuns: 3000 }
    )
  })

  it("scores the levels it documents", () => {
    const s = (
      address: string | null,
      city: string | null,
      state: string | null,
      zip: string | null
    ): Site => ({
      address,
      city,
      state,
      zip
    })
    const score = (a: ReadonlyArray<Site>, b: ReadonlyArray<Site>) =>
      siteAgreement(indexSites(a), indexSites(b))
    // the same street address in the same ZIP, spelled differently
    expect(
      score([s("123 Main St.", "Avenal", "CA", "93204")], [s("123 MAIN STREET", "X", "CA", "93204")])
    ).toBe(1)
    // house numbers that differ are two addresses: the ZIP still agrees
    expect(
      score([s("123 MAIN ST", "Avenal", "CA", "93204")], [s("124 MAIN ST", "Avenal", "CA", "93204")])
    ).toBe(0.7)
    // the same city words in the same state
    expect(score([s(null, "St. Louis", "MO", null)], [s(null, "ST LOUIS", "MO", null)])).toBe(0.5)
    // a ZIP of zeros is no ZIP; an UNKNOWN city is no place
    expect(score([s(null, "Unknown", "CA", "00000")], [s(null, "UNKNOWN", "CA", "00000")])).toBe(0)
    // the best pair counts, wherever it is in the lists
    const many = (city: string) =>
      Array.from({ length: 50 }, (_, i) => s(`${i} ELM RD`, `${city} ${i}`, "CA", `${city.length}${i}`))
    expect(score(many("A"), many("BB"))).toBe(0)
    expect(score(many("A"), [...many("BB"), s("49 ELM ROAD", "A 49", "CA", null)])).toBe(1)
  })
})
