import { toFeedItem } from "@ventureos/serving"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { buildPrompt, extractiveSummary, promptRecord } from "../src/index"
import { record } from "./seed"

/**
 * Issue 12, decision 3: silver details no longer carry a `null` per blank column. What the summaries are
 * built from (the prompt for Bedrock or a local model, and the offline extractive summary) must not change
 * when those entries go: for any details, adding null-valued keys changes neither.
 */

const key = fc.string({ unit: fc.constantFrom(..."abc_. zD".split("")), minLength: 1, maxLength: 8 })
const value = fc.string({ unit: fc.constantFrom(..."ab 09$,.-XYZ".split("")), minLength: 1, maxLength: 40 })

describe("summaries of lean details", () => {
  it("are the same with or without null detail entries (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 12 }),
        fc.uniqueArray(key, { maxLength: 12 }),
        (details, blanks) => {
          const lean = record({ id: "osha:osha_violation:1-01001", date: "2024-03-01", details })
          const withNulls: Record<string, string | null> = { ...details }
          for (const k of blanks) if (!(k in withNulls)) withNulls[k] = null
          const old = record({ id: "osha:osha_violation:1-01001", date: "2024-03-01", details: withNulls })
          const a = toFeedItem(lean, "COMPANY#acme-widgets")!
          const b = toFeedItem(old, "COMPANY#acme-widgets")!
          expect(promptRecord(a)).toEqual(promptRecord(b))
          expect(buildPrompt(a)).toEqual(buildPrompt(b))
          expect(extractiveSummary(a)).toBe(extractiveSummary(b))
        }
      ),
      { numRuns: 300 }
    )
  })
})
