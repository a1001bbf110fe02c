import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestFiles, layerLocal, type Warehouse } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"

/** Real OSHA and FAA rows copied from the repository's samples (see the README for which and why). */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures")
export const fixtureFiles = (): ReadonlyArray<string> =>
  readdirSync(fixturesDir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(fixturesDir, f))

/** The agencies the fixtures need. */
export const registry = makeRegistry([oshaPlugin, faaPlugin])

/**
 * A filesystem lake under `home`: the raw archive in `lake/` (bronze, manifests, rejects) and the Iceberg
 * warehouse in `warehouse/` (silver, gold), read and written through an embedded DuckDB. The same layout as
 * the CLI's `$VENTUREOS_HOME`, so `pnpm ventureos` can inspect it.
 */
export const lakeLayer = (home: string): Layer.Layer<RawArchive | Warehouse | Lakehouse> =>
  Layer.mergeAll(layerFileSystem(join(home, "lake")), layerLocal(join(home, "warehouse")))

/**
 * Archive the fixtures in bronze and ingest them (silver upserts, gold deltas). The archive date is fixed,
 * so a second start finds the completed batches and does nothing (`status: "replayed"`).
 */
export const ingestFixtures = Effect.suspend(() =>
  ingestFiles(fixtureFiles(), { registry, mode: "historical", date: "2026-01-02" })
)
