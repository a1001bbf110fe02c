import * as fs from "node:fs/promises"
import { Violation } from "@ventureos/core"
import { Effect, ManagedRuntime, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, violationFromQuery } from "../../src/Lakehouse"
import {
  icebirdRows,
  type LakehouseRuntime,
  lakehouseLayer,
  makeViolations,
  normalize,
  sortById,
  tempDir
} from "./helpers"

let dir: string
let rt: LakehouseRuntime
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)

beforeAll(async () => {
  dir = await tempDir("roundtrip")
  rt = ManagedRuntime.make(lakehouseLayer(dir))
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Expected current rows per table, maintained by the test as the model. */
const model = new Map<string, Map<string, Record<string, unknown>>>()
const apply = (rows: ReadonlyArray<Record<string, unknown>>) => {
  for (const r of rows) {
    const t = `silver.${r.agency}`
    if (!model.has(t)) model.set(t, new Map())
    model.get(t)!.set(String(r.violation_id), normalize(r))
  }
}
const expected = (t: string) => sortById([...(model.get(t)?.values() ?? [])])

const ourRows = (t: string) =>
  run(
    Effect.gen(function* () {
      const lh = yield* Lakehouse
      yield* lh.refreshViews
      return yield* lh.query(`SELECT * FROM ${t}`)
    })
  ).then((rows) => sortById(rows.map(normalize)))

const tableUrl = (t: string) => `file://${dir}/${t.replace(".", "/")}`

const checkAll = async () => {
  for (const t of ["silver.osha", "silver.epa", "silver.faa"]) {
    const want = expected(t)
    expect(await ourRows(t)).toEqual(want)
    expect(sortById(await icebirdRows(tableUrl(t)))).toEqual(want)
  }
  const all = await run(
    Effect.flatMap(Lakehouse, (lh) => lh.query("SELECT count(*)::INT AS n FROM silver.violations"))
  )
  expect(all[0]?.n).toBe([...model.values()].reduce((a, m) => a + m.size, 0))
}

describe("silver tables: real Iceberg read back by icebird", () => {
  const batch1 = makeViolations(60)
  let firstOsha: bigint

  it("appends a batch exactly once per source", async () => {
    const out = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.writeViolations(batch1, { source: { id: "bronze/a.csv@e1", batchId: "1" } })
      )
    )
    expect([...out.values()].map((o) => o._tag)).toEqual(["Committed", "Committed", "Committed"])
    const o = out.get("silver.osha")
    if (o?._tag !== "Committed") throw new Error("expected a commit")
    firstOsha = o.snapshotId
    apply(batch1)
    const again = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.writeViolations(batch1, { source: { id: "bronze/a.csv@e1", batchId: "1" } })
      )
    )
    expect([...again.values()].map((o) => o._tag)).toEqual([
      "AlreadyCommitted",
      "AlreadyCommitted",
      "AlreadyCommitted"
    ])
    await checkAll()
  })

  it("rows read back decode as core Violation records, equal to what was written", async () => {
    const rows = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const sql = yield* lh.scanSql("silver.epa")
        return yield* lh.query(`SELECT * FROM (${sql}) ORDER BY violation_id`)
      })
    )
    const decoded = rows.map((r) => Schema.decodeUnknownSync(Violation)(violationFromQuery(r)))
    // field 30 (action_id) reads back as null where the generated records leave it out
    const want = batch1
      .filter((r) => r.agency === "epa")
      .map((r) => ({ ...r, action_id: r.action_id ?? null }))
      .sort((a, b) => a.violation_id.localeCompare(b.violation_id))
    expect(decoded).toEqual(want)
  })

  it("writes Parquet field ids from the schema", async () => {
    const plan = await run(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.osha")))
    const file = plan.dataFiles[0]!.dataFile.filePath.replace("file://", "")
    const ids = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.query(
          `SELECT name, field_id::INT AS id FROM parquet_schema('${file}') WHERE field_id IS NOT NULL ORDER BY 2`
        )
      )
    )
    expect(ids.find((r) => r.name === "violation_id")?.id).toBe(1)
    expect(ids.find((r) => r.name === "ingested_at")?.id).toBe(29)
    expect(ids.find((r) => r.name === "action_id")?.id).toBe(30)
    expect(ids).toHaveLength(30)
  })

  it("upserts replace earlier versions (also across partitions) and deletes remove rows", async () => {
    const changed = batch1
      .filter((r) => r.agency === "osha")
      .slice(0, 6)
      .map((r, i) => ({
        ...r,
        penalty_current: `${i}.00`,
        status: i < 2 ? "deleted" : "closed",
        event_date: i === 3 ? "2019-05-05" : r.event_date
      }))
    const fresh = makeViolations(6, 1000, "osha")
    await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.writeViolations([...changed, ...fresh] as never, { source: { id: "bronze/b.csv@e2" } })
      )
    )
    apply([...changed, ...fresh])
    const gone = batch1.filter((r) => r.agency === "epa").slice(0, 2)
    await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.deleteKeys(
          "silver.epa",
          gone.map((r) => ({ violation_id: r.violation_id }))
        )
      )
    )
    for (const r of gone) model.get("silver.epa")!.delete(r.violation_id)
    await checkAll()
  })

  it("time travel reads an earlier snapshot", async () => {
    const rows = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const sql = yield* lh.scanSql("silver.osha", { snapshotId: firstOsha })
        return yield* lh.query(sql)
      })
    )
    expect(sortById(rows.map(normalize))).toEqual(
      sortById(batch1.filter((r) => r.agency === "osha").map(normalize))
    )
  })

  it("time travel by timestamp reads the snapshot current at that instant", async () => {
    const history = await run(Effect.flatMap(Lakehouse, (lh) => lh.history("silver.osha")))
    const first = history.find((h) => h["snapshot-id"] === firstOsha)!
    const rows = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        const sql = yield* lh.scanSql("silver.osha", { asOfMs: first["timestamp-ms"] })
        return yield* lh.query(`SELECT count(*)::INT AS n FROM (${sql})`)
      })
    )
    expect(rows[0]?.n).toBe(batch1.filter((r) => r.agency === "osha").length)
    const before = await run(
      Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.osha", { asOfMs: first["timestamp-ms"] - 1 }))
    )
    expect(before.dataFiles).toHaveLength(0)
  })

  it("pruning is conservative: filtered plans return exactly the rows a full scan filters", async () => {
    const cases = [
      {
        filter: { column: "event_date", op: ">=", value: "2004-01-01" },
        where: "event_date >= DATE '2004-01-01'"
      },
      {
        filter: { column: "event_date", op: "<", value: "2002-03-11" },
        where: "event_date < DATE '2002-03-11'"
      },
      { filter: { column: "event_date", op: "is-null" }, where: "event_date IS NULL" },
      { filter: { column: "source_row", op: "=", value: 20 }, where: "source_row = 20" },
      { filter: { column: "penalty_current", op: ">", value: "905.00" }, where: "penalty_current > 905.00" },
      {
        filter: {
          column: "violation_id",
          op: "in",
          value: ["osha:osha_violation:3", "osha:osha_violation:9"]
        },
        where: "violation_id IN ('osha:osha_violation:3', 'osha:osha_violation:9')"
      },
      {
        filter: { column: "description", op: ">=", value: "a fairly long description of violation number 4" },
        where: "description >= 'a fairly long description of violation number 4'"
      }
    ] as const
    for (const c of cases) {
      const [pruned, full] = await run(
        Effect.gen(function* () {
          const lh = yield* Lakehouse
          const p = yield* lh.scanSql("silver.osha", { filter: [c.filter] })
          const f = yield* lh.scanSql("silver.osha")
          const a = yield* lh.query(`SELECT violation_id FROM (${p}) WHERE ${c.where} ORDER BY 1`)
          const b = yield* lh.query(`SELECT violation_id FROM (${f}) WHERE ${c.where} ORDER BY 1`)
          return [a, b] as const
        })
      )
      expect(pruned, c.where).toEqual(full)
    }
  })

  it("prunes files by partition and column bounds", async () => {
    const all = await run(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.osha")))
    const some = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.plan("silver.osha", { filter: [{ column: "event_date", op: ">=", value: "2005-01-01" }] })
      )
    )
    expect(some.dataFiles.length).toBeLessThan(all.dataFiles.length)
    expect(some.stats.filesPruned).toBeGreaterThan(0)
    const one = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.plan("silver.osha", { filter: [{ column: "source_row", op: "=", value: 2 }] })
      )
    )
    expect(one.dataFiles.length).toBeLessThanOrEqual(2)
  })

  it("compaction applies deletes and keeps the same rows", async () => {
    const out = await run(Effect.flatMap(Lakehouse, (lh) => lh.compact("silver.osha")))
    expect(out._tag).toBe("Committed")
    const plan = await run(Effect.flatMap(Lakehouse, (lh) => lh.plan("silver.osha")))
    expect(plan.deleteFiles).toHaveLength(0)
    await checkAll()
  })

  it("expiring snapshots deletes unreachable files and keeps current rows", async () => {
    const r = await run(
      Effect.flatMap(Lakehouse, (lh) => lh.expireSnapshots("silver.osha", { retainLast: 1 }))
    )
    expect(r.expiredSnapshots).toBeGreaterThan(0)
    expect(r.deletedFiles).toBeGreaterThan(0)
    await checkAll()
  })

  it("schema evolution: a new column reads as null in old files", async () => {
    await run(
      Effect.flatMap(Lakehouse, (lh) => lh.addColumn("silver.faa", { name: "inspector", type: "string" }))
    )
    const extra = makeViolations(3, 2000, "faa").map((r) => ({ ...r, inspector: "J. DOE" }))
    await run(Effect.flatMap(Lakehouse, (lh) => lh.write("silver.faa", extra, { mode: "upsert" })))
    apply(extra)
    const rows = await run(
      Effect.gen(function* () {
        const lh = yield* Lakehouse
        yield* lh.refreshViews
        return yield* lh.query("SELECT inspector, count(*)::INT AS n FROM silver.faa GROUP BY 1 ORDER BY 1")
      })
    )
    expect(rows).toEqual([
      { inspector: "J. DOE", n: 3 },
      { inspector: null, n: model.get("silver.faa")!.size - 3 }
    ])
    await checkAll()
  })
})
