import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Brand, themeOf } from "../../src/lib/brand"
import { contrast, parseHex, type Rgb } from "../../src/lib/color"
import { formatMoney, plural } from "../../src/lib/format"
import { agencyRecordLink } from "../../src/lib/links"

const hex = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map(([r, g, b]) => `#${[r, g, b].map((x) => x.toString(16).padStart(2, "0")).join("")}`)

const brand = (colors: Brand["colors"]): Brand => ({
  id: "test",
  name: "Test",
  domain: null,
  colors,
  layout: "dashboard",
  navigation: [],
  agencies: ["osha"] as unknown as Brand["agencies"],
  updated_at: "2026-11-30T00:00:00.000Z" as Brand["updated_at"]
})

const c = (vars: Readonly<Record<string, string>>, name: string): Rgb => parseHex(vars[name]!)!

describe("brand themes", () => {
  it("any brand colours give AA text (4.5:1) on every surface it is shown on, and say what was corrected", () => {
    fc.assert(
      fc.property(hex, hex, hex, hex, hex, (primary, secondary, accent, background, text) => {
        const theme = themeOf(brand({ primary, secondary, accent, background, text }))
        const v = theme.vars
        const pairs: ReadonlyArray<readonly [string, string]> = [
          ["--vo-text", "--vo-background"],
          ["--vo-text", "--vo-surface"],
          ["--vo-link", "--vo-background"],
          ["--vo-link", "--vo-surface-alt"],
          ["--vo-accent-text", "--vo-background"],
          ["--vo-on-primary", "--vo-primary"],
          ["--vo-on-secondary", "--vo-secondary"],
          ["--vo-muted", "--vo-surface-alt"]
        ]
        for (const [fg, bg] of pairs)
          expect(contrast(c(v, fg), c(v, bg)), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5)
        // an unreadable brand is corrected, and says so; a brand nothing had to be corrected for keeps its colours
        if (contrast(parseHex(text)!, parseHex(background)!) < 4.5)
          expect(theme.corrections.length).toBeGreaterThan(0)
        if (theme.corrections.length === 0) {
          expect(v["--vo-text"]).toBe(text)
          expect(v["--vo-background"]).toBe(background)
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe("formatting and agency links", () => {
  it("money, plurals", () => {
    expect(formatMoney("1234567.50")).toBe("$1,234,567.50")
    expect(formatMoney(null)).toBe("Not published")
    expect(plural(1, "violation")).toBe("1 violation")
    expect(plural(2, "violation")).toBe("2 violations")
  })
  it("links each agency record to the agency's own public page where one exists", () => {
    expect(agencyRecordLink("osha:osha_violation:342083243-02001")?.href).toBe(
      "https://www.osha.gov/ords/imis/establishment.inspection_detail?id=342083243"
    )
    expect(agencyRecordLink("epa:epa_echo_case:04-1976-0004")?.href).toBe(
      "https://echo.epa.gov/enforcement-case-report?id=04-1976-0004"
    )
    expect(agencyRecordLink("epa:epa_npdes_formal_action:FL-22-0471_FL0128775")?.href).toBe(
      "https://echo.epa.gov/detailed-facility-report?fid=FL0128775"
    )
    expect(agencyRecordLink("faa:faa_enforcement_case:2008GL070135")).toBeUndefined()
  })
})
