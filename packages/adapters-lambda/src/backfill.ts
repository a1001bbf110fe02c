/**
 * The deployable backfill Lambdas (planner, map worker, committer of the Step Functions Distributed Map in
 * `packages/infra`), configured from the environment exactly as the ingest Lambda (`ingest.ts`):
 * `VENTUREOS_RAW_BUCKET` (+ `VENTUREOS_RAW_PREFIX`), `VENTUREOS_CATALOG_URI`, `VENTUREOS_WAREHOUSE`,
 * `VENTUREOS_CATALOG_SIGNING`. Handlers: `backfill.plan`, `backfill.work`, `backfill.commit`.
 */

import * as CatalogRest from "@ventureos/iceberg/rest"
import * as FileIOS3 from "@ventureos/iceberg/s3"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerIceberg } from "@ventureos/pipeline"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Layer } from "effect"
import { makeBackfillHandlers } from "./BackfillHandler"

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback
  if (v === undefined || v === "")
    throw new Error(`backfill Lambda: environment variable ${name} is required`)
  return v
}

const region = env("AWS_REGION", "us-east-1")
const prefix = process.env.VENTUREOS_RAW_PREFIX

const lakehouse = LakehouseDuckDb.layer({ threads: 2 }).pipe(
  Layer.provide(
    Layer.mergeAll(
      CatalogRest.layer({
        uri: env("VENTUREOS_CATALOG_URI", `https://s3tables.${region}.amazonaws.com/iceberg`),
        warehouse: env("VENTUREOS_WAREHOUSE"),
        sigv4: { service: env("VENTUREOS_CATALOG_SIGNING", "s3tables"), region }
      }),
      FileIOS3.layer({ cacheDir: "/tmp/ventureos-cache" })
    )
  )
)

const handlers = makeBackfillHandlers({
  registry: makeRegistry([oshaPlugin, epaPlugin, faaPlugin]),
  layer: Layer.mergeAll(
    archiveS3({ bucket: env("VENTUREOS_RAW_BUCKET"), ...(prefix ? { prefix } : {}) }),
    Layer.provideMerge(layerIceberg, lakehouse)
  )
})

/** Step Functions task: `{ keys, splitRows? }` → `{ runId, itemsKey, items }`. */
export const plan = handlers.plan
/** Distributed Map item processor: `{ runId, item }` → `{ runId, item, dataFiles, ms }`. */
export const work = handlers.work
/** `{ runId }` → `{ runId, done }`. */
export const commit = handlers.commit
