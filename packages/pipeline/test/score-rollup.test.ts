import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { emptyMap, resolve } from "@ventureos/entities"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { makeMemory as makeServing, ServingStore } from "@ventureos/serving"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { companyScoreKey, variantsFromRecords } from "../src/Entities"
import type { BatchResult } from "../src/Ingest"
import { ingestFiles } from "../src/IngestFiles"
import { syncServing } from "../src/SyncServing"
import type { Warehouse } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"

const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-score-rollup-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the daily serving sync scores merged names under their company", () => {
  it("a batch touching only a merged-away name rewrites its company's score, and none under the old key", async () => {
    const serving = makeServing()
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "lake")),
      // a custom company mapping needs SQL: the Iceberg warehouse
      layerLocal(join(dir, "warehouse")),
      Layer.succeed(ServingStore, serving)
    )
    const run = <A, E>(e: Effect.Effect<A, E, Warehouse | ServingStore | RawArchive>) =>
      Effect.runPromise(e.pipe(Effect.provide(layer)))
    const daily = await run(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }))
    const records = daily.flatMap((r) => (r.status === "ingested" ? r.changed : []))
    // two real companies of the sample, the second merged into the first by an operator
    const slugs = [...new Set(records.map((r) => r.company_slug as string))].sort()
    expect(slugs.length).toBeGreaterThanOrEqual(2)
    const [into, from] = [slugs[0]!, slugs[1]!]
    const { map } = resolve(emptyMap(), variantsFromRecords(records), [
      { version: 1, at: "2026-01-01T00:00:00Z", override: { op: "merge", from, into } }
    ])
    const scoreKey = companyScoreKey(map)
    const company = scoreKey.ofEntity(`COMPANY#${into}`)
    expect(scoreKey.ofEntity(`COMPANY#${from}`)).toBe(company)
    // only the merged-away name's records changed in this batch
    const onlyFrom: Array<BatchResult> = daily.map((r) =>
      r.status !== "ingested"
        ? r
        : {
            ...r,
            changed: r.changed.filter((v) => v.company_slug === from),
            previous: [],
            touched: { company: [`COMPANY#${from}`], city: [], state: [] }
          }
    )
    const rep = await run(syncServing(onlyFrom, { scoreKey }))
    expect(rep.scoresWritten).toBe(1)
    const score = Option.getOrThrow(await Effect.runPromise(serving.getScore(company)))
    expect(score.entity_key).toBe(company)
    expect(Option.isNone(await Effect.runPromise(serving.getScore(`COMPANY#${from}`)))).toBe(true)
  })
})
