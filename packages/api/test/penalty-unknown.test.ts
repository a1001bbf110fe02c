import type { Money, Violation } from "@ventureos/core"
import { toFeedItem } from "@ventureos/serving"
import { describe, expect, it } from "vitest"
import { extractiveSummary } from "../src/index"
import { record } from "./seed"

/**
 * Issue 12, decision 1: a violation whose current penalty is unknown (OSHA's blank `current_penalty`) is not
 * summarized as if its initial penalty were the current one.
 */
const card = (initial: string | null, current: string | null) =>
  toFeedItem(
    {
      ...record({ id: "osha:osha_violation:1-01001", date: "2024-03-01" }),
      penalty_initial: initial as Money | null,
      penalty_current: current as Money | null
    } as Violation,
    "COMPANY#acme-widgets"
  )!

describe("offline summary of penalties", () => {
  it("says the current penalty is unknown instead of presenting the initial one as the penalty", () => {
    expect(extractiveSummary(card("5000.00", null))).toContain(
      "The initial penalty was $5,000; the current penalty is unknown."
    )
    expect(extractiveSummary(card("5000.00", "1200.00"))).toContain("The penalty went from $5,000 to $1,200.")
    expect(extractiveSummary(card("5000.00", "5000.00"))).toContain("The penalty is $5,000.")
    expect(extractiveSummary(card(null, null))).not.toContain("penalty")
  })
})
