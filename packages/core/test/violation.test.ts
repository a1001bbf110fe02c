import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { makeViolationId, Violation, violationColumnList } from "../src/index"

const record = {
  violation_id: "osha:osha_violation:317792311-01001",
  agency: "osha",
  source_dataset: "osha_violation",
  source_record_id: "317792311-01001",
  company_name: "CALIFORNIA STATE PRISON",
  company_slug: "california-state-prison",
  address: "1 MAIN ST",
  city: "CORCORAN",
  state: "CA",
  zip: "93212",
  naics: "922140",
  sic: null,
  event_date: "2014-03-01",
  opened_date: "2014-03-01",
  closed_date: null,
  penalty_initial: "1800.00",
  penalty_current: "900.00",
  violation_type: "serious",
  violation_type_code: "S",
  status: "closed",
  description: null,
  violation_details: { standard: "3203 A", delete_flag: null },
  city_slug: "corcoran-ca",
  action_id: null,
  content_hash: "abc",
  source_file: "osha_violation.csv",
  source_row: 2,
  normalizer_id: "osha",
  normalizer_version: "1.0.0",
  ingested_at: "2026-11-28T00:00:00.000Z"
}

describe("Violation schema", () => {
  it("accepts a well-formed record", () => {
    expect(Schema.decodeUnknownSync(Violation)(record).violation_id).toBe(record.violation_id)
  })
  it.each([
    ["state", "ZZ"],
    ["zip", "9321"],
    ["penalty_initial", 1800],
    ["penalty_initial", "1800.5"],
    ["event_date", "2014-02-30"],
    ["violation_type", "bad"],
    ["company_slug", "Has Space"],
    ["violation_id", "osha:x:has space"]
  ])("rejects %s = %j", (field, value) => {
    expect(() => Schema.decodeUnknownSync(Violation)({ ...record, [field]: value })).toThrow()
  })
  it("exposes unique, stable field ids for storage", () => {
    const ids = violationColumnList.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(violationColumnList[0]).toMatchObject({
      name: "violation_id",
      id: 1,
      type: "string",
      required: true
    })
    expect(violationColumnList.find((c) => c.name === "penalty_current")?.type).toBe("decimal(18,2)")
  })
  it("makes deterministic ids without separators or spaces in the source part", () => {
    expect(makeViolationId("faa", "faa_enforcement", "2008GL070135")).toBe("faa:faa_enforcement:2008GL070135")
    expect(makeViolationId("epa", "icis", " 04-2015 #3 ")).toBe("epa:icis:04-2015_3")
  })
})
