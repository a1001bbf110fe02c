import { KnownAgencies, type Violation, violationColumnList } from "@ventureos/core"
import {
  type ColumnSpec,
  type CommitOutcome,
  type DataFile,
  type IcebergSchema,
  type LoadedTable,
  microsToTimestamp,
  type Predicate,
  type PrimitiveType,
  type ScanOptions,
  type ScanPlan,
  type Snapshot,
  type SourceRef,
  timestampToMicros
} from "@ventureos/iceberg"
import { Context, type Effect } from "effect"
import type { LakehouseError } from "./LakehouseError"

export type { CommitOutcome, Predicate, ScanOptions, ScanPlan, SourceRef }

/** A table's shape: columns (with stable field ids), partitioning and the upsert key. */
export interface TableDefinition {
  readonly columns: ReadonlyArray<ColumnSpec>
  /** Partition fields, e.g. `{ column: "agency", transform: "identity" }`, `{ column: "event_date", transform: "year" }`. */
  readonly partitionBy?: ReadonlyArray<{ readonly column: string; readonly transform: string }>
  /** Identifier (upsert key) columns; required for `mode: "upsert"` and `deleteKeys`. */
  readonly identifier?: ReadonlyArray<string>
  /**
   * Columns data files are written sorted by (ascending), recorded as the table's default Iceberg sort order.
   * Sorted row groups have narrow min/max statistics, so a lookup of a few keys skips the rest of a file.
   */
  readonly sortBy?: ReadonlyArray<string>
  readonly properties?: Readonly<Record<string, string>>
}

/**
 * Silver tables: one per agency so agencies' writers never contend. Partitioned by identity(agency) and
 * year(event_date): an agency publishes ~10^5 violations a year, so a year holds well-sized files where a
 * month would mostly produce small ones; queries filter by year ranges far more than by month.
 */
export const silverDefinition: TableDefinition = {
  columns: violationColumnList,
  partitionBy: [
    { column: "agency", transform: "identity" },
    { column: "event_date", transform: "year" }
  ],
  identifier: ["violation_id"],
  // a daily file's classification looks up its ~10k ids among millions: sorted files let it skip row groups
  sortBy: ["violation_id"]
}

/** `silver.<agency>` for the known agencies. */
export const silverTableNames: ReadonlyArray<string> = KnownAgencies.map((a) => `silver.${a}`)

/** A batch of rows: an array, or an async stream of arrays written as one commit. */
export type Rows =
  | ReadonlyArray<Readonly<Record<string, unknown>>>
  | AsyncIterable<ReadonlyArray<Readonly<Record<string, unknown>>>>

/** How a batch is written. */
export interface WriteOptions {
  /** `upsert` replaces rows with the same identifier (equality deletes); `append` just adds. Default append. */
  /**
   * `overwrite` atomically replaces the table's whole content with the rows (one "overwrite" snapshot that
   * removes every live data and delete file): used for gold checkpoints.
   */
  readonly mode?: "append" | "upsert" | "overwrite"
  /** Exactly-once: the same source committed again is a no-op. */
  readonly source?: SourceRef
  /** Fail with CommitConflict unless the table head is still this snapshot (null = empty table). */
  readonly expectedParent?: bigint | null
  /**
   * Upsert only (`writeQuery`): SQL selecting the identifier values whose earlier versions this write
   * replaces. Default: every written row. A caller that knows which rows are new (most of a backfill) passes
   * only the replaced keys, so readers do not have to apply an equality delete per inserted row.
   */
  readonly replacedKeysSql?: string
}

/** The lakehouse: Iceberg tables written and read through DuckDB. */
export interface LakehouseShape {
  /** Create a table (`namespace.name`); fails with AlreadyExists. */
  readonly createTable: (name: string, def: TableDefinition) => Effect.Effect<LoadedTable, LakehouseError>
  /** Create the table if it does not exist, else load it. */
  readonly ensureTable: (name: string, def: TableDefinition) => Effect.Effect<LoadedTable, LakehouseError>
  /** `silver.osha`, `silver.epa`, `silver.faa`. */
  readonly ensureSilverTables: Effect.Effect<ReadonlyArray<LoadedTable>, LakehouseError>
  readonly loadTable: (name: string) => Effect.Effect<LoadedTable, LakehouseError>
  /** Write rows (JS objects; JSON columns may be objects) as one snapshot. */
  readonly write: (
    name: string,
    rows: Rows,
    options?: WriteOptions
  ) => Effect.Effect<CommitOutcome, LakehouseError>
  /** Write the result of a SQL query run on the lakehouse's DuckDB as one snapshot. */
  readonly writeQuery: (
    name: string,
    sql: string,
    options?: WriteOptions
  ) => Effect.Effect<CommitOutcome, LakehouseError>
  /**
   * Write the result of a SQL query as data files in the table's location WITHOUT committing them (invisible
   * until `commitFiles` lists them; a writer that dies leaves only orphans that `removeOrphanFiles` sweeps).
   * With `replacedKeysSql`, also equality delete files for the identifier values the rows replace. Used by a
   * distributed backfill's workers, whose files one committer commits together.
   */
  readonly writeDataFiles: (
    name: string,
    sql: string,
    options?: { readonly replacedKeysSql?: string }
  ) => Effect.Effect<
    { readonly data: ReadonlyArray<DataFile>; readonly deletes: ReadonlyArray<DataFile> },
    LakehouseError
  >
  /**
   * Commit data files (and equality delete files) written earlier, by this or other processes, as ONE snapshot:
   * exactly once per `source` (a source already committed returns AlreadyCommitted), on top of
   * `expectedParent` when given (CommitConflict if the head moved; catalog races are retried), with extra
   * snapshot summary properties. No files: NoChange.
   */
  readonly commitFiles: (
    name: string,
    files: { readonly data: ReadonlyArray<DataFile>; readonly deletes: ReadonlyArray<DataFile> },
    options?: {
      readonly source?: SourceRef
      readonly expectedParent?: bigint | null
      readonly summary?: Readonly<Record<string, string>>
    }
  ) => Effect.Effect<CommitOutcome, LakehouseError>
  /**
   * Upsert silver records: routed to `silver.<agency>`, one snapshot per agency table, each exactly once per
   * source. Creates missing silver tables.
   */
  readonly writeViolations: (
    records: ReadonlyArray<Violation>,
    options: { readonly source?: SourceRef }
  ) => Effect.Effect<ReadonlyMap<string, CommitOutcome>, LakehouseError>
  /** Delete rows by identifier values (equality deletes). */
  readonly deleteKeys: (
    name: string,
    keys: ReadonlyArray<Readonly<Record<string, unknown>>>,
    options?: Omit<WriteOptions, "mode">
  ) => Effect.Effect<CommitOutcome, LakehouseError>
  /** Plan a scan of the current, a given or a past snapshot, with partition and min/max pruning. */
  readonly plan: (name: string, options?: ScanOptions) => Effect.Effect<ScanPlan, LakehouseError>
  /** SQL (a SELECT) reading a table at a snapshot; use it as a subquery. */
  readonly scanSql: (name: string, options?: ScanOptions) => Effect.Effect<string, LakehouseError>
  /** Run SQL on the lakehouse DuckDB (views from `refreshViews` are visible); values as JSON-safe JS. */
  readonly query: (sql: string) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, LakehouseError>
  /**
   * Run SQL for people and JSON consumers: numeric columns come back as JSON numbers, except big integers
   * and decimals with more than 15 significant digits, which stay strings (a number would lose precision).
   */
  readonly queryJson: (sql: string) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, LakehouseError>
  /** (Re)define `silver.*`, `silver.violations` and `gold.*` views over the current snapshots. */
  readonly refreshViews: Effect.Effect<ReadonlyArray<string>, LakehouseError>
  /** The snapshot a source landed in. */
  readonly findSource: (
    name: string,
    source: SourceRef
  ) => Effect.Effect<Snapshot | undefined, LakehouseError>
  readonly history: (name: string) => Effect.Effect<ReadonlyArray<Snapshot>, LakehouseError>
  /** Set table properties (e.g. the format version of its rows); other properties are kept. */
  readonly setProperties: (
    name: string,
    updates: Readonly<Record<string, string>>
  ) => Effect.Effect<LoadedTable, LakehouseError>
  /** Schema evolution: add an optional column under a new field id. */
  readonly addColumn: (
    name: string,
    column: { readonly name: string; readonly type: PrimitiveType; readonly doc?: string }
  ) => Effect.Effect<LoadedTable, LakehouseError>
  readonly expireSnapshots: (
    name: string,
    options: { readonly olderThanMs?: number; readonly retainLast?: number }
  ) => Effect.Effect<{ readonly expiredSnapshots: number; readonly deletedFiles: number }, LakehouseError>
  readonly removeOrphanFiles: (
    name: string,
    options: { readonly olderThanMs: number }
  ) => Effect.Effect<{ readonly deleted: ReadonlyArray<string> }, LakehouseError>
  /** Rewrite small files (and apply delete files) into files of the target size. */
  readonly compact: (
    name: string,
    options?: { readonly targetFileSizeBytes?: number; readonly minInputFiles?: number }
  ) => Effect.Effect<CommitOutcome, LakehouseError>
}

/** The lakehouse port. Implementation: `@ventureos/storage/duckdb` (`LakehouseDuckDb.layer`). */
export class Lakehouse extends Context.Service<Lakehouse, LakehouseShape>()("@ventureos/storage/Lakehouse") {}

/** DuckDB's timestamptz text (`2026-11-28 00:00:00+00`) as ISO-8601 UTC (`2026-11-28T00:00:00.000Z`). */
export const isoTimestampOf = (v: unknown): string | null => {
  if (v === null || v === undefined) return null
  const us = timestampToMicros(String(v))
  const iso = microsToTimestamp(us)
  return us % 1000n === 0n ? `${iso.slice(0, 23)}Z` : iso
}

/**
 * A row from `query` (DuckDB JSON values) in the shape of the table's records: `long` as bigint,
 * `timestamptz` as ISO-8601 UTC, `int` as number; decimals and dates stay strings (`"900.00"`, `"2014-03-01"`).
 */
export const rowFromQuery = (
  schema: IcebergSchema,
  row: Readonly<Record<string, unknown>>
): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...row }
  for (const f of schema.fields) {
    const v = row[f.name]
    if (v === null || v === undefined) {
      out[f.name] = null
      continue
    }
    if (f.type === "long") out[f.name] = BigInt(v as string)
    else if (f.type === "int") out[f.name] = Number(v)
    else if (f.type === "timestamptz" || f.type === "timestamp") out[f.name] = isoTimestampOf(v)
  }
  return out
}

/** A silver row from `query` as an (undecoded) Violation: JSON details parsed, source_row a number. */
export const violationFromQuery = (row: Readonly<Record<string, unknown>>): Record<string, unknown> => ({
  ...row,
  source_row: row.source_row === null || row.source_row === undefined ? null : Number(row.source_row),
  ingested_at: isoTimestampOf(row.ingested_at),
  violation_details:
    typeof row.violation_details === "string"
      ? JSON.parse(row.violation_details)
      : (row.violation_details ?? null)
})
