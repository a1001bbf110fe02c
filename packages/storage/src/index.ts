/**
 * `@ventureos/storage`: ports (Catalog, FileIO, Lakehouse) with their light layers (filesystem catalog,
 * in-memory catalog, local FileIO). Heavy drivers sit behind subpaths: `./duckdb` (the Lakehouse over
 * DuckDB), `./s3` (FileIO on S3), `./iceberg-rest` (REST catalog: S3 Tables, Glue), `./iceberg` (the Iceberg
 * model), `./archive`. The serving store is `@ventureos/serving`.
 */
export * from "./Catalog"
export * as CatalogFileSystem from "./CatalogFileSystem"
export * from "./FileIO"
export * from "./Lakehouse"
export * from "./LakehouseError"
