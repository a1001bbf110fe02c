import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CsvFileError, type Outcome, PluginInputError, type Rejection } from "../../src/index"
import { normalizeAll, type RunResult, reconciles, scratch } from "../run/harness"

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "osha")
const GOLDEN = join(FIXTURES, "golden")
const SAMPLE = join(FIXTURES, "sample")
const goldenInspections = join(GOLDEN, "osha_inspection.csv")
const goldenViolations = join(GOLDEN, "osha_violation.csv")

const accepted = (r: RunResult): Array<Violation> =>
  r.outcomes.flatMap((o) => (o._tag === "accepted" ? [o.record] : []))
const rejections = (r: RunResult): Array<Rejection> =>
  r.outcomes.flatMap((o) => (o._tag === "rejected" ? [o.rejection] : []))

/** The violation fixture has no quoted cells: plain splitting is an independent reading of it. */
const plainRows = (path: string): { header: Array<string>; rows: Array<Array<string>> } => {
  const lines = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l !== "")
  return { header: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",")) }
}

describe("OSHA golden: real rows covering every catalog quirk", () => {
  let result: RunResult
  let byId: Map<string, Violation>
  beforeAll(async () => {
    result = await normalizeAll([goldenInspections, goldenViolations])
    byId = new Map(accepted(result).map((r) => [r.source_record_id, r]))
  })

  it("matches the reviewed golden output exactly (UPDATE_GOLDEN=1 to regenerate)", () => {
    const actual = `${JSON.stringify(
      {
        summary: { ...result.summary, files: result.summary.files.map(({ path: _p, ...f }) => f) },
        outcomes: result.outcomes
      },
      null,
      2
    )}\n`
    const file = join(GOLDEN, "expected.json")
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual)
    expect(actual).toBe(readFileSync(file, "utf8"))
  })

  it("accepts every row, one record per violation, in file order", () => {
    const { rows } = plainRows(goldenViolations)
    expect(result.summary).toMatchObject({
      rows: rows.length,
      accepted: rows.length,
      rejected: 0,
      skipped: 0
    })
    expect(accepted(result).map((r) => r.source_record_id)).toEqual(rows.map((c) => `${c[0]}-${c[1]}`))
    expect(accepted(result).map((r) => r.source_row)).toEqual(rows.map((_, i) => i + 1))
  })

  it("keeps deleted items (delete_flag X) with status deleted, and only those", () => {
    const { header, rows } = plainRows(goldenViolations)
    const flag = header.indexOf("delete_flag")
    const deletedIds = rows.filter((c) => c[flag] === "X").map((c) => `${c[0]}-${c[1]}`)
    expect(deletedIds.length).toBeGreaterThanOrEqual(4)
    for (const r of accepted(result)) {
      expect(r.status === "deleted", r.source_record_id).toBe(deletedIds.includes(r.source_record_id))
    }
  })

  it("keeps settled penalties below the initial one, and a blank current penalty on deleted items blank", () => {
    expect(byId.get("119956639-02001")).toMatchObject({
      penalty_initial: "6750.00",
      penalty_current: "150.00"
    })
    expect(byId.get("301328985-02001")).toMatchObject({
      penalty_initial: "5060.00",
      penalty_current: "300.00"
    })
    expect(byId.get("119948990-01013")).toMatchObject({
      status: "deleted",
      penalty_initial: "150.00",
      penalty_current: null
    })
    expect(byId.get("300804663-01002")).toMatchObject({ penalty_initial: null, penalty_current: null })
  })

  it("reads ISO dates and keeps the EST/EDT load timestamps as published", () => {
    const est = byId.get("120240510-01001")!
    expect(est).toMatchObject({
      event_date: "2000-07-03",
      opened_date: "2000-01-06",
      closed_date: "2010-09-13"
    })
    expect(est.violation_details.load_dt).toMatch(/ EST$/)
    expect(est.violation_details["inspection.ld_dt"]).toMatch(/ EST$/)
    expect(byId.get("119948990-01005")!.violation_details.load_dt).toMatch(/ EDT$/)
    // open inspection (no close_case_date): its live violation is open, its deleted one stays deleted
    expect(byId.get("312432321-01001")).toMatchObject({ closed_date: null, status: "open" })
    expect(byId.get("312432321-01003")).toMatchObject({ closed_date: null, status: "deleted" })
  })

  it("keeps `standard` exactly as published and adds a space-collapsed copy", () => {
    expect(byId.get("119948990-01005")!.violation_details).toMatchObject({
      standard: "5144 H02    A",
      "standard.normalized": "5144 H02 A"
    })
    expect(byId.get("120318365-01002")!.violation_details).toMatchObject({
      standard: "    3328 A",
      "standard.normalized": "3328 A"
    })
  })

  it("maps viol_type S/W/R/O/U and keeps the agency code", () => {
    const types = Object.fromEntries(
      ["119948990-03001", "119956639-02901", "316346360-01002", "119948990-01005", "119948990-01901"].map(
        (id) => [byId.get(id)!.violation_type_code, byId.get(id)!.violation_type]
      )
    )
    expect(types).toEqual({ S: "serious", W: "willful", R: "repeat", O: "other", U: "unclassified" })
  })

  it("keeps undocumented abate_complete codes (1/2/3) as published", () => {
    expect(byId.get("343857777-02001")!.violation_details.abate_complete).toBe("1")
    expect(byId.get("331900134-02002")!.violation_details.abate_complete).toBe("2")
    expect(byId.get("331900134-02001")!.violation_details.abate_complete).toBe("3")
    // blank: no key (details keep non-blank values only)
    expect(byId.get("301328985-01001")!.violation_details).not.toHaveProperty("abate_complete")
  })

  it("restores lost leading zeros of numeric zips and reads 0 as unknown; naics 0/blank as unknown", () => {
    expect(byId.get("900000003-02001")).toMatchObject({ zip: "02134", state: "MA", city_slug: "allston-ma" })
    expect(byId.get("900000002-01001")).toMatchObject({ zip: null, naics: null })
    expect(byId.get("119948990-01005")).toMatchObject({ naics: null, sic: "9223", zip: "91708" })
    // the published values stay in the details
    expect(byId.get("900000003-02001")!.violation_details["inspection.site_zip"]).toBe("2134")
    expect(byId.get("900000002-01001")!.violation_details).toMatchObject({ "inspection.site_zip": "0" })
    expect(byId.get("900000002-01001")!.violation_details).not.toHaveProperty("inspection.naics_code")
    expect(byId.get("119948990-01005")!.violation_details["inspection.naics_code"]).toBe("0")
    expect(byId.get("119956639-01002")).toMatchObject({ naics: "922140" })
  })

  it("reads a quoted address spanning two lines", () => {
    expect(byId.get("900000001-01001")!.address).toBe("14901 CENTRAL AVE BUILDING 3")
    expect(byId.get("900000001-01001")!.violation_details["inspection.site_address"]).toBeUndefined()
  })

  it("one facility, many names: each record keeps its published name and shares the place keys", () => {
    const chino = ["119948990-01005", "119956639-01002", "340746577-01001", "316351022-01001"].map(
      (id) => byId.get(id)!
    )
    expect(new Set(chino.map((r) => r.company_name)).size).toBe(4)
    expect(new Set(chino.map((r) => r.city_slug))).toEqual(new Set(["chino-ca"]))
    expect(chino.map((r) => r.address)).toEqual([
      "14901 SOUTH CENTRAL AVENUE",
      "14901 CENTRAL AVENUE",
      "14901 CENTRAL AVE",
      "14901 CENTRAL AVE"
    ])
  })
})

describe("OSHA real sample files", () => {
  it("normalize with reconciled counts, deleted items kept and counted", async () => {
    const vio = join(SAMPLE, "osha_violation.csv")
    const r = await normalizeAll([join(SAMPLE, "osha_inspection.csv"), vio])
    const { header, rows } = plainRows(vio)
    expect(reconciles(r.summary)).toBe(true)
    expect(r.summary.rows).toBe(rows.length)
    expect(r.outcomes).toHaveLength(rows.length)
    const flagged = rows.filter((c) => c[header.indexOf("delete_flag")] === "X").length
    expect(accepted(r).filter((v) => v.status === "deleted")).toHaveLength(flagged)
    // every row of the real sample is usable
    expect(r.summary).toMatchObject({ accepted: rows.length, rejected: 0, skipped: 0, lookupRejected: 0 })
    expect(new Set(accepted(r).map((v) => v.violation_id)).size).toBe(rows.length)
  })

  it("violations without their inspection file fail clearly, naming the file", async () => {
    const vio = join(SAMPLE, "osha_violation.csv")
    const e = await normalizeAll([vio]).then(
      () => undefined,
      (err: unknown) => err
    )
    expect(e).toBeInstanceOf(PluginInputError)
    expect((e as PluginInputError).file).toBe(vio)
    expect((e as PluginInputError).message).toMatch(/osha_inspection/)
  })

  it("a file of another format under --agency osha fails, naming the file and the expected header", async () => {
    const s = await scratch()
    try {
      const epa = await s.write(
        "npdes.csv",
        "ACTIVITY_ID,NPDES_ID,ENF_TYPE_DESC,SETTLEMENT_ENTERED_DATE,FED_PENALTY_ASSESSED_AMT\n1,FL0001,AO,01/02/2015,100\n"
      )
      const e = await normalizeAll([epa], { agency: "osha" }).then(
        () => undefined,
        (err: unknown) => err
      )
      expect(e).toBeInstanceOf(CsvFileError)
      expect((e as CsvFileError).file).toBe(epa)
      expect((e as CsvFileError).reason).toMatch(/unrecognised header/)
      expect((e as CsvFileError).expected).toMatch(/osha_violation \(activity_nr/)
      // a headerless OSHA file (data first) is not guessed at either
      const headerless = await s.write(
        "headerless.csv",
        readFileSync(goldenViolations, "utf8").split("\n")[1]!
      )
      await expect(normalizeAll([headerless])).rejects.toThrow(/headerless\.csv: unrecognised header/)
    } finally {
      await s.cleanup()
    }
  })
})

describe("OSHA broken rows affect only their own row", () => {
  const { header, rows } = plainRows(goldenViolations)
  const col = (name: string) => header.indexOf(name)
  const base = rows[0]! // 119948990-01005, a clean real row
  const withCell = (cells: ReadonlyArray<string>, changes: Record<string, string>) => {
    const out = [...cells]
    for (const [k, v] of Object.entries(changes)) out[col(k)] = v
    return out
  }
  const line = (cells: ReadonlyArray<string>) => cells.join(",")
  const enc = (s: string) => new TextEncoder().encode(s)
  /** The text with its `@@` marker replaced by one raw (invalid UTF-8) byte. */
  const withByte = (text: string, byte: number): Array<Uint8Array> => {
    const [a, b] = text.split("@@") as [string, string]
    return [enc(a), Uint8Array.of(byte), enc(b)]
  }

  let s: Awaited<ReturnType<typeof scratch>>
  let r: RunResult
  let violations: string
  beforeAll(async () => {
    s = await scratch()
    // an extra inspection file whose only inspection has an impossible close date
    const insp = readFileSync(goldenInspections, "utf8").split(/\r?\n/)
    const inspHeader = insp[0]!.split(",")
    const bad = insp[1]!.split(",")
    bad[0] = "900000009"
    bad[inspHeader.indexOf("close_case_date")] = "2010-09-31"
    const extra = await s.write("osha_inspection_extra.csv", `${insp[0]}\n${bad.join(",")}\n`)

    const parts: Array<string | Uint8Array> = [
      `${header.join(",")}\r\n`,
      `${line(base)}\r\n`, // line 2: fine
      `${line(withCell(rows[1]!, { issuance_date: "2001-02-30" }))}\r\n`, // 3
      `${line(withCell(rows[2]!, { initial_penalty: "4.5OO" }))}\r\n`, // 4
      `${line(rows[3]!.slice(0, 10))}\r\n`, // 5: short row
      `${line(withCell(rows[4]!, { activity_nr: "999999999" }))}\n`, // 6: no such inspection
      `${line(base)}\r\n`, // 7: exact duplicate of line 2
      `${line(withCell(rows[5]!, { standard: '"3328\nA"' }))}\r\n`, // 8-9: multi-line cell
      // 10: an invalid byte inside an amount
      ...withByte(`${line(withCell(rows[6]!, { current_penalty: "2@@8" }))}\r\n`, 0xff),
      // 11: a truncated UTF-8 sequence inside a free-text cell
      ...withByte(`${line(withCell(rows[7]!, { standard: "5144 K03@@ X" }))}\r\n`, 0xc3),
      `${line(withCell(rows[8]!, { activity_nr: "900000009" }))}\r\n`, // 12: its inspection is invalid
      `${line(withCell(base, { current_penalty: "75" }))}\r\n`, // 13: same id as line 2, other content
      `${line(rows[9]!)}\n` // 14
    ]
    violations = await s.write(
      "osha_violation.csv",
      Buffer.concat(parts.map((p) => (typeof p === "string" ? enc(p) : p)))
    )
    r = await normalizeAll([goldenInspections, extra, violations])
  })
  afterAll(() => s.cleanup())

  const expectReject = (lineNo: number, field: string, value: string | null, reason: RegExp) => {
    const rej = rejections(r).find((x) => x.line === lineNo)
    expect(rej, `a rejection for line ${lineNo}`).toBeDefined()
    expect(rej).toMatchObject({ file: "osha_violation.csv", field, value })
    expect(rej!.reason).toMatch(reason)
  }

  it("reconciles: rows = accepted + rejected + skipped", () => {
    expect(r.summary).toMatchObject({ rows: 12, accepted: 4, rejected: 7, skipped: 1 })
    expect(reconciles(r.summary)).toBe(true)
  })

  it("accepts the good rows around the broken ones, at their physical lines", () => {
    const acc = r.outcomes.filter((o): o is Extract<Outcome, { _tag: "accepted" }> => o._tag === "accepted")
    expect(acc.map((o) => o.record.source_row)).toEqual([1, 7, 9, 12])
    expect(acc.map((o) => o.record.source_record_id)).toEqual([
      `${base[0]}-${base[1]}`,
      `${rows[5]![0]}-${rows[5]![1]}`,
      `${rows[7]![0]}-${rows[7]![1]}`,
      `${rows[9]![0]}-${rows[9]![1]}`
    ])
    expect(acc[1]!.record.violation_details.standard).toBe("3328\nA")
    // a byte that is not UTF-8 makes the file Windows-1252 (0xC3 is Ã), in its own cell only
    expect(acc[2]!.record.violation_details.standard).toBe("5144 K03Ã X")
  })

  it("an impossible date is rejected with file, line, field, raw value and reason", () =>
    expectReject(3, "issuance_date", "2001-02-30", /does not exist/))
  it("a malformed amount", () => expectReject(4, "initial_penalty", "4.5OO", /decimal amount/))
  it("a short row", () =>
    expectReject(5, "(row)", line(rows[3]!.slice(0, 10)), /10 fields, the header has 29/))
  it("a violation without inspection", () => expectReject(6, "activity_nr", "999999999", /no inspection/))
  it("an invalid byte in an amount", () => expectReject(10, "current_penalty", "2ÿ8", /decimal amount/))
  it("a violation whose inspection is invalid says why", () =>
    expectReject(
      12,
      "activity_nr",
      "900000009",
      /osha_inspection_extra\.csv line 2.*close_case_date.*2010-09-31/
    ))
  it("the same violation id with different content", () =>
    expectReject(13, "violation_id", `osha:osha_violation:${base[0]}-${base[1]}`, /different content/))

  it("an exact duplicate row is skipped with its reason", () => {
    const skipped = r.outcomes.filter((o) => o._tag === "skipped")
    expect(skipped).toEqual([
      expect.objectContaining({
        file: "osha_violation.csv",
        line: 7,
        row: 6,
        reason: expect.stringMatching(/^exact duplicate row/)
      })
    ])
    const fs = r.summary.files.find((f) => f.file === "osha_violation.csv")!
    expect(fs.skipReasons).toEqual({ "exact duplicate row": 1 })
  })
})
