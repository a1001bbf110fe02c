import { isSafeNumber, parse, stringify } from "lossless-json"
import type { TableMetadata } from "./Metadata"

/** Parse JSON keeping integers beyond 2^53 exact (as bigint); other numbers stay numbers. */
export const parseJsonBigInt = (text: string): unknown =>
  parse(text, null, (value: string) =>
    /^-?\d+$/.test(value) && !isSafeNumber(value) ? BigInt(value) : Number(value)
  )

const MARK = `__bigint_${Math.random().toString(36).slice(2)}__`
const MARKED = new RegExp(`"${MARK}(-?\\d+)"`, "g")

/**
 * Stringify JSON with bigint written as plain JSON numbers (exact). Uses the native serializer with a
 * marker for bigints (fast for large metadata files); falls back to lossless-json for exotic values.
 */
export const stringifyJsonBigInt = (value: unknown, space?: number): string => {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${MARK}${v}` : v), space).replace(
      MARKED,
      "$1"
    )
  } catch {
    const s = stringify(value, null, space)
    if (s === undefined) throw new Error("value is not JSON-serializable")
    return s
  }
}

/** A JSON document that is not valid table metadata. */
export class MetadataFormatError extends Error {}

type Json = Record<string, unknown>
const obj = (v: unknown, what: string): Json => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new MetadataFormatError(`${what}: expected an object`)
  return v as Json
}
const arr = (v: unknown, what: string): ReadonlyArray<unknown> => {
  if (!Array.isArray(v)) throw new MetadataFormatError(`${what}: expected an array`)
  return v
}
const big = (v: unknown, what: string): bigint => {
  if (typeof v === "bigint") return v
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v)
  throw new MetadataFormatError(`${what}: expected an integer`)
}
const num = (v: unknown, what: string): number => {
  if (typeof v === "number") return v
  if (typeof v === "bigint") return Number(v)
  throw new MetadataFormatError(`${what}: expected a number`)
}
const str = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new MetadataFormatError(`${what}: expected a string`)
  return v
}

/** Normalise a parsed snapshot (ids to bigint). */
export const decodeSnapshot = (v: unknown): TableMetadata["snapshots"][number] => {
  const s = obj(v, "snapshot")
  const parent = s["parent-snapshot-id"]
  const summary = obj(s.summary ?? { operation: "append" }, "snapshot summary")
  return {
    "snapshot-id": big(s["snapshot-id"], "snapshot-id"),
    ...(parent === undefined || parent === null
      ? {}
      : { "parent-snapshot-id": big(parent, "parent-snapshot-id") }),
    "sequence-number": big(s["sequence-number"] ?? 0, "sequence-number"),
    "timestamp-ms": num(s["timestamp-ms"], "timestamp-ms"),
    "manifest-list": str(s["manifest-list"], "manifest-list"),
    summary: Object.fromEntries(Object.entries(summary).map(([k, x]) => [k, String(x)])) as {
      operation: string
    },
    ...(s["schema-id"] === undefined ? {} : { "schema-id": num(s["schema-id"], "schema-id") })
  }
}

/** Decode table metadata JSON text (BigInt-safe); throws MetadataFormatError on a malformed document. */
export const decodeTableMetadata = (text: string): TableMetadata => {
  let raw: unknown
  try {
    raw = parseJsonBigInt(text)
  } catch (e) {
    throw new MetadataFormatError(`not valid JSON (${(e as Error).message})`)
  }
  return decodeTableMetadataValue(raw)
}

/** Decode already parsed (BigInt-safe) table metadata JSON. */
export const decodeTableMetadataValue = (raw: unknown): TableMetadata => {
  const m = obj(raw, "table metadata")
  if (num(m["format-version"], "format-version") !== 2)
    throw new MetadataFormatError(`unsupported format-version ${String(m["format-version"])}`)
  const refs = obj(m.refs ?? {}, "refs")
  const current = m["current-snapshot-id"]
  const schemas = arr(m.schemas, "schemas").map((s) => {
    const o = obj(s, "schema")
    arr(o.fields, "schema fields")
    return {
      ...o,
      "schema-id": num(o["schema-id"] ?? 0, "schema-id")
    } as unknown as TableMetadata["schemas"][number]
  })
  const specs = arr(m["partition-specs"], "partition-specs") as TableMetadata["partition-specs"]
  return {
    "format-version": 2,
    "table-uuid": str(m["table-uuid"], "table-uuid"),
    location: str(m.location, "location"),
    "last-sequence-number": big(m["last-sequence-number"] ?? 0, "last-sequence-number"),
    "last-updated-ms": num(m["last-updated-ms"], "last-updated-ms"),
    "last-column-id": num(m["last-column-id"], "last-column-id"),
    schemas,
    "current-schema-id": num(m["current-schema-id"], "current-schema-id"),
    "partition-specs": specs,
    "default-spec-id": num(m["default-spec-id"], "default-spec-id"),
    "last-partition-id": num(m["last-partition-id"], "last-partition-id"),
    properties: Object.fromEntries(
      Object.entries(obj(m.properties ?? {}, "properties")).map(([k, x]) => [k, String(x)])
    ),
    "current-snapshot-id":
      current === undefined || current === null ? -1n : big(current, "current-snapshot-id"),
    snapshots: arr(m.snapshots ?? [], "snapshots").map(decodeSnapshot),
    "snapshot-log": arr(m["snapshot-log"] ?? [], "snapshot-log").map((e) => {
      const o = obj(e, "snapshot-log entry")
      return {
        "timestamp-ms": num(o["timestamp-ms"], "timestamp-ms"),
        "snapshot-id": big(o["snapshot-id"], "snapshot-id")
      }
    }),
    "metadata-log": arr(m["metadata-log"] ?? [], "metadata-log").map((e) => {
      const o = obj(e, "metadata-log entry")
      return {
        "timestamp-ms": num(o["timestamp-ms"], "timestamp-ms"),
        "metadata-file": str(o["metadata-file"], "metadata-file")
      }
    }),
    "sort-orders": arr(
      m["sort-orders"] ?? [{ "order-id": 0, fields: [] }],
      "sort-orders"
    ) as TableMetadata["sort-orders"],
    "default-sort-order-id": num(m["default-sort-order-id"] ?? 0, "default-sort-order-id"),
    refs: Object.fromEntries(
      Object.entries(refs).map(([k, r]) => {
        const o = obj(r, `ref ${k}`)
        return [
          k,
          {
            ...o,
            "snapshot-id": big(o["snapshot-id"], "ref snapshot-id"),
            type: o.type === "tag" ? "tag" : "branch"
          }
        ]
      })
    ) as TableMetadata["refs"],
    statistics: arr(m.statistics ?? [], "statistics"),
    "partition-statistics": arr(m["partition-statistics"] ?? [], "partition-statistics")
  }
}

/** Encode table metadata as JSON text. */
export const encodeTableMetadata = (m: TableMetadata): string => stringifyJsonBigInt(m, 2)
