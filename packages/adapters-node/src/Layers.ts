import { join, resolve } from "node:path"
import { EntityStore, layerCompanyRollup, layerLocalLake, type Warehouse } from "@ventureos/pipeline"
import type { ServingStore, ServingStoreError } from "@ventureos/serving"
import type { Lakehouse } from "@ventureos/storage"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { type Config, Effect, Layer } from "effect"

/** `$VENTUREOS_HOME`, default `./.ventureos`: every piece of local state lives under it. */
export const ventureosHome = (): string => resolve(process.env.VENTUREOS_HOME ?? ".ventureos")

/** Where things live under the home folder. */
export const paths = (home = ventureosHome()) => ({
  home,
  /** bronze/, rejects/, manifests/ (the local stand-in for the raw S3 bucket; layerLocalLake's layout) */
  lake: join(home, "lake"),
  /** Iceberg filesystem warehouse: silver.*, gold.* (layerLocalLake's layout) */
  warehouse: join(home, "warehouse"),
  normalized: join(home, "normalized"),
  /** the entity map and the operator's overrides (EntityStore.layerFileSystem) */
  entities: join(home, "lake", "entities"),
  /** remembered sha256 of ingested input files (a replay of an unchanged file does not read it again) */
  inputHashes: join(home, "cache", "input-sha256")
})

/** The raw archive (bronze, manifests, rejects, pending serving records) alone: no DuckDB, no catalog. */
export const archiveLayer = (home = ventureosHome()): Layer.Layer<RawArchive> =>
  layerFileSystem(paths(home).lake)

/** The entity map of the lake under the home folder. */
export const entityStoreLayer = (home = ventureosHome()): Layer.Layer<EntityStore> =>
  EntityStore.layerFileSystem(paths(home).entities)

/**
 * The lake without the company rollup of gold reads: for steps that read silver only (the entity update),
 * which then do not load and roll up the entity map first.
 */
export const plainLakeLayer = (
  home = ventureosHome()
): Layer.Layer<RawArchive | Warehouse | Lakehouse | EntityStore> =>
  Layer.merge(layerLocalLake(home), entityStoreLayer(home))

/**
 * Raw archive + Iceberg warehouse + entity map under the home folder: everything ingest needs (no serving
 * store). Company gold reads roll up by company through the entity map (gold stays per name variant).
 */
export const lakeLayer = (
  home = ventureosHome()
): Layer.Layer<RawArchive | Warehouse | Lakehouse | EntityStore> => {
  const base = plainLakeLayer(home)
  // the rolled-up Warehouse wins over the plain one (Layer.merge: the later layer's services win)
  return Layer.merge(base, Layer.orDie(Layer.provide(layerCompanyRollup, base)))
}

/**
 * The serving store: `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` when set (e.g. DynamoDB Local), else an
 * embedded dynalite persisted under the home folder.
 */
export const servingLayer = (
  home = ventureosHome()
): Layer.Layer<ServingStore, ServingStoreError | Config.ConfigError> =>
  // the DynamoDB driver (AWS SDK) is loaded when a command first uses the store, not with the CLI: an ingest
  // without serving work (a historical run, a replay) does not pay its start-up
  Layer.unwrap(
    Effect.map(
      Effect.promise(() => import("@ventureos/serving/dynamodb")),
      (m) => m.ServingStoreDynamo.layerLocal({ home })
    )
  )
