import { readFile } from "node:fs/promises"
import type { Violation } from "@ventureos/core"
import { epaPlugin, type Outcome } from "@ventureos/normalizers"
import { beforeAll, describe, expect, it } from "vitest"
import { ECHO_CASE_HEADER, type EpaGeneratorManifest, generateEpa, NPDES_HEADER } from "../src/index"
import { expectDeterministic, normalizeAll, tempDir } from "./support"

const at = tempDir("ventureos-gen-epa-")
// higher broken/duplicate rates than the defaults so a small file has plenty of each
const opts = (seed: number, out: string) => ({
  rows: 6000,
  seed,
  outDir: at(out),
  brokenRate: 0.01,
  duplicateRate: 0.005
})

describe("EPA generator", () => {
  it("is deterministic: the same seed writes the same bytes, another seed other bytes", async () => {
    const c = await expectDeterministic(
      (seed, out) => generateEpa(opts(seed, out)),
      at,
      (m) => [m.files.npdes, m.files.cases],
      (m) => m.files.npdes
    )
    expect(c.rows.npdes + c.rows.cases).toBe(6000)
  })

  describe("normalizes with the counts its manifest promises, with the real files' quirks", () => {
    let m: EpaGeneratorManifest
    let outcomes: Array<Outcome>
    let records: Array<Violation>
    let npdesText: string
    beforeAll(async () => {
      m = await generateEpa(opts(1, "n"))
      ;({ outcomes, records } = await normalizeAll(
        [at("n", m.files.npdes), at("n", m.files.cases)],
        epaPlugin
      ))
      npdesText = await readFile(at("n", m.files.npdes), "utf8")
    })

    it("every row is accounted for exactly as the manifest says", () => {
      const count = (tag: Outcome["_tag"]) => outcomes.filter((o) => o._tag === tag).length
      expect({
        accepted: count("accepted"),
        rejected: count("rejected"),
        skipped: count("skipped")
      }).toEqual(m.expected)
      expect(m.expected.rejected).toBeGreaterThan(20)
      expect(m.expected.skipped).toBeGreaterThan(5)
    })

    it("writes the real headers, CRLF rows and MM/DD/YYYY dates", () => {
      expect(npdesText.startsWith(`${NPDES_HEADER.join(",")}\r\n`)).toBe(true)
      expect(ECHO_CASE_HEADER[0]).toBe("CaseNumber")
      expect(npdesText).toMatch(/,\d{2}\/\d{2}\/\d{4},/)
    })

    it("shares action ids between the two files, as the real exports do", () => {
      const byDataset = (d: string) =>
        new Set(records.filter((r) => r.source_dataset === d).map((r) => r.action_id))
      const npdes = byDataset("epa_npdes_formal_action")
      const shared = [...byDataset("epa_echo_case")].filter((id) => npdes.has(id))
      expect(shared.length).toBeGreaterThan(0.5 * m.sharedActions)
      expect(m.sharedActions).toBeGreaterThan(0.1 * (m.rows.npdes + m.rows.cases) * 0.5)
    })

    it("has the quirks: UNKNOWN places, blank penalties, permit lists, criminal cases, several permits per action", () => {
      const npdes = records.filter((r) => r.source_dataset === "epa_npdes_formal_action")
      const cases = records.filter((r) => r.source_dataset === "epa_echo_case")
      const share = (xs: Array<Violation>, f: (r: Violation) => boolean) => xs.filter(f).length / xs.length
      expect(share(npdes, (r) => r.violation_details.fac_city === "UNKNOWN")).toBeGreaterThan(0.05)
      expect(share(npdes, (r) => r.penalty_current === null)).toBeGreaterThan(0.3)
      expect(share(npdes, (r) => (r.violation_details.fac_naics_codes ?? "").includes(" "))).toBeGreaterThan(
        0.05
      )
      expect(share(cases, (r) => r.violation_type_code === "Criminal")).toBeGreaterThan(0.002)
      expect(share(cases, (r) => /FL[0-9A-Z]{7}/.test(r.violation_details.casename ?? ""))).toBeGreaterThan(
        0.05
      )
      const perAction = new Map<string, number>()
      for (const r of npdes) perAction.set(r.action_id!, (perAction.get(r.action_id!) ?? 0) + 1)
      expect([...perAction.values()].some((n) => n > 1)).toBe(true)
    })
  })
})
