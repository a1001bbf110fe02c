import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { faaPlugin } from "@ventureos/normalizers"
import { FAA_HEADER, generateFaa } from "@ventureos/testkit"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { csvCell, parity, side } from "./parity"

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

  it("on generated report files with every quirk (broken, duplicate and re-listed rows), then a later report", async () => {
    const gen = join(dir, "gen")
    const m = await generateFaa({
      rows: 3000,
      seed: 7,
      outDir: gen,
      brokenRate: 0.01,
      duplicateRate: 0.005,
      relistRate: 0.005
    })
    const sql = side(dir, "gen-sql", true)
    const js = side(dir, "gen-js", false)
    try {
      const r = await same(sql, js, [join(gen, m.file)], "historical", "2026-01-01")
      expect({ accepted: r.accepted, rejected: r.rejected, skipped: r.skipped }).toEqual(m.expected)
      expect(r.decided!.sql).toBeGreaterThan(0.97 * r.rows)
      // the next report re-lists some cases with other content and adds new ones
      const later = join(dir, "gen-later")
      const n = await generateFaa({ rows: 1500, seed: 7, outDir: later, relistRate: 0.01 })
      const d = await same(sql, js, [join(later, n.file)], "daily", "2026-01-02")
      expect(d.unchanged + d.updated).toBeGreaterThan(0)
    } finally {
      await sql.rt.dispose()
      await js.rt.dispose()
    }
  })

  it("on property-generated rows mixing the reports' quirks (fast-check)", async () => {
    // pieces of the real spellings, recombined: split words, misspellings, footnote marks, stray blanks
    const tokens = fc.constantFrom(
      "ORD",
      "ASSESS",
      "CIVIL",
      "CVIIL",
      "PENALTY",
      "CP",
      "HMT",
      "CERTIFICATE",
      "CERT",
      "REVOCATION",
      "REVOCATI",
      "ON",
      "REVOCATIO",
      "N",
      "CONSOLIDATE",
      "D",
      "CONSOLIDATED",
      "CASE",
      "INDEFINIT",
      "E",
      "INDEFINTE",
      "DURATION",
      "RECORDS/RPT",
      "S",
      "SHCOOL",
      "COMPROMIS",
      "DMAND",
      "SUSPEND",
      "WARNING",
      "consent",
      "order",
      "1",
      ".",
      "12",
      "Á"
    )
    const phrase = fc
      .tuple(
        fc.array(tokens, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(" ", "  ", " \t"),
        fc.boolean()
      )
      .map(([ts, sep, pad]) => (pad ? ` ${ts.join(sep)} ` : ts.join(sep)))
    const real = (xs: ReadonlyArray<string>) => fc.oneof(fc.constantFrom(...xs), phrase, fc.constant(""))
    const MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    const validDate = fc
      .tuple(
        fc.date({
          min: new Date(Date.UTC(1790, 0, 1)),
          max: new Date(Date.UTC(2210, 0, 1)),
          noInvalidDate: true
        }),
        fc.constantFrom("iso", "us", "us4", "mon", "mon4")
      )
      .map(([d, style]) => {
        const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]
        const yy = String(y % 100).padStart(2, "0")
        if (style === "us") return `${m}/${day}/${yy}`
        if (style === "us4") return `${m}-${day}-${y}`
        if (style === "mon") return `${day}-${MON[m - 1]}-${yy}`
        if (style === "mon4") return `${day} ${MON[m - 1]!.toUpperCase()} ${y}`
        return d.toISOString().slice(0, 10)
      })
    const date = fc.oneof(
      fc.constantFrom(
        "",
        "2008-09-22",
        " 2017-02-06 ",
        "2017-02-30",
        "2017-2-6",
        "9/22/08",
        "1/1/17",
        "13/1/17",
        "2/29/16",
        "2/29/17",
        "12-31-69",
        "1/1/70",
        "7/10/2007",
        "1/1/1799",
        "12/31/2200",
        "1-Jan-17",
        "6-Mar-17",
        "28-Sep-17",
        "1-Sept-17",
        "1-SEP-2017",
        "1 Jan 17",
        "1-Foo-17",
        "31-Feb-17",
        "2018-03-05 00:00:00",
        "20170101",
        "soon"
      ),
      // real dates in the three report formats (and years at the edges of what is accepted)
      { arbitrary: validDate, weight: 4 }
    )
    const amount = fc.oneof(
      fc.constantFrom(
        "",
        "1000",
        "1000.0",
        "1000.00",
        "12.345",
        "12.340",
        "$12,500",
        "(50)",
        "-3",
        "abc",
        " 5000 ",
        "0",
        "30",
        ".0",
        "999999999999999"
      ),
      {
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 5_000_000 }), fc.constantFrom("", ".0", ".5", ".25"))
          .map(([n, f]) => `${n}${f}`),
        weight: 3
      }
    )
    const name = fc.oneof(
      fc.constantFrom(
        "CRUCIAL AIR SUPPORT LLC",
        "LEPPING, KURT M",
        "DOE, JOHN A",
        "O'NEILL, PAT J JR",
        "PACIFIC WINGS L L C",
        "THE BOEING COMPANY",
        "BOEING COMMERCIAL AIRPLANES",
        "  spaced   out  air ",
        'WEGMAN"S AVIATION',
        "AÉROVÍAS DEL SUR",
        "TAB\tAIR",
        "...",
        "",
        "SMITH, JOHN, INC"
      ),
      fc.string({ unit: fc.constantFrom(..."ABCXYZ ,.-'/#&1"), maxLength: 30 }),
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom("EAGLE", "SUMMIT AIR", "DOE", "LEPPING"),
            fc.constantFrom(" INC", ", JOHN A", " AVIATION", "")
          )
          .map(([a, b]) => a + b),
        weight: 3
      }
    )
    const caseNumber = fc.oneof(
      fc.constantFrom("2008GL070135", "2017ea990001", " 2019NM410003 ", "", "2010 NM 41#14", "X".repeat(150)),
      {
        arbitrary: fc.integer({ min: 0, max: 30 }).map((i) => `2017EA99${String(i).padStart(4, "0")}`),
        weight: 4
      }
    )
    const row = fc.tuple(
      caseNumber,
      name,
      real([
        "A/C or COMM OPER",
        "APPROVD RPR STA",
        "APPROVED RPR STN",
        "FOREIGN AIR CA",
        "COMP PROD",
        "CERTIFICATE SHCOOL"
      ]),
      date,
      real([
        "ORD ASSESS CIVIL PENALTY",
        "CERTIFICATE REVOCATION 1",
        "CP COMPROMIS NO FINDING",
        "CONSENT ORDER",
        "CERT SUSPEND"
      ]),
      amount,
      real([
        "DOLLARS",
        "DAYS",
        "SANCTION WAIVED",
        "CONSOLIDATE D CASE",
        "REVOCATION",
        "INDEFINIT E DURATION",
        "PENDING COMPLIANCE"
      ]),
      real(["MAINTENANCE", "RECORDS/RPT S", "REVOCATIO N FLT OPNS", "HAZ MAT"]),
      date
    )
    // sometimes a column beyond the report's nine: a master case number, or one the normalizer also writes
    const extra = fc.constantFrom([] as Array<string>, ["MASTER #"], ["suspension_days"])
    const file = fc.tuple(
      extra,
      fc.array(fc.tuple(row, fc.string({ maxLength: 4 })), { minLength: 5, maxLength: 60 })
    )
    let run = 0
    let decidedInSql = 0
    let total = 0
    await fc.assert(
      fc.asyncProperty(file, async ([more, rows]) => {
        const k = run++
        const out = join(dir, `prop-${k}`)
        await mkdir(out, { recursive: true })
        const header = [...FAA_HEADER, ...more]
        const lines = rows.map(([cells, x]) => [...cells, ...more.map(() => x)].map(csvCell).join(","))
        const path = join(out, "faa_enforcement_cases.csv")
        await writeFile(path, `${[header.join(","), ...lines].join("\r\n")}\r\n`)
        const sql = side(dir, `prop-${k}-sql`, true)
        const js = side(dir, `prop-${k}-js`, false)
        try {
          const r = await same(sql, js, [path], "historical", "2026-01-01")
          expect(r.accepted + r.rejected + r.skipped).toBe(rows.length)
          decidedInSql += r.decided!.sql
          total += rows.length
        } finally {
          await sql.rt.dispose()
          await js.rt.dispose()
        }
      }),
      { numRuns: 8, seed: 12, endOnFailure: true }
    )
    // the quirks are not all handed to JavaScript: a good share of these rows is decided in SQL
    expect(decidedInSql).toBeGreaterThan(0.2 * total)
  }, 600_000)
})
