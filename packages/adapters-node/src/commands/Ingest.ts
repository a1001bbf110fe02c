import { readdirSync, statSync } from "node:fs"
import { open } from "node:fs/promises"
import { join, resolve } from "node:path"
import { detect, type Registry, readHeader } from "@ventureos/normalizers"
import { type BatchResult, type IngestMode, ingestFiles, type Warehouse } from "@ventureos/pipeline"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer } from "effect"
import { type Args, emit, flagString, UsageError } from "../Args"
import { makeProgress } from "../Progress"

/** Expand directories (their *.csv files, sorted) and keep files as given. */
export const expandInputs = (inputs: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (const i of inputs) {
    const p = resolve(i)
    let st: ReturnType<typeof statSync>
    try {
      st = statSync(p)
    } catch {
      out.push(p) // the normalizer reports the missing file with a clear message
      continue
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.toLowerCase().endsWith(".csv")) out.push(join(p, f))
    } else out.push(p)
  }
  return out
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
  after?: (s: IngestSummary) => Promise<Record<string, unknown>>
): Promise<number> => {
  const files = expandInputs(args.positionals)
  if (files.length === 0) throw new UsageError("ingest needs at least one file or directory")
  const mode = (flagString(args, "mode") ?? "historical") as IngestMode
  if (mode !== "daily" && mode !== "historical")
    throw new UsageError(`--mode must be daily or historical, got "${mode}"`)
  const date = flagString(args, "date")
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new UsageError(`--date must be yyyy-mm-dd, got "${date}"`)
  const progress = makeProgress(
    "ingest",
    await estimateRows(files, registry, flagString(args, "agency") ?? "auto")
  )
  let base = 0
  const result = await Effect.runPromise(
    ingestFiles(files, {
      registry,
      mode,
      agency: flagString(args, "agency") ?? "auto",
      ...(date !== undefined ? { date } : {}),
      onProgress: (n) => progress.update(base + n),
      onBatch: (r) => {
        base += r.rows
        process.stderr.write(
          `\n  ${r.key}: ${r.status} rows=${r.rows} accepted=${r.accepted} rejected=${r.rejected} skipped=${r.skipped} inserted=${r.inserted} updated=${r.updated} unchanged=${r.unchanged}${r.rejectsKey ? ` rejects=${r.rejectsKey}` : ""}\n`
        )
      }
    }).pipe(Effect.provide(layer), Effect.result)
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
  const extra = after ? await after(s) : {}
  const { results: _r, ...rest } = s
  emit({ ...rest, mode, ...extra })
  return 0
}
