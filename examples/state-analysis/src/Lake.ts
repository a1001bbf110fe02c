import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestFiles, layerLocalLake, type Warehouse } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer } from "effect"

/** Real OSHA (California), EPA (Florida) and FAA rows copied from the repository's samples. */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures")
export const fixtureFiles = (): ReadonlyArray<string> =>
  readdirSync(fixturesDir)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(fixturesDir, f))

export const registry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])

/** A filesystem lake under `home`, in the CLI's layout (`pnpm ventureos` can inspect it). */
export const lakeLayer = (home: string): Layer.Layer<RawArchive | Warehouse | Lakehouse> =>
  layerLocalLake(home)

/** Archive and ingest the bundled files (a fixed archive date: running again replays, writes nothing). */
export const ingestFixtures = Effect.suspend(() =>
  ingestFiles(fixtureFiles(), { registry, mode: "historical", date: "2026-01-02" })
)
