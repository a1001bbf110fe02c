/**
 * `@ventureos/iceberg`: Apache Iceberg v2 tables from TypeScript. The spec as pure data + functions
 * (schemas, partition transforms, manifests, metadata, commits as data), Avro manifest files, table
 * operations (scan planning with pruning, append/upsert/overwrite commits with retries and exactly-once
 * sources, snapshot expiry, orphan removal) over two ports: `Catalog` (in-memory, filesystem; REST in
 * `./rest`) and `FileIO` (local files; S3 in `./s3`). Data files come from any Parquet writer, with their
 * statistics, as `DataFile`s. No DuckDB, no AWS SDK here.
 */
export * from "./Avro"
export * from "./Catalog"
export * as CatalogFileSystem from "./CatalogFileSystem"
export * from "./DataFileJson"
export * from "./FileIO"
export * from "./IcebergError"
export * from "./ScanSql"
export * from "./SqlText"
export * from "./spec"
export * from "./Table"
