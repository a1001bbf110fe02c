import type { CatalogError, FileIOError, IcebergError } from "@ventureos/iceberg"
import { Schema } from "effect"

/** Why a lakehouse (Iceberg table) operation failed. */
export const LakehouseFailure = Schema.Literals([
  "NoSuchTable",
  "AlreadyExists",
  "CommitConflict",
  "CommitStateUnknown",
  "InvalidMetadata",
  "MissingFile",
  "CorruptFile",
  "InvalidInput",
  "Io",
  "Unavailable",
  "Query"
])
export type LakehouseFailure = typeof LakehouseFailure.Type

/** The one error of the Lakehouse port (table writes, scans, maintenance). */
export class LakehouseError extends Schema.TaggedError<LakehouseError>()("LakehouseError", {
  reason: LakehouseFailure,
  table: Schema.String,
  file: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  /** Conflicts and transient failures may be retried; an unknown commit state is reconciled, never blindly retried. */
  get isRetryable(): boolean {
    return this.reason === "CommitConflict" || this.reason === "Unavailable"
  }
  override get message(): string {
    return `${this.table}: ${this.reason}${this.file === undefined ? "" : ` (${this.file})`}: ${this.detail}`
  }
}

/** Lift an error of the Iceberg library's table operations: same reason, table, file and message. */
export const fromIceberg = (e: IcebergError): LakehouseError =>
  new LakehouseError({
    reason: e.reason,
    table: e.table,
    detail: e.detail,
    ...(e.file === undefined ? {} : { file: e.file })
  })

/** Lift a catalog error. */
export const fromCatalog = (e: CatalogError): LakehouseError =>
  new LakehouseError({
    reason:
      e.reason === "NoSuchNamespace"
        ? "NoSuchTable"
        : e.reason === "InvalidRequest" || e.reason === "Unauthorized"
          ? "InvalidInput"
          : e.reason,
    table: e.table,
    detail: e.detail,
    ...(e.file === undefined ? {} : { file: e.file })
  })

/** Lift a FileIO error. */
export const fromFileIO = (table: string, e: FileIOError): LakehouseError =>
  new LakehouseError({
    reason: e.reason === "NotFound" ? "MissingFile" : e.reason === "Unavailable" ? "Unavailable" : "Io",
    table,
    file: e.path,
    detail: e.detail
  })
