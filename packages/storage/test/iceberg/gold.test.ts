import * as fs from "node:fs/promises"
import { applyTransform, parseTransform } from "@ventureos/iceberg"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, type TableDefinition } from "../../src/Lakehouse"
import { installFileFetch, type LakehouseRuntime, lakehouseLayer, tempDir } from "./helpers"

let dir: string
let rt: LakehouseRuntime
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)

beforeAll(async () => {
  dir = await tempDir("gold")
  rt = ManagedRuntime.make(lakehouseLayer(dir))
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

/** A gold table with its own schema: any columns, any partitioning, an upsert key. */
const companyStats: TableDefinition = {
  columns: [
    { id: 1, name: "entity_key", type: "string", required: true },
    { id: 2, name: "agency", type: "string", required: true },
    { id: 3, name: "violation_count", type: "long", required: true },
    { id: 4, name: "penalty_current_cents", type: "long", required: true },
    { id: 5, name: "by_type", type: "json", required: false },
    { id: 6, name: "last_event_date", type: "date", required: false },
    { id: 7, name: "updated_at", type: "timestamptz", required: false }
  ],
  partitionBy: [
    { column: "agency", transform: "identity" },
    { column: "entity_key", transform: "bucket[4]" }
  ],
  identifier: ["entity_key", "agency"]
}

describe("gold tables with a custom schema", () => {
  it("creates, upserts by a composite key, exposes gold.* views, reads back with icebird", async () => {
    const big = 9_007_199_254_740_993n // beyond 2^53: stays exact
    const rows = [
      {
        entity_key: "company:acme",
        agency: "osha",
        violation_count: 3,
        penalty_current_cents: big,
        by_type: { serious: 3 },
        last_event_date: "2020-01-02",
        updated_at: "2026-11-28T10:00:00Z"
      },
      {
        entity_key: "company:acme",
        agency: "epa",
        violation_count: 1,
        penalty_current_cents: 100n,
        by_type: { other: 1 },
        last_event_date: null,
        updated_at: null
      },
      {
        entity_key: "company:zeta",
        agency: "osha",
        violation_count: 2,
        penalty_current_cents: 5n,
        by_type: null,
        last_event_date: "2021-05-06",
        updated_at: null
      }
    ]
    await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        yield* lh.ensureTable("gold.company_stats", companyStats)
        yield* lh.write("gold.company_stats", rows, { mode: "upsert", source: { id: "silver:osha:1" } })
        yield* lh.write("gold.company_stats", [{ ...rows[0]!, violation_count: 4 }], {
          mode: "upsert",
          source: { id: "silver:osha:2" }
        })
      })
    )
    const out = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const views = yield* lh.refreshViews
        expect(views).toContain("gold.company_stats")
        return yield* lh.query(
          "SELECT entity_key, agency, violation_count::INT AS c, penalty_current_cents::VARCHAR AS p, by_type FROM gold.company_stats ORDER BY 1, 2"
        )
      })
    )
    expect(out).toEqual([
      { entity_key: "company:acme", agency: "epa", c: 1, p: "100", by_type: '{"other":1}' },
      { entity_key: "company:acme", agency: "osha", c: 4, p: big.toString(), by_type: '{"serious":3}' },
      { entity_key: "company:zeta", agency: "osha", c: 2, p: "5", by_type: null }
    ])
    installFileFetch()
    const { icebergRead } = await import("icebird")
    const ib = await icebergRead({ tableUrl: `file://${dir}/gold/company_stats` })
    const got = ib
      .map((r) => `${r.entity_key}|${r.agency}|${r.violation_count}|${r.penalty_current_cents}`)
      .sort()
    expect(got).toEqual(["company:acme|epa|1|100", `company:acme|osha|4|${big}`, "company:zeta|osha|2|5"])
    // overwrite: collapse the table into a checkpoint computed from itself, atomically
    await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const sql = yield* lh.scanSql("gold.company_stats")
        const o = yield* lh.writeQuery(
          "gold.company_stats",
          `SELECT 'company:all' AS entity_key, agency, sum(violation_count)::BIGINT AS violation_count, sum(penalty_current_cents)::BIGINT AS penalty_current_cents FROM (${sql}) GROUP BY agency`,
          { mode: "overwrite", source: { id: "checkpoint:1" } }
        )
        expect(o._tag).toBe("Committed")
      })
    )
    const collapsed = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const sql = yield* lh.scanSql("gold.company_stats")
        return yield* lh.query(`SELECT agency, violation_count::INT AS c FROM (${sql}) ORDER BY 1`)
      })
    )
    expect(collapsed).toEqual([
      { agency: "epa", c: 1 },
      { agency: "osha", c: 6 }
    ])
    const ib2 = await icebergRead({ tableUrl: `file://${dir}/gold/company_stats` })
    expect(ib2.map((r) => `${r.agency}:${r.violation_count}`).sort()).toEqual(["epa:1", "osha:6"])
  })

  it("bucket[N] partition values are Iceberg's murmur3 buckets", async () => {
    await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.write("gold.company_stats", [
          { entity_key: "company:acme", agency: "osha", violation_count: 1, penalty_current_cents: 1n },
          { entity_key: "company:zeta", agency: "osha", violation_count: 1, penalty_current_cents: 1n },
          { entity_key: "company:beta", agency: "osha", violation_count: 1, penalty_current_cents: 1n }
        ])
      )
    )
    // bucket[4] partition values are Iceberg's murmur3 buckets of the rows in each file
    const plan = await run(Effect.flatMap(Lakehouse, (lh) => lh.plan("gold.company_stats")))
    for (const f of plan.dataFiles) {
      const keys = await run(
        Effect.flatMap(Lakehouse, (lh) =>
          lh.query(
            `SELECT DISTINCT entity_key FROM read_parquet('${f.dataFile.filePath.replace("file://", "")}')`
          )
        )
      )
      for (const k of keys)
        expect(f.dataFile.partition[1]).toBe(
          applyTransform(parseTransform("bucket[4]"), "string", String(k.entity_key))
        )
    }
  })
})
