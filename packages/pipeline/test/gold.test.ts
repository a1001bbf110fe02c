import type { Violation } from "@ventureos/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { deltasFor, foldDeltas, type GoldDelta, toEntityStats } from "../src/Gold"
import { arbRecord, makeRecord } from "./records"

const allDeltas = (d: ReturnType<typeof deltasFor>) => [...d.company, ...d.city, ...d.state]

const recompute = (silver: ReadonlyMap<string, Violation>) => {
  const ds: Array<GoldDelta> = []
  for (const r of silver.values()) ds.push(...allDeltas(deltasFor(null, r)))
  return foldDeltas(ds)
}

const snapshot = (m: ReturnType<typeof foldDeltas>) =>
  Object.fromEntries(
    [...m.entries()]
      .map(([k, t]) => [k, { ...toEntityStats(t, null, "2026-01-01T00:00:00.000Z"), name: null }] as const)
      // an entity whose live rows all vanished has zero totals; recomputation never saw it
      .filter(
        ([, s]) =>
          s.violation_count !== 0 || s.penalty_current_total !== "0.00" || s.penalty_initial_total !== "0.00"
      )
      .sort(([a], [b]) => (a < b ? -1 : 1))
  )

describe("gold deltas", () => {
  it("gold totals == totals recomputed from current silver, over random ingests, replays, corrections, deletions (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(arbRecord(), { maxLength: 8 }), { maxLength: 15 }), (batches) => {
        const silver = new Map<string, Violation>()
        const log: Array<GoldDelta> = []
        for (const batch of batches) {
          // each batch is applied twice: the second delivery is a replay and must add nothing
          for (const delivery of [batch, batch]) {
            for (const r of delivery) {
              const old = silver.get(r.violation_id) ?? null
              log.push(...allDeltas(deltasFor(old, r)))
              silver.set(r.violation_id, r)
            }
          }
        }
        expect(snapshot(foldDeltas(log))).toEqual(snapshot(recompute(silver)))
      }),
      { numRuns: 300 }
    )
  })

  it("a replay of unchanged content appends nothing", () => {
    const r = makeRecord({
      agency: "osha",
      id: "1",
      company: "ACME INC",
      city: "AUSTIN",
      state: "TX",
      date: "2020-01-01",
      type: "serious",
      status: "open",
      initialCents: 100000,
      currentCents: 50000
    })
    expect(allDeltas(deltasFor(r, r))).toEqual([])
  })

  it("a correction appends new minus old; a deletion appends the negative; first/last dates follow live rows", () => {
    const a = makeRecord({
      agency: "osha",
      id: "1",
      company: "ACME INC",
      city: "AUSTIN",
      state: "TX",
      date: "2020-01-01",
      type: "serious",
      status: "open",
      initialCents: 100000,
      currentCents: 100000
    })
    const b = makeRecord({
      agency: "osha",
      id: "2",
      company: "ACME INC",
      city: "AUSTIN",
      state: "TX",
      date: "2021-05-05",
      type: "other",
      status: "closed",
      initialCents: 5000,
      currentCents: 5000
    })
    const settled = { ...a, penalty_current: "400.00", content_hash: "x1" } as Violation
    const deleted = { ...b, status: "deleted", content_hash: "x2" } as Violation
    const log = [
      ...allDeltas(deltasFor(null, a)),
      ...allDeltas(deltasFor(null, b)),
      ...allDeltas(deltasFor(a, settled)),
      ...allDeltas(deltasFor(b, deleted))
    ]
    const totals = foldDeltas(log)
    const acme = toEntityStats(totals.get("COMPANY#acme\u0000osha")!, "1", "2026-01-01T00:00:00.000Z")
    expect(acme).toMatchObject({
      violation_count: 1,
      penalty_initial_total: "1000.00",
      penalty_current_total: "400.00",
      open_count: 1,
      closed_count: 0,
      first_event_date: "2020-01-01",
      last_event_date: "2020-01-01"
    })
    expect(acme.counts_by_type.other).toBe(0)
    expect(totals.get("STATE#tx\u0000all")?.violation_count).toBe(1)
    expect(totals.get("CITY#austin-tx\u0000osha")?.violation_count).toBe(1)
  })
})
