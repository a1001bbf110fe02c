import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Catalog, CatalogFileSystem, layerLocal as fileIOLocal } from "@ventureos/iceberg"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { Lakehouse } from "@ventureos/storage"
import { layerFileSystem, RawArchive } from "@ventureos/storage/archive"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { generateOsha } from "@ventureos/testkit"
import { Effect, Exit, Layer, ManagedRuntime } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type BackfillRunner,
  commitBackfillAgency,
  inProcessRunner,
  planBackfill,
  runBackfill
} from "../src/Backfill"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse } from "../src/Warehouse"
import { layerIceberg, layerLocalLake } from "../src/WarehouseIceberg"

/**
 * The distributed backfill must be indistinguishable from a single-process ingest of the same files (silver
 * rows with their content hashes, counts, rejects, gold totals) for any number of workers and split size; a
 * run stopped anywhere and run again finishes with nothing lost and nothing twice; a committer that dies
 * between writing its manifests and committing leaves nothing visible.
 */

const registry = makeRegistry([oshaPlugin])
const INGESTED_AT = "2026-11-28T12:00:00.000Z"
const DATE = "2026-11-20"
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-backfill-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

type Rt = ManagedRuntime.ManagedRuntime<RawArchive | Warehouse | Lakehouse, never>
const lakeAt = (home: string): Rt => ManagedRuntime.make(layerLocalLake(home))

const catalog = async (seed: number, violations: number, duplicateRate = 0) => {
  const out = join(dir, `cat-${seed}-${violations}-${duplicateRate}`)
  const m = await generateOsha({ seed, violations, outDir: out, duplicateRate })
  return [join(out, m.files.violations), join(out, m.files.inspections)]
}

/** What both paths must agree on. */
const observe = (rt: Rt) =>
  rt.runPromise(
    Effect.gen(function* () {
      const wh = yield* Warehouse
      const head = yield* wh.silverHead("osha")
      const rel = yield* wh.bulk!.silverRelation("osha", head)
      const rows = yield* wh.bulk!.readViolations(`SELECT * FROM (${rel}) ORDER BY violation_id`)
      const archive = yield* RawArchive
      const rejectKeys = (yield* archive.list("rejects/")).map((o) => o.key).sort()
      const rejects: Array<string> = []
      for (const k of rejectKeys)
        rejects.push(...(yield* archive.getText(k)).pipe((o) => (o._tag === "Some" ? [o.value] : [])))
      return {
        silver: rows,
        rejects,
        gold: {
          company: yield* wh.goldTotals("company"),
          city: yield* wh.goldTotals("city"),
          state: yield* wh.goldTotals("state")
        }
      }
    })
  )

const reference = async (files: ReadonlyArray<string>) => {
  const rt = lakeAt(join(dir, `ref-${Math.random().toString(36).slice(2)}`))
  const results = await rt.runPromise(
    ingestFiles(files, { registry, mode: "historical", date: DATE, ingestedAt: INGESTED_AT })
  )
  const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0)
  const counts = {
    rows: sum((r) => r.rows),
    accepted: sum((r) => r.accepted),
    rejected: sum((r) => r.rejected),
    skipped: sum((r) => r.skipped),
    inserted: sum((r) => r.inserted),
    updated: sum((r) => r.updated),
    unchanged: sum((r) => r.unchanged)
  }
  const seen = await observe(rt)
  await rt.dispose()
  return { counts, ...seen }
}

const backfill = (
  rt: Rt,
  files: ReadonlyArray<string>,
  workers: number,
  splitRows: number,
  runner?: BackfillRunner
) =>
  rt.runPromise(
    runBackfill(files, {
      registry,
      date: DATE,
      ingestedAt: INGESTED_AT,
      splitRows,
      runner: runner ?? inProcessRunner(workers, { registry })
    })
  )

const expectSame = (
  got: Awaited<ReturnType<typeof observe>>,
  want: Awaited<ReturnType<typeof reference>>
) => {
  expect(got.silver.length).toBe(want.silver.length)
  for (let i = 0; i < want.silver.length; i++)
    expect(got.silver[i], want.silver[i]!.violation_id).toEqual(want.silver[i])
  expect(got.rejects).toEqual(want.rejects)
  expect(got.gold).toEqual(want.gold)
}

describe("backfill", () => {
  it("equals a single-process ingest for any number of workers and split size (generated catalogs)", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 80, max: 220 }),
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 20, max: 300 }),
        async (seed, violations, workers, splitRows) => {
          const files = await catalog(seed, violations)
          const want = await reference(files)
          const rt = lakeAt(join(dir, `bf-${run++}`))
          try {
            const s = await backfill(rt, files, workers, splitRows)
            expect(s.status).toBe("committed")
            expect(s.items).toBe(Math.max(1, Math.ceil(want.counts.rows / splitRows)))
            const { lookupRejected: _l, ...counts } = s.counts
            expect(counts).toEqual(want.counts)
            expectSame(await observe(rt), want)
          } finally {
            await rt.dispose()
          }
        }
      ),
      { numRuns: 3, endOnFailure: true }
    )
  }, 240_000)

  it("resumes a run whose workers stopped part-way, and a finished run is a no-op", async () => {
    const files = await catalog(7, 300)
    const want = await reference(files)
    const rt = lakeAt(join(dir, "resume"))
    try {
      // the first attempt finishes two items, then "dies" (fails) before the others and the commit
      const dying: BackfillRunner = (plan, items) =>
        Effect.andThen(inProcessRunner(2, { registry })(plan, items.slice(0, 2)), Effect.die("killed"))
      const first = await rt.runPromiseExit(
        runBackfill(files, { registry, date: DATE, ingestedAt: INGESTED_AT, splitRows: 70, runner: dying })
      )
      expect(Exit.isFailure(first)).toBe(true)
      expect((await observe(rt)).silver).toEqual([])
      const ran: Array<number> = []
      const counting: BackfillRunner = (plan, items) =>
        Effect.andThen(
          Effect.sync(() => ran.push(...items.map((i) => i.index))),
          inProcessRunner(2, { registry })(plan, items)
        )
      const s = await backfill(rt, files, 2, 70, counting)
      expect(s.status).toBe("committed")
      expect(ran.sort()).toEqual([2, 3, 4]) // only the unfinished items ran again
      expectSame(await observe(rt), want)
      const again = await backfill(rt, files, 2, 70)
      expect(again.status).toBe("replayed")
      const snaps = await rt.runPromise(Effect.flatMap(Lakehouse, (l) => l.history("silver.osha")))
      expect(snaps.filter((x) => x.summary["ventureos.backfill-run"] === s.runId)).toHaveLength(1)
    } finally {
      await rt.dispose()
    }
  }, 120_000)

  it("a committer that dies after writing its manifests leaves nothing visible; a rerun commits once", async () => {
    const files = await catalog(11, 200)
    const want = await reference(files)
    const home = join(dir, "crash")
    const rt = lakeAt(home)
    // the same lake, but the catalog's commit never happens (the process dies at that point)
    const dyingCatalog = Layer.effect(
      Catalog,
      Effect.gen(function* () {
        const c = yield* Catalog
        return { ...c, commitTable: () => Effect.die("committer killed") }
      })
    ).pipe(Layer.provide(CatalogFileSystem.layer({ warehouse: join(home, "warehouse") })))
    const dyingLake = LakehouseDuckDb.layer().pipe(Layer.provide(Layer.mergeAll(dyingCatalog, fileIOLocal)))
    const crashRt = ManagedRuntime.make(
      Layer.mergeAll(Layer.provideMerge(layerIceberg, dyingLake), layerFileSystem(join(home, "lake")))
    )
    try {
      const plan = await rt.runPromise(
        planBackfill(files, { registry, date: DATE, ingestedAt: INGESTED_AT, splitRows: 50 })
      )
      await rt.runPromise(inProcessRunner(2, { registry })(plan, plan.items))
      const metadata = join(home, "warehouse", "silver", "osha", "metadata")
      const before = (await readdir(metadata)).length
      const crashed = await crashRt.runPromiseExit(commitBackfillAgency(plan, "osha"))
      expect(Exit.isFailure(crashed)).toBe(true)
      // the manifests were written, but no snapshot refers to them
      expect((await readdir(metadata)).length).toBeGreaterThan(before)
      expect(await rt.runPromise(Effect.flatMap(Warehouse, (w) => w.silverHead("osha")))).toBeNull()
      const s = await backfill(rt, files, 2, 50)
      expect(s.status).toBe("committed")
      expectSame(await observe(rt), want)
      const snaps = await rt.runPromise(Effect.flatMap(Lakehouse, (l) => l.history("silver.osha")))
      expect(snaps).toHaveLength(1)
      expect(snaps[0]!.summary["ventureos.backfill-run"]).toBe(s.runId)
    } finally {
      await crashRt.dispose()
      await rt.dispose()
    }
  }, 120_000)

  it("duplicates straddling a split: the items they span run again as one, equal to an ingest", async () => {
    // exact duplicates follow their row: with 30% of them and splits of 10 rows, many straddle a split
    const files = await catalog(3, 80, 0.3)
    const want = await reference(files)
    const rt = lakeAt(join(dir, "dups"))
    try {
      const s = await backfill(rt, files, 4, 10)
      expect(s.status).toBe("committed")
      expect(s.items).toBeLessThan(Math.ceil(want.counts.rows / 10))
      const { lookupRejected: _l, ...counts } = s.counts
      expect(counts).toEqual(want.counts)
      expect(counts.skipped).toBeGreaterThan(0)
      expectSame(await observe(rt), want)
    } finally {
      await rt.dispose()
    }
  }, 120_000)

  it("refuses the same violation id in two records files, before anything is visible", async () => {
    const [violations, inspections] = await catalog(5, 60)
    const copy = join(dir, "copy", "osha_violation_again.csv")
    await mkdir(join(dir, "copy"), { recursive: true })
    await copyFile(violations!, copy)
    const rt = lakeAt(join(dir, "two-files"))
    try {
      const exit = await rt.runPromiseExit(
        runBackfill([violations!, copy, inspections!], {
          registry,
          date: DATE,
          ingestedAt: INGESTED_AT,
          splitRows: 100,
          runner: inProcessRunner(2, { registry })
        })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/written by two records files/)
      expect(await rt.runPromise(Effect.flatMap(Warehouse, (w) => w.silverHead("osha")))).toBeNull()
    } finally {
      await rt.dispose()
    }
  }, 120_000)
})
