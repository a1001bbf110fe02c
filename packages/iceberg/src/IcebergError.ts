import { Schema } from "effect"
import type { CatalogError } from "./Catalog"
import type { FileIOError } from "./FileIO"

/**
 * Why a table operation (scan planning, commit, maintenance) failed. `CommitConflict` = rejected, nothing
 * changed: reload, re-apply, retry. `CommitStateUnknown` = the commit may have landed (timeout, 5xx after
 * send): reconcile (reload, look for the snapshot) before anything else.
 */
export const IcebergFailure = Schema.Literals([
  "NoSuchTable",
  "AlreadyExists",
  "CommitConflict",
  "CommitStateUnknown",
  "InvalidMetadata",
  "MissingFile",
  "CorruptFile",
  "InvalidInput",
  "Io",
  "Unavailable"
])
export type IcebergFailure = typeof IcebergFailure.Type

/** The one error of table operations (`Table.ts`); catalog and FileIO errors are lifted into it. */
export class IcebergError extends Schema.TaggedError<IcebergError>()("IcebergError", {
  reason: IcebergFailure,
  table: Schema.String,
  /** The metadata, manifest or data file involved, when there is one. */
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

/** Lift a catalog error. */
export const fromCatalog = (e: CatalogError): IcebergError =>
  new IcebergError({
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
export const fromFileIO = (table: string, e: FileIOError): IcebergError =>
  new IcebergError({
    reason: e.reason === "NotFound" ? "MissingFile" : e.reason === "Unavailable" ? "Unavailable" : "Io",
    table,
    file: e.path,
    detail: e.detail
  })
