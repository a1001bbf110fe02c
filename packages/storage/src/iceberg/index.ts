/**
 * `@ventureos/storage/iceberg`: the Iceberg v2 model (pure spec functions), Avro manifests, scan planning,
 * commits and maintenance over the Catalog and FileIO ports. No DuckDB, no AWS SDK.
 */
export * from "./Avro"
export * from "./ScanSql"
export * from "./SqlText"
export * from "./spec"
export * from "./Table"
