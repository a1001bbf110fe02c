/**
 * `@ventureos/storage/iceberg`: the Iceberg library, kept for existing imports. It lives in
 * `@ventureos/iceberg` (spec, Avro manifests, scans, commits, maintenance, Catalog and FileIO ports);
 * import it from there. `ParquetWriter` (DuckDB) stays internal to `@ventureos/storage/duckdb`.
 */
export * from "@ventureos/iceberg"
