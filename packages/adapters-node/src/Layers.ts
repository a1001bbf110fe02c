import { join, resolve } from "node:path"
import { layerLocalLake, type Warehouse } from "@ventureos/pipeline"
import type { ServingStore, ServingStoreError } from "@ventureos/serving"
import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import type { Config, Layer } from "effect"

/** `$VENTUREOS_HOME`, default `./.ventureos`: every piece of local state lives under it. */
export const ventureosHome = (): string => resolve(process.env.VENTUREOS_HOME ?? ".ventureos")

/** Where things live under the home folder. */
export const paths = (home = ventureosHome()) => ({
  home,
  /** bronze/, rejects/, manifests/ (the local stand-in for the raw S3 bucket; layerLocalLake's layout) */
  lake: join(home, "lake"),
  /** Iceberg filesystem warehouse: silver.*, gold.* (layerLocalLake's layout) */
  warehouse: join(home, "warehouse"),
  normalized: join(home, "normalized")
})

/** Raw archive + Iceberg warehouse under the home folder: everything ingest needs (no serving store). */
export const lakeLayer = (home = ventureosHome()): Layer.Layer<RawArchive | Warehouse | Lakehouse> =>
  layerLocalLake(home)

/**
 * The serving store: `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` when set (e.g. DynamoDB Local), else an
 * embedded dynalite persisted under the home folder.
 */
export const servingLayer = (
  home = ventureosHome()
): Layer.Layer<ServingStore, ServingStoreError | Config.ConfigError> =>
  ServingStoreDynamo.layerLocal({ home })
