import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Violation } from "@ventureos/core"
import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isViolation } from "../../src/index"

// Real normalized OSHA records (the reviewed golden output) as the starting point for mutations.
const golden = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "osha", "golden", "expected.json"), "utf8")
) as { outcomes: Array<{ _tag: string; record?: Record<string, unknown> }> }
const records = golden.outcomes.flatMap((o) => (o.record === undefined ? [] : [o.record]))
const columns = Object.keys(records[0]!)
const schemaIs = Schema.is(Violation)

const oddValue = fc.constantFrom<unknown>(
  null,
  undefined,
  "",
  "x",
  "2019-02-30",
  "2019-02-28",
  "1.5",
  "150.00",
  "TX",
  "tx",
  "deleted",
  "nope",
  "COMPANY#x",
  "a-b",
  "a#b",
  42,
  1.5,
  -1,
  true,
  {},
  [],
  ["x"],
  { a: "b" },
  { a: 1 }
)

describe("isViolation (the fast record check in finish)", () => {
  it("accepts every real record", () => {
    expect(records.length).toBeGreaterThan(20)
    for (const r of records) expect(isViolation(r)).toBe(true)
  })

  it("gives the same answer as Schema.is(Violation) on mutated records (property)", () => {
    fc.assert(
      fc.property(
        fc.nat(records.length - 1),
        fc.array(
          fc.oneof(
            fc.record({
              where: fc.constant("column" as const),
              col: fc.constantFrom(...columns),
              value: oddValue
            }),
            fc.record({
              where: fc.constant("details" as const),
              key: fc.constantFrom("standard", "load_dt", "new key", "__proto__x"),
              value: oddValue
            }),
            fc.record({
              where: fc.constant("drop" as const),
              col: fc.constantFrom(...columns),
              value: fc.constant(0)
            })
          ),
          { minLength: 1, maxLength: 3 }
        ),
        (i, mutations) => {
          const r: Record<string, unknown> = structuredClone(records[i]!)
          for (const m of mutations) {
            if (m.where === "column") r[m.col] = m.value
            else if (m.where === "drop") delete r[m.col]
            else {
              const d = r.violation_details
              if (typeof d === "object" && d !== null && !Array.isArray(d))
                (d as Record<string, unknown>)[m.key] = m.value
            }
          }
          expect(isViolation(r)).toBe(schemaIs(r))
        }
      ),
      { numRuns: 3000 }
    )
  })
})
