import { readFile } from "node:fs/promises"
import type { Violation } from "@ventureos/core"
import { type Outcome, oshaPlugin, type planNormalize } from "@ventureos/normalizers"
import { beforeAll, describe, expect, it } from "vitest"
import { generateOsha, INSPECTION_HEADER, type OshaGeneratorManifest, VIOLATION_HEADER } from "../src/index"
import { expectDeterministic, lfShare, normalizeAll, tempDir } from "./support"

const at = tempDir("ventureos-gen-")
// higher broken/duplicate rates than the defaults so a small file has plenty of each
const opts = (seed: number, out: string) => ({
  violations: 6000,
  seed,
  outDir: at(out),
  brokenRate: 0.01,
  duplicateRate: 0.005
})

describe("OSHA generator", () => {
  it("is deterministic: the same seed writes the same bytes, another seed other bytes", async () => {
    const c = await expectDeterministic(
      (seed, out) => generateOsha(opts(seed, out)),
      at,
      () => ["osha_inspection.csv", "osha_violation.csv"],
      () => "osha_violation.csv"
    )
    expect(c.violationRows).toBe(6000)
  })

  describe("normalizes with the counts its manifest promises", () => {
    let m: OshaGeneratorManifest
    let outcomes: Array<Outcome>
    let records: Array<Violation>
    let summary: Awaited<ReturnType<typeof planNormalize>>["summary"]
    let violationText: string
    let inspectionText: string
    beforeAll(async () => {
      m = await generateOsha(opts(1, "n"))
      ;({ outcomes, records, summary } = await normalizeAll(
        [at("n", "osha_inspection.csv"), at("n", "osha_violation.csv")],
        oshaPlugin
      ))
      violationText = await readFile(at("n", "osha_violation.csv"), "utf8")
      inspectionText = await readFile(at("n", "osha_inspection.csv"), "utf8")
    })

    it("reconciles, and rejects exactly the broken rows and skips exactly the duplicates", () => {
      expect(summary.rows).toBe(m.violationRows)
      expect(summary.rows).toBe(summary.accepted + summary.rejected + summary.skipped)
      expect({ accepted: summary.accepted, rejected: summary.rejected, skipped: summary.skipped }).toEqual(
        m.expected
      )
      expect(summary.lookupRejected).toBe(0)
      const rejects = outcomes.flatMap((o) => (o._tag === "rejected" ? [o.rejection] : []))
      const byField = (f: string) => rejects.filter((x) => x.field === f).length
      expect(byField("issuance_date")).toBe(m.broken.date)
      expect(byField("initial_penalty")).toBe(m.broken.amount)
      expect(byField("(row)")).toBe(m.broken.short)
      expect(byField("activity_nr")).toBe(m.broken.orphan)
      for (const k of ["date", "amount", "short", "orphan"] as const) expect(m.broken[k]).toBeGreaterThan(0)
      expect(m.duplicates).toBeGreaterThan(0)
      const skipped = outcomes.filter((o) => o._tag === "skipped")
      expect(skipped.every((o) => o._tag === "skipped" && o.reason.startsWith("exact duplicate row"))).toBe(
        true
      )
    })

    it("has the catalog's quirks at realistic rates", () => {
      const n = records.length
      const deleted = records.filter((r) => r.status === "deleted").length
      expect(deleted).toBe(m.deleted)
      expect(deleted / n).toBeGreaterThan(0.06)
      expect(deleted / n).toBeLessThan(0.1)
      const cents = (x: string | null) => (x === null ? null : Math.round(Number(x) * 100))
      const below = records.filter((r) => {
        const [c, i] = [cents(r.penalty_current), cents(r.penalty_initial)]
        return c !== null && i !== null && c < i && r.status !== "deleted"
      }).length
      expect(below).toBe(m.currentBelowInitial)
      expect(below / n).toBeGreaterThan(0.22)
      expect(below / n).toBeLessThan(0.34)
      expect(
        records.filter((r) => r.status === "deleted" && r.penalty_current === null).length
      ).toBeGreaterThan(0)
      expect(new Set(records.map((r) => r.violation_type_code))).toEqual(new Set(["S", "W", "R", "O", "U"]))
      // numeric zips that lost their leading zero come back padded; `0` reads as unknown
      expect(records.some((r) => r.zip?.startsWith("0"))).toBe(true)
      expect(records.some((r) => r.zip === null && r.violation_details["inspection.site_zip"] === "0")).toBe(
        true
      )
      expect(
        records.some((r) => r.naics === null && r.violation_details["inspection.naics_code"] === "0")
      ).toBe(true)
      expect(records.some((r) => /\S {2,}\S/.test(r.violation_details.standard ?? ""))).toBe(true)
      expect(records.some((r) => /EST$/.test(r.violation_details.load_dt ?? ""))).toBe(true)
      expect(records.some((r) => /EDT$/.test(r.violation_details.load_dt ?? ""))).toBe(true)
      // a blank cell is absent from the (lean) details: read as null
      expect(new Set(records.map((r) => r.violation_details.abate_complete ?? null))).toEqual(
        new Set(["X", "2", "3", "I", null, "A", "1"])
      )
    })

    it("writes the real headers, CRLF rows mixed with LF rows", () => {
      expect(inspectionText.slice(0, inspectionText.indexOf("\r\n"))).toBe(INSPECTION_HEADER.join(","))
      expect(violationText.slice(0, violationText.indexOf("\r\n"))).toBe(VIOLATION_HEADER.join(","))
      expect(lfShare(violationText)).toBeGreaterThan(0.01)
      expect(lfShare(violationText)).toBeLessThan(0.06)
    })

    it("skews company sizes and spells the big companies many ways that land on one slug", () => {
      const bySlug = new Map<string, Set<string>>()
      const counts = new Map<string, number>()
      for (const r of records) {
        bySlug.set(r.company_slug, (bySlug.get(r.company_slug) ?? new Set()).add(r.company_name))
        counts.set(r.company_slug, (counts.get(r.company_slug) ?? 0) + 1)
      }
      const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1])
      const [topSlug, topCount] = sorted[0]!
      // Zipf: the biggest company has far more violations than the median one
      expect(topCount).toBeGreaterThan(20 * sorted[Math.floor(sorted.length / 2)]![1])
      expect(bySlug.get(topSlug)!.size).toBeGreaterThanOrEqual(5)
    })
  })
})
