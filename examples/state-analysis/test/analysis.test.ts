import { spawnSync } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { moneyFromCents, type UsState } from "@ventureos/core"
import { type BatchResult, Warehouse } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ingestFixtures, lakeLayer } from "../src/Lake"
import { renderTable } from "../src/Table"
import { type TopQuery, topOffenders } from "../src/TopOffenders"

let home: string
let runtime: ManagedRuntime.ManagedRuntime<RawArchive | Warehouse | Lakehouse, never>
let batches: ReadonlyArray<BatchResult>

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "vos-state-analysis-"))
  runtime = ManagedRuntime.make(lakeLayer(home))
  batches = await runtime.runPromise(ingestFixtures)
})
afterAll(async () => {
  await runtime?.dispose()
  await rm(home, { recursive: true, force: true })
})

/** The analysis (SQL over silver) and gold's Top-N for the same query, in the same shape. */
const both = (q: TopQuery) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* topOffenders(q)
      const gold = yield* Effect.flatMap(Warehouse, (w) =>
        w.goldTop({ scope: `state:${q.state}`, by: q.by, agency: q.agency, limit: q.limit })
      )
      return {
        sql: sql.map((r) => [r.entity_key, r.violations, r.penalty_current_total]),
        gold: gold.map((r) => [r.entity_key, r.violation_count, moneyFromCents(r.penalty_current_cents)]),
        names: { sql: sql.map((r) => r.name), gold: gold.map((r) => r.name) },
        rows: sql
      }
    })
  )

const CA = "CA" as UsState
const FL = "FL" as UsState

describe("state analysis: SQL over silver ranks exactly as gold's Top-N (real DuckDB, Iceberg lake)", () => {
  it("ingested the bundled OSHA (CA), EPA (FL) and FAA (no state) files", () => {
    expect(batches.map((b) => [b.agency, b.accepted, b.rejected])).toEqual([
      ["faa", 10, 0],
      ["epa", 184, 0],
      ["osha", 655, 0]
    ])
  })

  it.each([
    { state: CA, by: "count", agency: "all", limit: 10 },
    { state: CA, by: "penalties", agency: "all", limit: 10 },
    { state: CA, by: "count", agency: "osha", limit: 25 },
    { state: FL, by: "count", agency: "all", limit: 10 },
    { state: FL, by: "penalties", agency: "epa", limit: 5 }
  ] as const)("$state by $by, agency $agency, top $limit", async (q) => {
    const r = await both(q)
    expect(r.sql).toHaveLength(q.limit)
    expect(r.sql).toEqual(r.gold)
    expect(r.names.sql).toEqual(r.names.gold)
  })

  it("reads the ranking people expect: CA led by U.S. DOJ (32 violations, 3 repeat), deleted items excluded", async () => {
    const { rows } = await both({ state: CA, by: "count", agency: "all", limit: 10 })
    expect(rows[0]).toMatchObject({
      rank: 1,
      entity_key: "COMPANY#us-department-of-justice",
      violations: 32,
      willful_or_repeat: 3,
      agencies: ["osha"]
    })
    // 16 rows in the file, 3 of them deleted by OSHA (delete_flag X): 13 count
    expect(rows.find((r) => r.entity_key.includes("federal-bureau-of-prisons-federal"))?.violations).toBe(13)
    expect(renderTable("CA", rows).split("\n")[3]).toContain("U.S. DEPARTMENT OF JUSTICE")
  })

  it("ranks nobody for a state without records, and refuses input it cannot validate", async () => {
    expect((await both({ state: "TX" as UsState, by: "count", agency: "all", limit: 10 })).sql).toEqual([])
    await expect(both({ state: "C'" as UsState, by: "count", agency: "all", limit: 10 })).rejects.toThrow(
      /not a US state/
    )
  })

  it("runs as `pnpm start --state fl --by penalties --limit 3`: replays the ingest, prints the table and one JSON line", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/main.ts", "--state", "fl", "--by", "penalties", "--limit", "3"],
      {
        cwd: join(import.meta.dirname, ".."),
        env: { ...process.env, VENTUREOS_HOME: home },
        encoding: "utf8"
      }
    )
    expect(run.status, run.stderr).toBe(0)
    expect(run.stderr).toContain("bronze/historical/epa/2026/01/02/npdes_formal_actions_FL.csv: replayed")
    expect(run.stderr).toContain("Top 3 companies in FL by penalties")
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!)
    expect(out).toMatchObject({ state: "FL", by: "penalties", agency: "all", limit: 3 })
    expect(out.top.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3])
  })
})
