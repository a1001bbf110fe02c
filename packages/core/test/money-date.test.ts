import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  addMoney,
  type Money,
  moneyFromCents,
  moneyToCents,
  parseDate,
  parseMoney,
  parseUsState
} from "../src/index"

describe("money", () => {
  it("reads published amounts exactly", () => {
    expect(parseMoney("1,250.5")).toEqual({ _tag: "ok", value: "1250.50" })
    expect(parseMoney("$1,250.00")).toEqual({ _tag: "ok", value: "1250.00" })
    expect(parseMoney("(12.00)")).toEqual({ _tag: "ok", value: "-12.00" })
    expect(parseMoney("  ")).toEqual({ _tag: "ok", value: null })
    expect(parseMoney("0")).toEqual({ _tag: "ok", value: "0.00" })
    expect(parseMoney("12.340")).toEqual({ _tag: "ok", value: "12.34" })
  })
  it("rejects what is not an amount, with a reason", () => {
    expect(parseMoney("abc")._tag).toBe("error")
    expect(parseMoney("12.345")).toEqual({ _tag: "error", reason: "amount has sub-cent digits" })
    expect(parseMoney("1,25")._tag).toBe("error")
  })
  it("sums without floating-point drift (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { maxLength: 50 }),
        (cents) => {
          const ms = cents.map(moneyFromCents)
          expect(moneyToCents(addMoney(...ms))).toBe(cents.reduce((a, b) => a + b, 0n))
          for (const m of ms) expect(parseMoney(m)).toEqual({ _tag: "ok", value: m as Money })
        }
      )
    )
    expect(addMoney("0.10" as Money, "0.20" as Money)).toBe("0.30")
  })
})

describe("dates", () => {
  it("reads every agency format", () => {
    const cases: Array<[string, string]> = [
      ["2015-03-04", "2015-03-04"],
      ["2015-03-04 00:00:00 EST", "2015-03-04"],
      ["20150304", "2015-03-04"],
      ["03/04/2015", "2015-03-04"],
      ["1/1/17", "2017-01-01"],
      ["1-Jan-17", "2017-01-01"],
      ["28-Feb-98", "1998-02-28"]
    ]
    for (const [raw, iso] of cases) expect(parseDate(raw), raw).toEqual({ _tag: "ok", value: iso })
  })
  it("rejects impossible and unreadable dates", () => {
    expect(parseDate("2019-02-30")).toEqual({ _tag: "error", reason: "date does not exist on the calendar" })
    expect(parseDate("13/01/2015")._tag).toBe("error")
    expect(parseDate("soon")._tag).toBe("error")
    expect(parseDate("")).toEqual({ _tag: "ok", value: null })
  })
  it("round-trips every real date (property)", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10)
          expect(parseDate(iso)).toEqual({ _tag: "ok", value: iso })
          const us = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`
          expect(parseDate(us)).toEqual({ _tag: "ok", value: iso })
        }
      )
    )
  })
})

describe("states", () => {
  it("reads codes and names", () => {
    expect(parseUsState("tx")).toBe("TX")
    expect(parseUsState("Puerto Rico")).toBe("PR")
    expect(parseUsState("")).toBeNull()
    expect(parseUsState("XX")).toBeUndefined()
  })
})
