import { compareValues, fromBinary, type IcebergValue, toBinary } from "./Conversions"
import type { BoundPartitionField } from "./Transforms"

/** `content` of a data file entry: data, position deletes or equality deletes. */
export const FileContent = { data: 0, positionDeletes: 1, equalityDeletes: 2 } as const
export type FileContent = (typeof FileContent)[keyof typeof FileContent]

/** Manifest entry status. */
export const EntryStatus = { existing: 0, added: 1, deleted: 2 } as const
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus]

/** A data or delete file as tracked by a manifest (`data_file` struct of the spec). */
export interface DataFile {
  readonly content: FileContent
  readonly filePath: string
  readonly fileFormat: "PARQUET" | "AVRO" | "ORC"
  /** Partition tuple in spec field order; `null` for a null partition value. */
  readonly partition: ReadonlyArray<IcebergValue | null>
  readonly recordCount: bigint
  readonly fileSizeInBytes: bigint
  readonly columnSizes?: ReadonlyMap<number, bigint>
  readonly valueCounts?: ReadonlyMap<number, bigint>
  readonly nullValueCounts?: ReadonlyMap<number, bigint>
  readonly lowerBounds?: ReadonlyMap<number, Uint8Array>
  readonly upperBounds?: ReadonlyMap<number, Uint8Array>
  readonly splitOffsets?: ReadonlyArray<bigint>
  readonly equalityIds?: ReadonlyArray<number>
  readonly sortOrderId?: number
}

/** A manifest entry. New entries leave sequence numbers null: they inherit them from the manifest list. */
export interface ManifestEntry {
  readonly status: EntryStatus
  readonly snapshotId: bigint | null
  readonly sequenceNumber: bigint | null
  readonly fileSequenceNumber: bigint | null
  readonly dataFile: DataFile
}

/** Partition field summary in a manifest list row. */
export interface FieldSummary {
  readonly containsNull: boolean
  readonly containsNan?: boolean
  readonly lowerBound?: Uint8Array
  readonly upperBound?: Uint8Array
}

/** One row of a manifest list (`manifest_file` struct). */
export interface ManifestFile {
  readonly manifestPath: string
  readonly manifestLength: bigint
  readonly partitionSpecId: number
  readonly content: 0 | 1
  readonly sequenceNumber: bigint
  readonly minSequenceNumber: bigint
  readonly addedSnapshotId: bigint
  readonly addedFilesCount: number
  readonly existingFilesCount: number
  readonly deletedFilesCount: number
  readonly addedRowsCount: bigint
  readonly existingRowsCount: bigint
  readonly deletedRowsCount: bigint
  readonly partitions?: ReadonlyArray<FieldSummary>
}

/** Entry with its sequence numbers resolved (inheritance applied), as a scan sees it. */
export interface ResolvedEntry {
  readonly status: EntryStatus
  readonly snapshotId: bigint
  readonly sequenceNumber: bigint
  readonly fileSequenceNumber: bigint
  readonly dataFile: DataFile
  readonly specId: number
}

/** Apply the spec's inheritance rules: null sequence numbers (only legal for ADDED) come from the list row. */
export const resolveEntry = (m: ManifestFile, e: ManifestEntry): ResolvedEntry => {
  if (e.status !== EntryStatus.added && (e.sequenceNumber === null || e.fileSequenceNumber === null)) {
    throw new Error(`${m.manifestPath}: non-ADDED entry without explicit sequence numbers`)
  }
  return {
    status: e.status,
    snapshotId: e.snapshotId ?? m.addedSnapshotId,
    sequenceNumber: e.sequenceNumber ?? m.sequenceNumber,
    fileSequenceNumber: e.fileSequenceNumber ?? m.sequenceNumber,
    dataFile: e.dataFile,
    specId: m.partitionSpecId
  }
}

/** A carried-forward entry: status EXISTING with explicit (inherited) sequence numbers. */
export const asExisting = (e: ResolvedEntry): ManifestEntry => ({
  status: EntryStatus.existing,
  snapshotId: e.snapshotId,
  sequenceNumber: e.sequenceNumber,
  fileSequenceNumber: e.fileSequenceNumber,
  dataFile: e.dataFile
})

/** A DELETED entry recording the removal of a file in snapshot `snapshotId`. */
export const asDeleted = (e: ResolvedEntry, snapshotId: bigint): ManifestEntry => ({
  status: EntryStatus.deleted,
  snapshotId,
  sequenceNumber: e.sequenceNumber,
  fileSequenceNumber: e.fileSequenceNumber,
  dataFile: e.dataFile
})

/** Partition summaries for a manifest's entries (lower/upper bounds of each partition field). */
export const partitionSummaries = (
  fields: ReadonlyArray<BoundPartitionField>,
  entries: ReadonlyArray<ManifestEntry>
): ReadonlyArray<FieldSummary> =>
  fields.map((f, i) => {
    let containsNull = false
    let lo: IcebergValue | undefined
    let hi: IcebergValue | undefined
    for (const e of entries) {
      const v = e.dataFile.partition[i] ?? null
      if (v === null) {
        containsNull = true
        continue
      }
      if (lo === undefined || compareValues(v, lo) < 0) lo = v
      if (hi === undefined || compareValues(v, hi) > 0) hi = v
    }
    return {
      containsNull,
      ...(lo === undefined ? {} : { lowerBound: toBinary(f.resultType, lo) }),
      ...(hi === undefined ? {} : { upperBound: toBinary(f.resultType, hi) })
    }
  })

/** Build a manifest-list row for a manifest written in snapshot `snapshotId` (sequence number given). */
export const manifestFileFor = (options: {
  readonly path: string
  readonly length: bigint
  readonly specId: number
  readonly content: 0 | 1
  readonly snapshotId: bigint
  readonly sequenceNumber: bigint
  readonly entries: ReadonlyArray<ManifestEntry>
  readonly fields: ReadonlyArray<BoundPartitionField>
}): ManifestFile => {
  let addedFiles = 0
  let existingFiles = 0
  let deletedFiles = 0
  let addedRows = 0n
  let existingRows = 0n
  let deletedRows = 0n
  let minSeq = options.sequenceNumber
  for (const e of options.entries) {
    const rc = e.dataFile.recordCount
    if (e.status === EntryStatus.added) {
      addedFiles++
      addedRows += rc
    } else if (e.status === EntryStatus.existing) {
      existingFiles++
      existingRows += rc
    } else {
      deletedFiles++
      deletedRows += rc
    }
    if (e.status !== EntryStatus.deleted && e.sequenceNumber !== null && e.sequenceNumber < minSeq)
      minSeq = e.sequenceNumber
  }
  return {
    manifestPath: options.path,
    manifestLength: options.length,
    partitionSpecId: options.specId,
    content: options.content,
    sequenceNumber: options.sequenceNumber,
    minSequenceNumber: minSeq,
    addedSnapshotId: options.snapshotId,
    addedFilesCount: addedFiles,
    existingFilesCount: existingFiles,
    deletedFilesCount: deletedFiles,
    addedRowsCount: addedRows,
    existingRowsCount: existingRows,
    deletedRowsCount: deletedRows,
    partitions: partitionSummaries(
      options.fields,
      options.entries.filter((e) => e.status !== EntryStatus.deleted)
    )
  }
}

/** Decode a partition field summary's bounds. */
export const summaryBounds = (
  f: BoundPartitionField,
  s: FieldSummary
): { lower?: IcebergValue; upper?: IcebergValue } => ({
  ...(s.lowerBound ? { lower: fromBinary(f.resultType, s.lowerBound) } : {}),
  ...(s.upperBound ? { upper: fromBinary(f.resultType, s.upperBound) } : {})
})

/** Snapshot summary counters (strings, as the spec requires), derived from what a commit added/removed. */
export const snapshotSummary = (
  operation: "append" | "overwrite" | "replace" | "delete",
  added: ReadonlyArray<DataFile>,
  removed: ReadonlyArray<DataFile>,
  previous: Readonly<Record<string, string>> | undefined,
  extra: Readonly<Record<string, string>> = {}
): Record<string, string> => {
  const sum = (files: ReadonlyArray<DataFile>, content: FileContent, f: (d: DataFile) => bigint) =>
    files.filter((d) => d.content === content).reduce((a, d) => a + f(d), 0n)
  const count = (files: ReadonlyArray<DataFile>, content: FileContent) =>
    BigInt(files.filter((d) => d.content === content).length)
  const rows = (d: DataFile) => d.recordCount
  const size = (d: DataFile) => d.fileSizeInBytes
  const prev = (k: string) => BigInt(previous?.[k] ?? "0")
  const addedDataFiles = count(added, 0)
  const removedDataFiles = count(removed, 0)
  const addedDeleteFiles = count(added, 1) + count(added, 2)
  const removedDeleteFiles = count(removed, 1) + count(removed, 2)
  const addedRecords = sum(added, 0, rows)
  const removedRecords = sum(removed, 0, rows)
  const addedEq = sum(added, 2, rows)
  const removedEq = sum(removed, 2, rows)
  const addedPos = sum(added, 1, rows)
  const removedPos = sum(removed, 1, rows)
  const addedSize = added.reduce((a, d) => a + size(d), 0n)
  const removedSize = removed.reduce((a, d) => a + size(d), 0n)
  const out: Record<string, string> = { operation }
  const put = (k: string, v: bigint) => {
    if (v !== 0n) out[k] = v.toString()
  }
  put("added-data-files", addedDataFiles)
  put("deleted-data-files", removedDataFiles)
  put("added-delete-files", addedDeleteFiles)
  put("removed-delete-files", removedDeleteFiles)
  put("added-records", addedRecords)
  put("deleted-records", removedRecords)
  put("added-files-size", addedSize)
  put("removed-files-size", removedSize)
  put("added-equality-deletes", addedEq)
  put("removed-equality-deletes", removedEq)
  put("added-position-deletes", addedPos)
  put("removed-position-deletes", removedPos)
  out["total-records"] = (prev("total-records") + addedRecords - removedRecords).toString()
  out["total-files-size"] = (prev("total-files-size") + addedSize - removedSize).toString()
  out["total-data-files"] = (prev("total-data-files") + addedDataFiles - removedDataFiles).toString()
  out["total-delete-files"] = (prev("total-delete-files") + addedDeleteFiles - removedDeleteFiles).toString()
  out["total-position-deletes"] = (prev("total-position-deletes") + addedPos - removedPos).toString()
  out["total-equality-deletes"] = (prev("total-equality-deletes") + addedEq - removedEq).toString()
  return { ...out, ...extra }
}
