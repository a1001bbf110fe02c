import { readFile } from "node:fs/promises"
import type { Violation } from "@ventureos/core"
import { faaPlugin, type Outcome, type planNormalize } from "@ventureos/normalizers"
import { beforeAll, describe, expect, it } from "vitest"
import { FAA_HEADER, type FaaGeneratorManifest, generateFaa } from "../src/index"
import { expectDeterministic, lfShare, normalizeAll, tempDir } from "./support"

const at = tempDir("ventureos-faa-gen-")
// higher broken/duplicate/re-listing rates than the defaults so a small file has plenty of each
const opts = (seed: number, out: string) => ({
  rows: 6000,
  seed,
  outDir: at(out),
  brokenRate: 0.01,
  duplicateRate: 0.005,
  relistRate: 0.005
})

describe("FAA generator", () => {
  it("is deterministic: the same seed writes the same bytes, another seed other bytes", async () => {
    const c = await expectDeterministic(
      (seed, out) => generateFaa(opts(seed, out)),
      at,
      (m) => [m.file],
      (m) => m.file
    )
    expect(c.rows).toBe(6000)
  })

  describe("normalizes with the counts its manifest promises", () => {
    let m: FaaGeneratorManifest
    let outcomes: Array<Outcome>
    let records: Array<Violation>
    let summary: Awaited<ReturnType<typeof planNormalize>>["summary"]
    let text: string
    beforeAll(async () => {
      m = await generateFaa(opts(1, "n"))
      ;({ outcomes, records, summary } = await normalizeAll([at("n", m.file)], faaPlugin))
      text = await readFile(at("n", m.file), "utf8")
    })

    it("reconciles, and rejects exactly the broken and re-listed rows and skips exactly the duplicates", () => {
      expect(summary.rows).toBe(m.rows)
      expect({ accepted: summary.accepted, rejected: summary.rejected, skipped: summary.skipped }).toEqual(
        m.expected
      )
      const rejects = outcomes.flatMap((o) => (o._tag === "rejected" ? [o.rejection] : []))
      const byField = (f: string) => rejects.filter((x) => x.field === f).length
      expect(byField("date known")).toBe(m.broken.date)
      expect(byField("sanction amount")).toBe(m.broken.amount)
      expect(byField("company_name")).toBe(m.broken.name)
      expect(byField("(row)")).toBe(m.broken.short)
      expect(byField("violation_id")).toBe(m.relisted)
      for (const k of ["date", "amount", "name", "short"] as const) expect(m.broken[k]).toBeGreaterThan(0)
      expect(m.duplicates).toBeGreaterThan(0)
      expect(m.relisted).toBeGreaterThan(0)
    })

    it("has the reports' quirks: repaired spellings, three date formats, blank amounts, consolidated cases", () => {
      const n = records.length
      const details = (k: string) => new Set(records.map((r) => r.violation_details[k]))
      // PDF-split and misspelled words are repaired; the raw text stays in the details
      expect(details("sanction")).toContain("CONSOLIDATE D CASE")
      expect(details("sanction.normalized")).not.toContain("CONSOLIDATE D CASE")
      expect(details("action")).toContain("CERTIFICATE REVOCATION 1")
      expect(details("entity type.normalized")).not.toContain("APPROVD RPR STA")
      const dates = [...details("date known")].filter((d): d is string => d !== undefined && d !== null)
      expect(dates.some((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))).toBe(true)
      expect(dates.some((d) => /^\d{1,2}\/\d{1,2}\/\d{2}$/.test(d))).toBe(true)
      expect(dates.some((d) => /^\d{1,2}-[A-Z][a-z]{2}-\d{2}$/.test(d))).toBe(true)
      // amounts are blank (null), not 0, when consolidated or revoked; waived ones are due 0
      const noPenalty = records.filter((r) => r.penalty_initial === null).length
      expect(noPenalty / n).toBeGreaterThan(0.1)
      expect(noPenalty / n).toBeLessThan(0.3)
      expect(records.some((r) => r.penalty_current === "0.00" && r.penalty_initial !== null)).toBe(true)
      expect(records.some((r) => r.violation_details.suspension_days !== undefined)).toBe(true)
      const types = new Set(records.map((r) => r.violation_type))
      for (const t of ["civil_penalty", "certificate_action", "compliance_order"]) expect(types).toContain(t)
      // consolidated cases: one case number, several respondents
      const perCase = new Map<string, number>()
      for (const r of records) {
        const c = r.violation_details["case number"]!
        perCase.set(c, (perCase.get(c) ?? 0) + 1)
      }
      const shared = [...perCase.values()].filter((k) => k > 1).length
      expect(shared / perCase.size).toBeGreaterThan(0.05)
      expect(
        records.filter((r) => r.violation_details.respondent_kind === "individual").length / n
      ).toBeGreaterThan(0.04)
    })

    it("writes the real header, CRLF rows mixed with LF rows", () => {
      expect(text.slice(0, text.indexOf("\r\n"))).toBe(FAA_HEADER.join(","))
      expect(lfShare(text)).toBeGreaterThan(0.01)
      expect(lfShare(text)).toBeLessThan(0.06)
    })

    it("skews respondents: a few carriers have many cases, most respondents one or two", () => {
      const counts = new Map<string, number>()
      for (const r of records) counts.set(r.company_slug, (counts.get(r.company_slug) ?? 0) + 1)
      const sorted = [...counts.values()].sort((a, b) => b - a)
      expect(sorted[0]!).toBeGreaterThan(20)
      expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThanOrEqual(2)
    })
  })
})
