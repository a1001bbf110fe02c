import { inflateRawSync } from "node:zlib"
import avro from "avsc"
import { bigintToTwosComplement, type IcebergValue, twosComplementToBigint } from "./spec/Conversions"
import type {
  DataFile,
  EntryStatus,
  FieldSummary,
  FileContent,
  ManifestEntry,
  ManifestFile
} from "./spec/Manifest"
import { decimalParams, type IcebergSchema, type PrimitiveType } from "./spec/Schema"
import type { BoundPartitionField, PartitionSpec } from "./spec/Transforms"

/**
 * Avro object container files for manifests and manifest lists. The container framing is written here so
 * that the header carries the RAW JSON schema (with `field-id`, `element-id`, `key-id`/`value-id` and
 * `logicalType` attributes); avsc `Type`s (with a BigInt long) only encode/decode the record values.
 */

type Json = Record<string, unknown>

/** avsc long that reads and writes JS bigint (ids beyond 2^53 must stay exact). */
const bigLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigInt64LE(BigInt(n))
    return b
  },
  fromJSON: (x: unknown) => BigInt(x as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === "bigint",
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)
})

const typeHook = (schema: unknown): avro.Type | undefined =>
  schema === "long" ||
  (typeof schema === "object" &&
    schema !== null &&
    (schema as Json).type === "long" &&
    !("logicalType" in schema))
    ? bigLong
    : undefined

const compile = (schema: unknown): avro.Type =>
  avro.Type.forSchema(schema as avro.Schema, { typeHook: typeHook as never, wrapUnions: false })

const HEADER = avro.Type.forSchema({
  type: "record",
  name: "org.apache.avro.file.Header",
  fields: [
    { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
    { name: "meta", type: { type: "map", values: "bytes" } },
    { name: "sync", type: { type: "fixed", name: "Sync", size: 16 } }
  ]
} as avro.Schema)
const LONG = avro.Type.forSchema("long")
const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01])

/** Write an Avro object container file (codec null) with the raw schema in its header. */
export const writeContainer = (
  schema: Json,
  records: ReadonlyArray<unknown>,
  metadata: Readonly<Record<string, string>>
): Uint8Array => {
  const type = compile(schema)
  const meta: Record<string, Buffer> = {
    "avro.schema": Buffer.from(JSON.stringify(schema)),
    "avro.codec": Buffer.from("null")
  }
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v)
  const sync = Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
  const header = HEADER.toBuffer({ magic: MAGIC, meta, sync })
  const parts: Array<Buffer> = [header]
  if (records.length > 0) {
    const body = Buffer.concat(records.map((r) => type.toBuffer(r)))
    parts.push(LONG.toBuffer(records.length), LONG.toBuffer(body.length), body, sync)
  }
  return Buffer.concat(parts)
}

/** Read an Avro object container file: header metadata, raw schema and decoded records. */
export const readContainer = (
  bytes: Uint8Array
): {
  readonly metadata: Record<string, string>
  readonly schema: Json
  readonly records: ReadonlyArray<Json>
} => {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC))
    throw new Error("not an Avro object container file")
  const h = HEADER.decode(buf, 0)
  if (h.offset < 0) throw new Error("truncated Avro header")
  const metaRaw = (h.value as { meta: Record<string, Buffer> }).meta
  const sync = (h.value as { sync: Buffer }).sync
  const metadata = Object.fromEntries(Object.entries(metaRaw).map(([k, v]) => [k, v.toString("utf8")]))
  const codec = metadata["avro.codec"] ?? "null"
  if (codec !== "null" && codec !== "deflate") throw new Error(`unsupported Avro codec ${codec}`)
  const schema = JSON.parse(metadata["avro.schema"] ?? "null") as Json
  const type = compile(schema)
  const records: Array<Json> = []
  let pos = h.offset
  while (pos < buf.length) {
    const c = LONG.decode(buf, pos)
    const s = LONG.decode(buf, c.offset)
    if (c.offset < 0 || s.offset < 0) throw new Error("truncated Avro block header")
    const end = s.offset + (s.value as number)
    if (end + 16 > buf.length) throw new Error("truncated Avro block")
    let block = buf.subarray(s.offset, end)
    if (codec === "deflate") block = inflateRawSync(block)
    let p = 0
    for (let i = 0; i < (c.value as number); i++) {
      const r = type.decode(block, p)
      if (r.offset < 0) throw new Error("corrupt Avro record")
      records.push(r.value as Json)
      p = r.offset
    }
    if (!buf.subarray(end, end + 16).equals(sync)) throw new Error("Avro sync marker mismatch")
    pos = end + 16
  }
  return { metadata, schema, records }
}

// ---------------------------------------------------------------------------------------------------------
// Schemas (iceberg spec "Manifests" and "Manifest Lists", v2)

const opt = (type: unknown) => ["null", type]
const mapOf = (name: string, keyId: number, valueId: number, value: unknown) => ({
  type: "array",
  logicalType: "map",
  items: {
    type: "record",
    name,
    fields: [
      { name: "key", type: "int", "field-id": keyId },
      { name: "value", type: value, "field-id": valueId }
    ]
  }
})

const avroTypeOf = (t: PrimitiveType, name: string): unknown => {
  const d = decimalParams(t)
  if (d)
    return {
      type: "fixed",
      name,
      size: decimalBytes(d.precision),
      logicalType: "decimal",
      precision: d.precision,
      scale: d.scale
    }
  switch (t) {
    case "boolean":
    case "int":
    case "long":
    case "float":
    case "double":
    case "string":
      return t
    case "date":
      return { type: "int", logicalType: "date" }
    case "timestamp":
      return { type: "long", logicalType: "timestamp-micros", "adjust-to-utc": false }
    case "timestamptz":
      return { type: "long", logicalType: "timestamp-micros", "adjust-to-utc": true }
    default:
      return "bytes"
  }
}

const decimalBytes = (precision: number): number => {
  let n = 1
  while (10 ** precision > 2 ** (8 * n - 1)) n++
  return n
}

/** Avro schema of `manifest_entry` for a partition spec. */
export const manifestEntrySchema = (fields: ReadonlyArray<BoundPartitionField>): Json => ({
  type: "record",
  name: "manifest_entry",
  fields: [
    { name: "status", type: "int", "field-id": 0 },
    { name: "snapshot_id", type: opt("long"), default: null, "field-id": 1 },
    { name: "sequence_number", type: opt("long"), default: null, "field-id": 3 },
    { name: "file_sequence_number", type: opt("long"), default: null, "field-id": 4 },
    {
      name: "data_file",
      "field-id": 2,
      type: {
        type: "record",
        name: "r2",
        fields: [
          {
            name: "content",
            type: "int",
            "field-id": 134,
            doc: "Contents of the file: 0=data, 1=position deletes, 2=equality deletes"
          },
          { name: "file_path", type: "string", "field-id": 100, doc: "Location URI with FS scheme" },
          {
            name: "file_format",
            type: "string",
            "field-id": 101,
            doc: "File format name: avro, orc, or parquet"
          },
          {
            name: "partition",
            "field-id": 102,
            type: {
              type: "record",
              name: "r102",
              fields: fields.map((f) => ({
                name: f.field.name,
                type: opt(avroTypeOf(f.resultType, `fixed_${f.field["field-id"]}`)),
                default: null,
                "field-id": f.field["field-id"]
              }))
            }
          },
          { name: "record_count", type: "long", "field-id": 103 },
          { name: "file_size_in_bytes", type: "long", "field-id": 104 },
          {
            name: "column_sizes",
            type: opt(mapOf("k117_v118", 117, 118, "long")),
            default: null,
            "field-id": 108
          },
          {
            name: "value_counts",
            type: opt(mapOf("k119_v120", 119, 120, "long")),
            default: null,
            "field-id": 109
          },
          {
            name: "null_value_counts",
            type: opt(mapOf("k121_v122", 121, 122, "long")),
            default: null,
            "field-id": 110
          },
          {
            name: "nan_value_counts",
            type: opt(mapOf("k138_v139", 138, 139, "long")),
            default: null,
            "field-id": 137
          },
          {
            name: "lower_bounds",
            type: opt(mapOf("k126_v127", 126, 127, "bytes")),
            default: null,
            "field-id": 125
          },
          {
            name: "upper_bounds",
            type: opt(mapOf("k129_v130", 129, 130, "bytes")),
            default: null,
            "field-id": 128
          },
          { name: "key_metadata", type: opt("bytes"), default: null, "field-id": 131 },
          {
            name: "split_offsets",
            type: opt({ type: "array", items: "long", "element-id": 133 }),
            default: null,
            "field-id": 132
          },
          {
            name: "equality_ids",
            type: opt({ type: "array", items: "int", "element-id": 136 }),
            default: null,
            "field-id": 135
          },
          { name: "sort_order_id", type: opt("int"), default: null, "field-id": 140 }
        ]
      }
    }
  ]
})

/** Avro schema of `manifest_file` (manifest list rows). */
export const manifestFileSchema: Json = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", "field-id": 500 },
    { name: "manifest_length", type: "long", "field-id": 501 },
    { name: "partition_spec_id", type: "int", "field-id": 502 },
    { name: "content", type: "int", "field-id": 517 },
    { name: "sequence_number", type: "long", "field-id": 515 },
    { name: "min_sequence_number", type: "long", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", "field-id": 503 },
    { name: "added_files_count", type: "int", "field-id": 504 },
    { name: "existing_files_count", type: "int", "field-id": 505 },
    { name: "deleted_files_count", type: "int", "field-id": 506 },
    { name: "added_rows_count", type: "long", "field-id": 512 },
    { name: "existing_rows_count", type: "long", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", "field-id": 514 },
    {
      name: "partitions",
      type: opt({
        type: "array",
        "element-id": 508,
        items: {
          type: "record",
          name: "r508",
          fields: [
            { name: "contains_null", type: "boolean", "field-id": 509 },
            { name: "contains_nan", type: opt("boolean"), default: null, "field-id": 518 },
            { name: "lower_bound", type: opt("bytes"), default: null, "field-id": 510 },
            { name: "upper_bound", type: opt("bytes"), default: null, "field-id": 511 }
          ]
        }
      }),
      default: null,
      "field-id": 507
    },
    { name: "key_metadata", type: opt("bytes"), default: null, "field-id": 519 }
  ]
}

// ---------------------------------------------------------------------------------------------------------
// Value mapping

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength)
const mapToAvro = <V>(m: ReadonlyMap<number, V> | undefined, f: (v: V) => unknown) =>
  m === undefined
    ? null
    : [...m.entries()].sort((a, b) => a[0] - b[0]).map(([key, value]) => ({ key, value: f(value) }))
const mapFromAvro = <V>(x: unknown, f: (v: unknown) => V): ReadonlyMap<number, V> | undefined =>
  Array.isArray(x) ? new Map(x.map((e: { key: number; value: unknown }) => [e.key, f(e.value)])) : undefined

const partitionValueToAvro = (f: BoundPartitionField, v: IcebergValue | null): unknown => {
  if (v === null) return null
  const d = decimalParams(f.resultType)
  if (d) {
    const size = decimalBytes(d.precision)
    const raw = bigintToTwosComplement(v as bigint)
    const out = Buffer.alloc(size, (raw[0]! & 0x80) !== 0 ? 0xff : 0)
    out.set(raw, size - raw.length)
    return out
  }
  if (v instanceof Uint8Array) return buf(v)
  if (f.resultType === "long" || f.resultType === "timestamp" || f.resultType === "timestamptz")
    return BigInt(v as bigint)
  return v
}

const partitionValueFromAvro = (t: unknown, v: unknown): IcebergValue | null => {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) {
    const branch = Array.isArray(t) ? t.find((x) => x !== "null") : t
    const isDecimal =
      typeof branch === "object" && branch !== null && (branch as Json).logicalType === "decimal"
    return isDecimal ? twosComplementToBigint(v) : new Uint8Array(v)
  }
  return v as IcebergValue
}

/** Encode a manifest (entries of one partition spec) as Avro bytes. */
export const encodeManifest = (options: {
  readonly schema: IcebergSchema
  readonly spec: PartitionSpec
  readonly fields: ReadonlyArray<BoundPartitionField>
  readonly content: 0 | 1
  readonly entries: ReadonlyArray<ManifestEntry>
}): Uint8Array =>
  writeContainer(
    manifestEntrySchema(options.fields),
    options.entries.map((e) => ({
      status: e.status,
      snapshot_id: e.snapshotId,
      sequence_number: e.sequenceNumber,
      file_sequence_number: e.fileSequenceNumber,
      data_file: {
        content: e.dataFile.content,
        file_path: e.dataFile.filePath,
        file_format: e.dataFile.fileFormat,
        partition: Object.fromEntries(
          options.fields.map((f, i) => [
            f.field.name,
            partitionValueToAvro(f, e.dataFile.partition[i] ?? null)
          ])
        ),
        record_count: e.dataFile.recordCount,
        file_size_in_bytes: e.dataFile.fileSizeInBytes,
        column_sizes: mapToAvro(e.dataFile.columnSizes, (v) => v),
        value_counts: mapToAvro(e.dataFile.valueCounts, (v) => v),
        null_value_counts: mapToAvro(e.dataFile.nullValueCounts, (v) => v),
        nan_value_counts: null,
        lower_bounds: mapToAvro(e.dataFile.lowerBounds, buf),
        upper_bounds: mapToAvro(e.dataFile.upperBounds, buf),
        key_metadata: null,
        split_offsets: e.dataFile.splitOffsets ?? null,
        equality_ids: e.dataFile.equalityIds ?? null,
        sort_order_id: e.dataFile.sortOrderId ?? null
      }
    })),
    {
      schema: JSON.stringify(options.schema),
      "schema-id": String(options.schema["schema-id"]),
      "partition-spec": JSON.stringify(options.spec.fields),
      "partition-spec-id": String(options.spec["spec-id"]),
      "format-version": "2",
      content: options.content === 0 ? "data" : "deletes"
    }
  )

const optBig = (v: unknown): bigint | null => (v === null || v === undefined ? null : BigInt(v as bigint))

/** Decode a manifest's entries. */
export const decodeManifest = (bytes: Uint8Array): ReadonlyArray<ManifestEntry> => {
  const { schema, records } = readContainer(bytes)
  const fieldsOf = (t: unknown): Array<Json> =>
    typeof t === "object" && t !== null && Array.isArray((t as Json).fields)
      ? ((t as Json).fields as Array<Json>)
      : []
  const df = fieldsOf(schema).find((f) => f.name === "data_file")
  const partFields = fieldsOf(fieldsOf(df?.type).find((f) => f.name === "partition")?.type)
  return records.map((r): ManifestEntry => {
    const d = r.data_file as Json
    const part = (d.partition ?? {}) as Json
    const dataFile: DataFile = {
      content: Number(d.content ?? 0) as FileContent,
      filePath: String(d.file_path),
      fileFormat: String(d.file_format).toUpperCase() as DataFile["fileFormat"],
      partition: partFields.map((f) => partitionValueFromAvro(f.type, part[f.name as string])),
      recordCount: BigInt(d.record_count as bigint),
      fileSizeInBytes: BigInt(d.file_size_in_bytes as bigint),
      ...opt2(
        "columnSizes",
        mapFromAvro(d.column_sizes, (v) => BigInt(v as bigint))
      ),
      ...opt2(
        "valueCounts",
        mapFromAvro(d.value_counts, (v) => BigInt(v as bigint))
      ),
      ...opt2(
        "nullValueCounts",
        mapFromAvro(d.null_value_counts, (v) => BigInt(v as bigint))
      ),
      ...opt2(
        "lowerBounds",
        mapFromAvro(d.lower_bounds, (v) => new Uint8Array(v as Buffer))
      ),
      ...opt2(
        "upperBounds",
        mapFromAvro(d.upper_bounds, (v) => new Uint8Array(v as Buffer))
      ),
      ...opt2(
        "splitOffsets",
        Array.isArray(d.split_offsets) ? d.split_offsets.map((x) => BigInt(x)) : undefined
      ),
      ...opt2("equalityIds", Array.isArray(d.equality_ids) ? (d.equality_ids as Array<number>) : undefined),
      ...opt2("sortOrderId", typeof d.sort_order_id === "number" ? d.sort_order_id : undefined)
    }
    return {
      status: Number(r.status) as EntryStatus,
      snapshotId: optBig(r.snapshot_id),
      sequenceNumber: optBig(r.sequence_number),
      fileSequenceNumber: optBig(r.file_sequence_number),
      dataFile
    }
  })
}

const opt2 = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: V }

/** Encode a manifest list. */
export const encodeManifestList = (options: {
  readonly snapshotId: bigint
  readonly parentSnapshotId: bigint | undefined
  readonly sequenceNumber: bigint
  readonly manifests: ReadonlyArray<ManifestFile>
}): Uint8Array =>
  writeContainer(
    manifestFileSchema,
    options.manifests.map((m) => ({
      manifest_path: m.manifestPath,
      manifest_length: m.manifestLength,
      partition_spec_id: m.partitionSpecId,
      content: m.content,
      sequence_number: m.sequenceNumber,
      min_sequence_number: m.minSequenceNumber,
      added_snapshot_id: m.addedSnapshotId,
      added_files_count: m.addedFilesCount,
      existing_files_count: m.existingFilesCount,
      deleted_files_count: m.deletedFilesCount,
      added_rows_count: m.addedRowsCount,
      existing_rows_count: m.existingRowsCount,
      deleted_rows_count: m.deletedRowsCount,
      partitions:
        m.partitions?.map((p) => ({
          contains_null: p.containsNull,
          contains_nan: p.containsNan ?? null,
          lower_bound: p.lowerBound ? buf(p.lowerBound) : null,
          upper_bound: p.upperBound ? buf(p.upperBound) : null
        })) ?? null,
      key_metadata: null
    })),
    {
      "snapshot-id": options.snapshotId.toString(),
      "parent-snapshot-id":
        options.parentSnapshotId === undefined ? "null" : options.parentSnapshotId.toString(),
      "sequence-number": options.sequenceNumber.toString(),
      "format-version": "2"
    }
  )

/** Decode a manifest list. */
export const decodeManifestList = (bytes: Uint8Array): ReadonlyArray<ManifestFile> =>
  readContainer(bytes).records.map(
    (r): ManifestFile => ({
      manifestPath: String(r.manifest_path),
      manifestLength: BigInt(r.manifest_length as bigint),
      partitionSpecId: Number(r.partition_spec_id),
      content: Number(r.content ?? 0) as 0 | 1,
      sequenceNumber: BigInt((r.sequence_number ?? 0n) as bigint),
      minSequenceNumber: BigInt((r.min_sequence_number ?? 0n) as bigint),
      addedSnapshotId: BigInt(r.added_snapshot_id as bigint),
      addedFilesCount: Number(r.added_files_count ?? 0),
      existingFilesCount: Number(r.existing_files_count ?? 0),
      deletedFilesCount: Number(r.deleted_files_count ?? 0),
      addedRowsCount: BigInt((r.added_rows_count ?? 0n) as bigint),
      existingRowsCount: BigInt((r.existing_rows_count ?? 0n) as bigint),
      deletedRowsCount: BigInt((r.deleted_rows_count ?? 0n) as bigint),
      ...(Array.isArray(r.partitions)
        ? {
            partitions: (r.partitions as Array<Json>).map(
              (p): FieldSummary => ({
                containsNull: Boolean(p.contains_null),
                ...(typeof p.contains_nan === "boolean" ? { containsNan: p.contains_nan } : {}),
                ...(Buffer.isBuffer(p.lower_bound) ? { lowerBound: new Uint8Array(p.lower_bound) } : {}),
                ...(Buffer.isBuffer(p.upper_bound) ? { upperBound: new Uint8Array(p.upper_bound) } : {})
              })
            )
          }
        : {})
    })
  )
