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

import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerIceberg } from "@ventureos/pipeline"
import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"
import { Layer } from "effect"
import { makeIngestHandler } from "./IngestHandler"
import { lakeFromEnv } from "./LakeFromEnv"

const { archive, lakehouse } = lakeFromEnv("ingest")

/** Lambda entry point: S3 notifications or EventBridge S3 events, directly or through SQS (partial batch failures). */
export const handler = makeIngestHandler({
  registry: makeRegistry([oshaPlugin, epaPlugin, faaPlugin]),
  layer: Layer.mergeAll(archive, layerIceberg.pipe(Layer.provide(lakehouse))),
  serving: ServingStoreDynamo.layerConfig()
})
