import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestFiles, layerLocalLake, type Warehouse } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer } from "effect"

/** Real OSHA and FAA rows copied from the repository's samples (see the README for which and why). */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures")
export const fixtureFiles = (): ReadonlyArray<string> =>
  readdirSync(fixturesDir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(fixturesDir, f))

/** The agencies the fixtures need. */
export const registry = makeRegistry([oshaPlugin, faaPlugin])

/** A filesystem lake under `home`, in the CLI's layout (`pnpm ventureos` can inspect it). */
export const lakeLayer = (home: string): Layer.Layer<RawArchive | Warehouse | Lakehouse> =>
  layerLocalLake(home)

/**
 * Archive the fixtures in bronze and ingest them (silver upserts, gold deltas). The archive date is fixed,
 * so a second start finds the completed batches and does nothing (`status: "replayed"`).
 */
export const ingestFixtures = Effect.suspend(() =>
  ingestFiles(fixtureFiles(), { registry, mode: "historical", date: "2026-01-02" })
)
