import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { faaPlugin } from "@ventureos/normalizers"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parity, side } from "./parity"

/**
 * The vectorized (SQL) FAA ingest must be indistinguishable from the row-at-a-time reference (`normalizeCase`):
 * same counts, silver rows (content hashes included), rejections, gold and feed, on every real FAA row in the
 * fixtures, generated report files and property-generated rows with the reports' quirks.
 */

const FIX = join(import.meta.dirname, "../../normalizers/test/fixtures/faa")
const { same } = parity(faaPlugin)
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-vec-faa-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("vectorized FAA ingest == row-at-a-time ingest", () => {
  it("on every real and golden FAA row, then a daily file re-listing some of them with changes", async () => {
    const sql = side(dir, "real-sql", true)
    const js = side(dir, "real-js", false)
    try {
      const files = [
        join(FIX, "sample/faa_closed_enforcement_cases.sample.csv"),
        join(FIX, "golden/faa_quirks.csv")
      ]
      // each records file is a batch of its own: the golden rows re-list three sample cases
      const sample = await same(sql, js, [files[0]!], "historical", "2026-01-01")
      expect(sample.accepted).toBe(10)
      const golden = await same(sql, js, [files[1]!], "historical", "2026-01-01")
      expect({ accepted: golden.accepted, rejected: golden.rejected, skipped: golden.skipped }).toEqual({
        accepted: 18,
        rejected: 3,
        skipped: 1
      })
      // the plain rows in ISO, US and D-Mon-YY dates are decided in SQL
      expect(sample.decided!.sql).toBe(10)
      expect(golden.decided!.sql).toBeGreaterThan(0.7 * golden.rows)
      const text = await readFile(files[0]!, "utf8")
      const [header, ...lines] = text.split(/\r?\n/).filter((l) => l !== "")
      const fix = join(dir, "real-fix")
      await mkdir(fix, { recursive: true })
      const changed = lines.map((l, i) =>
        i % 2 === 0
          ? l.replace(/,(\d{4}-\d{2}-\d{2})$/, ",2026-01-02").replace(",DOLLARS,", ",SANCTION WAIVED,")
          : l
      )
      await writeFile(
        join(fix, "faa_closed_enforcement_cases.csv"),
        `${[header, ...changed].join("\r\n")}\r\n`
      )
      const daily = await same(
        sql,
        js,
        [join(fix, "faa_closed_enforcement_cases.csv")],
        "daily",
        "2026-01-02"
      )
      expect(daily.updated).toBeGreaterThan(2)
    } finally {
      await sql.rt.dispose()
      await js.rt.dispose()
    }
  })
})
