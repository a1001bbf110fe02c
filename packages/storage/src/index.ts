/**
 * `@ventureos/storage`: the Lakehouse port (Iceberg tables queried with SQL) and its error. The Catalog and
 * FileIO ports with their light layers (filesystem and in-memory catalogs, local FileIO) come from
 * `@ventureos/iceberg` and are re-exported here for existing imports. Heavy drivers sit behind subpaths:
 * `./duckdb` (the Lakehouse over DuckDB), `./archive`, `./archive/s3`; `./s3`, `./iceberg-rest` and
 * `./iceberg` re-export `@ventureos/iceberg/s3`, `/rest` and the library. The serving store is
 * `@ventureos/serving`.
 */
export {
  Catalog,
  CatalogError,
  CatalogFailure,
  CatalogFileSystem,
  type CatalogShape,
  type CreateTableRequest,
  type FileInfo,
  FileIO,
  FileIOError,
  FileIOFailure,
  type FileIOShape,
  fsError,
  type LoadedTable,
  layerLocal,
  layerMemory,
  makeLocal,
  makeMemory,
  rejectionError,
  showTableId,
  type TableIdentifier,
  tableId,
  toFileUri,
  toLocalPath,
  writeFileAtomic
} from "@ventureos/iceberg"
export * from "./Lakehouse"
export * from "./LakehouseError"
