import { readFileSync } from "node:fs"
import { join } from "node:path"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { normalizeAll, reconciles, scratch } from "./harness"

const GOLDEN = join(import.meta.dirname, "..", "fixtures", "osha", "golden")
const inspections = join(GOLDEN, "osha_inspection.csv")
const lines = readFileSync(join(GOLDEN, "osha_violation.csv"), "utf8")
  .split(/\r?\n/)
  .filter((l) => l !== "")
const header = lines[0]!.split(",")
// the golden violation file has no quoted cells, so splitting on commas is exact
const templates = lines.slice(1).map((l) => l.split(","))
const col = (name: string) => header.indexOf(name)

type Kind =
  | "good"
  | "multiline"
  | "short"
  | "long"
  | "badDate"
  | "badAmount"
  | "orphan"
  | "duplicate"
  | "conflict"
type Expected =
  | { readonly tag: "accepted" }
  | { readonly tag: "rejected"; readonly field: string }
  | { readonly tag: "skipped" }

const step = fc.record({
  kind: fc.constantFrom<Kind>(
    "good",
    "good",
    "good",
    "multiline",
    "short",
    "long",
    "badDate",
    "badAmount",
    "orphan",
    "duplicate",
    "conflict"
  ),
  template: fc.nat(templates.length - 1),
  pick: fc.nat(),
  blankLinesBefore: fc.constantFrom(0, 0, 0, 1, 2),
  crlf: fc.boolean()
})

let s: Awaited<ReturnType<typeof scratch>>
beforeAll(async () => {
  s = await scratch()
})
afterAll(() => s.cleanup())

describe("run accounting (property)", () => {
  it("every row ends accepted, rejected or skipped; rejects and skips name the right lines", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        run++
        let text = `${header.join(",")}\n`
        let line = 2
        const expected: Array<{ line: number; want: Expected }> = []
        const good: Array<Array<string>> = [] // emitted accepted rows, for duplicates
        steps.forEach((st, i) => {
          const eol = st.crlf ? "\r\n" : "\n"
          for (let b = 0; b < st.blankLinesBefore; b++) {
            text += eol
            line++
          }
          const cells = [...templates[st.template]!]
          cells[col("citation_id")] = `9${String(i).padStart(4, "0")}` // unique violation id per step
          let kind = st.kind
          if ((kind === "duplicate" || kind === "conflict") && good.length === 0) kind = "good"
          let row = cells
          let want: Expected = { tag: "accepted" }
          switch (kind) {
            case "good":
              break
            case "multiline":
              cells[col("standard")] = `"3328${eol}A"`
              break
            case "short":
              row = cells.slice(0, 1 + (st.pick % (cells.length - 1)))
              want = { tag: "rejected", field: "(row)" }
              break
            case "long":
              row = [...cells, "extra"]
              want = { tag: "rejected", field: "(row)" }
              break
            case "badDate":
              cells[col("abate_date")] = ["2019-02-30", "2019-13-01", "31/31/2019", "soon"][st.pick % 4]!
              want = { tag: "rejected", field: "abate_date" }
              break
            case "badAmount":
              cells[col("current_penalty")] = ["1.2.3", "12O", "$-", "1.005"][st.pick % 4]!
              want = { tag: "rejected", field: "current_penalty" }
              break
            case "orphan":
              cells[col("activity_nr")] = "123456789"
              want = { tag: "rejected", field: "activity_nr" }
              break
            case "duplicate":
              row = good[st.pick % good.length]!
              want = { tag: "skipped" }
              break
            case "conflict": {
              row = [...good[st.pick % good.length]!]
              row[col("nr_exposed")] = `${Number(row[col("nr_exposed")] || 0) + 1000}`
              want = { tag: "rejected", field: "violation_id" }
              break
            }
          }
          if (want.tag === "accepted") good.push(row)
          expected.push({ line, want })
          text += row.join(",") + eol
          line += 1 + (row.join(",").match(/\r\n|\n|\r/g) ?? []).length
        })
        const file = await s.write(`osha_violation_${run}.csv`, text)
        const r = await normalizeAll([inspections, file])

        expect(reconciles(r.summary)).toBe(true)
        expect(r.summary.rows).toBe(steps.length)
        const count = (tag: Expected["tag"]) => expected.filter((e) => e.want.tag === tag).length
        expect(r.summary).toMatchObject({
          accepted: count("accepted"),
          rejected: count("rejected"),
          skipped: count("skipped")
        })
        const got = r.outcomes
          .map((o) =>
            o._tag === "accepted"
              ? { line: expected[o.record.source_row - 1]!.line, want: { tag: "accepted" } }
              : o._tag === "rejected"
                ? { line: o.rejection.line, want: { tag: "rejected", field: o.rejection.field } }
                : { line: o.line, want: { tag: "skipped" } }
          )
          .sort((a, b) => a.line - b.line)
        expect(got).toEqual(expected)
        for (const o of r.outcomes) {
          if (o._tag === "rejected") {
            expect(o.rejection.file).toBe(`osha_violation_${run}.csv`)
            expect(o.rejection.reason).not.toBe("")
          }
        }
      }),
      { numRuns: 60 }
    )
  })
})
