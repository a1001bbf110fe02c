import { basename } from "node:path"
import type { Violation } from "@ventureos/core"
import { CsvFileError, type CsvRow, readCsvRows, readHeader } from "./Csv"
import type { NormalizerPlugin, Outcome, Rejection, SourceFile } from "./Plugin"
import { describeDatasets, detect, type Registry } from "./Registry"

/** Counts for one input file. For `records` files, rows = accepted + rejected + skipped. */
export interface FileSummary {
  file: string
  path: string
  agency: string
  dataset: string
  role: "records" | "lookup"
  rows: number
  accepted: number
  rejected: number
  skipped: number
  skipReasons: Record<string, number>
}

export interface NormalizeSummary {
  files: Array<FileSummary>
  /** Agencies found (one, or several for a mixed run). */
  agencies: Array<string>
  rows: number
  accepted: number
  rejected: number
  skipped: number
  /** Malformed rows of lookup files (e.g. OSHA inspections); written to the rejects file too. */
  lookupRejected: number
}

export interface NormalizeOptions {
  readonly registry: Registry
  readonly agency?: string
  readonly ingestedAt?: string
  /**
   * Remember at most this many violation ids for in-run duplicate detection (default: unlimited). Past the
   * limit, duplicates are no longer caught here; silver's upsert by id and content hash still makes them
   * harmless.
   */
  readonly dedupeLimit?: number
}

/** A planned run: files matched to plugins, ready to stream. */
export interface NormalizeRun {
  readonly summary: NormalizeSummary
  /** Outcomes in batches, every input row exactly once. Consume once. */
  readonly outcomes: () => AsyncIterable<ReadonlyArray<Outcome>>
  /** The files of the run by plugin (for drivers that normalize without `outcomes`, e.g. in SQL). */
  readonly groups: ReadonlyArray<{
    readonly plugin: NormalizerPlugin
    readonly files: ReadonlyArray<SourceFile>
  }>
  readonly ingestedAt: string
}

const columnsOf = (header: ReadonlyArray<string>): Map<string, number> => {
  const m = new Map<string, number>()
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase()
    if (!m.has(k)) m.set(k, i)
  })
  return m
}

/**
 * Physical line of a data row, for outcomes built from a record (which carries only its row number).
 * line = row + 1 + shift, where the shift grows at each blank line or multi-line cell; only the rows where
 * it changes are stored, so memory stays bounded by the number of such places, not by the file size.
 */
const lineIndex = () => {
  const byFile = new Map<string, { rows: Array<number>; shifts: Array<number> }>()
  return {
    note(file: string, r: CsvRow): void {
      let ix = byFile.get(file)
      if (ix === undefined) byFile.set(file, (ix = { rows: [], shifts: [] }))
      const shift = r.line - r.row - 1
      if (shift !== (ix.shifts[ix.shifts.length - 1] ?? 0)) {
        ix.rows.push(r.row)
        ix.shifts.push(shift)
      }
    },
    lineOf(file: string, row: number): number {
      const ix = byFile.get(file)
      if (ix === undefined) return row + 1
      let lo = 0
      let hi = ix.rows.length - 1
      let shift = 0
      while (lo <= hi) {
        const mid = (lo + hi) >> 1
        if (ix.rows[mid]! <= row) {
          shift = ix.shifts[mid]!
          lo = mid + 1
        } else hi = mid - 1
      }
      return row + 1 + shift
    }
  }
}

/**
 * Plan a normalization run: read each file's header, detect its agency and dataset, and fail with a
 * {@link CsvFileError} naming the file when it cannot be used at all.
 */
export const planNormalize = async (
  paths: ReadonlyArray<string>,
  options: NormalizeOptions
): Promise<NormalizeRun> => {
  const agency = options.agency ?? "auto"
  if (agency !== "auto" && !options.registry.plugins.some((p) => p.id === agency || p.agency === agency)) {
    throw new CsvFileError(
      paths[0] ?? "(no file)",
      `unknown agency "${agency}"`,
      `auto or one of ${options.registry.plugins.map((p) => p.id).join(", ")}`
    )
  }
  const ingestedAt = options.ingestedAt ?? new Date().toISOString()
  const summary: NormalizeSummary = {
    files: [],
    agencies: [],
    rows: 0,
    accepted: 0,
    rejected: 0,
    skipped: 0,
    lookupRejected: 0
  }
  const byPlugin = new Map<NormalizerPlugin, Array<SourceFile>>()
  const lines = lineIndex()
  const shapeRejects: Array<Rejection> = []
  const fileSummary = new Map<string, FileSummary>()

  for (const path of paths) {
    const header = await readHeader(path)
    const found = detect(options.registry, header, agency)
    if (found === undefined) {
      throw new CsvFileError(
        path,
        `unrecognised header (${header.slice(0, 6).join(", ")}${header.length > 6 ? ", …" : ""})`,
        `a header of ${describeDatasets(options.registry, agency)}`
      )
    }
    const name = basename(path)
    if (fileSummary.has(name))
      throw new CsvFileError(path, "the same file name is given twice", "distinct files")
    const fs: FileSummary = {
      file: name,
      path,
      agency: found.plugin.agency,
      dataset: found.dataset.id,
      role: found.dataset.role,
      rows: 0,
      accepted: 0,
      rejected: 0,
      skipped: 0,
      skipReasons: {}
    }
    fileSummary.set(name, fs)
    summary.files.push(fs)
    if (!summary.agencies.includes(found.plugin.agency)) summary.agencies.push(found.plugin.agency)
    const width = header.length
    const source: SourceFile = {
      path,
      name,
      dataset: found.dataset,
      header,
      columns: columnsOf(header),
      rows: async function* () {
        for await (const batch of readCsvRows(path)) {
          const ok: Array<CsvRow> = []
          for (const r of batch) {
            fs.rows++
            lines.note(name, r)
            if (r.cells.length === width) ok.push(r)
            else
              shapeRejects.push({
                file: name,
                line: r.line,
                row: r.row,
                field: "(row)",
                value: r.cells.join(",").slice(0, 200),
                reason: `row has ${r.cells.length} fields, the header has ${width}`
              })
          }
          if (ok.length > 0) yield ok
        }
      }
    }
    const list = byPlugin.get(found.plugin) ?? []
    list.push(source)
    byPlugin.set(found.plugin, list)
  }

  const limit = options.dedupeLimit ?? Number.POSITIVE_INFINITY
  // Duplicate detector: violation id -> slot; per slot, 64 bits of the content hash, the row and the file
  // index in typed arrays. ~100 bytes per id instead of ~400 with an object or a string per id: it holds one
  // entry per violation of the run (millions). Two ids compare their hashes only when the ids are equal, so
  // 64 bits are as good as the full hash here.
  const seen = new Map<string, number>()
  const fileNames = summary.files.map((f) => f.file)
  let seenHash = new Uint32Array(2048)
  let seenRow = new Uint32Array(1024)
  let seenFile = new Uint16Array(1024)
  const hash64 = (h: string): [number, number] => [
    Number.parseInt(h.slice(0, 8), 16) >>> 0,
    Number.parseInt(h.slice(8, 16), 16) >>> 0
  ]
  const remember = (id: string, hash: string, row: number, file: string) => {
    const slot = seen.size
    if (slot >= seenRow.length) {
      const grow = <T extends Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2)
        b.set(a)
        return b
      }
      seenHash = grow(seenHash, (n) => new Uint32Array(n))
      seenRow = grow(seenRow, (n) => new Uint32Array(n))
      seenFile = grow(seenFile, (n) => new Uint16Array(n))
    }
    const [hi, lo] = hash64(hash)
    seenHash[2 * slot] = hi
    seenHash[2 * slot + 1] = lo
    seenRow[slot] = row
    seenFile[slot] = fileNames.indexOf(file)
    seen.set(id, slot)
  }
  const recall = (slot: number, hash: string) => {
    const [hi, lo] = hash64(hash)
    return {
      sameContent: seenHash[2 * slot] === hi && seenHash[2 * slot + 1] === lo,
      row: seenRow[slot]!,
      file: fileNames[seenFile[slot]!] ?? ""
    }
  }

  const account = (o: Outcome): Outcome => {
    const file =
      o._tag === "accepted" ? o.record.source_file : o._tag === "rejected" ? o.rejection.file : o.file
    const fs = fileSummary.get(file)
    if (fs === undefined) throw new Error(`plugin produced an outcome for unknown file ${file}`)
    if (o._tag === "accepted") {
      const rec: Violation = o.record
      const slot = seen.get(rec.violation_id)
      if (slot !== undefined) {
        const prev = recall(slot, rec.content_hash)
        if (prev.sameContent) {
          const reason = "exact duplicate row"
          const dup: Outcome = {
            _tag: "skipped",
            file,
            line: lines.lineOf(file, rec.source_row),
            row: rec.source_row,
            reason: `${reason} (same violation as ${prev.file} row ${prev.row})`
          }
          fs.skipped++
          fs.skipReasons[reason] = (fs.skipReasons[reason] ?? 0) + 1
          summary.skipped++
          return dup
        }
        fs.rejected++
        summary.rejected++
        return {
          _tag: "rejected",
          rejection: {
            file,
            line: lines.lineOf(file, rec.source_row),
            row: rec.source_row,
            field: "violation_id",
            value: rec.violation_id,
            reason: `duplicate violation id with different content (first seen in ${prev.file} row ${prev.row})`
          }
        }
      }
      if (seen.size < limit) remember(rec.violation_id, rec.content_hash, rec.source_row, file)
      fs.accepted++
      summary.accepted++
    } else if (o._tag === "rejected") {
      if (fs.role === "lookup") summary.lookupRejected++
      else summary.rejected++
      fs.rejected++
    } else {
      fs.skipped++
      fs.skipReasons[o.reason] = (fs.skipReasons[o.reason] ?? 0) + 1
      summary.skipped++
    }
    return o
  }

  const outcomes = async function* (): AsyncGenerator<ReadonlyArray<Outcome>> {
    const ctx = { ingestedAt }
    for (const [plugin, files] of byPlugin) {
      for await (const batch of plugin.normalize(files, ctx)) {
        const out = batch.map(account)
        if (shapeRejects.length > 0)
          out.push(...shapeRejects.splice(0).map((r) => account({ _tag: "rejected", rejection: r })))
        yield out
      }
      if (shapeRejects.length > 0)
        yield shapeRejects.splice(0).map((r) => account({ _tag: "rejected", rejection: r }))
      for (const f of files) {
        const fs = fileSummary.get(f.name)!
        if (fs.role === "records" && fs.rows !== fs.accepted + fs.rejected + fs.skipped) {
          throw new Error(
            `plugin ${plugin.id} lost rows of ${f.name}: read ${fs.rows}, accounted ${fs.accepted + fs.rejected + fs.skipped}`
          )
        }
      }
    }
    summary.rows = summary.files.filter((f) => f.role === "records").reduce((a, f) => a + f.rows, 0)
  }
  return {
    summary,
    outcomes,
    groups: [...byPlugin].map(([plugin, files]) => ({ plugin, files })),
    ingestedAt
  }
}
