import { violationColumnList } from "@ventureos/core"
import { describe, expect, it } from "vitest"
import {
  bindSpec,
  decodeManifest,
  decodeManifestList,
  encodeManifest,
  encodeManifestList,
  type ManifestEntry,
  manifestFileFor,
  partitionSpec,
  readContainer,
  resolveEntry,
  schemaFromColumns,
  toBinary
} from "../src"

const schema = schemaFromColumns(violationColumnList, { identifier: ["violation_id"] })
const spec = partitionSpec(schema, [
  { column: "agency", transform: "identity" },
  { column: "event_date", transform: "year" }
])
const fields = bindSpec(spec, schema)
const big = (1n << 62n) + 3n

const entry: ManifestEntry = {
  status: 1,
  snapshotId: big,
  sequenceNumber: null,
  fileSequenceNumber: null,
  dataFile: {
    content: 0,
    filePath: "file:///w/data/a.parquet",
    fileFormat: "PARQUET",
    partition: ["osha", 44],
    recordCount: 10n,
    fileSizeInBytes: 1234n,
    valueCounts: new Map([[1, 10n]]),
    nullValueCounts: new Map([[1, 0n]]),
    lowerBounds: new Map([[1, toBinary("string", "a")]]),
    upperBounds: new Map([[1, toBinary("string", "z")]])
  }
}

describe("Avro manifests", () => {
  it("round-trip entries with 64-bit ids and carry the raw schema with field ids in the header", () => {
    const bytes = encodeManifest({ schema, spec, fields, content: 0, entries: [entry] })
    const [back] = decodeManifest(bytes)
    expect(back).toEqual(entry)
    const { metadata } = readContainer(bytes)
    expect(metadata["format-version"]).toBe("2")
    expect(metadata.content).toBe("data")
    expect(JSON.parse(metadata["partition-spec"]!)).toEqual(spec.fields)
    const avroSchema = metadata["avro.schema"]!
    expect(avroSchema).toContain('"field-id":102')
    expect(avroSchema).toContain('"name":"k126_v127"')
    expect(avroSchema).toContain('"element-id":136')
    expect(avroSchema).toContain('"field-id":1001')
  })

  it("manifest lists inherit sequence numbers into ADDED entries", () => {
    const mf = manifestFileFor({
      path: "file:///w/m.avro",
      length: 100n,
      specId: 0,
      content: 0,
      snapshotId: big,
      sequenceNumber: 7n,
      entries: [entry],
      fields
    })
    const bytes = encodeManifestList({
      snapshotId: big,
      parentSnapshotId: undefined,
      sequenceNumber: 7n,
      manifests: [mf]
    })
    const [row] = decodeManifestList(bytes)
    expect(row).toEqual(mf)
    expect(readContainer(bytes).metadata["parent-snapshot-id"]).toBe("null")
    const r = resolveEntry(row!, entry)
    expect(r.sequenceNumber).toBe(7n)
    expect(r.fileSequenceNumber).toBe(7n)
    expect(row!.partitions?.[1]?.lowerBound).toEqual(toBinary("int", 44))
  })
})
