import type { Violation } from "@ventureos/core"
import { type Outcome, planNormalize, readCsvRows, readHeader } from "@ventureos/normalizers"
import { toFeedItem } from "@ventureos/serving"
import { beforeAll, describe, expect, it } from "vitest"
import { OSHA_INSPECTIONS, OSHA_VIOLATIONS, SAMPLE_FILES, sampleRegistry } from "./samples"

/**
 * Decision 3 (issue 12): `violation_details` keeps only non-blank values, and OSHA inspection columns stay
 * in each violation's details (`inspection.*`). Every reader (the feed cards and violation detail served
 * from the feed items, the summaries' prompt, Top-N through gold) still gets every published value: checked
 * here on the real samples, cell by cell against the raw files.
 */

const OSHA_V = OSHA_VIOLATIONS
const OSHA_I = OSHA_INSPECTIONS
const FILES = SAMPLE_FILES

let records: Array<Violation>
beforeAll(async () => {
  const run = await planNormalize(FILES, { registry: sampleRegistry })
  records = []
  for await (const b of run.outcomes())
    for (const o of b as ReadonlyArray<Outcome>) if (o._tag === "accepted") records.push(o.record)
})

/** A CSV file as header + rows of cells (the normalizers' own reader). */
const table = async (path: string) => {
  const rows: Array<ReadonlyArray<string>> = []
  for await (const batch of readCsvRows(path)) for (const r of batch) rows.push(r.cells)
  return { header: (await readHeader(path)).map((h) => h.trim().toLowerCase()), rows }
}

describe("lean violation_details (decision 3)", () => {
  it("stores no blank value, in any agency's records", () => {
    expect(records.length).toBeGreaterThan(3000)
    for (const r of records)
      for (const v of Object.values(r.violation_details)) expect(v === null || v.trim() === "").toBe(false)
  })

  it("keeps every non-blank cell of an OSHA violation and of its inspection", async () => {
    const viol = await table(OSHA_V)
    const insp = await table(OSHA_I)
    const act = (h: ReadonlyArray<string>) => h.indexOf("activity_nr")
    const inspections = new Map(insp.rows.map((c) => [c[act(insp.header)]!.trim(), c]))
    const byId = new Map(records.filter((r) => r.agency === "osha").map((r) => [r.source_record_id, r]))
    let checked = 0
    for (const cells of viol.rows) {
      const a = cells[act(viol.header)]!.trim()
      const r = byId.get(`${a}-${cells[viol.header.indexOf("citation_id")]!.trim()}`)
      if (r === undefined) continue
      const d = r.violation_details
      viol.header.forEach((h, i) => {
        const v = cells[i] ?? ""
        if (v.trim() === "") expect(d).not.toHaveProperty([h])
        else expect(d[h]).toBe(h === "activity_nr" || h === "citation_id" ? v.trim() : v)
      })
      const ic = inspections.get(a)!
      insp.header.forEach((h, i) => {
        const v = ic[i] ?? ""
        const mapped = [
          "activity_nr",
          "estab_name",
          "site_address",
          "site_city",
          "site_state",
          "open_date",
          "close_case_date"
        ]
        if (mapped.includes(h)) return // core fields of the record
        if (v.trim() === "") expect(d).not.toHaveProperty([`inspection.${h}`])
        else expect(d[`inspection.${h}`]).toBe(v)
      })
      checked++
    }
    expect(checked).toBeGreaterThan(600)
  })

  it("reaches the feed items (cards, violation detail, summaries) whole", () => {
    for (const r of records) {
      const item = toFeedItem(r, `COMPANY#${r.company_slug}`)
      if (item === undefined) continue
      expect(item.details).toEqual(r.violation_details)
      expect(item.details_trimmed).toBe(false)
    }
  })
})
