import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { citySlug, companySlug, isSlug, parseEntityKey, type UsState } from "../src/index"

// Real spellings from OSHA establishment names (shared/data/entity), one company each.
const SAME: Record<string, ReadonlyArray<string>> = {
  "walmart-stores": [
    "WAL-MART STORES, INC.",
    "WALMART STORES, INC. # 1204",
    "0423-WAL-MART STORES",
    "WAL-MART STORES INC - STORE #2998",
    "WAL-MART STORES INC. STORE #1903",
    "WAL-MART STORES, INC.  ",
    "Wal-Mart Stores, Inc. #5417"
  ],
  "walmart-stores-east": [
    "WAL-MART STORES EAST, LP DBA WAL-MART SUPERCENTER",
    "WAL-MART STORES EAST, LP #1839"
  ],
  "wegmans-food-markets": [
    'WEGMAN"S FOOD MARKETS, INC',
    "WEGMANS FOOD MARKETS INC.",
    "Wegman's Food Markets, Inc."
  ],
  kroger: ["KROGER 381, INC.", "THE KROGER CO.", "KROGER CO (THE)", "Kroger Company"],
  "acme-widgets": [
    "ACME WIDGETS L.L.C.",
    "Acme Widgets, LLC",
    "ACME WIDGETS L L C",
    "ACME WIDGETS INCORPORATED"
  ]
}

describe("companySlug", () => {
  for (const [slug, names] of Object.entries(SAME)) {
    it(`folds ${names.length} spellings onto ${slug}`, () => {
      for (const n of names) expect(companySlug(n), n).toBe(slug)
    })
  }

  it("keeps similar but different companies apart", () => {
    expect(companySlug("Florida Power Corp")).toBe("florida-power")
    expect(companySlug("Florida Power & Light Company")).toBe("florida-power-and-light")
    expect(companySlug("CALIF STATE DEPT CORRECTIONS PRISON IND. AUTHORITY")).not.toBe(
      companySlug("CA DEPARTMENT OF CORRECTIONS AND REHABILITATION")
    )
  })

  it("drops a legal suffix cut off by 50-character truncation", () => {
    const cut = "MIDWEST REGIONAL DISTRIBUTION SERVICES INCORPORATED".slice(0, 50)
    expect(cut.length).toBe(50)
    expect(companySlug(cut)).toBe("midwest-regional-distribution-services")
  })

  it("keeps numeric brand names (7-ELEVEN) and individuals", () => {
    expect(companySlug("7-ELEVEN, INC.")).toBe("7eleven")
    expect(companySlug("LEPPING, KURT M")).toBe("lepping-kurt-m")
  })

  it("returns undefined when no letters or digits remain", () => {
    expect(companySlug("###")).toBeUndefined()
    expect(companySlug("  \u0000 ")).toBeUndefined()
  })

  it("always yields a valid ASCII slug without '#' or control characters (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => {
        const slug = companySlug(s)
        if (slug !== undefined) {
          expect(isSlug(slug)).toBe(true)
          expect(slug).not.toMatch(/[#\x00-\x1f]/)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("is insensitive to case and surrounding punctuation (property)", () => {
    const word = fc.stringMatching(/^[A-Z]{3,8}$/)
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.constantFrom("", ", INC.", " LLC", " CORP", " CO."),
        (ws, suffix) => {
          const name = ws.join(" ")
          // words that are themselves legal suffixes or "THE"/"DBA" are not stable under this transformation
          fc.pre(
            ws.every(
              (w) =>
                ![
                  "INC",
                  "LLC",
                  "CORP",
                  "CO",
                  "THE",
                  "DBA",
                  "AND",
                  "STORE",
                  "UNIT",
                  "LOC",
                  "LTD",
                  "LP",
                  "PC",
                  "PA",
                  "NA",
                  "SA",
                  "AG",
                  "NV",
                  "BV",
                  "LC",
                  "AKA",
                  "COS",
                  "PLC",
                  "LLP",
                  "ULC",
                  "LLLP",
                  "GMBH",
                  "LTDA",
                  "PLLC",
                  "BRANCH",
                  "LIMITED",
                  "COMPANY",
                  "FACILITY",
                  "LOCATION",
                  "CORPORATION",
                  "INCORPORATED"
                ].includes(w)
            )
          )
          expect(companySlug(`${name.toLowerCase()}${suffix.toLowerCase()}`)).toBe(companySlug(name))
        }
      )
    )
  })
})

describe("citySlug and entity keys", () => {
  it("builds city-state slugs and ignores unknown cities", () => {
    expect(citySlug("Austin", "TX" as UsState)).toBe("austin-tx")
    expect(citySlug("ST. PETERSBURG", "FL" as UsState)).toBe("st-petersburg-fl")
    expect(citySlug("UNKNOWN", "FL" as UsState)).toBeUndefined()
    expect(citySlug("Austin", null)).toBeUndefined()
  })

  it("parses valid keys and rejects injection", () => {
    expect(parseEntityKey("COMPANY#tesla")).toEqual({ kind: "COMPANY", slug: "tesla" })
    expect(parseEntityKey("CITY#austin-tx")).toEqual({ kind: "CITY", slug: "austin-tx" })
    expect(parseEntityKey("STATE#tx")).toEqual({ kind: "STATE", slug: "tx" })
    for (const bad of [
      "COMPANY#tesla#x",
      "COMPANY#Tesla",
      "STATE#texas",
      "CITY#austin",
      "COMPANY#",
      "COMPANY#a\nb",
      "USER#x"
    ]) {
      expect(parseEntityKey(bad), bad).toBeUndefined()
    }
  })
})
