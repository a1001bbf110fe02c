import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { epaPlugin, parseRecord } from "@ventureos/normalizers"
import { ECHO_CASE_HEADER, generateEpa, NPDES_HEADER } from "@ventureos/testkit"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { BatchResult } from "../src/Ingest"
import { csv, parity, type Side, side } from "./parity"
import { NORMALIZER_FIXTURES } from "./samples"

/**
 * The vectorized (SQL) EPA ingest must be indistinguishable from the row-at-a-time reference: same counts, same
 * silver rows (content hashes included), same rejections, same gold totals (action groups published by both
 * datasets counted once) and the same feed, on every real sample row, generated rows with every quirk, and
 * hand-made edge cases.
 */

const { sameBatches } = parity(epaPlugin)
/** The same comparison with the vectorized side's slices tiny: action groups merged in many parts. */
const sliced = parity(epaPlugin, { bulkSliceRows: 300 })
const EPA = join(NORMALIZER_FIXTURES, "epa")
const NPDES_SAMPLE = join(EPA, "sample/npdes_formal_actions_FL.csv")
const ECHO_SAMPLE = join(EPA, "sample/echo_cases_FL.csv")
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-vec-epa-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Counts of a run's batches (one per dataset) added up. */
const total = (rs: ReadonlyArray<BatchResult>) => ({
  rows: rs.reduce((n, r) => n + r.rows, 0),
  accepted: rs.reduce((n, r) => n + r.accepted, 0),
  rejected: rs.reduce((n, r) => n + r.rejected, 0),
  skipped: rs.reduce((n, r) => n + r.skipped, 0),
  inserted: rs.reduce((n, r) => n + r.inserted, 0),
  updated: rs.reduce((n, r) => n + r.updated, 0),
  changed: rs.reduce((n, r) => n + r.changed.length, 0),
  previous: rs.reduce((n, r) => n + r.previous.length, 0),
  decidedSql: rs.reduce((n, r) => n + (r.decided?.sql ?? 0), 0)
})

/** {@link sameBatches}, counts added up over the batches (NPDES actions and ECHO cases are one each). */
const same = async (
  sql: Side,
  js: Side,
  files: ReadonlyArray<string>,
  mode: "daily" | "historical",
  date: string
) => total(await sameBatches(sql, js, files, mode, date))

let sides = 0
const withSides = async (f: (sql: Side, js: Side) => Promise<void>) => {
  const n = sides++
  const sql = side(dir, `sql-${n}`, true)
  const js = side(dir, `js-${n}`, false)
  try {
    await f(sql, js)
  } finally {
    await sql.rt.dispose()
    await js.rt.dispose()
  }
}

/** A file's rows as header-keyed records (real rows kept as published). */
const readRows = async (path: string) => {
  const text = await readFile(path, "utf8")
  const records: Array<Array<string>> = []
  for (let p = 0, r = parseRecord(text, 0, true); r !== undefined; p = r.end, r = parseRecord(text, p, true))
    if (!r.blank) records.push(r.cells)
  const [header, ...rows] = records
  return {
    header: header!,
    rows: rows.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ""])))
  }
}

/**
 * A correction file: every third row changes its penalty, every fifth its settlement date, every seventh its
 * status / category (so action groups published by both files change which record's figures win).
 */
const corrections = async (src: string, out: string) => {
  const { header, rows } = await readRows(src)
  const npdes = header.includes("ENF_IDENTIFIER")
  const changed = rows.slice(0, 500).map((r, i) => {
    const x = { ...r }
    if (i % 3 === 0) x[npdes ? "STATE_LOCAL_PENALTY_AMT" : "FedPenalty"] = String(1000 + i)
    if (i % 5 === 0) x[npdes ? "SETTLEMENT_ENTERED_DATE" : "SettlementDate"] = "06/30/2019"
    if (i % 7 === 0) {
      if (npdes) x.ENF_TYPE_CODE = "CIV"
      else x.CaseStatusDesc = "Complaint Filed/AO Issued"
    }
    return x
  })
  await mkdir(out, { recursive: true })
  const path = join(out, src.split("/").pop()!)
  await writeFile(path, csv(header, changed, "\r\n"))
  return path
}

/** Hand-made rows for the rules SQL must either reproduce exactly or hand to JavaScript. */
const edgeCases = async (out: string) => {
  const action = (enf: string, permit: string, over: Record<string, string> = {}) => ({
    NPDES_ID: permit,
    ENF_IDENTIFIER: enf,
    ACTIVITY_ID: "3600000001",
    ACTIVITY_TYPE_CODE: "AFR",
    ENF_TYPE_CODE: "309A",
    ENF_TYPE_DESC: "CWA 309A AO For Compliance",
    AGENCY: "EPA",
    SETTLEMENT_ENTERED_DATE: "10/16/1995",
    FED_PENALTY_ASSESSED_AMT: "42000",
    STATE_LOCAL_PENALTY_AMT: "",
    FAC_NAME: "ACME CORP - PLANT 1",
    FAC_STREET: "1 MAIN ST",
    FAC_CITY: "TAMPA",
    FAC_STATE: "FL",
    FAC_ZIP: "33601",
    FAC_SIC_CODES: "4952",
    FAC_NAICS_CODES: "221320",
    ...over
  })
  const actions = [
    action("E-1", "FL0000001"),
    action("E-1", "FL0000002", { FAC_CITY: "UNKNOWN", FAC_ZIP: "0", FAC_STREET: "unknown" }),
    action("E-2", "FL0000003", { SETTLEMENT_ENTERED_DATE: "", FED_PENALTY_ASSESSED_AMT: "" }),
    action("E-3", "FL0000004", { STATE_LOCAL_PENALTY_AMT: "14242.83", FED_PENALTY_ASSESSED_AMT: "0" }),
    action("E-4", "FL0000005", { FAC_SIC_CODES: "241 0241", FAC_NAICS_CODES: "NA 112120" }),
    action("E-5", "FL0000006", { FAC_STATE: "fl", FAC_ZIP: "3360" }),
    action("E-6", "FL0000007", { FAC_STATE: "Florida" }), // state name: JavaScript
    action("E-7", "FL0000008", { SETTLEMENT_ENTERED_DATE: "1/2/95" }), // two-digit year: JavaScript
    action("E-8", "FL0000009", { SETTLEMENT_ENTERED_DATE: "02/30/2015" }), // impossible: rejected
    action("E-9", "FL0000010", { SETTLEMENT_ENTERED_DATE: "2015-03-04" }), // ISO: JavaScript
    action("E-10", "FL0000011", { FED_PENALTY_ASSESSED_AMT: "1,250.00" }), // thousands: JavaScript
    action("E-11", "FL0000012", { FED_PENALTY_ASSESSED_AMT: "12.345" }), // sub-cent: rejected
    action("", "FL0000013"), // blank action id: rejected
    action("E-12", ""), // blank permit: rejected
    action("E-13", "FL0000014", { FAC_NAME: "" }), // blank name: rejected
    action("E-14", "FL0000015", { FAC_NAME: "..." }), // no letters: rejected
    action("E-15", "FL0000016", { FAC_NAME: "CAFÉ  DU  MONDE" }), // non-ASCII: JavaScript
    action("E-16", "FL0000017", { FAC_NAME: "  CITY OF TAMPA   - HOWARD F. CURREN AWTP " }),
    action("E-17", "FL0000018", { ENF_TYPE_CODE: "zzz", FAC_ZIP: "33601-1234" }),
    action("E-18", "FL0000019", { ENF_TYPE_CODE: "constructor" }),
    action("E-19 #2", "FL0000020", { FAC_NAME: 'WEGMAN"S, INC (FL0000020)' }),
    action("E-20", "FL0000021", { FAC_ZIP: "ABCDE" }), // bad zip: rejected
    action("E-21", "FL0000022", { SETTLEMENT_ENTERED_DATE: "12/31/1799" }), // out of range: rejected
    action("E-22", "FL0000023", { FAC_NAME: "TAB\tNAME" }), // not printable: JavaScript
    action("E-1", "FL0000001"), // exact duplicate: skipped
    action("E-1", "FL0000002", { FED_PENALTY_ASSESSED_AMT: "1" }) // same id, other content: rejected
  ]
  const kase = (id: string, over: Record<string, string> = {}) => ({
    CaseNumber: id,
    CaseName: "ACME CORP (Permit FL0000001) Administrative Consent Order",
    CaseCategoryDesc: "Administrative - Formal",
    CaseStatusDesc: "Closed",
    PrimaryLaw: "CWA",
    PrimarySection: "308",
    DateFiled: "",
    SettlementDate: "04/07/1998",
    FedPenalty: "0",
    SEPCost: "0",
    TotalCompActionAmt: "150",
    SettlementCnt: "1",
    ...over
  })
  const cases = [
    kase("E-1"), // the same action as two NPDES rows: one action group
    kase("E-2", { FedPenalty: "5000", CaseStatusDesc: "Final Order Issued" }),
    kase("E-3", { CaseCategoryDesc: "Judicial", FedPenalty: "" }),
    kase("C-1", { CaseStatusDesc: "", SettlementDate: "" }),
    kase("C-2", { CaseStatusDesc: "complaint filed/ao issued", DateFiled: "06/15/2017" }),
    kase("C-3", {
      CaseCategoryDesc: "Criminal",
      CaseName: "David Marshall, Target Corporation",
      CaseStatusDesc: ""
    }),
    kase("C-4", { CaseStatusDesc: "constructor" }), // Object.prototype key: JavaScript rejects
    kase("C-5", { CaseStatusDesc: "Something New", CaseCategoryDesc: "" }),
    kase("C-6", { CaseName: "HOFFMAN, PAUL / CAMILLE HOFFMAN" }),
    kase("C-7", { CaseName: "Pilgrim?s Pride - FL0032662" }),
    kase("C-8", { CaseName: "FL0032581" }), // only a permit number: the published name stays
    kase("C-9", { SEPCost: "abc" }), // bad SEP cost: rejected
    kase("C-10", { DateFiled: "6-15-2017" }), // dash separators: JavaScript
    kase("C-11", { FedPenalty: "93006.36", CaseCategoryDesc: "Administrative - Informal" }),
    kase("", {}) // blank case number: rejected
  ]
  await mkdir(out, { recursive: true })
  const npdesHeader = [...NPDES_HEADER]
  await writeFile(
    join(out, "npdes.csv"),
    `${csv(npdesHeader, actions, "\r\n")}${npdesHeader.slice(0, 4).join(",")}\r\n` // + a short row
  )
  await writeFile(join(out, "echo.csv"), csv([...ECHO_CASE_HEADER], cases))
  return [join(out, "npdes.csv"), join(out, "echo.csv")]
}

describe("vectorized EPA ingest == row-at-a-time ingest", () => {
  it("on every real sample row (both files, action groups), then a daily correction batch", () =>
    withSides(async (sql, js) => {
      const first = await same(sql, js, [NPDES_SAMPLE, ECHO_SAMPLE], "historical", "2026-01-01")
      expect(first.accepted).toBeGreaterThan(2700)
      // the real rows are decided in SQL, not handed back to JavaScript
      expect(first.decidedSql).toBeGreaterThan(0.9 * first.rows)
      const fix = join(dir, "sample-fix")
      const files = [await corrections(NPDES_SAMPLE, fix), await corrections(ECHO_SAMPLE, fix)]
      const daily = await same(sql, js, files, "daily", "2026-01-02")
      expect(daily.updated).toBeGreaterThan(300)
      expect(daily.changed).toBe(daily.updated + daily.inserted)
      expect(daily.previous).toBe(daily.updated)
    }))

  it("on the golden quirk rows and hand-made edge cases", () =>
    withSides(async (sql, js) => {
      await same(
        sql,
        js,
        [join(EPA, "golden/npdes_quirks.csv"), join(EPA, "golden/echo_quirks.csv")],
        "historical",
        "2026-01-01"
      )
      const r = await same(sql, js, await edgeCases(join(dir, "edge")), "daily", "2026-01-03")
      expect(r.rejected).toBeGreaterThan(8)
      expect(r.skipped).toBe(1)
    }))

  it("on generated files with every quirk (broken, duplicate, shared action ids), then a replay", () =>
    withSides(async (sql, js) => {
      const gen = join(dir, "gen")
      const m = await generateEpa({
        rows: 3000,
        seed: 11,
        outDir: gen,
        brokenRate: 0.02,
        duplicateRate: 0.01
      })
      const files = [join(gen, m.files.npdes), join(gen, m.files.cases)]
      // ~1,900 NPDES actions: merged in 7 slices of actions
      const r = total(await sliced.sameBatches(sql, js, files, "historical", "2026-01-01"))
      expect({ accepted: r.accepted, rejected: r.rejected, skipped: r.skipped }).toEqual(m.expected)
      expect(r.decidedSql).toBeGreaterThan(0.9 * r.rows)
      const again = await same(sql, js, files, "historical", "2026-01-01")
      expect(again.inserted + again.updated).toBe(0)
    }))

  it("property: any mix of quirky generated rows gives the same silver, rejections and gold", async () => {
    let k = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 20, max: 200 }),
        (seed, rows) =>
          withSides(async (sql, js) => {
            const out = join(dir, `prop-${k++}`)
            const m = await generateEpa({ rows, seed, outDir: out, brokenRate: 0.05, duplicateRate: 0.03 })
            await same(
              sql,
              js,
              [join(out, m.files.npdes), join(out, m.files.cases)],
              "historical",
              "2026-01-01"
            )
          })
      ),
      { numRuns: 4 }
    )
  })
})
