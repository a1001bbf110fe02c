import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { oshaPlugin } from "@ventureos/normalizers"
import { generateOsha, INSPECTION_HEADER, VIOLATION_HEADER } from "@ventureos/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { csv, parity, side } from "./parity"

/**
 * The vectorized (SQL) ingest must be indistinguishable from the row-at-a-time reference: same counts, same
 * silver rows (content hashes included), same rejections, same gold totals and the same feed, on real rows,
 * generated rows with every quirk, and hand-made edge cases. Both run on the same Iceberg warehouse type.
 */

const NORMALIZER_FIX = join(import.meta.dirname, "../../normalizers/test/fixtures/osha")
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-vec-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Hand-made rows for the rules SQL must either reproduce or hand to JavaScript. */
const edgeCases = async (out: string) => {
  const insp = (activity: string, over: Record<string, string> = {}) => ({
    activity_nr: activity,
    estab_name: `COMPANY ${activity}`,
    site_address: "1 MAIN ST",
    site_city: "AUSTIN",
    site_state: "TX",
    site_zip: "78701",
    naics_code: "445110",
    sic_code: "5411",
    open_date: "2015-03-04",
    close_case_date: "",
    ...over
  })
  const inspections = [
    insp("100"),
    insp("101", { estab_name: "WAL-MART STORES, INC. # 1204", site_zip: "2134", naics_code: "445110.0" }),
    insp("102", { site_state: "California", site_city: "LOS  ANGELES" }), // state name: JavaScript decides
    insp("103", { site_zip: "02134-1234", sic_code: "0", naics_code: "0", close_case_date: "2016-01-01" }),
    insp("104", { estab_name: "CAFÉ  DU MONDE", site_city: "NEW ORLEANS", site_state: "la" }), // non-ASCII
    insp("105", { open_date: "03/04/2015" }), // US date: JavaScript
    insp("106", { site_zip: "ABCDE" }), // invalid: every violation of it is rejected
    insp("107", { estab_name: "  spaced   out  name  ", site_address: "  " }),
    insp("108", { estab_name: "TAB\tNAME" }),
    insp("109", { estab_name: "FIRST VERSION" }),
    insp("109", { estab_name: "LAST VERSION WINS" }), // the later row of an activity number wins
    insp("110", { estab_name: "..." }), // no letters: rejected
    insp("111", { estab_name: "" }), // blank name: rejected
    insp("112", { naics_code: "445110 445120", site_zip: "7870.0" }),
    insp("113", { estab_name: 'WEGMAN"S FOOD MARKETS, INC', site_city: "O'FALLON", site_state: "MO" }),
    insp("114", { open_date: "2015-02-30" }) // impossible date
  ]
  const viol = (activity: string, citation: string, over: Record<string, string> = {}) => ({
    activity_nr: activity,
    citation_id: citation,
    delete_flag: "",
    standard: "19100212 A01",
    viol_type: "S",
    issuance_date: "2015-04-01",
    abate_date: "",
    current_penalty: "900",
    initial_penalty: "1200.5",
    ...over
  })
  const violations = [
    viol("100", "01001"),
    viol("100", "01002", { current_penalty: "", delete_flag: "X" }),
    viol("100", "01003", { current_penalty: "", viol_type: "w" }),
    viol("101", "01001", { viol_type: "Q", initial_penalty: "0", current_penalty: "0.00" }),
    viol("102", "01001"),
    viol("103", "01001", { standard: "  5144 H02    A ", issuance_date: "" }),
    viol("104", "01001"),
    viol("105", "01001"),
    viol("106", "01001"),
    viol("107", "01001", { initial_penalty: "1,250.00" }), // thousands separator: JavaScript
    viol("108", "01001"),
    viol("109", "01001", { delete_flag: "d" }),
    viol("110", "01001"),
    viol("111", "01001"),
    viol("112", "01001", { citation_id: "01001 #2" }),
    viol("113", "01001", { current_penalty: "(50)" }),
    viol("114", "01001"),
    viol("999", "01001"), // orphan
    viol("abc", "01001"), // non-numeric activity
    viol("100", ""), // blank citation
    viol("100", "01004", { issuance_date: "2015-13-01" }),
    viol("100", "01005", { abate_date: "2015-04-01 00:00:00" }), // time part: JavaScript
    viol("100", "01001"), // exact duplicate of the first row: skipped
    viol("100", "01002", { current_penalty: "1" }), // same id, other content: rejected
    viol("100", "01006", { initial_penalty: "12.345" }),
    viol("100", "01007", { hazsub1: "\u00a0" }), // JavaScript-blank detail
    viol("100", "01008", { nr_exposed: "multi\nline" })
  ]
  await mkdir(out, { recursive: true })
  await writeFile(join(out, "osha_inspection.csv"), csv(INSPECTION_HEADER, inspections, "\r\n"))
  await writeFile(
    join(out, "osha_violation.csv"),
    `${csv(VIOLATION_HEADER, violations)}${VIOLATION_HEADER.slice(0, 5).join(",")}\n` // + a short row
  )
}

const { same } = parity(oshaPlugin)
/** Tiny slices make the vectorized path's sliced work (slugs, fallback rows, joins) run in many parts. */
const sliced = parity(oshaPlugin, { bulkSliceRows: 3 })

/** A correction file: every third record changes penalty, every fifth is deleted, every seventh moves date. */
const corrections = async (src: string, out: string, every = 1) => {
  const text = await readFile(src, "utf8")
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l !== "")
  const cols = header!.split(",")
  const at = (name: string) => cols.indexOf(name)
  const changed = lines
    .filter((_l, i) => i % every === 0)
    .slice(0, 400)
    .map((l, i) => {
      const cells = l.split(",")
      if (cells.length !== cols.length) return l
      if (i % 3 === 0) cells[at("current_penalty")] = String(100 + i)
      if (i % 5 === 0) cells[at("delete_flag")] = "X"
      if (i % 7 === 0) cells[at("issuance_date")] = "2019-06-30"
      return cells.join(",")
    })
  await mkdir(out, { recursive: true })
  await writeFile(join(out, "osha_violation.csv"), `${[header, ...changed].join("\n")}\n`)
}

describe("vectorized OSHA ingest == row-at-a-time ingest", () => {
  it("on the real sample rows, then a daily correction file (feed included)", async () => {
    const sql = side(dir, "sample-sql", true)
    const js = side(dir, "sample-js", false)
    try {
      const files = [
        join(NORMALIZER_FIX, "sample/osha_violation.csv"),
        join(NORMALIZER_FIX, "sample/osha_inspection.csv")
      ]
      const first = await same(sql, js, files, "historical", "2026-01-01")
      expect(first.accepted).toBeGreaterThan(600)
      // the real rows are decided in SQL, not handed back to JavaScript
      expect(first.decided!.sql).toBeGreaterThan(0.9 * first.rows)
      const fix = join(dir, "sample-fix")
      await corrections(files[0]!, fix)
      await cp(files[1]!, join(fix, "osha_inspection.csv"))
      const daily = await same(
        sql,
        js,
        [join(fix, "osha_violation.csv"), join(fix, "osha_inspection.csv")],
        "daily",
        "2026-01-02"
      )
      expect(daily.updated).toBeGreaterThan(50)
      expect(daily.changed.length).toBe(daily.updated + daily.inserted)
      expect(daily.previous.length).toBe(daily.updated)
    } finally {
      await sql.rt.dispose()
      await js.rt.dispose()
    }
  })

  it("on the golden quirk rows and on hand-made edge cases", async () => {
    const sql = side(dir, "edge-sql", true)
    const js = side(dir, "edge-js", false)
    try {
      const golden = [
        join(NORMALIZER_FIX, "golden/osha_violation.csv"),
        join(NORMALIZER_FIX, "golden/osha_inspection.csv")
      ]
      await sliced.same(sql, js, golden, "historical", "2026-01-01")
      const edge = join(dir, "edge")
      await edgeCases(edge)
      const r = await sliced.same(
        sql,
        js,
        [join(edge, "osha_violation.csv"), join(edge, "osha_inspection.csv")],
        "daily",
        "2026-01-03"
      )
      expect(r.rejected).toBeGreaterThan(5)
      expect(r.skipped).toBe(1)
    } finally {
      await sql.rt.dispose()
      await js.rt.dispose()
    }
  })

  it("on generated catalog files with every quirk (broken, duplicate, orphan and short rows)", async () => {
    const gen = join(dir, "gen")
    const m = await generateOsha({
      violations: 3000,
      seed: 7,
      outDir: gen,
      brokenRate: 0.02,
      duplicateRate: 0.01
    })
    const sql = side(dir, "gen-sql", true)
    const js = side(dir, "gen-js", false)
    try {
      const files = [join(gen, m.files.violations), join(gen, m.files.inspections)]
      const r = await same(sql, js, files, "historical", "2026-01-01")
      expect({ accepted: r.accepted, rejected: r.rejected, skipped: r.skipped }).toEqual(m.expected)
      expect(r.decided!.sql).toBeGreaterThan(0.9 * r.rows)
      const fix = join(dir, "gen-fix")
      await corrections(files[0]!, fix, 5)
      await cp(files[1]!, join(fix, m.files.inspections))
      await same(
        sql,
        js,
        [join(fix, "osha_violation.csv"), join(fix, m.files.inspections)],
        "daily",
        "2026-01-02"
      )
    } finally {
      await sql.rt.dispose()
      await js.rt.dispose()
    }
  })
})

export type { Violation }
