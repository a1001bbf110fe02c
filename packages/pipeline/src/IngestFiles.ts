import { basename, resolve } from "node:path"
import { UnusableFileError } from "@ventureos/core"
import { CsvFileError, describeDatasets, detect, type Registry, readHeader } from "@ventureos/normalizers"
import {
  type FileHashCache,
  observe,
  RawArchive,
  RawArchiveError,
  sha256File
} from "@ventureos/storage/archive"
import { Effect, Option } from "effect"
import { bronzeKey, bronzeVersionKey, type IngestMode } from "./Gatekeeper"
import {
  type BatchResult,
  type IngestInputError,
  type IngestOptions,
  ingestBatch,
  replayedBatch
} from "./Ingest"
import { timed } from "./Timings"
import { retryOnConflict, type Warehouse, type WarehouseError } from "./Warehouse"

export interface IngestFilesOptions extends IngestOptions {
  readonly mode: IngestMode
  readonly agency?: string
  /** Archive date (yyyy-mm-dd) for the bronze keys; default today (UTC). */
  readonly date?: string
  readonly onBatch?: (r: BatchResult) => void
  /**
   * Remembered sha256 of the input files (the CLI keeps one under its home folder): a file ingested before
   * and unchanged since is not read again to find that it is a replay.
   */
  readonly hashCache?: FileHashCache
}

/** The longest file name an ingest archives (file systems allow 255 bytes per name, S3 1,024 per key). */
export const MAX_FILE_NAME = 200

/** A plan: which local files go into which batch, under which bronze keys. */
export interface FileBatch {
  readonly agency: string
  /**
   * Local paths; the first is the records file (with `release`, the records files of a release come first,
   * in the order given, then the lookup files).
   */
  readonly paths: ReadonlyArray<string>
  readonly keys: ReadonlyArray<string>
}

/**
 * Group local files into batches: each records file is one batch, together with the lookup files of the
 * same plugin (OSHA violations + inspections).
 *
 * With `release`, the records files of one plugin's *different* datasets given together are one batch (a
 * release: EPA's NPDES formal actions and ECHO cases): one silver commit, one gold pass, and an action
 * published in both files merged once instead of once per file (a generated 1M-row EPA release merged its
 * 460k actions twice). Gold is the same either way (an action counts once in any batch split: the actions
 * test's property). Two files of the *same* dataset stay in separate batches, in order: within one batch the
 * first version of a record id wins and a different later one is rejected as a duplicate, while a later
 * batch replaces it. Backfill plans per records file (it splits one file's rows into items), so it does not
 * ask for releases.
 */
export const planBatches = (
  paths: ReadonlyArray<string>,
  registry: Registry,
  mode: IngestMode,
  date: string,
  agency = "auto",
  options: { readonly release?: boolean } = {}
): Effect.Effect<ReadonlyArray<FileBatch>, UnusableFileError> =>
  Effect.tryPromise({
    try: async () => {
      const found: Array<{
        path: string
        plugin: string
        agency: string
        role: "records" | "lookup"
        dataset: string
        requires: ReadonlyArray<string>
      }> = []
      for (const p of paths) {
        const name = basename(p)
        // The name becomes a bronze key segment (plus a 17-character version tag and a temporary suffix on
        // disk): checked here, before anything is written, instead of failing at the archive's put.
        if (name.length > MAX_FILE_NAME || /[\u0000-\u001f\u007f]/.test(name))
          throw new CsvFileError(
            p,
            name.length > MAX_FILE_NAME
              ? `the file name is ${name.length} characters long`
              : "the file name holds control characters",
            `a file name of at most ${MAX_FILE_NAME} printable characters; nothing was archived`
          )
        const header = await readHeader(p)
        const d = detect(registry, header, agency)
        if (d === undefined) {
          throw new CsvFileError(
            p,
            `unrecognised header (${header.slice(0, 6).join(", ")}…)`,
            `a header of ${describeDatasets(registry, agency)}`
          )
        }
        found.push({
          path: p,
          plugin: d.plugin.id,
          agency: d.plugin.agency,
          role: d.dataset.role,
          dataset: d.dataset.id,
          requires: d.dataset.requiresLookups ?? []
        })
      }
      // each group: records files (one per dataset with `release`, else one), then the plugin's lookups
      const groups: Array<{ plugin: string; agency: string; records: Array<(typeof found)[number]> }> = []
      for (const rec of found.filter((f) => f.role === "records")) {
        const lookups = found.filter((f) => f.role === "lookup" && f.plugin === rec.plugin)
        for (const needed of rec.requires)
          if (!lookups.some((l) => l.dataset === needed))
            throw new CsvFileError(
              rec.path,
              `${rec.dataset} rows are joined to their ${needed} rows, but no ${needed} file was given`,
              `the ${needed} file passed together with it; nothing was archived`
            )
        const open =
          options.release === true
            ? groups.find((g) => g.plugin === rec.plugin && !g.records.some((r) => r.dataset === rec.dataset))
            : undefined
        if (open !== undefined) open.records.push(rec)
        else groups.push({ plugin: rec.plugin, agency: rec.agency, records: [rec] })
      }
      const batches: Array<FileBatch> = groups.map((g) => {
        const lookups = found.filter((f) => f.role === "lookup" && f.plugin === g.plugin)
        const ps = [...g.records, ...lookups].map((f) => f.path)
        return {
          agency: g.agency,
          paths: ps,
          keys: ps.map((p) => bronzeKey(mode, g.agency, date, basename(p)))
        }
      })
      const orphan = found.find(
        (f) => f.role === "lookup" && !found.some((r) => r.role === "records" && r.plugin === f.plugin)
      )
      if (orphan !== undefined) {
        throw new CsvFileError(
          orphan.path,
          "a lookup file was given without any records file it enriches",
          "the records file (e.g. osha_violation) passed together with it"
        )
      }
      return batches
    },
    catch: (e) =>
      e instanceof CsvFileError
        ? new UnusableFileError({ file: e.file, reason: e.reason, expected: e.expected })
        : new UnusableFileError({
            file: paths[0] ?? "",
            reason: String(e),
            expected: "readable agency files"
          })
  })

/**
 * Store a local file in bronze without ever replacing other bytes (bronze is write-once): a free name gets
 * the file; a name holding the same bytes is reused (a redelivery); a name holding other bytes keeps them and
 * the file goes to its content-addressed sibling ({@link bronzeVersionKey}). Returns the key that holds
 * exactly these bytes. Writers racing for one name cannot replace each other: the archive's put is
 * create-only.
 */
export const archiveOnce = (
  key: string,
  localPath: string,
  hashCache?: FileHashCache
): Effect.Effect<string, RawArchiveError, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    // the input as it was before the copy read it (undefined: unreadable, let the put report it)
    const before =
      hashCache === undefined
        ? undefined
        : yield* Effect.promise(() => observe(localPath).catch(() => undefined))
    const first = yield* archive.putFileOnce(key, localPath)
    if (first.created) {
      // the copy hashed the input's bytes: remembered, so that a replay of this file does not read it again
      if (before !== undefined && hashCache !== undefined && first.object.sha256 !== "")
        yield* Effect.promise(() => hashCache.remember(before, first.object.sha256))
      return key
    }
    const sha = yield* Effect.promise(() =>
      hashCache === undefined ? sha256File(localPath) : hashCache.sha256(localPath)
    )
    if (first.object.sha256 === sha) return key
    const vkey = bronzeVersionKey(key, sha)
    const v = yield* archive.putFileOnce(vkey, localPath)
    if (!v.created && v.object.sha256 !== sha)
      return yield* new RawArchiveError({
        op: "put",
        key: vkey,
        reason: "Unknown",
        detail: `holds other bytes (sha256 ${v.object.sha256}) than ${localPath} (${sha}); nothing was replaced`
      })
    return vkey
  })

/** A batch whose files are in bronze: the keys that hold exactly its bytes (the records file's first). */
export interface ArchivedBatch {
  readonly agency: string
  readonly keys: ReadonlyArray<string>
}

/**
 * Plan local files into batches and archive them into bronze unchanged (write-once), in order; reads and
 * writes the raw archive only (the CLI answers a replay from the archive before it opens the lake).
 */
export const archiveFiles = (
  paths: ReadonlyArray<string>,
  options: IngestFilesOptions
): Effect.Effect<ReadonlyArray<ArchivedBatch>, UnusableFileError | RawArchiveError, RawArchive> =>
  Effect.gen(function* () {
    const date = options.date ?? new Date().toISOString().slice(0, 10)
    // a release's files (EPA's two exports) are one batch: see `planBatches`
    const batches = yield* planBatches(
      paths,
      options.registry,
      options.mode,
      date,
      options.agency ?? "auto",
      {
        release: true
      }
    )
    const out: Array<ArchivedBatch> = []
    // a file several batches share (a lookup file) is archived once; the memo is by path as well as key, so a
    // second, different file of the same name and date is archived too (under its content-addressed key)
    const archived = new Map<string, string>()
    for (const b of batches) {
      const keys: Array<string> = []
      for (const [i, p] of b.paths.entries()) {
        const key = b.keys[i]!
        const memo = `${key}\u0000${resolve(p)}`
        const stored =
          archived.get(memo) ??
          (yield* timed("ingest", `bronze ${basename(p)}`, archiveOnce(key, p, options.hashCache)))
        archived.set(memo, stored)
        keys.push(stored)
      }
      out.push({ agency: b.agency, keys })
    }
    return out
  })

/** Ingest archived batches in order (each exactly once: a completed one is a replay). */
export const ingestArchived = (
  batches: ReadonlyArray<ArchivedBatch>,
  options: IngestFilesOptions
): Effect.Effect<
  ReadonlyArray<BatchResult>,
  UnusableFileError | IngestInputError | WarehouseError | RawArchiveError,
  RawArchive | Warehouse
> =>
  Effect.gen(function* () {
    const results: Array<BatchResult> = []
    for (const b of batches) {
      const r = yield* retryOnConflict(ingestBatch(b.keys, options))
      options.onBatch?.(r)
      results.push(r)
    }
    return results
  })

/**
 * The replayed results of archived batches when every one of them is a replay (their bytes already completed),
 * from the raw archive alone; none when any has work to do.
 */
export const allReplayed = (
  batches: ReadonlyArray<ArchivedBatch>
): Effect.Effect<Option.Option<ReadonlyArray<BatchResult>>, IngestInputError | RawArchiveError, RawArchive> =>
  Effect.gen(function* () {
    const results: Array<BatchResult> = []
    for (const b of batches) {
      const r = yield* replayedBatch(b.keys)
      if (Option.isNone(r)) return Option.none()
      results.push(r.value)
    }
    return Option.some(results)
  })

/** Archive local files into bronze unchanged (write-once), then ingest them batch by batch. */
export const ingestFiles = (
  paths: ReadonlyArray<string>,
  options: IngestFilesOptions
): Effect.Effect<
  ReadonlyArray<BatchResult>,
  UnusableFileError | IngestInputError | WarehouseError | RawArchiveError,
  RawArchive | Warehouse
> => Effect.flatMap(archiveFiles(paths, options), (batches) => ingestArchived(batches, options))
