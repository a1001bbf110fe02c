import { randomUUID } from "node:crypto"
import { Context, Effect, Layer, Schema } from "effect"
import { applyCommit, type TableCommit } from "./spec/Commit"
import { newTableMetadata, type SortOrder, type TableMetadata } from "./spec/Metadata"
import type { IcebergSchema } from "./spec/Schema"
import type { PartitionSpec } from "./spec/Transforms"

/**
 * Why a catalog operation failed. `CommitConflict` = the commit was rejected and nothing changed: reload,
 * re-apply, retry. `CommitStateUnknown` = the commit may or may not have landed (timeout, 5xx after send):
 * reload and check before doing anything else.
 */
export const CatalogFailure = Schema.Literals([
  "NoSuchTable",
  "NoSuchNamespace",
  "AlreadyExists",
  "CommitConflict",
  "CommitStateUnknown",
  "InvalidMetadata",
  "InvalidRequest",
  "Unauthorized",
  "Io",
  "Unavailable"
])
export type CatalogFailure = typeof CatalogFailure.Type

/** The one error of the Catalog port. */
export class CatalogError extends Schema.TaggedError<CatalogError>()("CatalogError", {
  reason: CatalogFailure,
  table: Schema.String,
  /** The file or URL involved, when there is one (corrupt metadata, missing manifest...). */
  file: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  /** Conflicts and transient failures are retried; an unknown commit state must be reconciled first. */
  get isRetryable(): boolean {
    return this.reason === "CommitConflict" || this.reason === "Unavailable"
  }
  override get message(): string {
    return `${this.table}: ${this.reason}${this.file === undefined ? "" : ` (${this.file})`}: ${this.detail}`
  }
}

/** `namespace.name` of a table. */
export interface TableIdentifier {
  readonly namespace: ReadonlyArray<string>
  readonly name: string
}

/** Parse `silver.osha` into an identifier. */
export const tableId = (s: string): TableIdentifier => {
  const parts = s.split(".")
  const name = parts.pop()
  if (name === undefined || name === "" || parts.length === 0)
    throw new Error(`not a namespace.table name: ${s}`)
  return { namespace: parts, name }
}

/** `silver.osha` */
export const showTableId = (id: TableIdentifier): string => [...id.namespace, id.name].join(".")

/** A table as loaded from the catalog. */
export interface LoadedTable {
  readonly identifier: TableIdentifier
  readonly metadataLocation: string
  readonly metadata: TableMetadata
}

/** What is needed to create a table. */
export interface CreateTableRequest {
  readonly schema: IcebergSchema
  /** Partition specs; the first is the default. */
  readonly specs: ReadonlyArray<PartitionSpec>
  readonly properties?: Readonly<Record<string, string>>
  readonly location?: string
  /** Default sort order of the table's data files (none: unsorted). */
  readonly sortOrder?: SortOrder
}

/** Iceberg catalog port: load tables and commit metadata changes atomically. */
export interface CatalogShape {
  readonly createTable: (
    id: TableIdentifier,
    req: CreateTableRequest
  ) => Effect.Effect<LoadedTable, CatalogError>
  readonly loadTable: (id: TableIdentifier) => Effect.Effect<LoadedTable, CatalogError>
  readonly tableExists: (id: TableIdentifier) => Effect.Effect<boolean, CatalogError>
  /** Atomically apply requirements + updates; fails with CommitConflict if a requirement no longer holds. */
  readonly commitTable: (id: TableIdentifier, commit: TableCommit) => Effect.Effect<LoadedTable, CatalogError>
  readonly listTables: (
    namespace: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<TableIdentifier>, CatalogError>
  readonly dropTable: (id: TableIdentifier) => Effect.Effect<void, CatalogError>
  /** Default location of a new table. */
  readonly defaultLocation: (id: TableIdentifier) => string
}

/** Iceberg catalog port. */
export class Catalog extends Context.Service<Catalog, CatalogShape>()("@ventureos/iceberg/Catalog") {}

/** Commit rejection -> CatalogError. */
export const rejectionError = (
  id: TableIdentifier,
  r: { readonly _tag: "conflict" | "invalid"; readonly detail: string }
): CatalogError =>
  new CatalogError({
    reason: r._tag === "conflict" ? "CommitConflict" : "InvalidRequest",
    table: showTableId(id),
    detail: r.detail
  })

/**
 * In-memory catalog (metadata kept in a Map; data and manifest files still go through FileIO under
 * `warehouse`). For tests and ephemeral runs.
 */
export const makeMemory = (warehouse: string): CatalogShape => {
  const tables = new Map<string, LoadedTable>()
  const key = (id: TableIdentifier) => showTableId(id)
  const defaultLocation = (id: TableIdentifier) =>
    `${warehouse.replace(/\/+$/, "")}/${[...id.namespace, id.name].join("/")}`
  const noSuch = (id: TableIdentifier) =>
    new CatalogError({ reason: "NoSuchTable", table: key(id), detail: "table does not exist" })
  return {
    defaultLocation,
    createTable: (id, req) =>
      Effect.suspend(() => {
        if (tables.has(key(id)))
          return Effect.fail(
            new CatalogError({ reason: "AlreadyExists", table: key(id), detail: "table exists" })
          )
        const metadata = newTableMetadata({
          uuid: randomUUID(),
          location: req.location ?? defaultLocation(id),
          schema: req.schema,
          specs: req.specs,
          ...(req.properties === undefined ? {} : { properties: req.properties }),
          ...(req.sortOrder === undefined ? {} : { sortOrder: req.sortOrder }),
          nowMs: Date.now()
        })
        const t = { identifier: id, metadata, metadataLocation: `memory:${key(id)}/v1` }
        tables.set(key(id), t)
        return Effect.succeed(t)
      }),
    loadTable: (id) =>
      Effect.suspend(() => {
        const t = tables.get(key(id))
        return t === undefined ? Effect.fail(noSuch(id)) : Effect.succeed(t)
      }),
    tableExists: (id) => Effect.sync(() => tables.has(key(id))),
    commitTable: (id, commit) =>
      Effect.suspend(() => {
        const t = tables.get(key(id))
        if (t === undefined) return Effect.fail(noSuch(id))
        const r = applyCommit(t.metadata, commit, {
          nowMs: Date.now(),
          previousMetadataFile: t.metadataLocation
        })
        if (r._tag === "rejected") return Effect.fail(rejectionError(id, r.rejection))
        const n = Number(t.metadataLocation.split("/v").pop()) + 1
        const next = { identifier: id, metadata: r.metadata, metadataLocation: `memory:${key(id)}/v${n}` }
        tables.set(key(id), next)
        return Effect.succeed(next)
      }),
    listTables: (ns) =>
      Effect.sync(() =>
        [...tables.values()].map((t) => t.identifier).filter((i) => i.namespace.join(".") === ns.join("."))
      ),
    dropTable: (id) => Effect.sync(() => void tables.delete(key(id)))
  }
}

/** In-memory catalog layer. */
export const layerMemory = (warehouse: string): Layer.Layer<Catalog> =>
  Layer.sync(Catalog, () => makeMemory(warehouse))
