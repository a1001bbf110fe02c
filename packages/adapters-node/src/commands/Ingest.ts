import { readdirSync, statSync } from "node:fs"
import { open } from "node:fs/promises"
import { join, resolve } from "node:path"
import { detect, type Registry, readHeader } from "@ventureos/normalizers"
import {
  allReplayed,
  archiveFiles,
  type BatchResult,
  type IngestMode,
  ingestArchived,
  ingestFiles,
  type Warehouse
} from "@ventureos/pipeline"
import { makeFileHashCache, type RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer, Option } from "effect"
import { type Args, emit, flagString, UsageError } from "../Args"
import { paths } from "../Layers"
import { makeProgress } from "../Progress"

/** True for a real calendar date `yyyy-mm-dd` (2024-02-29 yes, 2023-02-29 and 2024-13-45 no). */
export const isCalendarDate = (s: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (m === null) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.toISOString().slice(0, 10) === s
}

/** A file found in a folder that no plugin recognises: skipped, and listed in the summary. */
export interface UnrecognisedFile {
  readonly file: string
  readonly reason: string
}

const walk = (dir: string, out: Array<string>): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith(".")) continue // .DS_Store, editor swap files, .git
    const p = join(dir, entry.name)
    if (entry.isDirectory()) walk(p, out)
    else if (entry.isFile()) out.push(p)
  }
}

/**
 * Expand the command line's inputs: files are kept as given (an unusable one fails the command with a clear
 * message); folders are walked recursively and their files that no plugin recognises (by header, for
 * `agency`) are skipped and reported instead of stopping the run.
 */
export const expandInputs = async (
  inputs: ReadonlyArray<string>,
  registry: Registry,
  agency = "auto"
): Promise<{ readonly files: Array<string>; readonly unrecognised: Array<UnrecognisedFile> }> => {
  const files: Array<string> = []
  const unrecognised: Array<UnrecognisedFile> = []
  for (const i of inputs) {
    const p = resolve(i)
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(p)
    } catch {
      files.push(p) // the normalizer reports the missing file with a clear message
      continue
    }
    if (!st.isDirectory()) {
      files.push(p)
      continue
    }
    const found: Array<string> = []
    walk(p, found)
    for (const f of found) {
      let reason: string | undefined
      try {
        const header = await readHeader(f)
        if (detect(registry, header, agency) === undefined)
          reason = `no ${agency === "auto" ? "" : `${agency} `}plugin recognises its header (${header.slice(0, 6).join(", ")}${header.length > 6 ? ", …" : ""})`
      } catch (e) {
        reason = (e as { reason?: string }).reason ?? (e instanceof Error ? e.message : String(e))
      }
      if (reason === undefined) files.push(f)
      else unrecognised.push({ file: f, reason })
    }
  }
  return { files, unrecognised }
}

export interface IngestSummary {
  readonly batches: number
  readonly replayed: number
  readonly rows: number
  readonly accepted: number
  readonly rejected: number
  readonly skipped: number
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly silverSnapshots: Record<string, string | null>
  readonly goldDeltas: number
  /** Rows normalized in SQL vs by a plugin's JavaScript (vectorized batches; absent when none was). */
  readonly decided?: { readonly sql: number; readonly js: number }
  readonly results: ReadonlyArray<BatchResult>
}

export const summarize = (results: ReadonlyArray<BatchResult>): IngestSummary => {
  const sum = (f: (r: BatchResult) => number) => results.reduce((a, r) => a + f(r), 0)
  const snaps: Record<string, string | null> = {}
  for (const r of results) snaps[r.agency] = r.silverSnapshot
  return {
    batches: results.length,
    replayed: results.filter((r) => r.status === "replayed").length,
    rows: sum((r) => r.rows),
    accepted: sum((r) => r.accepted),
    rejected: sum((r) => r.rejected),
    skipped: sum((r) => r.skipped),
    inserted: sum((r) => r.inserted),
    updated: sum((r) => r.updated),
    unchanged: sum((r) => r.unchanged),
    silverSnapshots: snaps,
    goldDeltas: sum((r) => r.goldDeltas),
    ...(results.some((r) => r.decided !== undefined)
      ? { decided: { sql: sum((r) => r.decided?.sql ?? 0), js: sum((r) => r.decided?.js ?? 0) } }
      : {}),
    results
  }
}

/**
 * Estimate the data rows of the records files (for the progress bar's ETA): file size divided by the
 * mean row length of the first MiB. Lookup files (OSHA inspections) are not counted.
 */
export const estimateRows = async (
  files: ReadonlyArray<string>,
  registry: Registry,
  agency: string
): Promise<number | undefined> => {
  let total = 0
  for (const f of files) {
    try {
      const d = detect(registry, await readHeader(f), agency)
      if (d === undefined || d.dataset.role !== "records") continue
      const size = statSync(f).size
      const fh = await open(f, "r")
      try {
        const buf = Buffer.alloc(Math.min(size, 1 << 20))
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
        let lines = 0
        for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++
        if (lines > 1) total += Math.round(size / (bytesRead / lines)) - 1
      } finally {
        await fh.close()
      }
    } catch {
      return undefined
    }
  }
  return total > 0 ? total : undefined
}

/** `ventureos ingest <file|dir>... [--mode daily|historical] [--agency auto|…] [--date yyyy-mm-dd]`. */
export const runIngest = async (
  args: Args,
  registry: Registry,
  layer: Layer.Layer<RawArchive | Warehouse>,
  after?: (s: IngestSummary) => Promise<Record<string, unknown>>,
  /** The raw archive of `layer` on its own (built in a moment): replays are answered from it alone. */
  archive?: Layer.Layer<RawArchive>
): Promise<number> => {
  if (process.env.VENTUREOS_TIMINGS === "1") {
    // what the run spent before any ingest work: node's start, loading the CLI bundle (and building it, when
    // a source changed since), parsing the command line (performance.now() counts from the process's start)
    const cpu = process.cpuUsage()
    process.stderr.write(
      `[cli] ${performance.now().toFixed(0)} ms rss ${Math.round(process.memoryUsage().rss / 1e6)}: start-up (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)\n`
    )
  }
  if (args.positionals.length === 0) throw new UsageError("ingest needs at least one file or directory")
  const mode = (flagString(args, "mode") ?? "historical") as IngestMode
  if (mode !== "daily" && mode !== "historical")
    throw new UsageError(`--mode must be daily or historical, got "${mode}"`)
  const date = flagString(args, "date")
  if (date !== undefined && !isCalendarDate(date))
    throw new UsageError(`--date must be a real calendar date yyyy-mm-dd, got "${date}"`)
  const { files, unrecognised } = await expandInputs(
    args.positionals,
    registry,
    flagString(args, "agency") ?? "auto"
  )
  for (const u of unrecognised) process.stderr.write(`skipped ${u.file}: ${u.reason}\n`)
  if (files.length === 0)
    throw new UsageError(
      `no file to ingest: ${args.positionals.join(", ")} holds no file a plugin recognises (${unrecognised.length} skipped; expected agency exports such as osha_violation.csv)`
    )
  const progress = makeProgress(
    "ingest",
    await estimateRows(files, registry, flagString(args, "agency") ?? "auto")
  )
  let base = 0
  const options = {
    registry,
    mode,
    agency: flagString(args, "agency") ?? "auto",
    ...(date !== undefined ? { date } : {}),
    hashCache: makeFileHashCache(paths().inputHashes),
    onProgress: (n: number) => progress.update(base + n),
    onBatch: (r: BatchResult) => {
      base += r.rows
      process.stderr.write(
        `\n  ${r.key}: ${r.status} rows=${r.rows} accepted=${r.accepted} rejected=${r.rejected} skipped=${r.skipped} inserted=${r.inserted} updated=${r.updated} unchanged=${r.unchanged}${r.rejectsKey ? ` rejects=${r.rejectsKey}` : ""}\n`
      )
    }
  }
  const result = await Effect.runPromise(
    (archive === undefined
      ? ingestFiles(files, options).pipe(Effect.provide(layer))
      : Effect.gen(function* () {
          // Bronze and the ledger first, on the raw archive alone: a replay (every batch's bytes completed
          // before) is answered without opening the lake (DuckDB, catalogs, the entity map's rollup).
          const batches = yield* archiveFiles(files, options).pipe(Effect.provide(archive))
          const replays = yield* allReplayed(batches).pipe(Effect.provide(archive))
          if (Option.isSome(replays)) {
            for (const r of replays.value) options.onBatch(r)
            return replays.value
          }
          // the lake checks each batch's ledger again (another run may have completed one meanwhile)
          return yield* ingestArchived(batches, options).pipe(Effect.provide(layer))
        })
    ).pipe(Effect.result)
  )
  if (result._tag === "Failure") {
    const e = result.failure
    process.stderr.write(`ventureos: ${e.message}\n`)
    // the contract holds on failure too: the last stdout line is one JSON object
    emit({ ok: false, error: e._tag, message: e.message })
    return e._tag === "UnusableFileError" || e._tag === "IngestInputError" ? 2 : 1
  }
  const s = summarize(result.success)
  progress.done(s.rows)
  // `exitCode`: the lake committed but a step after it failed (e.g. the serving sync; its work stays pending)
  const { exitCode, ...extra } = after ? await after(s) : {}
  const { results: _r, ...rest } = s
  emit({ ...rest, mode, unrecognised, ...extra })
  return typeof exitCode === "number" ? exitCode : 0
}
