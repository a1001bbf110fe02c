/**
 * The lake of a deployed Lambda, from its environment (shared by the ingest and backfill Lambdas):
 * `VENTUREOS_RAW_BUCKET` (required; `VENTUREOS_RAW_PREFIX` optional key prefix), `VENTUREOS_CATALOG_URI`
 * (default S3 Tables in `AWS_REGION`: `https://s3tables.<region>.amazonaws.com/iceberg`),
 * `VENTUREOS_WAREHOUSE` (the table bucket ARN or the Glue catalog id), `VENTUREOS_CATALOG_SIGNING` (SigV4
 * service, `s3tables` by default or `glue`).
 */

import * as CatalogRest from "@ventureos/iceberg/rest"
import * as FileIOS3 from "@ventureos/iceberg/s3"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Layer } from "effect"

/** A reader of environment variables whose error names the Lambda and the missing variable. */
export const envReader =
  (lambda: string) =>
  (name: string, fallback?: string): string => {
    const v = process.env[name] ?? fallback
    if (v === undefined || v === "")
      throw new Error(`${lambda} Lambda: environment variable ${name} is required`)
    return v
  }

/** The raw archive (S3) and the Lakehouse (DuckDB over the Iceberg REST catalog and S3) of `lambda`. */
export const lakeFromEnv = (lambda: string) => {
  const env = envReader(lambda)
  const region = env("AWS_REGION", "us-east-1")
  const prefix = process.env.VENTUREOS_RAW_PREFIX
  const archive = archiveS3({
    bucket: env("VENTUREOS_RAW_BUCKET"),
    ...(prefix ? { prefix } : {})
  })
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
  return { archive, lakehouse }
}
