import * as fs from "node:fs/promises"
import { fileURLToPath } from "node:url"
import type { Violation } from "@ventureos/core"
import { currentSchema } from "@ventureos/iceberg"
import { Effect, ManagedRuntime } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, silverDefinition } from "../../src/Lakehouse"
import { sortColumns } from "../../src/LakehouseDuckDb"
import { type LakehouseRuntime, lakehouseLayer, makeViolations, tempDir } from "./helpers"

/**
 * Silver data files are written sorted by violation_id (the table's default sort order), so a daily file's
 * classification, which looks up its ids among millions, skips row groups by their min/max statistics.
 */

let dir: string
let rt: LakehouseRuntime
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)
let tables = 0

beforeAll(async () => {
  dir = await tempDir("sorted")
  rt = ManagedRuntime.make(lakehouseLayer(dir))
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

/** Records with the given ids, spread over several year partitions (and a null event date). */
const records = (ids: ReadonlyArray<string>, offset = 0): Array<Violation> =>
  makeViolations(ids.length, offset, "osha").map((v, k) => ({ ...v, violation_id: ids[k]! }) as Violation)

/** Each live data file's violation ids in file order. */
const fileIds = (name: string) =>
  run(
    Effect.gen(function* () {
      const lh = yield* Lakehouse
      const plan = yield* lh.plan(name)
      const out: Array<{ path: string; ids: Array<string> }> = []
      for (const d of plan.dataFiles) {
        const path = fileURLToPath(d.dataFile.filePath)
        const rows = yield* lh.query(
          `SELECT violation_id FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`
        )
        out.push({ path, ids: rows.map((r) => String(r.violation_id)) })
      }
      return out
    })
  )

const ascending = (ids: ReadonlyArray<string>) => ids.every((v, i) => i === 0 || ids[i - 1]! <= v)

/** Ids as DuckDB and Iceberg order them (byte order of UTF-8; these are ASCII). */
const idArb = fc.stringMatching(/^osha:violation:[0-9]{1,9}-[0-9A-Z]{1,5}$/)

describe("sorted silver data files", () => {
  it("a new silver table records violation_id ascending as its default sort order", async () => {
    const t = await run(
      Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.sort_meta", silverDefinition))
    )
    const m = t.metadata
    const id = currentSchema(m).fields.find((f) => f.name === "violation_id")!.id
    expect(m["default-sort-order-id"]).toBe(1)
    expect(m["sort-orders"]).toEqual([
      { "order-id": 0, fields: [] },
      {
        "order-id": 1,
        fields: [{ transform: "identity", "source-id": id, direction: "asc", "null-order": "nulls-first" }]
      }
    ])
    expect(sortColumns(m)).toEqual(["violation_id"])
  })

  it("a table created before the sort order gets it on its next ensureTable, once", async () => {
    const { sortBy: _s, ...unsorted } = silverDefinition
    const before = await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.sort_old", unsorted)))
    expect(sortColumns(before.metadata)).toEqual([])
    const after = await run(
      Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.sort_old", silverDefinition))
    )
    expect(sortColumns(after.metadata)).toEqual(["violation_id"])
    const again = await run(
      Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.sort_old", silverDefinition))
    )
    expect(again.metadataLocation).toBe(after.metadataLocation)
  })

  it("every data file of a partition is sorted by violation_id, through both write paths and compaction", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(idArb, { minLength: 1, maxLength: 400 }),
        fc.uniqueArray(idArb, { minLength: 1, maxLength: 200 }),
        async (first, second) => {
          const name = `silver.sort_p${tables++}`
          await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable(name, silverDefinition)))
          // the row path (JavaScript records, staged) and an upsert that replaces some of them
          await run(Effect.flatMap(Lakehouse, (lh) => lh.write(name, records(first), { mode: "upsert" })))
          await run(Effect.flatMap(Lakehouse, (lh) => lh.write(name, records(second, 7), { mode: "upsert" })))
          // the SQL path (`writeQuery`, what the vectorized ingest uses): rows of a query, reversed
          const scan = await run(Effect.flatMap(Lakehouse, (lh) => lh.scanSql(name)))
          await run(
            Effect.flatMap(Lakehouse, (lh) =>
              lh.writeQuery(
                name,
                `SELECT * REPLACE (violation_id || 'x' AS violation_id) FROM (${scan}) ORDER BY violation_id DESC`,
                { mode: "upsert" }
              )
            )
          )
          for (const f of await fileIds(name)) expect(ascending(f.ids), f.path).toBe(true)
          const live = () =>
            run(
              Effect.gen(function* () {
                const lh = yield* Lakehouse
                const rows = yield* lh.query(`SELECT violation_id FROM (${yield* lh.scanSql(name)})`)
                return rows.map((r) => String(r.violation_id)).sort()
              })
            )
          const before = await live()
          expect(before).toHaveLength(new Set([...first, ...second]).size * 2)
          // compaction rewrites the files (deletes applied): still sorted, same rows
          await run(Effect.flatMap(Lakehouse, (lh) => lh.compact(name)))
          for (const f of await fileIds(name)) expect(ascending(f.ids), f.path).toBe(true)
          expect(await live()).toEqual(before)
        }
      ),
      { numRuns: 5 }
    )
  }, 120_000)

  it("a lookup of a batch's ids (pruned scan + IN list, as classification does) finds exactly the stored ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(idArb, { minLength: 1, maxLength: 600 }),
        fc.uniqueArray(idArb, { minLength: 0, maxLength: 100 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (stored, fresh, seed) => {
          const name = `silver.sort_l${tables++}`
          await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable(name, silverDefinition)))
          // two commits, the second replacing some rows (equality deletes) and moving them to other years
          const half = Math.ceil(stored.length / 2)
          await run(
            Effect.flatMap(Lakehouse, (lh) =>
              lh.write(name, records(stored.slice(0, half)), { mode: "upsert" })
            )
          )
          await run(
            Effect.flatMap(Lakehouse, (lh) =>
              lh.write(name, records(stored.slice(half / 2), 3), { mode: "upsert" })
            )
          )
          const picked = stored.filter((_v, i) => (i * 2654435761 + seed) % 3 === 0)
          const batch = [...new Set([...picked, ...fresh])]
          if (batch.length === 0) return
          const found = await run(
            Effect.gen(function* () {
              const lh = yield* Lakehouse
              const scan = yield* lh.scanSql(name, {
                filter: [{ column: "violation_id", op: "in", value: batch }]
              })
              const list = batch.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ")
              return yield* lh.query(`SELECT violation_id FROM (${scan}) WHERE violation_id IN (${list})`)
            })
          )
          const want = batch.filter((v) => stored.includes(v)).sort()
          expect(found.map((r) => String(r.violation_id)).sort()).toEqual(want)
        }
      ),
      { numRuns: 5 }
    )
  }, 120_000)
})
