import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { jaroWinkler, normalizeName } from "../src/index"

const key = (name: string, city?: string) => normalizeName(name, { city: city ?? null }).key

describe("normalizeName", () => {
  it("folds legal forms, punctuation, store numbers and quotes (real sample spellings)", () => {
    expect(key("WALMART STORES, INC. # 1204")).toBe("WALMART STORE")
    expect(key("0423-WAL-MART STORES")).toBe("WAL MART STORE")
    expect(key("KROGER CO (THE)")).toBe("KROGER")
    expect(key("KROGER 381, INC.")).toBe("KROGER")
    expect(key(`WEGMAN"S FOOD MARKETS, INC`)).toBe("WEGMAN FOOD MARKET")
    expect(key("HARRIS TEETER, INC. - STORE NO 248")).toBe("HARRIS TEETER")
  })

  it("keeps the legal entity of a DBA and the trade name apart", () => {
    const n = normalizeName("WAL-MART STORES EAST, LP DBA WAL-MART SUPERCENTER")
    expect(n.key).toBe("WAL MART STORE EAST")
    expect(n.trade).toEqual(["WAL", "MART", "SUPERCENTER"])
  })

  it('reorders "X, CITY OF" (with or without a state) to "CITY OF X" and keeps the site apart', () => {
    expect(key("FORT MYERS, CITY OF")).toBe(key("City of Fort Myers"))
    expect(key("COOPER CITY, FL, CITY OF (WWTP)")).toBe("CITY COOPER CITY")
    expect(key("ORLANDO, FLORIDA CITY OF")).toBe("CITY ORLANDO")
    const n = normalizeName("ATLANTIC BEACH, CITY OF - BUCCANEER WWTF")
    expect(n.key).toBe("CITY ATLANTIC BEACH")
    expect(n.tail).toEqual(["BUCCANEER", "WWTF"])
    expect(n.government).toBe(true)
  })

  it("spells out abbreviations and state names that lead a name", () => {
    expect(key("CA DEPT. OF CORRECTIONS & REHAB.")).toBe(
      key("CALIFORNIA DEPARTMENT OF CORRECTIONS AND REHABILITATION")
    )
    expect(key("C A CORRECTIONS - PLEASANT VALLEY")).toBe("CALIFORNIA CORRECTION")
    expect(key("CALIF STATE DEPT CORRECTIONS")).toBe("CALIFORNIA DEPARTMENT CORRECTION")
    expect(key("STATE OF CALIFORNIA, DEPT. OF CORRECTION")).toBe("CALIFORNIA DEPARTMENT CORRECTION")
    // inside a name a state code is an ordinary word
    expect(key("ACME CA SUPPLY")).toBe("ACME CA SUPPLY")
  })

  it("moves the site's city written after the organisation into the tail", () => {
    expect(key("CA CORRECTIONS AVENAL", "AVENAL")).toBe("CALIFORNIA CORRECTION")
    // a city that is the organisation's own place stays
    expect(key("CITY OF AVENAL", "AVENAL")).toBe("CITY AVENAL")
  })

  it("never throws and gives tokens without spaces for any text (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        (s, c) => {
          const n = normalizeName(s, { city: c ?? null })
          for (const t of [...n.head, ...n.tail]) expect(t).toMatch(/^[A-Z0-9]+$/)
          expect(n.key).toBe(n.key.trim())
        }
      )
    )
  })

  it("is invariant under case, spacing and punctuation noise (property)", () => {
    const word = fc.stringMatching(/^[A-Z]{3,9}$/)
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (ws) => {
        const plain = ws.join(" ")
        const noisy = `  ${ws.map((w) => w.toLowerCase()).join("   ")} , inc.  `
        expect(key(noisy)).toBe(key(plain))
      })
    )
  })
})

describe("jaroWinkler", () => {
  it("matches the textbook values", () => {
    expect(jaroWinkler("MARTHA", "MARHTA")).toBeCloseTo(0.9611, 3)
    expect(jaroWinkler("DWAYNE", "DUANE")).toBeCloseTo(0.84, 2)
    expect(jaroWinkler("", "")).toBe(0)
  })
  it("is symmetric and within [0, 1] (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (a, b) => {
        const x = jaroWinkler(a, b)
        expect(x).toBeGreaterThanOrEqual(0)
        expect(x).toBeLessThanOrEqual(1 + 1e-12)
        expect(Math.abs(x - jaroWinkler(b, a))).toBeLessThan(1e-12)
      })
    )
  })
})
