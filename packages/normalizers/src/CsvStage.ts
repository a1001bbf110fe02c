import { once } from "node:events"
import { createReadStream, createWriteStream } from "node:fs"
import { CsvDecoder, parseRecord } from "./Csv"

/**
 * Staging pass for vectorized normalization: one streaming read of an agency CSV that writes a regular CSV a
 * SQL engine can read in parallel, with the row identity our reader assigns:
 *
 *   `__row,__line,__plain,<cell 0>,…,<cell w-1>`   (no header)
 *
 * Records are split exactly as {@link readCsvRows} splits them (same parser for anything quoted, so stray
 * quotes, embedded newlines, mixed line endings and invalid UTF-8 give the same cells); `__row` / `__line` are
 * the reader's row number and physical start line. Rows whose cell count differs from the header's are not
 * staged: they are returned as shape rejects, with the reader's message. `__plain` is 1 when every cell is
 * printable ASCII, where SQL string rules (trim, whitespace, JSON escaping) provably agree with JavaScript's;
 * other rows are left to the JavaScript normalizer.
 */

export interface ShapeReject {
  readonly row: number
  readonly line: number
  readonly fields: number
  /** The row as published (first 200 characters). */
  readonly value: string
}

export interface StagedCsv {
  readonly path: string
  /** Data rows read (header and blank lines excluded). */
  readonly rows: number
  readonly staged: number
  readonly shapeRejects: ReadonlyArray<ShapeReject>
  /** Data rows parsed, in range or not (with a range, reading stops once past its end). */
  readonly seen: number
}

/** Data rows `from` (inclusive) to `to` (exclusive) by the reader's row number (the first data row is 1). */
export interface RowRange {
  readonly from: number
  readonly to: number
}

const PRINTABLE = /^[\x20-\x7e]*$/

const quoted = (c: string): string => `"${c.includes('"') ? c.replaceAll('"', '""') : c}"`

/**
 * Stage `path` (a CSV whose header has `width` columns) into `out`; with `range`, only those data rows (a
 * split of a distributed backfill: row numbers, lines and rejects stay those of the whole file).
 */
export const stageCsv = async (
  path: string,
  out: string,
  width: number,
  range?: RowRange
): Promise<StagedCsv> => {
  const from = range?.from ?? 1
  const to = range?.to ?? Number.POSITIVE_INFINITY
  const decoder = new CsvDecoder()
  const sink = createWriteStream(out)
  const shapeRejects: Array<ShapeReject> = []
  let rows = 0
  let staged = 0
  let index = 0 // records seen, the header included
  let line = 1
  let pending: Array<string> = []
  let pendingChars = 0
  const flush = async () => {
    if (pending.length === 0) return
    const text = pending.join("")
    pending = []
    pendingChars = 0
    if (!sink.write(text)) await once(sink, "drain")
  }
  const emit = (row: number, startLine: number, cells: ReadonlyArray<string> | string, count: number) => {
    if (row < from || row >= to) return
    rows++
    if (count !== width) {
      const value = typeof cells === "string" ? cells : cells.join(",")
      // a copy: a slice would keep the whole decoded chunk it came from alive (megabytes per reject)
      shapeRejects.push({
        row,
        line: startLine,
        fields: count,
        value: Buffer.from(value.slice(0, 200)).toString()
      })
      return
    }
    staged++
    let text: string
    if (typeof cells === "string") text = `${row},${startLine},${PRINTABLE.test(cells) ? 1 : 0},${cells}\n`
    else {
      let plain = 1
      for (const c of cells) if (!PRINTABLE.test(c)) plain = 0
      text = `${row},${startLine},${plain},${cells.map(quoted).join(",")}\n`
    }
    pending.push(text)
    pendingChars += text.length
  }

  /** Consume complete records of `s`; returns the offset of the first unconsumed character. */
  const drain = (s: string, final: boolean): number => {
    let pos = 0
    const n = s.length
    // next `"` and `\r` at or after pos (searched again only once passed: no rescan per line)
    let quote = -2
    let cr = -2
    while (pos < n) {
      let nl = s.indexOf("\n", pos)
      if (nl === -1) {
        if (!final) break
        nl = n
      }
      const segEnd = nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      if (quote !== -1 && quote < pos) quote = s.indexOf('"', pos)
      if (cr !== -1 && cr < pos) cr = s.indexOf("\r", pos)
      if ((quote === -1 || quote >= segEnd) && (cr === -1 || cr >= segEnd)) {
        // one physical line, nothing quoted: the common case, no cell strings built
        const startLine = line
        const seg = s.slice(pos, segEnd)
        pos = nl < n ? nl + 1 : n
        line += nl < n ? 1 : 0
        if (seg === "") continue // blank line
        const row = index++
        if (row === 0) continue // header
        let count = 1
        for (let i = seg.indexOf(","); i !== -1; i = seg.indexOf(",", i + 1)) count++
        emit(row, startLine, seg, count)
        continue
      }
      const rec = parseRecord(s, pos, final)
      if (rec === undefined) break
      const startLine = line
      pos = rec.end
      line += rec.newlines
      if (rec.blank) continue
      const row = index++
      if (row === 0) continue
      emit(row, startLine, rec.cells, rec.cells.length)
    }
    return pos
  }

  let buf = ""
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    buf += decoder.decode(chunk as Buffer, { stream: true })
    buf = buf.slice(drain(buf, false))
    if (pendingChars > 1 << 22) await flush()
    if (index > to) break // past the range: the rest of the file is not needed
  }
  buf += decoder.decode()
  if (index <= to) drain(buf, true)
  await flush()
  sink.end()
  await once(sink, "close")
  return { path: out, rows, staged, shapeRejects, seen: Math.max(0, index - 1) }
}
