import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LineageFields, type Violation, violationColumnList } from "@ventureos/core"
import { contentHash, contentHashSql, jsonMembers, jsonObject, jsTrim, sqlStr } from "@ventureos/normalizers"
import { type OpenLakehouse, open } from "@ventureos/storage/duckdb"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * The SQL content hash must equal `contentHash` for every plain (printable ASCII) record: same canonical
 * JSON (sorted keys, `"` and `\` escaped, `/` not, no blank detail), same md5. Random strings lean on the characters JSON
 * treats specially.
 */

let dir: string
let lake: OpenLakehouse
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-sqlhash-"))
  lake = await open({ warehouse: dir })
})
afterAll(async () => {
  await lake.close()
  await rm(dir, { recursive: true, force: true })
})

const plainChar = fc.constantFrom(..."ab Z09\"\\/{}:,.-#'".split(""))
const plain = fc.string({ unit: plainChar, maxLength: 12 })
const maybe = fc.option(plain, { nil: null })

const LINEAGE = new Set<string>(LineageFields)
const business = violationColumnList
  .map((c) => c.name as string)
  .filter((k) => !LINEAGE.has(k) && k !== "violation_details")

describe("contentHashSql == contentHash on plain records (property)", () => {
  it("agrees on random records and details", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(Object.fromEntries(business.map((k) => [k, maybe]))),
        fc.dictionary(
          fc.string({ unit: fc.constantFrom(...'abc._ z"'.split("")), minLength: 1, maxLength: 6 }),
          maybe,
          {
            maxKeys: 6
          }
        ),
        async (cols, details) => {
          // a NULL value leaves its key out, as records store details (non-blank values only)
          const lean = Object.fromEntries(Object.entries(details).filter(([, v]) => v !== null))
          const record = { ...cols, violation_details: lean } as unknown as Violation
          const expected = contentHash(record)
          const lit = (v: string | null) => (v === null ? "NULL::VARCHAR" : sqlStr(v))
          const exprs = Object.fromEntries(
            business.map((k) => [k, lit((cols as Record<string, string | null>)[k]!)])
          )
          const detailsSql = jsonObject(Object.entries(details).map(([k, v]) => [k, lit(v)] as const))
          const [row] = await lake.run(
            lake.lakehouse.query(`SELECT ${contentHashSql(exprs, detailsSql)} AS h, ${detailsSql} AS d`)
          )
          expect(row!.h).toBe(expected)
          expect(JSON.parse(String(row!.d))).toEqual(lean)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("jsonObject with a spliced jsonMembers fragment == jsonObject of all entries (property)", () => {
  it("agrees for any keys around the fragment's prefix", async () => {
    const key = fc.string({ unit: fc.constantFrom(...'ahi._nsz"'.split("")), minLength: 1, maxLength: 6 })
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(key, maybe, { maxKeys: 6 }),
        fc.dictionary(key, maybe, { maxKeys: 6 }),
        async (outer, inner) => {
          const lit = (v: string | null) => (v === null ? "NULL::VARCHAR" : sqlStr(v))
          const own = Object.entries(outer).filter(([k]) => !k.startsWith("in."))
          const spliced = Object.entries(inner).map(([k, v]) => [`in.${k}`, v] as const)
          const whole = jsonObject([...own, ...spliced].map(([k, v]) => [k, lit(v)] as const))
          const parts = jsonObject(
            own.map(([k, v]) => [k, lit(v)] as const),
            { at: "in.", fragment: jsonMembers(spliced.map(([k, v]) => [k, lit(v)] as const)) }
          )
          const [row] = await lake.run(lake.lakehouse.query(`SELECT ${whole} AS a, ${parts} AS b`))
          expect(row!.b).toBe(row!.a)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("jsTrim == String.prototype.trim (property)", () => {
  it("agrees with and without the plain-row shortcut", async () => {
    // printable ASCII (where the shortcut applies) and the characters JavaScript's trim removes beyond it
    const printable = fc.string({ unit: fc.constantFrom(..." a Z0-#\"'".split("")), maxLength: 10 })
    const any = fc.string({
      unit: fc.constantFrom(..." a0\t\n\r\u000b\f\u00a0\u2003\u3000\ufeff\u00e9".split("")),
      maxLength: 10
    })
    await fc.assert(
      fc.asyncProperty(printable, any, async (p, s) => {
        const [row] = await lake.run(
          lake.lakehouse.query(
            `SELECT ${jsTrim(sqlStr(p), "TRUE")} AS p, ${jsTrim(sqlStr(s))} AS s, ${jsTrim(sqlStr(s), "FALSE")} AS f`
          )
        )
        expect(row!.p).toBe(p.trim())
        expect(row!.s).toBe(s.trim())
        expect(row!.f).toBe(s.trim())
      }),
      { numRuns: 200 }
    )
  })
})
