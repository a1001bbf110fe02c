import type { Snapshot, SnapshotRef, SortOrder, TableMetadata } from "./Metadata"
import type { IcebergSchema } from "./Schema"
import { lastColumnId } from "./Schema"
import type { PartitionSpec } from "./Transforms"

/** Preconditions of a commit, named as in the Iceberg REST protocol. */
export type TableRequirement =
  | { readonly type: "assert-create" }
  | { readonly type: "assert-table-uuid"; readonly uuid: string }
  | { readonly type: "assert-ref-snapshot-id"; readonly ref: string; readonly "snapshot-id": bigint | null }
  | { readonly type: "assert-last-assigned-field-id"; readonly "last-assigned-field-id": number }
  | { readonly type: "assert-current-schema-id"; readonly "current-schema-id": number }
  | { readonly type: "assert-last-assigned-partition-id"; readonly "last-assigned-partition-id": number }
  | { readonly type: "assert-default-spec-id"; readonly "default-spec-id": number }
  | { readonly type: "assert-default-sort-order-id"; readonly "default-sort-order-id": number }

/** Metadata changes of a commit, named as in the Iceberg REST protocol. */
export type TableUpdate =
  | { readonly action: "assign-uuid"; readonly uuid: string }
  | { readonly action: "upgrade-format-version"; readonly "format-version": number }
  | { readonly action: "add-schema"; readonly schema: IcebergSchema; readonly "last-column-id"?: number }
  | { readonly action: "set-current-schema"; readonly "schema-id": number }
  | { readonly action: "add-spec"; readonly spec: PartitionSpec }
  | { readonly action: "set-default-spec"; readonly "spec-id": number }
  | { readonly action: "add-sort-order"; readonly "sort-order": SortOrder }
  | { readonly action: "set-default-sort-order"; readonly "sort-order-id": number }
  | { readonly action: "add-snapshot"; readonly snapshot: Snapshot }
  | ({ readonly action: "set-snapshot-ref"; readonly "ref-name": string } & SnapshotRef)
  | { readonly action: "remove-snapshots"; readonly "snapshot-ids": ReadonlyArray<bigint> }
  | { readonly action: "remove-snapshot-ref"; readonly "ref-name": string }
  | { readonly action: "set-location"; readonly location: string }
  | { readonly action: "set-properties"; readonly updates: Readonly<Record<string, string>> }
  | { readonly action: "remove-properties"; readonly removals: ReadonlyArray<string> }

/** A commit as data. */
export interface TableCommit {
  readonly requirements: ReadonlyArray<TableRequirement>
  readonly updates: ReadonlyArray<TableUpdate>
}

/** Why a commit cannot be applied: `conflict` = a requirement no longer holds (reload and retry). */
export type CommitRejection = { readonly _tag: "conflict" | "invalid"; readonly detail: string }

/** Result of applying a commit. */
export type CommitResult =
  | { readonly _tag: "ok"; readonly metadata: TableMetadata }
  | { readonly _tag: "rejected"; readonly rejection: CommitRejection }

/** Check requirements against the base metadata (undefined = the table does not exist yet). */
export const checkRequirements = (
  base: TableMetadata | undefined,
  requirements: ReadonlyArray<TableRequirement>
): CommitRejection | undefined => {
  for (const r of requirements) {
    if (r.type === "assert-create") {
      if (base !== undefined) return { _tag: "conflict", detail: "table already exists" }
      continue
    }
    if (base === undefined) return { _tag: "conflict", detail: `table does not exist (${r.type})` }
    switch (r.type) {
      case "assert-table-uuid":
        if (base["table-uuid"] !== r.uuid)
          return { _tag: "conflict", detail: `table uuid ${base["table-uuid"]} != ${r.uuid}` }
        break
      case "assert-ref-snapshot-id": {
        const cur = base.refs[r.ref]?.["snapshot-id"] ?? null
        if (cur !== r["snapshot-id"])
          return {
            _tag: "conflict",
            detail: `ref ${r.ref} is at ${cur ?? "none"}, expected ${r["snapshot-id"] ?? "none"}`
          }
        break
      }
      case "assert-last-assigned-field-id":
        if (base["last-column-id"] !== r["last-assigned-field-id"])
          return { _tag: "conflict", detail: "last assigned field id changed" }
        break
      case "assert-current-schema-id":
        if (base["current-schema-id"] !== r["current-schema-id"])
          return { _tag: "conflict", detail: "current schema changed" }
        break
      case "assert-last-assigned-partition-id":
        if (base["last-partition-id"] !== r["last-assigned-partition-id"])
          return { _tag: "conflict", detail: "last assigned partition id changed" }
        break
      case "assert-default-spec-id":
        if (base["default-spec-id"] !== r["default-spec-id"])
          return { _tag: "conflict", detail: "default spec changed" }
        break
      case "assert-default-sort-order-id":
        if (base["default-sort-order-id"] !== r["default-sort-order-id"])
          return { _tag: "conflict", detail: "default sort order changed" }
        break
    }
  }
  return undefined
}

class Invalid extends Error {}

const maxBigint = (a: bigint, b: bigint): bigint => (a >= b ? a : b)

const applyUpdate = (m: TableMetadata, u: TableUpdate, lastAdded: { schema?: number }) => {
  switch (u.action) {
    case "assign-uuid":
      if (m["table-uuid"] !== u.uuid) throw new Invalid("cannot reassign table uuid")
      return m
    case "upgrade-format-version":
      if (u["format-version"] !== 2) throw new Invalid(`unsupported format version ${u["format-version"]}`)
      return m
    case "add-schema": {
      if (m.schemas.some((s) => s["schema-id"] === u.schema["schema-id"]))
        throw new Invalid(`schema id ${u.schema["schema-id"]} already exists`)
      lastAdded.schema = u.schema["schema-id"]
      return {
        ...m,
        schemas: [...m.schemas, u.schema],
        "last-column-id": Math.max(m["last-column-id"], u["last-column-id"] ?? 0, lastColumnId(u.schema))
      }
    }
    case "set-current-schema": {
      const id = u["schema-id"] === -1 ? lastAdded.schema : u["schema-id"]
      if (id === undefined || !m.schemas.some((s) => s["schema-id"] === id))
        throw new Invalid(`unknown schema ${u["schema-id"]}`)
      return { ...m, "current-schema-id": id }
    }
    case "add-spec":
      return {
        ...m,
        "partition-specs": [...m["partition-specs"], u.spec],
        "last-partition-id": Math.max(m["last-partition-id"], ...u.spec.fields.map((f) => f["field-id"]))
      }
    case "set-default-spec":
      if (!m["partition-specs"].some((s) => s["spec-id"] === u["spec-id"]))
        throw new Invalid(`unknown spec ${u["spec-id"]}`)
      return { ...m, "default-spec-id": u["spec-id"] }
    case "add-sort-order":
      return { ...m, "sort-orders": [...m["sort-orders"], u["sort-order"]] }
    case "set-default-sort-order":
      return { ...m, "default-sort-order-id": u["sort-order-id"] }
    case "add-snapshot": {
      const s = u.snapshot
      if (m.snapshots.some((x) => x["snapshot-id"] === s["snapshot-id"]))
        throw new Invalid(`snapshot ${s["snapshot-id"]} already exists`)
      if (s["sequence-number"] <= m["last-sequence-number"] && m.snapshots.length > 0)
        throw new Invalid(
          `sequence number ${s["sequence-number"]} is not after last sequence number ${m["last-sequence-number"]}`
        )
      return {
        ...m,
        snapshots: [...m.snapshots, s],
        "last-sequence-number": maxBigint(s["sequence-number"], m["last-sequence-number"])
      }
    }
    case "set-snapshot-ref": {
      const s = m.snapshots.find((x) => x["snapshot-id"] === u["snapshot-id"])
      if (s === undefined) throw new Invalid(`unknown snapshot ${u["snapshot-id"]}`)
      const { action: _a, "ref-name": name, ...ref } = u
      const isMain = name === "main"
      return {
        ...m,
        refs: { ...m.refs, [name]: ref },
        ...(isMain
          ? {
              "current-snapshot-id": u["snapshot-id"],
              "snapshot-log": [
                ...m["snapshot-log"],
                { "timestamp-ms": s["timestamp-ms"], "snapshot-id": u["snapshot-id"] }
              ]
            }
          : {})
      }
    }
    case "remove-snapshots": {
      const drop = new Set(u["snapshot-ids"])
      return {
        ...m,
        snapshots: m.snapshots.filter((s) => !drop.has(s["snapshot-id"])),
        "snapshot-log": m["snapshot-log"].filter((e) => !drop.has(e["snapshot-id"])),
        refs: Object.fromEntries(Object.entries(m.refs).filter(([, r]) => !drop.has(r["snapshot-id"])))
      }
    }
    case "remove-snapshot-ref": {
      const { [u["ref-name"]]: _gone, ...refs } = m.refs
      return { ...m, refs, ...(u["ref-name"] === "main" ? { "current-snapshot-id": -1n } : {}) }
    }
    case "set-location":
      return { ...m, location: u.location }
    case "set-properties":
      return { ...m, properties: { ...m.properties, ...u.updates } }
    case "remove-properties":
      return {
        ...m,
        properties: Object.fromEntries(Object.entries(m.properties).filter(([k]) => !u.removals.includes(k)))
      }
  }
}

/**
 * Apply a commit to the base metadata: check requirements, apply updates in order, record the previous
 * metadata file in the metadata log. Pure: the catalog decides where the result is stored.
 */
export const applyCommit = (
  base: TableMetadata,
  commit: TableCommit,
  options: {
    readonly nowMs: number
    readonly previousMetadataFile?: string
    readonly maxMetadataLog?: number
  }
): CommitResult => {
  const rejected = checkRequirements(base, commit.requirements)
  if (rejected !== undefined) return { _tag: "rejected", rejection: rejected }
  try {
    const lastAdded: { schema?: number } = {}
    let m = base
    for (const u of commit.updates) m = applyUpdate(m, u, lastAdded)
    const log =
      options.previousMetadataFile === undefined
        ? m["metadata-log"]
        : [
            ...m["metadata-log"],
            { "timestamp-ms": base["last-updated-ms"], "metadata-file": options.previousMetadataFile }
          ].slice(-(options.maxMetadataLog ?? 100))
    return {
      _tag: "ok",
      metadata: {
        ...m,
        "metadata-log": log,
        "last-updated-ms": Math.max(options.nowMs, base["last-updated-ms"])
      }
    }
  } catch (e) {
    if (e instanceof Invalid) return { _tag: "rejected", rejection: { _tag: "invalid", detail: e.message } }
    throw e
  }
}
