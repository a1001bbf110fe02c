import { readFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type OffenderScore, type Violation, violationColumnList } from "@ventureos/core"
import { type OpenLakehouse, open } from "@ventureos/storage/duckdb"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  companySlugKey,
  cutBatches,
  factsFromRow,
  minusYears,
  type ScoreFacts,
  scoreBoardsOf,
  scoreFactsReadSql,
  scoreFactTablesSql,
  scoreRowsFactsSql,
  scoreRowsSql,
  scoreSql,
  scoresFromFacts,
  scoresOf,
  scoreWindow
} from "../src/Score"
import { arbIsoDate } from "./records"

/**
 * The offender score on real sample rows (copied from the bundled samples, normalized: `fixtures/score`)
 * with points checked by hand, and the property that the DuckDB SQL facts give the same scores as the
 * TypeScript reference on random records.
 */

const records: Array<Violation> = readFileSync(
  join(import.meta.dirname, "fixtures", "score", "records.jsonl"),
  "utf8"
)
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l) as Violation)

let dir: string
let lake: OpenLakehouse
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-score-"))
  lake = await open({ warehouse: dir })
})
afterAll(async () => {
  await lake?.close()
  await rm(dir, { recursive: true, force: true })
})

const COLS = violationColumnList.map((c) => c.name as string)
const lit = (v: unknown) => (v == null ? "CAST(NULL AS VARCHAR)" : `'${String(v).replaceAll("'", "''")}'`)

/** Records as a SQL relation with silver's column names (what `silverRelation` gives in production). */
const relationOf = (vs: ReadonlyArray<Violation>): string =>
  vs.length === 0
    ? `SELECT ${COLS.map((c) => `CAST(NULL AS VARCHAR) AS ${c}`).join(", ")} WHERE false`
    : `SELECT * FROM (VALUES ${vs
        .map(
          (v) =>
            `(${COLS.map((c) =>
              c === "violation_details"
                ? lit(JSON.stringify(v.violation_details))
                : lit((v as unknown as Record<string, unknown>)[c])
            ).join(", ")})`
        )
        .join(", ")}) t(${COLS.join(", ")})`

let tables = 0
/**
 * The scores by SQL: over silver's rows (`scoreSql`), or (`rows`) over a table of `scoreRowsSql` rows, keyed
 * and with their details parsed once, as the serving sync materializes them (`scoreRowsFactsSql`).
 */
const sqlScores = async (
  vs: ReadonlyArray<Violation>,
  asOf: string,
  only?: ReadonlyArray<string>,
  via: "silver" | "rows" | "facts" = "silver"
) => {
  const w = scoreWindow(asOf)
  let sql = scoreSql(relationOf(vs), w, companySlugKey.sql, only)
  if (via !== "silver") {
    const table = `score_rows_test_${tables++}`
    await lake.run(lake.lakehouse.query(`CREATE TABLE ${table} AS ${scoreRowsSql(relationOf(vs))}`))
    sql = scoreRowsFactsSql(table, w, only)
    if (via === "facts") {
      // the facts of every company computed once, then read by key (what a batch of syncScores does)
      const facts = scoreFactTablesSql(table, asOf)
      for (const statement of facts.create) await lake.run(lake.lakehouse.query(statement))
      sql = scoreFactsReadSql(facts.tables, only)
    }
  }
  const companies = (await lake.run(lake.lakehouse.query(sql.companies))).map(factsFromRow)
  const byCompany = new Map<string, Array<ScoreFacts>>()
  for (const f of (await lake.run(lake.lakehouse.query(sql.facilities))).map(factsFromRow)) {
    const k = f.key.slice(0, f.key.indexOf("|"))
    byCompany.set(k, [...(byCompany.get(k) ?? []), f])
  }
  return scoresFromFacts(companies, byCompany, w, { updatedAt: UPDATED })
}

const UPDATED = "2026-11-30T00:00:00.000Z"
const byKey = (ss: ReadonlyArray<OffenderScore>) => new Map(ss.map((s) => [s.entity_key as string, s]))
const pointsOf = (s: OffenderScore | undefined) =>
  Object.fromEntries((s?.parts ?? []).filter((p) => p.points > 0).map((p) => [p.rule, p.points]))

describe("score batches (cutBatches)", () => {
  it("keeps every key once, in order; bounds companies, and records unless one company is alone; closes only when full (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 500 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 1000 }),
        (sizes, companies, records) => {
          const keys = sizes.map((_n, i) => `COMPANY#c${i}`)
          const of = (k: string) => sizes[Number(k.slice("COMPANY#c".length))]!
          const batches = cutBatches(keys, of, { companies, records })
          expect(batches.flat()).toEqual(keys)
          for (const [i, b] of batches.entries()) {
            expect(b.length).toBeGreaterThan(0)
            expect(b.length).toBeLessThanOrEqual(companies)
            const held = b.reduce((n, k) => n + of(k), 0)
            if (b.length > 1) expect(held).toBeLessThanOrEqual(records)
            // greedy: a batch closed early only because the next key would not fit
            const next = batches[i + 1]?.[0]
            if (next !== undefined && b.length < companies) expect(held + of(next)).toBeGreaterThan(records)
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe("offender score on real sample rows (hand-checked)", () => {
  it("as of 2019-12-31: repeat items, EPA formal actions, no SNC flag in the data, zero apart from no data", async () => {
    const ref = byKey(scoresOf(records, { asOf: "2019-12-31", updatedAt: UPDATED }))
    const sql = byKey(await sqlScores(records, "2019-12-31"))
    expect(sql).toEqual(ref)

    // US Department of Justice: 32 OSHA items on 2017-03-29, 3 of them repeat, all penalties $0.
    const doj = ref.get("COMPANY#us-department-of-justice")!
    expect(pointsOf(doj)).toEqual({ "osha.repeat": 15, "all.recency": 5 })
    expect(doj.total).toBe(20)
    expect(doj.parts.find((p) => p.rule === "osha.repeat")!.violation_ids).toEqual([
      "osha:osha_violation:342080322-02001",
      "osha:osha_violation:342082575-02001",
      "osha:osha_violation:342083243-02001"
    ])
    // every SVEP criterion is evaluable on these rows (inspection type, gravity, emphasis are present)
    expect(doj.parts.filter((p) => p.rule.startsWith("osha.svep.")).map((p) => p.status)).toEqual([
      "zero",
      "zero",
      "zero"
    ])
    expect(doj.agencies.map((a) => [a.agency, a.status, a.points])).toEqual([
      ["osha", "scored", 15],
      ["epa", "no_data", 0],
      ["faa", "no_data", 0]
    ])

    // Gulfstream Park (EPA, FL): each action is published twice, as an ECHO case (GULFSTREAM PARK RACING
    // ASSOCIATION) and an NPDES formal action (GULFSTREAM PARK ASSOCIATION), linked by action_id: counted
    // once, under the case's defendant, as gold counts it. In the window: the judicial case 04-2016-9009
    // ($456,500, the NPDES figure) and the compliance order 04-2017-4750; 2012's two orders are outside.
    expect(ref.has("COMPANY#gulfstream-park-association")).toBe(false)
    const gp = ref.get("COMPANY#gulfstream-park-racing-association")!
    expect(pointsOf(gp)).toEqual({
      "epa.judicial": 6,
      "epa.administrative": 3,
      "epa.penalties": 4,
      "all.recency": 5
    })
    expect(gp.total).toBe(18)
    expect(gp.agencies[1]).toMatchObject({ agency: "epa", records: 3, records_in_window: 2 })
    expect(gp.parts.find((p) => p.rule === "epa.judicial")!.violation_ids).toEqual([
      "epa:epa_echo_case:04-2016-9009"
    ])
    expect(gp.parts.find((p) => p.rule === "epa.snc")!.status).toBe("not_evaluable")
    expect(gp.parts.find((p) => p.rule === "epa.penalties")!.reason).toContain("$456,500 current penalties")
    expect(gp.facilities.map((f) => [f.facility_id, f.total])).toEqual([["epa:npdes:FLA593681", 18]])

    // Centinela Prison: 9 OSHA items, all in 2008: scored zero (records exist), not "no data".
    const cp = ref.get("COMPANY#centinela-prison")!
    expect(cp.total).toBe(0)
    expect(cp.agencies[0]).toMatchObject({
      agency: "osha",
      status: "scored",
      records: 9,
      records_in_window: 0
    })
  })

  it("as of 2010-12-31: failure-to-abate notices, FAA sanctions, recency tiers, penalty cuts", async () => {
    const ref = byKey(scoresOf(records, { asOf: "2010-12-31", updatedAt: UPDATED }))
    expect(byKey(await sqlScores(records, "2010-12-31"))).toEqual(ref)

    // Centinela Prison: 7 items with an FTA inspection number; $750 current penalties (5 unknown).
    const cp = ref.get("COMPANY#centinela-prison")!
    expect(pointsOf(cp)).toEqual({ "osha.fta": 35, "all.recency": 5 })
    expect(cp.parts.find((p) => p.rule === "all.penalty_cut")!.reason).toContain("19.3% cut")
    // Boeing Commercial Airplanes: 2 civil penalties, $3.55M, the latest 2010-04-23.
    expect(pointsOf(ref.get("COMPANY#boeing-commercial-airplanes"))).toEqual({
      "faa.civil_penalty": 6,
      "faa.penalties": 6,
      "all.recency": 10
    })
    // Mesa Airlines: 2 civil penalties in 2006 ($115,000): no recency points.
    expect(pointsOf(ref.get("COMPANY#mesa-airlines"))).toEqual({ "faa.civil_penalty": 6, "faa.penalties": 4 })
    // Scenic Aviation: a consent order with the sanction waived: "other" on the ladder.
    expect(pointsOf(ref.get("COMPANY#scenic-aviation"))).toEqual({ "faa.other": 1, "all.recency": 5 })

    const boards = scoreBoardsOf([...ref.values()], { limit: 10, asOf: "2010-12-31", updatedAt: UPDATED })
    const national = boards.find((b) => b.scope === "national")!
    expect(national.entries.map((e) => [e.entity_key, e.total])).toEqual([
      ["COMPANY#centinela-prison", 40],
      ["COMPANY#boeing-commercial-airplanes", 22],
      ["COMPANY#mesa-airlines", 10],
      ["COMPANY#scenic-aviation", 6]
    ])
    // agency points leave out the cross-agency recency part
    expect(national.entries[1]).toMatchObject({ osha: null, epa: null, faa: 12 })
    expect(boards.find((b) => b.scope === "state:CA")!.entries.map((e) => e.entity_key)).toEqual([
      "COMPANY#centinela-prison"
    ])
  })

  it("SVEP: high-gravity and fatality/catastrophe criteria met; not evaluable without the fields", async () => {
    // Adapted from the real repeat item 343012779-01001 (gravity 10): a second high-gravity repeat item in
    // the same inspection, and a fatality/catastrophe inspection (related event A) with a repeat item.
    const base = records.find((r) => r.company_slug === "us-department-of-justice")!
    const item = (id: string, over: Partial<Violation>, details: Record<string, string | null>) =>
      ({
        ...base,
        ...over,
        violation_id: `osha:osha_violation:${id}`,
        violation_details: { ...base.violation_details, ...details }
      }) as Violation
    const vs = [
      item("1-01001", { violation_type: "repeat" }, { activity_nr: "1", gravity: "10" }),
      item("1-01002", { violation_type: "serious" }, { activity_nr: "1", gravity: "10", fta_insp_nr: "9" }),
      item("2-01001", { violation_type: "repeat" }, { activity_nr: "2", gravity: "5", rec: "A" })
    ]
    const [s] = scoresOf(vs, { asOf: "2019-12-31", updatedAt: UPDATED })
    const svep = s!.parts.filter((p) => p.rule.startsWith("osha.svep."))
    expect(svep.map((p) => [p.rule, p.status, p.points, p.count])).toEqual([
      ["osha.svep.fatality", "points", 25, 1],
      ["osha.svep.high_gravity", "context", 0, 1],
      ["osha.svep.egregious", "zero", 0, 0]
    ])
    expect(svep[1]!.violation_ids).toEqual(["osha:osha_violation:1-01001", "osha:osha_violation:1-01002"])
    expect((await sqlScores(vs, "2019-12-31"))[0]).toEqual(s)

    // Without the inspection file's fields, the criteria are "not evaluable", never guessed.
    const bare = vs.map((v) => ({
      ...v,
      source_dataset: "osha_other_file",
      violation_details: { activity_nr: v.violation_details.activity_nr! }
    }))
    const [b] = scoresOf(bare as Array<Violation>, { asOf: "2019-12-31", updatedAt: UPDATED })
    expect(b!.parts.filter((p) => p.rule.startsWith("osha.svep.")).map((p) => p.status)).toEqual([
      "not_evaluable",
      "not_evaluable",
      "not_evaluable"
    ])
    expect((await sqlScores(bare as Array<Violation>, "2019-12-31"))[0]).toEqual(b)
  })

  it("minusYears keeps the calendar day (Feb 29 -> Feb 28)", () => {
    expect(minusYears("2024-02-29", 5)).toBe("2019-02-28")
    expect(minusYears("2024-02-29", 4)).toBe("2020-02-29")
    expect(minusYears("2026-11-30", 5)).toBe("2021-11-30")
  })
})

// ---------------------------------------------------------------------------------------------------------

const pick = <A>(xs: ReadonlyArray<A>) => fc.constantFrom(...xs)
const maybeKey = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined })

const details = fc
  .record({
    activity_nr: maybeKey(pick(["1", "2", "3", null])),
    fta_insp_nr: maybeKey(pick(["", "99", null])),
    gravity: maybeKey(pick(["10", "5", null])),
    emphasis: maybeKey(pick(["X", null])),
    rec: maybeKey(pick(["A", "C", null])),
    "inspection.insp_type": maybeKey(pick(["M", "A", "B", null])),
    npdes_id: maybeKey(pick(["FL0001", "", null])),
    cwa_snc_flag: maybeKey(pick(["Y", "N", "yes", null])),
    "sanction.normalized": maybeKey(
      pick([
        "DOLLARS",
        "SANCTION WAIVED",
        "REVOCATION",
        "DAYS",
        "CONSOLIDATED CASE",
        "PENDING COMPLIANCE",
        null
      ])
    ),
    "action.normalized": maybeKey(
      pick(["ORD ASSESS CIVIL PENALTY", "CERTIFICATE REVOCATION", "CERT SUSPEND", "CONSENT ORDER", null])
    )
  })
  .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)))

const money = fc.option(
  fc.bigInt({ min: 0n, max: 2_000_000_000n }).map((c) => `${c / 100n}.${String(c % 100n).padStart(2, "0")}`),
  { nil: null }
)
const date = arbIsoDate("2010-01-01", "2027-12-31")

const violation = fc
  .record({
    n: fc.integer({ min: 0, max: 1_000_000 }),
    agency: pick(["osha", "epa", "faa", "msha"]),
    source_dataset: pick(["osha_violation", "epa_echo_case", "epa_npdes_formal_action", "other"]),
    action_id: fc.option(pick(["A1", "A2", "A3"]), { nil: null }),
    company_slug: pick(["acme", "beta-co", "o-brien"]),
    company_name: pick(["ACME", "Acme Inc", "O'BRIEN", "beta co"]),
    state: pick(["CA", "TX", null]),
    zip: pick(["90001", null]),
    address: pick(["1 MAIN ST", "2 Elm st", null]),
    event_date: date,
    violation_type: pick([
      "willful",
      "repeat",
      "serious",
      "other",
      "civil_penalty",
      "compliance_order",
      "judicial"
    ]),
    status: pick(["open", "closed", "deleted"]),
    penalty_initial: money,
    penalty_current: money,
    violation_details: details
  })
  .map((r) => ({ ...r, violation_id: `${r.agency}:ds:${r.n}` }) as unknown as Violation)

describe("SQL facts == TypeScript reference (property)", () => {
  it("gives the same scores, facilities and leaderboards on random records", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(violation, { maxLength: 40, selector: (v) => v.violation_id }),
        pick(["2019-12-31", "2024-02-29", "2026-11-30"]),
        async (vs, asOf) => {
          const ref = scoresOf(vs, { asOf, updatedAt: UPDATED })
          const sql = await sqlScores(vs, asOf)
          expect(sql).toEqual(ref)
          // only: the same scores for a subset of keys
          const some = ["COMPANY#acme", "COMPANY#o-brien"]
          expect(await sqlScores(vs, asOf, some)).toEqual(ref.filter((s) => some.includes(s.entity_key)))
          // the same over the materialized score rows (details parsed once, no details column)
          expect(await sqlScores(vs, asOf, undefined, "rows")).toEqual(ref)
          expect(await sqlScores(vs, asOf, some, "rows")).toEqual(
            ref.filter((s) => some.includes(s.entity_key))
          )
          // the same from the fact tables computed once for every company
          expect(await sqlScores(vs, asOf, undefined, "facts")).toEqual(ref)
          expect(await sqlScores(vs, asOf, some, "facts")).toEqual(
            ref.filter((s) => some.includes(s.entity_key))
          )
        }
      ),
      { numRuns: 40 }
    )
  }, 60_000)
})
