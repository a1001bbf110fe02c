import type { IcebergSchema } from "./Schema"
import { lastColumnId } from "./Schema"
import type { PartitionSpec } from "./Transforms"
import { PARTITION_FIELD_ID_START } from "./Transforms"

/** A snapshot as in metadata JSON (64-bit ids and sequence numbers are bigint). */
export interface Snapshot {
  readonly "snapshot-id": bigint
  readonly "parent-snapshot-id"?: bigint
  readonly "sequence-number": bigint
  readonly "timestamp-ms": number
  readonly "manifest-list": string
  readonly summary: Readonly<Record<string, string>> & { readonly operation: string }
  readonly "schema-id"?: number
}

/** A named reference (branch or tag). */
export interface SnapshotRef {
  readonly "snapshot-id": bigint
  readonly type: "branch" | "tag"
  readonly "max-ref-age-ms"?: number
  readonly "max-snapshot-age-ms"?: number
  readonly "min-snapshots-to-keep"?: number
}

/** Sort order (only the unsorted order is produced here). */
export interface SortOrder {
  readonly "order-id": number
  readonly fields: ReadonlyArray<unknown>
}

/** A field of a sort order (spec: "Sort Orders"). */
export interface SortField {
  readonly transform: string
  readonly "source-id": number
  readonly direction: "asc" | "desc"
  readonly "null-order": "nulls-first" | "nulls-last"
}

/** The unsorted order, id 0: every table has it. */
export const UNSORTED: SortOrder = { "order-id": 0, fields: [] }

/** Table metadata v2, field names exactly as in the JSON file. */
export interface TableMetadata {
  readonly "format-version": 2
  readonly "table-uuid": string
  readonly location: string
  readonly "last-sequence-number": bigint
  readonly "last-updated-ms": number
  readonly "last-column-id": number
  readonly schemas: ReadonlyArray<IcebergSchema>
  readonly "current-schema-id": number
  readonly "partition-specs": ReadonlyArray<PartitionSpec>
  readonly "default-spec-id": number
  readonly "last-partition-id": number
  readonly properties: Readonly<Record<string, string>>
  readonly "current-snapshot-id": bigint
  readonly snapshots: ReadonlyArray<Snapshot>
  readonly "snapshot-log": ReadonlyArray<{ readonly "timestamp-ms": number; readonly "snapshot-id": bigint }>
  readonly "metadata-log": ReadonlyArray<{
    readonly "timestamp-ms": number
    readonly "metadata-file": string
  }>
  readonly "sort-orders": ReadonlyArray<SortOrder>
  readonly "default-sort-order-id": number
  readonly refs: Readonly<Record<string, SnapshotRef>>
  readonly statistics?: ReadonlyArray<unknown>
  readonly "partition-statistics"?: ReadonlyArray<unknown>
}

/** Metadata of a new, empty table. */
export const newTableMetadata = (options: {
  readonly uuid: string
  readonly location: string
  readonly schema: IcebergSchema
  readonly specs: ReadonlyArray<PartitionSpec>
  readonly defaultSpecId?: number
  readonly properties?: Readonly<Record<string, string>>
  /** The default sort order of data files (id > 0), next to the unsorted order 0. */
  readonly sortOrder?: SortOrder
  readonly nowMs: number
}): TableMetadata => ({
  "format-version": 2,
  "table-uuid": options.uuid,
  location: options.location.replace(/\/+$/, ""),
  "last-sequence-number": 0n,
  "last-updated-ms": options.nowMs,
  "last-column-id": lastColumnId(options.schema),
  schemas: [options.schema],
  "current-schema-id": options.schema["schema-id"],
  "partition-specs": options.specs,
  "default-spec-id": options.defaultSpecId ?? options.specs[0]?.["spec-id"] ?? 0,
  "last-partition-id": Math.max(
    PARTITION_FIELD_ID_START - 1,
    ...options.specs.flatMap((s) => s.fields.map((f) => f["field-id"]))
  ),
  properties: options.properties ?? {},
  "current-snapshot-id": -1n,
  snapshots: [],
  "snapshot-log": [],
  "metadata-log": [],
  "sort-orders":
    options.sortOrder === undefined || options.sortOrder["order-id"] === 0
      ? [UNSORTED]
      : [UNSORTED, options.sortOrder],
  "default-sort-order-id": options.sortOrder?.["order-id"] ?? 0,
  refs: {},
  statistics: [],
  "partition-statistics": []
})

/** The current schema. */
export const currentSchema = (m: TableMetadata): IcebergSchema => {
  const s = m.schemas.find((x) => x["schema-id"] === m["current-schema-id"])
  if (s === undefined) throw new Error(`current schema ${m["current-schema-id"]} missing`)
  return s
}

/** A schema by id. */
export const schemaById = (m: TableMetadata, id: number | undefined): IcebergSchema =>
  (id === undefined ? undefined : m.schemas.find((x) => x["schema-id"] === id)) ?? currentSchema(m)

/** The default partition spec. */
export const defaultSpec = (m: TableMetadata): PartitionSpec => {
  const s = m["partition-specs"].find((x) => x["spec-id"] === m["default-spec-id"])
  if (s === undefined) throw new Error(`default spec ${m["default-spec-id"]} missing`)
  return s
}

/** A partition spec by id. */
export const specById = (m: TableMetadata, id: number): PartitionSpec => {
  const s = m["partition-specs"].find((x) => x["spec-id"] === id)
  if (s === undefined) throw new Error(`partition spec ${id} missing`)
  return s
}

/** Snapshot by id. */
export const snapshotById = (m: TableMetadata, id: bigint): Snapshot | undefined =>
  m.snapshots.find((s) => s["snapshot-id"] === id)

/** The current snapshot of `main`, if any. */
export const currentSnapshot = (m: TableMetadata): Snapshot | undefined => {
  const id = m.refs.main?.["snapshot-id"] ?? m["current-snapshot-id"]
  return id < 0n ? undefined : snapshotById(m, id)
}

/** The snapshot that was current at `timestampMs` (from the snapshot log), if any. */
export const snapshotAsOf = (m: TableMetadata, timestampMs: number): Snapshot | undefined => {
  let found: bigint | undefined
  for (const e of m["snapshot-log"]) if (e["timestamp-ms"] <= timestampMs) found = e["snapshot-id"]
  return found === undefined ? undefined : snapshotById(m, found)
}

/** Ancestors of a snapshot (itself first) still present in the metadata. */
export const ancestors = (m: TableMetadata, from: Snapshot | undefined): ReadonlyArray<Snapshot> => {
  const out: Array<Snapshot> = []
  let s = from
  while (s !== undefined) {
    out.push(s)
    const p = s["parent-snapshot-id"]
    s = p === undefined ? undefined : snapshotById(m, p)
  }
  return out
}
