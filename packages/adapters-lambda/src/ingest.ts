/**
 * The deployable ingest Lambda (the original `ventureos-parquet-writer`), configured from the environment:
 *
 * - `VENTUREOS_RAW_BUCKET` (required): the raw archive bucket (`bronze/…`, `rejects/…`, `manifests/…`);
 *   `VENTUREOS_RAW_PREFIX` optional key prefix.
 * - `VENTUREOS_CATALOG_URI`: Iceberg REST catalog; default S3 Tables in `AWS_REGION`
 *   (`https://s3tables.<region>.amazonaws.com/iceberg`).
 * - `VENTUREOS_WAREHOUSE`: the S3 Tables table bucket ARN (or the Glue catalog id).
 * - `VENTUREOS_CATALOG_SIGNING`: SigV4 service name, `s3tables` (default) or `glue`.
 * - `VENTUREOS_TABLE_PREFIX`: the serving tables' name prefix (`<prefix>-Entities`, …; default `VentureOS`),
 *   read with the API's (`ServingStoreDynamo.layerConfig`, also `AWS_ENDPOINT_URL_DYNAMODB`). After each
 *   event the handler finishes the serving work the outbox holds (daily batches).
 *
 * DuckDB's native binding comes from the Lambda layer built by `pnpm package:lambda`.
 */

import * as CatalogRest from "@ventureos/iceberg/rest"
import * as FileIOS3 from "@ventureos/iceberg/s3"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerIceberg } from "@ventureos/pipeline"
import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Layer } from "effect"
import { makeIngestHandler } from "./IngestHandler"

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback
  if (v === undefined || v === "") throw new Error(`ingest Lambda: environment variable ${name} is required`)
  return v
}

const region = env("AWS_REGION", "us-east-1")
const prefix = process.env.VENTUREOS_RAW_PREFIX

const warehouse = layerIceberg.pipe(
  Layer.provide(LakehouseDuckDb.layer({ threads: 2 })),
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

/** Lambda entry point: S3 notifications or EventBridge S3 events, directly or through SQS (partial batch failures). */
export const handler = makeIngestHandler({
  registry: makeRegistry([oshaPlugin, epaPlugin, faaPlugin]),
  layer: Layer.mergeAll(
    archiveS3({ bucket: env("VENTUREOS_RAW_BUCKET"), ...(prefix ? { prefix } : {}) }),
    warehouse
  ),
  serving: ServingStoreDynamo.layerConfig()
})
