import { bigintToTwosComplement, type IcebergValue } from "./Conversions"
import { murmur3_32 } from "./Murmur3"
import { decimalParams, type IcebergSchema, type PrimitiveType } from "./Schema"

/** A partition transform, parsed from its spec string (`identity`, `year`, `bucket[16]`, `truncate[4]`...). */
export type Transform =
  | { readonly _tag: "identity" }
  | { readonly _tag: "year" }
  | { readonly _tag: "month" }
  | { readonly _tag: "day" }
  | { readonly _tag: "hour" }
  | { readonly _tag: "bucket"; readonly n: number }
  | { readonly _tag: "truncate"; readonly width: number }
  | { readonly _tag: "void" }

/** Parse a transform string. */
export const parseTransform = (s: string): Transform => {
  const m = /^(bucket|truncate)\[(\d+)\]$/.exec(s)
  if (m) {
    const n = Number(m[2])
    if (!(n > 0)) throw new Error(`invalid transform ${s}`)
    return m[1] === "bucket" ? { _tag: "bucket", n } : { _tag: "truncate", width: n }
  }
  switch (s) {
    case "identity":
    case "year":
    case "month":
    case "day":
    case "hour":
    case "void":
      return { _tag: s }
  }
  throw new Error(`unknown partition transform ${s}`)
}

/** Transform to its spec string. */
export const transformToString = (t: Transform): string =>
  t._tag === "bucket" ? `bucket[${t.n}]` : t._tag === "truncate" ? `truncate[${t.width}]` : t._tag

/** Type of the partition value a transform produces. */
export const transformResultType = (t: Transform, source: PrimitiveType): PrimitiveType => {
  switch (t._tag) {
    case "identity":
    case "truncate":
      return source
    case "day":
      return "date"
    default:
      return "int"
  }
}

const longBytes = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, v), true)
  return b
}

/** Iceberg's 32-bit bucket hash of a value (spec appendix B: ints and dates hash as longs). */
export const bucketHash = (type: PrimitiveType, v: IcebergValue): number => {
  if (decimalParams(type)) return murmur3_32(bigintToTwosComplement(v as bigint))
  switch (type) {
    case "int":
    case "date":
    case "long":
    case "timestamp":
    case "timestamptz":
      return murmur3_32(longBytes(BigInt(v as number | bigint)))
    case "string":
      return murmur3_32(new TextEncoder().encode(v as string))
    case "binary":
      return murmur3_32(v as Uint8Array)
    default:
      throw new Error(`bucket is not defined for ${type}`)
  }
}

const US_PER_DAY = 86_400_000_000n
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}
const daysOf = (type: PrimitiveType, v: IcebergValue): number =>
  type === "date" ? (v as number) : Number(floorDiv(v as bigint, US_PER_DAY))
const civil = (days: number) => {
  const d = new Date(days * 86_400_000)
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() }
}

/** Apply a transform to a (non-null) source value. */
export const applyTransform = (t: Transform, type: PrimitiveType, v: IcebergValue): IcebergValue => {
  switch (t._tag) {
    case "identity":
      return v
    case "void":
      throw new Error("void transform has no value")
    case "year":
      return civil(daysOf(type, v)).y - 1970
    case "month": {
      const c = civil(daysOf(type, v))
      return (c.y - 1970) * 12 + c.m
    }
    case "day":
      return daysOf(type, v)
    case "hour":
      return Number(floorDiv(v as bigint, 3_600_000_000n))
    case "bucket":
      return (bucketHash(type, v) & 0x7fffffff) % t.n
    case "truncate": {
      if (typeof v === "string") return Array.from(v).slice(0, t.width).join("")
      if (typeof v === "bigint") {
        const w = BigInt(t.width)
        return v - (((v % w) + w) % w)
      }
      if (typeof v === "number") return v - (((v % t.width) + t.width) % t.width)
      return v
    }
  }
}

/** One field of a partition spec as in metadata JSON. */
export interface PartitionField {
  readonly "source-id": number
  readonly "field-id": number
  readonly name: string
  readonly transform: string
}

/** A partition spec as in metadata JSON. */
export interface PartitionSpec {
  readonly "spec-id": number
  readonly fields: ReadonlyArray<PartitionField>
}

/** Partition spec field ids start at 1000. */
export const PARTITION_FIELD_ID_START = 1000

/** Build a partition spec from `{ column, transform }` pairs; names follow Iceberg's conventions. */
export const partitionSpec = (
  schema: IcebergSchema,
  fields: ReadonlyArray<{ readonly column: string; readonly transform: string; readonly name?: string }>,
  specId = 0,
  firstFieldId = PARTITION_FIELD_ID_START
): PartitionSpec => ({
  "spec-id": specId,
  fields: fields.map((f, i) => {
    const src = schema.fields.find((x) => x.name === f.column)
    if (src === undefined) throw new Error(`partition source column ${f.column} is not in the schema`)
    const t = parseTransform(f.transform)
    const name =
      f.name ??
      (t._tag === "identity"
        ? f.column
        : t._tag === "bucket"
          ? `${f.column}_bucket_${t.n}`
          : t._tag === "truncate"
            ? `${f.column}_trunc_${t.width}`
            : `${f.column}_${t._tag}`)
    return { "source-id": src.id, "field-id": firstFieldId + i, name, transform: transformToString(t) }
  })
})

/** The unpartitioned spec. */
export const unpartitioned = (specId: number): PartitionSpec => ({ "spec-id": specId, fields: [] })

/** Resolved partition field with types (for manifests, pruning and the writer). */
export interface BoundPartitionField {
  readonly field: PartitionField
  readonly transform: Transform
  readonly sourceName: string
  readonly sourceType: PrimitiveType
  readonly resultType: PrimitiveType
}

/** Bind a spec to a schema. */
export const bindSpec = (spec: PartitionSpec, schema: IcebergSchema): ReadonlyArray<BoundPartitionField> =>
  spec.fields.map((field) => {
    const src = schema.fields.find((x) => x.id === field["source-id"])
    if (src === undefined)
      throw new Error(`partition source field ${field["source-id"]} is not in the schema`)
    const transform = parseTransform(field.transform)
    return {
      field,
      transform,
      sourceName: src.name,
      sourceType: src.type,
      resultType: transformResultType(transform, src.type)
    }
  })

/** DuckDB SQL expression computing a partition value (for `PARTITION_BY` and pruning checks). */
export const transformSql = (b: BoundPartitionField, column: string): string => {
  const c = column
  const days = b.sourceType === "date" ? `(${c} - DATE '1970-01-01')` : `(epoch_us(${c}) // 86400000000)`
  switch (b.transform._tag) {
    case "identity":
      return c
    case "year":
      return `(year(${c}) - 1970)`
    case "month":
      return `((year(${c}) - 1970) * 12 + month(${c}) - 1)`
    case "day":
      return days
    case "hour":
      return `(epoch_us(${c}) // 3600000000)`
    case "truncate": {
      const w = b.transform.width
      return b.sourceType === "string" ? `left(${c}, ${w})` : `(${c} - (((${c} % ${w}) + ${w}) % ${w}))`
    }
    case "bucket": {
      // murmur3 is not a DuckDB builtin: the DuckDB writer registers these as scalar functions
      const n = b.transform.n
      if (b.sourceType === "string") return `__iceberg_bucket_string(${c}, ${n})`
      if (b.sourceType === "int" || b.sourceType === "long")
        return `__iceberg_bucket_long(CAST(${c} AS BIGINT), ${n})`
      if (b.sourceType === "date") return `__iceberg_bucket_long(CAST(${days} AS BIGINT), ${n})`
      if (b.sourceType === "timestamp" || b.sourceType === "timestamptz")
        return `__iceberg_bucket_long(epoch_us(${c}), ${n})`
      throw new Error(`bucket partitioning of ${b.sourceType} columns is not supported by the writer`)
    }
    case "void":
      return "NULL"
  }
}
