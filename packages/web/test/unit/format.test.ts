import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { penaltyUnknownNote } from "../../src/lib/format"

describe("current penalty unknown note", () => {
  it("says how many violations have no known current penalty, and nothing when none", () => {
    expect(penaltyUnknownNote(46)).toBe("current penalty unknown for 46 violations")
    expect(penaltyUnknownNote(1)).toBe("current penalty unknown for 1 violation")
    expect(penaltyUnknownNote(1234)).toBe("current penalty unknown for 1,234 violations")
    expect(penaltyUnknownNote(0)).toBeUndefined()
    // stats stored before the count existed
    expect(penaltyUnknownNote(undefined)).toBeUndefined()
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 10_000_000 }), (n) => {
        const note = penaltyUnknownNote(n)
        expect(note === undefined).toBe(n <= 0)
      })
    )
  })
})
