import { randomUUID } from "node:crypto"
import { Effect, Schedule } from "effect"
import { decodeManifest, decodeManifestList, encodeManifest, encodeManifestList } from "./Avro"
import type { CatalogShape, LoadedTable, TableIdentifier } from "./Catalog"
import { showTableId } from "./Catalog"
import type { FileIOShape } from "./FileIO"
import { fromCatalog, fromFileIO, IcebergError } from "./IcebergError"
import type { TableCommit } from "./spec/Commit"
import { compareValues, fromBinary, fromText, type IcebergValue } from "./spec/Conversions"
import {
  asDeleted,
  asExisting,
  type DataFile,
  EntryStatus,
  type ManifestEntry,
  type ManifestFile,
  manifestFileFor,
  type ResolvedEntry,
  resolveEntry,
  snapshotSummary,
  summaryBounds
} from "./spec/Manifest"
import {
  currentSchema,
  currentSnapshot,
  defaultSpec,
  type Snapshot,
  snapshotAsOf,
  snapshotById,
  specById,
  type TableMetadata
} from "./spec/Metadata"
import type { IcebergSchema } from "./spec/Schema"
import { applyTransform, type BoundPartitionField, bindSpec, type PartitionSpec } from "./spec/Transforms"

/** Everything table operations need: the catalog, byte storage and a cache of (immutable) manifests. */
export interface TableContext {
  readonly catalog: CatalogShape
  readonly io: FileIOShape
  readonly manifestCache: Map<string, ReadonlyArray<ManifestEntry>>
}

/** Make a context with a bounded manifest cache. */
export const makeContext = (catalog: CatalogShape, io: FileIOShape): TableContext => ({
  catalog,
  io,
  manifestCache: new Map()
})

const MAX_CACHED_MANIFESTS = 5000

/** Table-property names used by this implementation (Iceberg's own names where one exists). */
export const Properties = {
  targetFileSize: "write.target-file-size-bytes",
  minCountToMerge: "commit.manifest.min-count-to-merge",
  commitRetries: "commit.retry.num-retries",
  /** Snapshot summary keys that make appends exactly-once. */
  sourceId: "ventureos.source-id",
  batchId: "ventureos.batch-id",
  dedupKey: "ventureos.dedup-key"
} as const

const tableName = (t: LoadedTable) => showTableId(t.identifier)

/** Read and decode a manifest list. */
export const readManifestList = (ctx: TableContext, table: string, path: string) =>
  ctx.io.read(path).pipe(
    Effect.mapError((e) => fromFileIO(table, e)),
    Effect.flatMap((bytes) =>
      Effect.try({
        try: () => decodeManifestList(bytes),
        catch: (e) =>
          new IcebergError({
            reason: "CorruptFile",
            table,
            file: path,
            detail: `bad manifest list: ${String(e)}`
          })
      })
    )
  )

/** Read and decode a manifest (cached: manifests are immutable). */
export const readManifest = (
  ctx: TableContext,
  table: string,
  path: string
): Effect.Effect<ReadonlyArray<ManifestEntry>, IcebergError> => {
  const hit = ctx.manifestCache.get(path)
  if (hit !== undefined) return Effect.succeed(hit)
  return ctx.io.read(path).pipe(
    Effect.mapError((e) => fromFileIO(table, e)),
    Effect.flatMap((bytes) =>
      Effect.try({
        try: () => decodeManifest(bytes),
        catch: (e) =>
          new IcebergError({
            reason: "CorruptFile",
            table,
            file: path,
            detail: `bad manifest: ${String(e)}`
          })
      })
    ),
    Effect.tap((entries) =>
      Effect.sync(() => {
        if (ctx.manifestCache.size >= MAX_CACHED_MANIFESTS) {
          const first = ctx.manifestCache.keys().next().value
          if (first !== undefined) ctx.manifestCache.delete(first)
        }
        ctx.manifestCache.set(path, entries)
      })
    )
  )
}

// ---------------------------------------------------------------------------------------------------------
// Scan planning

/** A filter conjunct used for partition and min/max pruning (rows are not filtered by the plan itself). */
export interface Predicate {
  readonly column: string
  readonly op: "=" | "<" | "<=" | ">" | ">=" | "in" | "is-null" | "not-null"
  readonly value?: string | number | bigint | boolean | ReadonlyArray<string | number | bigint>
}

/** Which snapshot to scan. */
export interface ScanOptions {
  readonly snapshotId?: bigint
  /** Time travel: the snapshot current at this instant (ms since epoch). */
  readonly asOfMs?: number
  readonly filter?: ReadonlyArray<Predicate>
}

/** Result of planning: live data files and the delete files that may apply to them. */
export interface ScanPlan {
  readonly table: LoadedTable
  readonly snapshot: Snapshot | undefined
  readonly schema: IcebergSchema
  readonly dataFiles: ReadonlyArray<ResolvedEntry>
  readonly deleteFiles: ReadonlyArray<ResolvedEntry>
  readonly stats: {
    readonly manifests: number
    readonly manifestsScanned: number
    readonly filesPruned: number
  }
}

const toValue = (type: IcebergSchema["fields"][number]["type"], v: unknown): IcebergValue =>
  typeof v === "string" ? fromText(type, v) : fromText(type, String(v))

type Range = { lower?: IcebergValue; upper?: IcebergValue; hasNull: boolean; allNull: boolean }

/** Can a range satisfy the predicate (conservative: true when unknown)? */
const mayMatch = (p: Predicate, r: Range, value: (v: unknown) => IcebergValue | undefined): boolean => {
  if (p.op === "is-null") return r.hasNull
  if (p.op === "not-null") return !r.allNull
  if (r.allNull) return false
  const { lower, upper } = r
  const vals = p.op === "in" ? (Array.isArray(p.value) ? p.value : [p.value]) : [p.value]
  return vals.some((raw) => {
    const v = value(raw)
    if (v === undefined) return true
    switch (p.op) {
      case "=":
      case "in":
        return (
          (lower === undefined || compareValues(lower, v) <= 0) &&
          (upper === undefined || compareValues(v, upper) <= 0)
        )
      case "<":
        return lower === undefined || compareValues(lower, v) < 0
      case "<=":
        return lower === undefined || compareValues(lower, v) <= 0
      case ">":
        return upper === undefined || compareValues(upper, v) > 0
      case ">=":
        return upper === undefined || compareValues(upper, v) >= 0
      default:
        return true
    }
  })
}

/** Monotonic transforms let a predicate on the source column prune partitions (strict ops become inclusive). */
const projectable = (b: BoundPartitionField) =>
  b.transform._tag === "identity" ||
  b.transform._tag === "year" ||
  b.transform._tag === "month" ||
  b.transform._tag === "day" ||
  b.transform._tag === "hour" ||
  b.transform._tag === "truncate"

const projectPredicate = (p: Predicate, b: BoundPartitionField): Predicate => {
  if (b.transform._tag === "identity") return p
  const op = p.op === "<" ? "<=" : p.op === ">" ? ">=" : p.op
  return { ...p, op }
}

const partitionValue = (b: BoundPartitionField, raw: unknown): IcebergValue | undefined => {
  try {
    return applyTransform(b.transform, b.sourceType, toValue(b.sourceType, raw))
  } catch {
    return undefined
  }
}

const manifestMayMatch = (
  m: ManifestFile,
  bound: ReadonlyArray<BoundPartitionField>,
  filter: ReadonlyArray<Predicate>,
  schema: IcebergSchema
): boolean =>
  filter.every((p) =>
    bound.every((b, i) => {
      const src = schema.fields.find((f) => f.name === p.column)
      if (src === undefined || b.field["source-id"] !== src.id || !projectable(b)) return true
      const s = m.partitions?.[i]
      if (s === undefined) return true
      const { lower, upper } = summaryBounds(b, s)
      const range: Range = {
        ...(lower === undefined ? {} : { lower }),
        ...(upper === undefined ? {} : { upper }),
        hasNull: s.containsNull,
        allNull: lower === undefined && s.containsNull
      }
      return mayMatch(projectPredicate(p, b), range, (raw) => partitionValue(b, raw))
    })
  )

/** Does a data file possibly contain rows matching every predicate (partition values and column bounds)? */
export const fileMayMatch = (
  f: DataFile,
  bound: ReadonlyArray<BoundPartitionField>,
  filter: ReadonlyArray<Predicate>,
  schema: IcebergSchema
): boolean =>
  filter.every((p) => {
    const field = schema.fields.find((x) => x.name === p.column)
    if (field === undefined) return true
    for (const [i, b] of bound.entries()) {
      if (b.field["source-id"] !== field.id || !projectable(b)) continue
      const pv = f.partition[i] ?? null
      const range: Range =
        pv === null
          ? { hasNull: true, allNull: true }
          : { lower: pv, upper: pv, hasNull: false, allNull: false }
      if (!mayMatch(projectPredicate(p, b), range, (raw) => partitionValue(b, raw))) return false
    }
    const lo = f.lowerBounds?.get(field.id)
    const hi = f.upperBounds?.get(field.id)
    const nulls = f.nullValueCounts?.get(field.id)
    const values = f.valueCounts?.get(field.id)
    const range: Range = {
      ...(lo === undefined ? {} : { lower: fromBinary(field.type, lo) }),
      ...(hi === undefined ? {} : { upper: fromBinary(field.type, hi) }),
      hasNull: nulls === undefined || nulls > 0n,
      allNull: nulls !== undefined && values !== undefined && nulls === values && values > 0n
    }
    return mayMatch(p, range, (raw) => {
      try {
        return toValue(field.type, raw)
      } catch {
        return undefined
      }
    })
  })

/** Pick the snapshot a scan reads. */
export const selectSnapshot = (
  table: LoadedTable,
  options: ScanOptions
): Effect.Effect<Snapshot | undefined, IcebergError> => {
  const m = table.metadata
  if (options.snapshotId !== undefined) {
    const s = snapshotById(m, options.snapshotId)
    return s === undefined
      ? Effect.fail(
          new IcebergError({
            reason: "InvalidInput",
            table: tableName(table),
            detail: `no snapshot ${options.snapshotId}`
          })
        )
      : Effect.succeed(s)
  }
  if (options.asOfMs !== undefined) return Effect.succeed(snapshotAsOf(m, options.asOfMs))
  return Effect.succeed(currentSnapshot(m))
}

/** Plan a scan: read the snapshot's manifest list, prune manifests by partition summaries, files by bounds. */
export const planScan = (ctx: TableContext, table: LoadedTable, options: ScanOptions = {}) =>
  Effect.gen(function* () {
    const name = tableName(table)
    const snapshot = yield* selectSnapshot(table, options)
    const m = table.metadata
    const schema = currentSchema(m)
    if (snapshot === undefined)
      return {
        table,
        snapshot,
        schema,
        dataFiles: [],
        deleteFiles: [],
        stats: { manifests: 0, manifestsScanned: 0, filesPruned: 0 }
      } satisfies ScanPlan
    const filter = options.filter ?? []
    const manifests = yield* readManifestList(ctx, name, snapshot["manifest-list"])
    const bounds = new Map<number, ReadonlyArray<BoundPartitionField>>()
    const boundOf = (specId: number) => {
      let b = bounds.get(specId)
      if (b === undefined) {
        b = bindSpec(specById(m, specId), schema)
        bounds.set(specId, b)
      }
      return b
    }
    const selected = manifests.filter(
      (mf) => mf.content === 1 || manifestMayMatch(mf, boundOf(mf.partitionSpecId), filter, schema)
    )
    const lists = yield* Effect.forEach(
      selected,
      (mf) => Effect.map(readManifest(ctx, name, mf.manifestPath), (entries) => ({ mf, entries })),
      { concurrency: 8 }
    )
    const dataFiles: Array<ResolvedEntry> = []
    const deleteFiles: Array<ResolvedEntry> = []
    let filesPruned = 0
    for (const { mf, entries } of lists) {
      for (const e of entries) {
        if (e.status === EntryStatus.deleted) continue
        const r = yield* Effect.try({
          try: () => resolveEntry(mf, e),
          catch: (err) =>
            new IcebergError({
              reason: "CorruptFile",
              table: name,
              file: mf.manifestPath,
              detail: String(err)
            })
        })
        if (e.dataFile.content === 0) {
          if (filter.length > 0 && !fileMayMatch(e.dataFile, boundOf(mf.partitionSpecId), filter, schema)) {
            filesPruned++
            continue
          }
          dataFiles.push(r)
        } else deleteFiles.push(r)
      }
    }
    const minSeq = dataFiles.reduce<bigint | undefined>(
      (a, d) => (a === undefined || d.sequenceNumber < a ? d.sequenceNumber : a),
      undefined
    )
    const applicable = deleteFiles.filter(
      (d) =>
        minSeq !== undefined &&
        (d.dataFile.content === 1 ? d.sequenceNumber >= minSeq : d.sequenceNumber > minSeq)
    )
    return {
      table,
      snapshot,
      schema,
      dataFiles,
      deleteFiles: applicable,
      stats: { manifests: manifests.length, manifestsScanned: selected.length, filesPruned }
    } satisfies ScanPlan
  })

// ---------------------------------------------------------------------------------------------------------
// Commits

/** Positive random 63-bit snapshot id. */
export const newSnapshotId = (): bigint => {
  const b = crypto.getRandomValues(new Uint8Array(8))
  const v = new DataView(b.buffer).getBigUint64(0) & 0x7fffffffffffffffn
  return v === 0n ? 1n : v
}

/** Files a commit adds or removes. */
export interface FileChanges {
  readonly operation: "append" | "overwrite" | "replace" | "delete"
  /** New data files, partitioned by the default spec. */
  readonly addedData: ReadonlyArray<DataFile>
  /** New delete files, with the spec they are stored under (equality deletes: an unpartitioned spec). */
  readonly addedDeletes: ReadonlyArray<DataFile>
  readonly deleteSpecId?: number
  /** Paths of live files (data or delete) this commit removes. */
  readonly removedPaths: ReadonlySet<string>
  readonly summary?: Readonly<Record<string, string>>
  /** Require that nothing was committed since this snapshot (replace/compaction); default: rebase appends. */
  readonly requireBaseSnapshot?: bigint | null
}

/** Outcome of a commit attempt loop. */
export type CommitOutcome =
  | {
      readonly _tag: "Committed"
      readonly snapshotId: bigint
      readonly sequenceNumber: bigint
      readonly attempts: number
      readonly table: LoadedTable
    }
  | { readonly _tag: "AlreadyCommitted"; readonly snapshotId: bigint; readonly table: LoadedTable }
  | { readonly _tag: "NoChange"; readonly table: LoadedTable }

/** Write new-file manifests once; they are reusable across retries (sequence numbers are inherited). */
const writeNewManifest = (
  ctx: TableContext,
  table: LoadedTable,
  snapshotId: bigint,
  spec: PartitionSpec,
  content: 0 | 1,
  files: ReadonlyArray<DataFile>
) =>
  Effect.gen(function* () {
    const m = table.metadata
    const schema = currentSchema(m)
    const fields = bindSpec(spec, schema)
    const entries: Array<ManifestEntry> = files.map((dataFile) => ({
      status: EntryStatus.added,
      snapshotId,
      sequenceNumber: null,
      fileSequenceNumber: null,
      dataFile
    }))
    const bytes = encodeManifest({ schema, spec, fields, content, entries })
    const path = `${m.location}/metadata/${randomUUID()}-m0.avro`
    yield* ctx.io.write(path, bytes).pipe(Effect.mapError((e) => fromFileIO(tableName(table), e)))
    ctx.manifestCache.set(path, entries)
    return { path, length: BigInt(bytes.length), specId: spec["spec-id"], content, entries, fields }
  })

type PendingManifest = Effect.Success<ReturnType<typeof writeNewManifest>>

const finalize = (p: PendingManifest, snapshotId: bigint, seq: bigint): ManifestFile =>
  manifestFileFor({
    path: p.path,
    length: p.length,
    specId: p.specId,
    content: p.content,
    snapshotId,
    sequenceNumber: seq,
    entries: p.entries,
    fields: p.fields
  })

/**
 * Build a snapshot commit on top of `base`: carry the parent's manifests forward, rewrite those that hold
 * removed files, optionally merge many small manifests into one (so planning does not grow with history).
 */
const buildCommit = (
  ctx: TableContext,
  base: LoadedTable,
  snapshotId: bigint,
  pending: ReadonlyArray<PendingManifest>,
  changes: FileChanges
) =>
  Effect.gen(function* () {
    const name = tableName(base)
    const m = base.metadata
    const schema = currentSchema(m)
    const parent = currentSnapshot(m)
    const seq = m["last-sequence-number"] + 1n
    const parentManifests =
      parent === undefined ? [] : yield* readManifestList(ctx, name, parent["manifest-list"])
    const removedFiles: Array<DataFile> = []
    const found = new Set<string>()
    const carried: Array<ManifestFile> = []
    type Group = { spec: PartitionSpec; content: 0 | 1; entries: Array<ManifestEntry> }
    const rewrite = new Map<string, Group>()
    const groupOf = (specId: number, content: 0 | 1) => {
      const k = `${specId}/${content}`
      let g = rewrite.get(k)
      if (g === undefined) {
        g = { spec: specById(m, specId), content, entries: [] }
        rewrite.set(k, g)
      }
      return g
    }
    const minMerge = Number(m.properties[Properties.minCountToMerge] ?? "100")
    const countBy = new Map<string, number>()
    for (const mf of parentManifests)
      countBy.set(
        `${mf.partitionSpecId}/${mf.content}`,
        (countBy.get(`${mf.partitionSpecId}/${mf.content}`) ?? 0) + 1
      )
    for (const mf of parentManifests) {
      const key = `${mf.partitionSpecId}/${mf.content}`
      const merge = (countBy.get(key) ?? 0) + 1 >= minMerge
      const mayHoldRemoved = changes.removedPaths.size > 0 && mf.addedFilesCount + mf.existingFilesCount > 0
      if (!merge && !mayHoldRemoved) {
        carried.push(mf)
        continue
      }
      const entries = yield* readManifest(ctx, name, mf.manifestPath)
      const live = entries.filter((e) => e.status !== EntryStatus.deleted).map((e) => resolveEntry(mf, e))
      const hit = live.filter((e) => changes.removedPaths.has(e.dataFile.filePath))
      if (!merge && hit.length === 0) {
        carried.push(mf)
        continue
      }
      const g = groupOf(mf.partitionSpecId, mf.content)
      for (const e of live) {
        if (changes.removedPaths.has(e.dataFile.filePath)) {
          found.add(e.dataFile.filePath)
          removedFiles.push(e.dataFile)
          g.entries.push(asDeleted(e, snapshotId))
        } else g.entries.push(asExisting(e))
      }
    }
    const missing = [...changes.removedPaths].filter((p) => !found.has(p))
    if (missing.length > 0)
      return yield* new IcebergError({
        reason: "CommitConflict",
        table: name,
        detail: `files to replace are no longer live: ${missing.slice(0, 3).join(", ")}`
      })
    const rewritten: Array<ManifestFile> = []
    for (const g of rewrite.values()) {
      if (g.entries.length === 0) continue
      const fields = bindSpec(g.spec, schema)
      const bytes = encodeManifest({ schema, spec: g.spec, fields, content: g.content, entries: g.entries })
      const path = `${m.location}/metadata/${randomUUID()}-m1.avro`
      yield* ctx.io.write(path, bytes).pipe(Effect.mapError((e) => fromFileIO(name, e)))
      ctx.manifestCache.set(path, g.entries)
      rewritten.push(
        manifestFileFor({
          path,
          length: BigInt(bytes.length),
          specId: g.spec["spec-id"],
          content: g.content,
          snapshotId,
          sequenceNumber: seq,
          entries: g.entries,
          fields
        })
      )
    }
    const manifests = [...pending.map((p) => finalize(p, snapshotId, seq)), ...rewritten, ...carried]
    const listBytes = encodeManifestList({
      snapshotId,
      parentSnapshotId: parent?.["snapshot-id"],
      sequenceNumber: seq,
      manifests
    })
    const listPath = `${m.location}/metadata/snap-${snapshotId}-${randomUUID()}.avro`
    yield* ctx.io.write(listPath, listBytes).pipe(Effect.mapError((e) => fromFileIO(name, e)))
    const summary = snapshotSummary(
      changes.operation,
      [...changes.addedData, ...changes.addedDeletes],
      removedFiles,
      parent?.summary,
      changes.summary
    )
    const snapshot: Snapshot = {
      "snapshot-id": snapshotId,
      ...(parent === undefined ? {} : { "parent-snapshot-id": parent["snapshot-id"] }),
      "sequence-number": seq,
      "timestamp-ms": Math.max(Date.now(), m["last-updated-ms"]),
      "manifest-list": listPath,
      summary: summary as Snapshot["summary"],
      "schema-id": schema["schema-id"]
    }
    const commit: TableCommit = {
      requirements: [
        { type: "assert-table-uuid", uuid: m["table-uuid"] },
        { type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": parent?.["snapshot-id"] ?? null }
      ],
      updates: [
        { action: "add-snapshot", snapshot },
        { action: "set-snapshot-ref", "ref-name": "main", type: "branch", "snapshot-id": snapshotId }
      ]
    }
    return { commit, seq, listPath }
  })

/** The snapshot that recorded `dedupKey`, if any (exactly-once appends). */
export const findCommitted = (m: TableMetadata, dedupKey: string): Snapshot | undefined =>
  m.snapshots.find((s) => s.summary[Properties.dedupKey] === dedupKey)

/** Source of a batch: committing the same source twice is a no-op. */
export interface SourceRef {
  /** The source object and its version, e.g. `bronze/osha/2026/01/02/x.csv@<etag or sha256>`. */
  readonly id: string
  /** Batch within the source (one source may be committed in several batches). */
  readonly batchId?: string
}

/** Dedup key of a source. */
export const dedupKeyOf = (s: SourceRef): string => `${s.id}#${s.batchId ?? ""}`

/**
 * Commit file changes with optimistic concurrency: on conflict reload, rebuild on the new base and retry;
 * on an unknown outcome reload and look for our snapshot (or source) before doing anything else.
 */
export const commitChanges = (
  ctx: TableContext,
  id: TableIdentifier,
  changes: FileChanges,
  options: { readonly source?: SourceRef; readonly maxAttempts?: number } = {}
): Effect.Effect<CommitOutcome, IcebergError> =>
  Effect.gen(function* () {
    const name = showTableId(id)
    const dedupKey = options.source === undefined ? undefined : dedupKeyOf(options.source)
    const summary: Record<string, string> = { ...changes.summary }
    if (options.source !== undefined && dedupKey !== undefined) {
      summary[Properties.sourceId] = options.source.id
      if (options.source.batchId !== undefined) summary[Properties.batchId] = options.source.batchId
      summary[Properties.dedupKey] = dedupKey
    }
    let table = yield* ctx.catalog.loadTable(id).pipe(Effect.mapError(fromCatalog))
    if (dedupKey !== undefined) {
      const done = findCommitted(table.metadata, dedupKey)
      if (done !== undefined)
        return { _tag: "AlreadyCommitted", snapshotId: done["snapshot-id"], table } as const
    }
    let snapshotId = newSnapshotId()
    const pending: Array<PendingManifest> = []
    if (changes.addedData.length > 0)
      pending.push(
        yield* writeNewManifest(ctx, table, snapshotId, defaultSpec(table.metadata), 0, changes.addedData)
      )
    if (changes.addedDeletes.length > 0)
      pending.push(
        yield* writeNewManifest(
          ctx,
          table,
          snapshotId,
          specById(table.metadata, changes.deleteSpecId ?? table.metadata["default-spec-id"]),
          1,
          changes.addedDeletes
        )
      )
    const maxAttempts =
      options.maxAttempts ?? Number(table.metadata.properties[Properties.commitRetries] ?? "50")
    let unknown = false
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) table = yield* ctx.catalog.loadTable(id).pipe(Effect.mapError(fromCatalog))
      if (unknown) {
        const landed = snapshotById(table.metadata, snapshotId)
        if (landed !== undefined)
          return {
            _tag: "Committed",
            snapshotId,
            sequenceNumber: landed["sequence-number"],
            attempts: attempt - 1,
            table
          } as const
        unknown = false
      }
      if (dedupKey !== undefined) {
        const done = findCommitted(table.metadata, dedupKey)
        if (done !== undefined)
          return { _tag: "AlreadyCommitted", snapshotId: done["snapshot-id"], table } as const
      }
      const cur = currentSnapshot(table.metadata)?.["snapshot-id"] ?? null
      if (changes.requireBaseSnapshot !== undefined && cur !== changes.requireBaseSnapshot)
        return yield* new IcebergError({
          reason: "CommitConflict",
          table: name,
          detail: `table changed since snapshot ${changes.requireBaseSnapshot ?? "none"} (now ${cur ?? "none"})`
        })
      if (snapshotById(table.metadata, snapshotId) !== undefined) snapshotId = newSnapshotId()
      const built = yield* buildCommit(ctx, table, snapshotId, pending, { ...changes, summary })
      const result = yield* ctx.catalog.commitTable(id, built.commit).pipe(Effect.result)
      if (result._tag === "Success")
        return {
          _tag: "Committed",
          snapshotId,
          sequenceNumber: built.seq,
          attempts: attempt,
          table: result.success
        } as const
      const e = result.failure
      // the manifest list of a failed attempt is garbage; an unknown attempt's may be live: keep it
      if (e.reason !== "CommitStateUnknown") yield* ctx.io.delete(built.listPath).pipe(Effect.ignore)
      if (attempt >= maxAttempts) return yield* fromCatalog(e)
      if (e.reason === "CommitStateUnknown") unknown = true
      else if (!e.isRetryable) return yield* fromCatalog(e)
      yield* Effect.sleep(Math.min(1000, 5 * 2 ** Math.min(attempt, 8)) * (0.5 + Math.random()))
    }
  })

/** Retry schedule for callers that want to retry whole operations on conflicts. */
export const conflictRetry = Schedule.recurs(5)

// ---------------------------------------------------------------------------------------------------------
// Maintenance without a query engine: expire snapshots, orphan files

/** Every file path reachable from the given snapshots (manifest lists, manifests, data and delete files). */
export const reachableFiles = (ctx: TableContext, table: LoadedTable, snapshots: ReadonlyArray<Snapshot>) =>
  Effect.gen(function* () {
    const name = tableName(table)
    const out = new Set<string>()
    const seenManifests = new Set<string>()
    for (const s of snapshots) {
      out.add(s["manifest-list"])
      const mfs = yield* readManifestList(ctx, name, s["manifest-list"])
      for (const mf of mfs) {
        out.add(mf.manifestPath)
        if (seenManifests.has(mf.manifestPath)) continue
        seenManifests.add(mf.manifestPath)
        for (const e of yield* readManifest(ctx, name, mf.manifestPath)) out.add(e.dataFile.filePath)
      }
    }
    return out
  })

/** Expire snapshots older than `olderThanMs`, always keeping the newest `retainLast` and the current one. */
export const expireSnapshots = (
  ctx: TableContext,
  id: TableIdentifier,
  options: { readonly olderThanMs?: number; readonly retainLast?: number }
) =>
  Effect.gen(function* () {
    const name = showTableId(id)
    for (let attempt = 1; ; attempt++) {
      const table = yield* ctx.catalog.loadTable(id).pipe(Effect.mapError(fromCatalog))
      const m = table.metadata
      const cur = currentSnapshot(m)
      const byAge = [...m.snapshots].sort((a, b) => b["timestamp-ms"] - a["timestamp-ms"])
      const keep = new Set<bigint>(
        byAge.slice(0, Math.max(1, options.retainLast ?? 1)).map((s) => s["snapshot-id"])
      )
      for (const r of Object.values(m.refs)) keep.add(r["snapshot-id"])
      const cutoff = options.olderThanMs ?? Number.POSITIVE_INFINITY
      const expired = m.snapshots.filter((s) => !keep.has(s["snapshot-id"]) && s["timestamp-ms"] < cutoff)
      if (expired.length === 0) return { expiredSnapshots: 0, deletedFiles: 0 }
      const retained = m.snapshots.filter((s) => !expired.includes(s))
      const result = yield* ctx.catalog
        .commitTable(id, {
          requirements: [
            { type: "assert-table-uuid", uuid: m["table-uuid"] },
            { type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": cur?.["snapshot-id"] ?? null }
          ],
          updates: [{ action: "remove-snapshots", "snapshot-ids": expired.map((s) => s["snapshot-id"]) }]
        })
        .pipe(Effect.result)
      if (result._tag === "Failure") {
        if (result.failure.isRetryable && attempt < 10) continue
        return yield* fromCatalog(result.failure)
      }
      // delete what only the expired snapshots referenced
      const live = yield* reachableFiles(ctx, result.success, retained)
      const dead = yield* reachableFiles(ctx, table, expired)
      let deleted = 0
      for (const f of dead) {
        if (live.has(f)) continue
        yield* ctx.io.delete(f).pipe(Effect.mapError((e) => fromFileIO(name, e)))
        ctx.manifestCache.delete(f)
        deleted++
      }
      return { expiredSnapshots: expired.length, deletedFiles: deleted }
    }
  })

/**
 * Delete files under the table location that no metadata references (debris of crashed or failed writers).
 * Only files older than `olderThanMs` are touched so in-flight writes of other writers survive.
 */
export const removeOrphanFiles = (
  ctx: TableContext,
  id: TableIdentifier,
  options: { readonly olderThanMs: number }
) =>
  Effect.gen(function* () {
    const name = showTableId(id)
    const table = yield* ctx.catalog.loadTable(id).pipe(Effect.mapError(fromCatalog))
    const m = table.metadata
    const live = yield* reachableFiles(ctx, table, m.snapshots)
    live.add(table.metadataLocation)
    for (const e of m["metadata-log"]) live.add(e["metadata-file"])
    const files = yield* ctx.io.list(m.location).pipe(Effect.mapError((e) => fromFileIO(name, e)))
    const orphans = files.filter(
      (f) =>
        !live.has(f.path) &&
        f.lastModifiedMs < options.olderThanMs &&
        !/\/metadata\/(version-hint\.text|v\d+\.metadata\.json)$/.test(f.path)
    )
    for (const f of orphans) yield* ctx.io.delete(f.path).pipe(Effect.mapError((e) => fromFileIO(name, e)))
    return { deleted: orphans.map((f) => f.path) }
  })
