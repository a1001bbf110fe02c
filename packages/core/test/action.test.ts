import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { actionKey, EntityStats, mergeAction, type Violation, ViolationTypes } from "../src/index"

/** A record of one EPA action as each dataset publishes it (shapes of the Florida sample's rows). */
const base = {
  agency: "epa",
  company_name: "X",
  company_slug: "x",
  address: null,
  city: null,
  state: null,
  zip: null,
  naics: null,
  sic: null,
  event_date: null,
  opened_date: null,
  closed_date: null,
  penalty_initial: null,
  penalty_current: null,
  violation_type: "compliance_order",
  violation_type_code: null,
  status: "closed",
  description: null,
  violation_details: {},
  city_slug: null,
  content_hash: "h",
  source_file: "f.csv",
  source_row: 1,
  normalizer_id: "epa",
  normalizer_version: "1.0.0",
  ingested_at: "2026-01-01T00:00:00.000Z"
}
const record = (o: Partial<Violation> & Pick<Violation, "violation_id" | "source_dataset">): Violation =>
  ({ ...base, source_record_id: o.violation_id.split(":")[2], action_id: "FL-20-1674", ...o }) as Violation

// FL-20-1674: a state consent order; the case publishes FedPenalty 0, NPDES the state penalty 26144
const echo = record({
  violation_id: "epa:epa_echo_case:FL-20-1674" as Violation["violation_id"],
  source_dataset: "epa_echo_case",
  company_name: "CITY OF EXAMPLE",
  company_slug: "city-of-example" as Violation["company_slug"],
  event_date: "2021-04-21" as Violation["event_date"],
  penalty_initial: "0.00" as Violation["penalty_initial"],
  penalty_current: "0.00" as Violation["penalty_current"]
})
const npdes = (permit: string, city: string) =>
  record({
    violation_id: `epa:epa_npdes_formal_action:FL-20-1674_${permit}` as Violation["violation_id"],
    source_dataset: "epa_npdes_formal_action",
    company_name: `${city} WWTF`,
    company_slug: `${city.toLowerCase()}-wwtf` as Violation["company_slug"],
    city,
    state: "FL" as Violation["state"],
    city_slug: `${city.toLowerCase()}-fl` as Violation["city_slug"],
    event_date: "2021-04-20" as Violation["event_date"],
    penalty_initial: "26144.00" as Violation["penalty_initial"],
    penalty_current: "26144.00" as Violation["penalty_current"]
  })

describe("one enforcement action, counted once (mergeAction)", () => {
  it("the case speaks for the action, the NPDES facility gives its place and the penalty with the state part", () => {
    const m = mergeAction([npdes("FL0000002", "TAMPA"), echo, npdes("FL0000001", "MIAMI")])!
    expect(m.violation_id).toBe(echo.violation_id)
    expect(m.company_slug).toBe("city-of-example")
    expect(m.event_date).toBe("2021-04-21")
    // the first NPDES row by violation id: FL0000001
    expect([m.city, m.state, m.city_slug]).toEqual(["MIAMI", "FL", "miami-fl"])
    expect([m.penalty_initial, m.penalty_current]).toEqual(["26144.00", "26144.00"])
  })

  it("falls back to the case figure when NPDES has none; an unknown stays unknown", () => {
    const blank = { ...npdes("FL0000001", "MIAMI"), penalty_initial: null, penalty_current: null }
    expect(mergeAction([blank, echo])!.penalty_current).toBe("0.00")
    expect(mergeAction([blank, { ...echo, penalty_current: null }])!.penalty_current).toBeNull()
  })

  it("ignores deleted records; an action with none live is not counted; one record is itself", () => {
    const one = npdes("FL0000001", "MIAMI")
    expect(mergeAction([one])).toBe(one)
    expect(mergeAction([{ ...echo, status: "deleted" }, one])).toBe(one)
    expect(mergeAction([{ ...echo, status: "deleted" }])).toBeNull()
    expect(mergeAction([])).toBeNull()
  })

  it("property: the merged action does not depend on the order its records arrive in", () => {
    const pool = [echo, npdes("FL0000001", "MIAMI"), npdes("FL0000002", "TAMPA"), npdes("FL0000003", "OCALA")]
    fc.assert(
      fc.property(fc.shuffledSubarray(pool, { minLength: 1 }), (members) => {
        const sorted = [...members].sort((a, b) => (a.violation_id < b.violation_id ? -1 : 1))
        expect(mergeAction(members)).toEqual(mergeAction(sorted))
      })
    )
  })

  it("groups records by action id, a record without one on its own", () => {
    expect(actionKey(echo)).toBe(actionKey(npdes("FL0000001", "MIAMI")))
    expect(actionKey({ ...echo, action_id: null })).not.toBe(
      actionKey({ ...echo, action_id: null, violation_id: npdes("A", "B").violation_id })
    )
  })
})

describe("EntityStats.penalty_current_unknown_count", () => {
  it("reads as 0 from stats stored before the field existed", () => {
    const stored = {
      entity_key: "COMPANY#acme",
      agency: "all",
      violation_count: 2,
      counts_by_type: Object.fromEntries(ViolationTypes.map((t) => [t, 1])),
      penalty_initial_total: "10.00",
      penalty_current_total: "5.00",
      open_count: 2,
      closed_count: 0,
      first_event_date: null,
      last_event_date: null,
      source_snapshot: null,
      updated_at: "2026-01-01T00:00:00.000Z"
    }
    expect(Schema.decodeUnknownSync(EntityStats)(stored).penalty_current_unknown_count).toBe(0)
    expect(
      Schema.decodeUnknownSync(EntityStats)({ ...stored, penalty_current_unknown_count: 3 })
        .penalty_current_unknown_count
    ).toBe(3)
    expect(() =>
      Schema.decodeUnknownSync(EntityStats)({ ...stored, penalty_current_unknown_count: -1 })
    ).toThrow()
  })
})
