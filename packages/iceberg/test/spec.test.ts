import { violationColumnList } from "@ventureos/core"
import { describe, expect, it } from "vitest"
import {
  applyCommit,
  applyTransform,
  bucketHash,
  dateToDays,
  decimalToUnscaled,
  decodeTableMetadata,
  encodeTableMetadata,
  fromBinary,
  newTableMetadata,
  parseJsonBigInt,
  parseTransform,
  partitionSpec,
  schemaFromColumns,
  snapshotSummary,
  timestampToMicros,
  toBinary,
  truncateUpper,
  unscaledToDecimal
} from "../src/spec"

const schema = schemaFromColumns(violationColumnList, { identifier: ["violation_id"] })

describe("iceberg spec: schema", () => {
  it("derives field ids and types from the core column list", () => {
    expect(schema.fields).toHaveLength(violationColumnList.length)
    expect(schema.fields.find((f) => f.name === "violation_details")).toMatchObject({
      id: 22,
      type: "string"
    })
    expect(schema.fields.find((f) => f.name === "penalty_current")?.type).toBe("decimal(18,2)")
    expect(schema.fields.find((f) => f.name === "ingested_at")?.type).toBe("timestamptz")
    expect(schema.fields.find((f) => f.name === "event_date")?.type).toBe("date")
    expect(schema.fields.find((f) => f.name === "source_row")?.type).toBe("long")
    expect(schema["identifier-field-ids"]).toEqual([1])
  })
})

describe("iceberg spec: bucket hash (spec appendix B vectors)", () => {
  it.each([
    ["int", 34, 2017239379],
    ["long", 34n, 2017239379],
    ["decimal(4,2)", 1420n, -500754589],
    ["date", dateToDays("2017-11-16"), -653330422],
    ["timestamptz", timestampToMicros("2017-11-16T22:31:08Z"), -2047944441],
    ["string", "iceberg", 1210000089],
    ["binary", Uint8Array.of(0, 1, 2, 3), -188683207]
  ] as const)("%s %s", (type, v, h) => {
    expect(bucketHash(type, v)).toBe(h)
  })
  it("bucket[N] is non-negative hash mod N", () => {
    expect(applyTransform(parseTransform("bucket[16]"), "string", "iceberg")).toBe(
      (1210000089 & 0x7fffffff) % 16
    )
  })
})

describe("iceberg spec: transforms", () => {
  const d = dateToDays("2017-11-16")
  it("time transforms on dates and timestamps", () => {
    expect(applyTransform(parseTransform("year"), "date", d)).toBe(47)
    expect(applyTransform(parseTransform("month"), "date", d)).toBe(47 * 12 + 10)
    expect(applyTransform(parseTransform("day"), "date", d)).toBe(d)
    expect(applyTransform(parseTransform("year"), "date", dateToDays("1969-12-31"))).toBe(-1)
    expect(
      applyTransform(parseTransform("day"), "timestamptz", timestampToMicros("1969-12-31 23:00:00+00"))
    ).toBe(-1)
  })
  it("truncate", () => {
    expect(applyTransform(parseTransform("truncate[10]"), "long", -1n)).toBe(-10n)
    expect(applyTransform(parseTransform("truncate[10]"), "int", 1)).toBe(0)
    expect(applyTransform(parseTransform("truncate[3]"), "string", "iceberg")).toBe("ice")
    expect(applyTransform(parseTransform("truncate[50]"), "decimal(9,2)", 1065n)).toBe(1050n)
  })
  it("partition spec field ids start at 1000 with conventional names", () => {
    const spec = partitionSpec(schema, [
      { column: "agency", transform: "identity" },
      { column: "event_date", transform: "year" }
    ])
    expect(spec.fields).toEqual([
      { "source-id": 2, "field-id": 1000, name: "agency", transform: "identity" },
      { "source-id": 13, "field-id": 1001, name: "event_date_year", transform: "year" }
    ])
  })
})

describe("iceberg spec: single-value serialization", () => {
  it("round-trips and encodes as the spec says", () => {
    expect(Array.from(toBinary("int", 1))).toEqual([1, 0, 0, 0])
    expect(Array.from(toBinary("long", 1n))).toEqual([1, 0, 0, 0, 0, 0, 0, 0])
    expect(Array.from(toBinary("decimal(18,2)", decimalToUnscaled("1.28", 2)))).toEqual([0x00, 0x80])
    expect(Array.from(toBinary("decimal(18,2)", -1n))).toEqual([0xff])
    expect(fromBinary("decimal(18,2)", toBinary("decimal(18,2)", -12345678901n))).toBe(-12345678901n)
    expect(fromBinary("string", toBinary("string", "héllo"))).toBe("héllo")
    expect(fromBinary("timestamptz", toBinary("timestamptz", 1n << 60n))).toBe(1n << 60n)
    expect(unscaledToDecimal(-5n, 2)).toBe("-0.05")
    expect(truncateUpper("abcdefghijklmnopqrstuvwxyz")).toBe("abcdefghijklmnoq")
  })
})

describe("iceberg spec: metadata and commits", () => {
  const base = newTableMetadata({
    uuid: "9c12d441-03fe-4693-9a96-a0705ddf69c1",
    location: "file:///w/silver/osha",
    schema,
    specs: [partitionSpec(schema, [{ column: "agency", transform: "identity" }])],
    nowMs: 1
  })
  const big = (1n << 62n) + 7n
  const snap = (id: bigint, seq: bigint, parent?: bigint) => ({
    "snapshot-id": id,
    ...(parent === undefined ? {} : { "parent-snapshot-id": parent }),
    "sequence-number": seq,
    "timestamp-ms": 10,
    "manifest-list": "file:///w/m.avro",
    summary: { operation: "append" }
  })
  it("applies add-snapshot + set-snapshot-ref under assert-ref-snapshot-id", () => {
    const r = applyCommit(
      base,
      {
        requirements: [
          { type: "assert-table-uuid", uuid: base["table-uuid"] },
          { type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": null }
        ],
        updates: [
          { action: "add-snapshot", snapshot: snap(big, 1n) },
          { action: "set-snapshot-ref", "ref-name": "main", type: "branch", "snapshot-id": big }
        ]
      },
      { nowMs: 20, previousMetadataFile: "v1" }
    )
    expect(r._tag).toBe("ok")
    if (r._tag !== "ok") return
    expect(r.metadata["current-snapshot-id"]).toBe(big)
    expect(r.metadata["last-sequence-number"]).toBe(1n)
    expect(r.metadata["metadata-log"]).toHaveLength(1)
    const stale = applyCommit(
      r.metadata,
      { requirements: [{ type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": null }], updates: [] },
      { nowMs: 30 }
    )
    expect(stale).toMatchObject({ _tag: "rejected", rejection: { _tag: "conflict" } })
    // BigInt-safe JSON round trip keeps ids beyond 2^53 exact
    const text = encodeTableMetadata(r.metadata)
    expect(text).toContain(big.toString())
    expect(decodeTableMetadata(text)["current-snapshot-id"]).toBe(big)
    expect(parseJsonBigInt(`{"a": ${big}, "b": 1.5}`)).toEqual({ a: big, b: 1.5 })
  })
  it("rejects a snapshot that reuses a sequence number", () => {
    const r1 = applyCommit(
      base,
      { requirements: [], updates: [{ action: "add-snapshot", snapshot: snap(1n, 1n) }] },
      { nowMs: 1 }
    )
    if (r1._tag !== "ok") throw new Error("expected ok")
    const r2 = applyCommit(
      r1.metadata,
      { requirements: [], updates: [{ action: "add-snapshot", snapshot: snap(2n, 1n, 1n) }] },
      { nowMs: 1 }
    )
    expect(r2).toMatchObject({ _tag: "rejected", rejection: { _tag: "invalid" } })
  })
  it("summarises counters as strings", () => {
    const f = {
      content: 0 as const,
      filePath: "a",
      fileFormat: "PARQUET" as const,
      partition: [],
      recordCount: 5n,
      fileSizeInBytes: 100n
    }
    expect(snapshotSummary("append", [f], [], { "total-records": "10" })).toMatchObject({
      operation: "append",
      "added-records": "5",
      "total-records": "15",
      "added-data-files": "1"
    })
  })
})
