import * as fs from "node:fs/promises"
import path from "node:path"
import { CatalogFileSystem, layerLocal } from "@ventureos/iceberg"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, silverDefinition } from "../../src/Lakehouse"
import * as LakehouseDuckDb from "../../src/LakehouseDuckDb"
import { makeViolations, tempDir } from "./helpers"

/**
 * A partition bigger than the table's target file size is split into several files; a write bigger than
 * the target whose partitions are each smaller is not (numbering the rows of every partition materialised a
 * first 5M-row silver write on the scratch disk). Every row is written exactly once either way.
 */

let dir: string
let rt: ManagedRuntime.ManagedRuntime<Lakehouse, never>
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)

beforeAll(async () => {
  dir = await tempDir("rolling")
  const layer = LakehouseDuckDb.layer({
    threads: 2,
    tempDir: path.join(dir, ".staging"),
    // ~1,000 rows per file (the writer's floor)
    targetFileSizeBytes: 1
  }).pipe(Layer.provide(Layer.mergeAll(CatalogFileSystem.layer({ warehouse: dir }), layerLocal)))
  rt = ManagedRuntime.make(layer)
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

describe("data files rolled at the target size", () => {
  for (const [sorted, n] of [
    [false, 9000],
    [true, 9000],
    [false, 1500],
    [true, 1500]
  ] as const)
    it(`${sorted ? "a sorted" : "an unsorted"} write of ${n} rows: files roll only in partitions over the target`, async () => {
      const name = `silver.rolling_${sorted ? "sorted" : "unsorted"}_${n}`
      const { sortBy: _s, ...unsorted } = silverDefinition
      const rows = makeViolations(n, 0, "osha")
      const r = await run(
        Effect.gen(function* () {
          const lh = yield* Lakehouse
          yield* lh.ensureTable(name, sorted ? silverDefinition : unsorted)
          yield* lh.write(name, rows, { mode: "append" })
          const plan = yield* lh.plan(name)
          const ids = yield* lh.query(`SELECT violation_id FROM (${yield* lh.scanSql(name)})`)
          return { files: plan.dataFiles.length, ids: ids.map((x) => String(x.violation_id)) }
        })
      )
      expect(r.ids.length).toBe(rows.length)
      expect(new Set(r.ids)).toEqual(new Set(rows.map((v) => v.violation_id)))
      const sizes = new Map<string, number>()
      for (const v of rows) {
        const year = v.event_date?.slice(0, 4) ?? "null"
        sizes.set(year, (sizes.get(year) ?? 0) + 1)
      }
      // ~1,000 rows per file: partitions are cut into runs of 1,000 only when one of them holds more
      const largest = Math.max(...sizes.values())
      expect(r.files).toBe(
        largest > 1000 ? [...sizes.values()].reduce((k, m) => k + Math.ceil(m / 1000), 0) : sizes.size
      )
      if (n === 1500) expect(largest).toBeLessThanOrEqual(1000)
      else expect(largest).toBeGreaterThan(1000)
    })
})
