import { Effect, Schema } from "effect"
import type { IcebergValue } from "./spec/Conversions"
import type { DataFile, FileContent } from "./spec/Manifest"

/**
 * Data files as JSON, for writers that hand their files to another process to commit (a distributed
 * backfill's workers return these to one committer). Bigints travel as decimal strings, bounds as base64,
 * partition values tagged with their JavaScript type so they come back exactly.
 */

const Value = Schema.Union([
  Schema.Struct({ s: Schema.String }),
  Schema.Struct({ n: Schema.Number }),
  Schema.Struct({ i: Schema.String }),
  Schema.Struct({ t: Schema.Boolean }),
  Schema.Struct({ x: Schema.String })
])

const Counts = Schema.Record(Schema.String, Schema.String)

/** The JSON form of a {@link DataFile}. */
export const DataFileJson = Schema.Struct({
  content: Schema.Literals([0, 1, 2]),
  filePath: Schema.String,
  fileFormat: Schema.Literals(["PARQUET", "AVRO", "ORC"]),
  partition: Schema.Array(Schema.NullOr(Value)),
  recordCount: Schema.String,
  fileSizeInBytes: Schema.String,
  columnSizes: Schema.optional(Counts),
  valueCounts: Schema.optional(Counts),
  nullValueCounts: Schema.optional(Counts),
  lowerBounds: Schema.optional(Counts),
  upperBounds: Schema.optional(Counts),
  splitOffsets: Schema.optional(Schema.Array(Schema.String)),
  equalityIds: Schema.optional(Schema.Array(Schema.Number)),
  sortOrderId: Schema.optional(Schema.Number)
})
export type DataFileJson = typeof DataFileJson.Type

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64")
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"))

const valueToJson = (v: IcebergValue | null): typeof Value.Type | null =>
  v === null
    ? null
    : typeof v === "string"
      ? { s: v }
      : typeof v === "number"
        ? { n: v }
        : typeof v === "bigint"
          ? { i: v.toString() }
          : typeof v === "boolean"
            ? { t: v }
            : { x: b64(v) }

const valueFromJson = (v: typeof Value.Type | null): IcebergValue | null =>
  v === null ? null : "s" in v ? v.s : "n" in v ? v.n : "i" in v ? BigInt(v.i) : "t" in v ? v.t : unb64(v.x)

const mapToJson = <V>(m: ReadonlyMap<number, V> | undefined, f: (v: V) => string) =>
  m === undefined ? undefined : Object.fromEntries([...m].map(([k, v]) => [String(k), f(v)]))
const mapFromJson = <V>(o: Readonly<Record<string, string>> | undefined, f: (s: string) => V) =>
  o === undefined ? undefined : new Map(Object.entries(o).map(([k, v]) => [Number(k), f(v)] as const))

/** A data file as JSON (lossless; see {@link dataFileFromJson}). */
export const dataFileToJson = (d: DataFile): DataFileJson => {
  const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v })
  return {
    content: d.content as 0 | 1 | 2,
    filePath: d.filePath,
    fileFormat: d.fileFormat,
    partition: d.partition.map(valueToJson),
    recordCount: d.recordCount.toString(),
    fileSizeInBytes: d.fileSizeInBytes.toString(),
    ...opt("columnSizes", mapToJson(d.columnSizes, String)),
    ...opt("valueCounts", mapToJson(d.valueCounts, String)),
    ...opt("nullValueCounts", mapToJson(d.nullValueCounts, String)),
    ...opt("lowerBounds", mapToJson(d.lowerBounds, b64)),
    ...opt("upperBounds", mapToJson(d.upperBounds, b64)),
    ...opt("splitOffsets", d.splitOffsets?.map(String)),
    ...opt("equalityIds", d.equalityIds),
    ...opt("sortOrderId", d.sortOrderId)
  }
}

/** Decode the JSON form of a data file (from another process: checked, never cast). */
export const dataFileFromJson = (u: unknown): Effect.Effect<DataFile, Schema.SchemaError> =>
  Effect.map(Schema.decodeUnknownEffect(DataFileJson)(u), (j) => {
    const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : { [k]: v })
    return {
      content: j.content as FileContent,
      filePath: j.filePath,
      fileFormat: j.fileFormat,
      partition: j.partition.map(valueFromJson),
      recordCount: BigInt(j.recordCount),
      fileSizeInBytes: BigInt(j.fileSizeInBytes),
      ...opt("columnSizes", mapFromJson(j.columnSizes, BigInt)),
      ...opt("valueCounts", mapFromJson(j.valueCounts, BigInt)),
      ...opt("nullValueCounts", mapFromJson(j.nullValueCounts, BigInt)),
      ...opt("lowerBounds", mapFromJson(j.lowerBounds, unb64)),
      ...opt("upperBounds", mapFromJson(j.upperBounds, unb64)),
      ...opt(
        "splitOffsets",
        j.splitOffsets?.map((s) => BigInt(s))
      ),
      ...opt("equalityIds", j.equalityIds),
      ...opt("sortOrderId", j.sortOrderId)
    } satisfies DataFile
  })
