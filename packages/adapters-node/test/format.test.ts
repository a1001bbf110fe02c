import { losslessNumber } from "@ventureos/storage/duckdb"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { count, fit, grouped, money } from "../src/Format"

describe("human output", () => {
  it("money: thousands separators on the exact decimal string", () => {
    expect(money("3550000.00")).toBe("$3,550,000.00")
    expect(money("999.99")).toBe("$999.99")
    expect(money("-1234567.50")).toBe("-$1,234,567.50")
    expect(money("0.00")).toBe("$0.00")
    expect(money(null)).toBe("-")
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), (cents) => {
        const abs = cents < 0n ? -cents : cents
        const s = `${cents < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`
        // removing the separators gives the amount back
        expect(money(s).replace("$", "").replaceAll(",", "")).toBe(s)
      })
    )
  })
  it("grouped prints whole numbers as toLocaleString('en-US') does (without loading ICU)", () => {
    expect(grouped(1000355)).toBe("1,000,355")
    expect(grouped(-1234)).toBe("-1,234")
    expect(grouped(999)).toBe("999")
    expect(grouped(1.5)).toBe("1.5")
    expect(grouped(-0)).toBe((-0).toLocaleString("en-US"))
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true })), (n) => {
        expect(grouped(n)).toBe(n.toLocaleString("en-US"))
      })
    )
  })
  it("plurals and cut names", () => {
    expect(count(1, "violation")).toBe("1 violation")
    expect(count(0, "violation")).toBe("0 violations")
    expect(count(12345, "violation")).toBe("12,345 violations")
    expect(fit("CSX", 6)).toBe("CSX   ")
    expect(fit("CALIFORNIA STATE OF DEPT OF CORRECTIONS", 12)).toBe("CALIFORNIA …")
    expect(fit("CALIFORNIA STATE OF DEPT OF CORRECTIONS", 12)).toHaveLength(12)
  })
})

describe("sql output numbers", () => {
  it("numbers when lossless, strings when a double would lose digits", () => {
    expect(losslessNumber("655")).toBe(655)
    expect(losslessNumber("35837146.49")).toBe(35837146.49)
    expect(losslessNumber("-0.50")).toBe(-0.5)
    expect(losslessNumber("9007199254740991")).toBe(9007199254740991)
    expect(losslessNumber("9007199254740993")).toBe("9007199254740993")
    expect(losslessNumber("1234567890123.456789")).toBe("1234567890123.456789")
    expect(losslessNumber("NaN")).toBe("NaN")
    // 16 significant digits: kept as a string
    expect(losslessNumber("-10000000000000.01")).toBe("-10000000000000.01")
    fc.assert(
      fc.property(
        fc.integer({ min: -(10 ** 13 - 1), max: 10 ** 13 - 1 }),
        fc.integer({ min: 0, max: 99 }),
        (w, f) => {
          const s = `${w}.${String(f).padStart(2, "0")}`
          const n = losslessNumber(s)
          expect(typeof n).toBe("number")
          expect((n as number).toFixed(2)).toBe(w === 0 && s.startsWith("-") ? s.slice(1) : s)
        }
      )
    )
  })
})
