import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { moneyFromCents, type Violation } from "@ventureos/core"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { makeMemory as makeServing, ServingStore } from "@ventureos/serving"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Exit, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ingestFiles } from "../src/IngestFiles"
import { type RebuildCheckpoint, type RebuildProgress, rebuildServing } from "../src/RebuildServing"
import { scoreBoardsOf, scoresOf } from "../src/Score"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"

/**
 * `rebuildServing` after a historical backfill (which writes nothing to serving) on the real samples: every
 * entity's stats equal gold, the Top-N lists equal gold's, histories sum to the stats, search finds the
 * companies; an interrupted rebuild resumes from its checkpoint, and a second run writes nothing.
 */
const SAMPLES = join(import.meta.dirname, "..", "..", "adapters-node", "samples")
const registry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])

let dir: string
let rt: ManagedRuntime.ManagedRuntime<Warehouse | RawArchive, unknown>
let wh: WarehouseShape

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-rebuild-"))
  rt = ManagedRuntime.make(
    Layer.mergeAll(layerLocal(join(dir, "warehouse")), layerFileSystem(join(dir, "lake")))
  ) as unknown as typeof rt
  wh = await rt.runPromise(Warehouse)
  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith(".csv")).map((f) => join(SAMPLES, f))
  await rt.runPromise(ingestFiles(files, { registry, mode: "historical", date: "2025-12-02" }))
}, 240_000)
afterAll(async () => {
  await rt?.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe("serving rebuilt from gold", () => {
  it("an interrupted rebuild resumes; the result equals gold; a second run writes nothing", async () => {
    const serving = makeServing()
    const run = <A, E>(e: Effect.Effect<A, E, Warehouse | ServingStore>) =>
      rt.runPromiseExit(e.pipe(Effect.provideService(ServingStore, serving)))

    // 1. crash after the third batch of companies
    const saved: Array<RebuildCheckpoint> = []
    const crashed = await run(
      rebuildServing({
        batchSize: 50,
        checkpoint: (c) =>
          Effect.suspend(() => {
            saved.push(c)
            return saved.length === 3 ? Effect.die(new Error("killed")) : Effect.void
          })
      })
    )
    expect(Exit.isFailure(crashed)).toBe(true)
    const resumeFrom = saved[1]!
    expect(resumeFrom.kind).toBe("company")

    // 2. resume from the last checkpoint that was saved before the crash
    const progress: Array<RebuildProgress> = []
    const resumed = await run(
      rebuildServing({ batchSize: 50, resume: resumeFrom, onProgress: (p) => progress.push(p) })
    )
    if (Exit.isFailure(resumed)) throw new Error(String(resumed.cause))
    const report = resumed.value
    expect(report.resumedPast).toBe(100)
    expect(report.entities.company).toBeGreaterThan(500)
    expect(progress.at(-1)?.step).toBe("top-lists")
    expect(progress.filter((p) => p.step === "company").at(-1)).toMatchObject({
      done: report.entities.company,
      total: report.entities.company
    })

    // 3. serving equals gold for every entity of every kind
    for (const kind of ["company", "city", "state"] as const) {
      const gold = await rt.runPromise(wh.goldTotals(kind))
      expect(gold.length).toBeGreaterThan(0)
      for (const g of gold) {
        const s = await Effect.runPromise(serving.getStats(g.entity_key, g.agency))
        expect(Option.isSome(s), `${g.entity_key} ${g.agency}`).toBe(true)
        const stats = Option.getOrThrow(s)
        expect(stats.violation_count).toBe(g.violation_count)
        expect(stats.penalty_current_total).toBe(moneyFromCents(g.penalty_current_cents))
        if (g.agency === "all") {
          const h = Option.getOrThrow(await Effect.runPromise(serving.getHistory(g.entity_key)))
          expect(h.points.reduce((a, p) => a + p.violation_count, 0)).toBe(g.violation_count)
        }
      }
    }
    // Top-N lists of every scope, as gold ranks them
    for (const scope of ["national", "state:FL", "state:CA"]) {
      for (const by of ["count", "penalties"] as const) {
        const top = Option.getOrThrow(await Effect.runPromise(serving.getTopList(scope, by)))
        const gold = await rt.runPromise(wh.goldTop({ scope, by, agency: "all", limit: 10 }))
        expect(top.entries.map((e) => e.entity_key)).toEqual(gold.map((g) => g.entity_key))
      }
    }
    // search works on what the rebuild indexed
    const hits = await Effect.runPromise(serving.search("mesa airlnes", { limit: 5 }))
    expect(hits.map((h) => h.entity_key)).toContain("COMPANY#mesa-airlines")

    // 4. a second full run writes nothing
    const again = await run(rebuildServing({ batchSize: 500 }))
    if (Exit.isFailure(again)) throw new Error(String(again.cause))
    expect(again.value).toMatchObject({
      statsWritten: 0,
      profilesWritten: 0,
      historiesWritten: 0,
      searchEntriesWritten: 0,
      topListsWritten: 0,
      scoresWritten: 0,
      scoreBoardsWritten: 0
    })

    // 5. offender scores: every company's stored score equals the TypeScript reference over all of silver
    const silver: Array<Violation> = []
    for (const agency of ["osha", "epa", "faa"]) {
      const head = await rt.runPromise(wh.silverHead(agency))
      const rel = await rt.runPromise(wh.bulk!.silverRelation(agency, head))
      silver.push(...(await rt.runPromise(wh.bulk!.readViolations(`SELECT * FROM (${rel})`))))
    }
    const asOf = Option.getOrThrow(await Effect.runPromise(serving.getScore("COMPANY#mesa-airlines"))).as_of
    const reference = scoresOf(silver, { asOf, updatedAt: "x" })
    // the same companies as gold (EPA actions counted once, under the same company)
    expect(reference.length).toBe(report.entities.company)
    for (const r of reference) {
      const stored = Option.getOrThrow(await Effect.runPromise(serving.getScore(r.entity_key)))
      expect({ ...stored, name: r.name, updated_at: "x" }, r.entity_key).toEqual(r)
    }
    const national = Option.getOrThrow(await Effect.runPromise(serving.getScoreBoard("national")))
    const expected = scoreBoardsOf(reference, { limit: 25, asOf, updatedAt: "x" }).find(
      (b) => b.scope === "national"
    )!
    expect(national.entries.map((e) => [e.entity_key, e.total])).toEqual(
      expected.entries.map((e) => [e.entity_key, e.total])
    )
  }, 240_000)
})
