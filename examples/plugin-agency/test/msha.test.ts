import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import {
  detect,
  makeRegistry,
  type Outcome,
  oshaPlugin,
  planNormalize,
  readHeader
} from "@ventureos/normalizers"
import { beforeAll, describe, expect, it } from "vitest"
import { mshaPlugin } from "../src/index"

const SAMPLE = join(import.meta.dirname, "..", "data", "msha_violations.csv")
const OSHA_SAMPLES = join(import.meta.dirname, "..", "..", "..", "packages", "adapters-node", "samples")
const builtins = [oshaPlugin]
const registry = makeRegistry([...builtins, mshaPlugin])

describe("MSHA example plugin", () => {
  it("is detected from its header with agency auto, and built-in formats still go to their plugins", async () => {
    const mine = detect(registry, await readHeader(SAMPLE))
    expect(mine?.plugin.id).toBe("msha")
    expect(mine?.dataset.id).toBe("msha_violation")
    const osha = detect(registry, await readHeader(join(OSHA_SAMPLES, "osha_violation.csv")))
    expect(osha?.plugin.id).toBe("osha")
    // asking for another agency never picks it
    expect(detect(registry, await readHeader(SAMPLE), "osha")).toBeUndefined()
  })

  it("cannot be registered twice", () => {
    expect(() => makeRegistry([...builtins, mshaPlugin, mshaPlugin])).toThrow(/duplicate/)
  })

  describe("end to end, in one run with OSHA files", () => {
    let outcomes: Array<Outcome>
    let summary: Awaited<ReturnType<typeof planNormalize>>["summary"]
    let msha: Map<string, Violation>
    beforeAll(async () => {
      const run = await planNormalize(
        [join(OSHA_SAMPLES, "osha_inspection.csv"), join(OSHA_SAMPLES, "osha_violation.csv"), SAMPLE],
        { registry, agency: "auto", ingestedAt: "2026-01-01T00:00:00.000Z" }
      )
      outcomes = []
      for await (const b of run.outcomes()) outcomes.push(...b)
      summary = run.summary
      msha = new Map(
        outcomes.flatMap((o) =>
          o._tag === "accepted" && o.record.agency === "msha" ? [[o.record.source_record_id, o.record]] : []
        )
      )
    })

    it("reconciles every file, the broken MSHA row rejected and nothing else", () => {
      expect(summary.agencies).toEqual(["osha", "msha"])
      const file = summary.files.find((f) => f.dataset === "msha_violation")!
      expect(file).toMatchObject({ rows: 7, accepted: 6, rejected: 1, skipped: 0 })
      expect(summary.rows).toBe(summary.accepted + summary.rejected + summary.skipped)
      const rejects = outcomes.flatMap((o) => (o._tag === "rejected" ? [o.rejection] : []))
      // line 9, row 7: the two-line narrative of 9210346 puts the last row one line further down
      expect(rejects).toEqual([
        {
          file: "msha_violations.csv",
          line: 9,
          row: 7,
          field: "violation_occur_dt",
          value: "02/30/2024",
          reason: "date does not exist on the calendar"
        }
      ])
    })

    it("produces valid unified records with the MSHA fields mapped", () => {
      expect(msha.size).toBe(6)
      for (const r of msha.values()) {
        expect(r.violation_id).toBe(`msha:msha_violation:${r.source_record_id}`)
        expect(r.normalizer_id).toBe("msha")
        expect(r.source_file).toBe("msha_violations.csv")
      }
      expect(msha.get("9210345")).toMatchObject({
        company_name: "BLACK RIDGE COAL CO., LLC",
        state: "WV",
        event_date: "2024-03-04",
        closed_date: "2024-03-06",
        penalty_initial: "1247.00",
        penalty_current: "998.00",
        violation_type: "serious",
        violation_type_code: "104(a)",
        status: "closed"
      })
      expect(msha.get("9210346")).toMatchObject({ violation_type: "willful", status: "open" })
      expect(msha.get("9210346")!.description).toBe(
        "The roof in the No. 4 entry was not supported. A crosscut had been mined beyond the last row of bolts."
      )
      // an imminent-danger order: no penalty assessed is null, not zero
      expect(msha.get("9310013")).toMatchObject({
        violation_type: "compliance_order",
        penalty_initial: null,
        penalty_current: null
      })
      expect(msha.get("9310014")!.violation_details).toMatchObject({
        violator_type_cd: "Contractor",
        mine_id: "2600310",
        part_section: "56.6130(a)"
      })
    })

    it("lands every spelling of one operator on one company slug, and keeps other operators apart", () => {
      const slugs = (ids: ReadonlyArray<string>) => new Set(ids.map((id) => msha.get(id)!.company_slug))
      expect(slugs(["9210345", "9210346", "9210347"])).toEqual(new Set(["black-ridge-coal"]))
      expect(slugs(["9310012", "9310013"])).toEqual(new Set(["granite-falls-aggregates"]))
      expect(msha.get("9310014")!.company_slug).toBe("summit-drilling-and-blasting")
    })
  })
})
