import { isUtf8 } from "node:buffer"
import { createReadStream } from "node:fs"
import { open } from "node:fs/promises"

/** One data row of a CSV file. `line` is the physical line where the row starts (header is line 1). */
export interface CsvRow {
  /** 1-based number of the data row (header excluded): the row's lineage id. */
  readonly row: number
  /** Physical line in the file where the row starts (multi-line cells make these differ). */
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

/** Why a file cannot be read as CSV at all. */
export class CsvFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly expected: string
  ) {
    super(`${file}: ${reason} (expected ${expected})`)
    this.name = "CsvFileError"
  }
}

const SNIFF_BYTES = 64 * 1024
/** Limits of one quoted cell before its opening quote is treated as a stray literal (see CsvParser). */
export const MAX_QUOTED_LINES = 50
export const MAX_QUOTED_CHARS = 256 * 1024

/**
 * The most header columns a file may have. Agency exports have 20-130; a header far wider is not an agency
 * file, and its width would be multiplied into every staged row and SQL projection (a 10,000-column file
 * ran DuckDB out of memory). Checked before anything is archived or staged.
 */
export const MAX_COLUMNS = 1024

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true })
const cp1252 = new TextDecoder("windows-1252")

/** Bytes at the end of `b` that begin a UTF-8 sequence the buffer does not complete (0-3). */
const incompleteTail = (b: Uint8Array): number => {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!
    if ((c & 0xc0) === 0x80) continue // continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    return need > k ? k : 0
  }
  return 0
}

/**
 * Decode a CSV file's bytes: UTF-8 (a leading BOM dropped) until a byte sequence that is not UTF-8 appears,
 * then Windows-1252 from the start of that chunk to the end of the file (`encoding` says which). Agency
 * exports saved by Excel on Windows are Windows-1252 (a superset of Latin-1 for text): their `é` used to
 * become U+FFFD. Pass chunks with `stream: true`, then call once without.
 */
export class CsvDecoder {
  encoding: "utf-8" | "windows-1252" = "utf-8"
  private carry: Uint8Array | undefined
  private first = true

  decode(chunk?: Uint8Array, options?: { readonly stream?: boolean }): string {
    const stream = options?.stream === true
    let bytes: Uint8Array = chunk ?? new Uint8Array(0)
    if (this.carry !== undefined) {
      bytes = Buffer.concat([this.carry, bytes])
      this.carry = undefined
    }
    if (this.first) {
      if (stream && bytes.length < 3) {
        this.carry = bytes
        return ""
      }
      this.first = false
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
    }
    if (this.encoding === "windows-1252") return cp1252.decode(bytes)
    const cut = stream ? bytes.length - incompleteTail(bytes) : bytes.length
    const head = bytes.subarray(0, cut)
    if (isUtf8(head)) {
      if (cut < bytes.length) this.carry = Uint8Array.from(bytes.subarray(cut))
      return utf8.decode(head)
    }
    this.encoding = "windows-1252"
    return cp1252.decode(bytes)
  }
}

/** Read the header of a CSV file and check it is text. Throws {@link CsvFileError} for unusable files. */
export const readHeader = async (path: string): Promise<ReadonlyArray<string>> => {
  let fh: Awaited<ReturnType<typeof open>>
  try {
    fh = await open(path, "r")
  } catch (e) {
    throw new CsvFileError(
      path,
      `cannot open file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      "a readable CSV file"
    )
  }
  try {
    const buf = Buffer.alloc(SNIFF_BYTES)
    let bytesRead: number
    try {
      ;({ bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0))
    } catch (e) {
      // e.g. EISDIR: a directory opens fine on Linux but cannot be read
      throw new CsvFileError(
        path,
        `cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        "a readable CSV file"
      )
    }
    const head = buf.subarray(0, bytesRead)
    if (bytesRead === 0) throw new CsvFileError(path, "file is empty", "a CSV file with a header row")
    if (head.includes(0))
      throw new CsvFileError(path, "file is binary (contains NUL bytes), not text", "a UTF-8 CSV file")
    const text = new CsvDecoder().decode(head, { stream: bytesRead === SNIFF_BYTES })
    const parser = new CsvParser()
    const rows = parser.push(text)
    const complete = rows[0] !== undefined
    const first = rows[0] ?? parser.end()[0]
    if (first === undefined || first.cells.every((c) => c.trim() === "")) {
      throw new CsvFileError(path, "no header row", "a CSV file with a header row")
    }
    // a header that does not end within the first 64 KiB has at least the columns read so far
    const wide = !complete && bytesRead === SNIFF_BYTES
    if (first.cells.length > MAX_COLUMNS || wide)
      throw new CsvFileError(
        path,
        `the header has ${wide ? "at least " : ""}${first.cells.length} columns${wide ? " (longer than 64 KiB)" : ""}`,
        `at most ${MAX_COLUMNS} columns (agency exports have 20-130); nothing was archived`
      )
    return first.cells.map((c) => c.trim())
  } finally {
    await fh.close()
  }
}

/**
 * Incremental RFC 4180 parser: quoted cells with embedded commas, quotes ("") and newlines; LF and CRLF
 * endings mixed in one file (agency exports do this). Feed it text chunks; it returns complete rows.
 */
export class CsvParser {
  private buf = ""
  private line = 1
  private rowIndex = 0 // counts every record including the header

  push(chunk: string): Array<CsvRow & { readonly index: number }> {
    this.buf += chunk
    return this.drain(false)
  }

  end(): Array<CsvRow & { readonly index: number }> {
    return this.drain(true)
  }

  private drain(final: boolean): Array<CsvRow & { readonly index: number }> {
    const out: Array<CsvRow & { readonly index: number }> = []
    const s = this.buf
    let pos = 0
    for (;;) {
      const rec = parseRecord(s, pos, final)
      if (rec === undefined) break
      const startLine = this.line
      pos = rec.end
      this.line += rec.newlines
      // skip blank lines entirely (trailing newline at EOF, blank separators)
      if (rec.blank) continue
      const index = this.rowIndex++
      out.push({ index, row: index, line: startLine, cells: rec.cells })
    }
    this.buf = s.slice(pos)
    return out
  }
}

/** One record parsed from text: its cells, where the next record starts and how many line breaks it spans. */
export interface ParsedRecord {
  readonly cells: Array<string>
  /** Offset just past the record's line terminator. */
  readonly end: number
  readonly newlines: number
  /** A blank line (no cells), skipped by readers; a record whose only cell is quoted (`""`) is not blank. */
  readonly blank: boolean
}

/**
 * Parse the record starting at `pos` of `s` (RFC 4180 with the tolerances described on {@link CsvParser}).
 * Returns undefined when the text ends before the record does and more may come (`final` false), or when
 * `pos` is at the end.
 */
export const parseRecord = (s: string, pos: number, final: boolean): ParsedRecord | undefined => {
  const n = s.length
  if (pos >= n) return undefined
  const cells: Array<string> = []
  let p = pos
  let newlines = 0
  // a record whose only cell is quoted (`""`) is a row with one empty cell, not a blank line
  let firstQuoted = false
  for (;;) {
    if (p < n && s.charCodeAt(p) === 34 /* " */) {
      if (cells.length === 0) firstQuoted = true
      // quoted cell
      let q = p + 1
      let value = ""
      let closed = false
      for (;;) {
        const next = s.indexOf('"', q)
        if (next === -1) break
        if (next + 1 < n && s.charCodeAt(next + 1) === 34) {
          value += s.slice(q, next + 1)
          q = next + 2
          continue
        }
        if (next + 1 >= n && !final) break // cannot tell "" from end yet
        value += s.slice(q, next)
        q = next + 1
        closed = true
        break
      }
      // A stray quote (a `"` opening a cell that was never meant to be quoted) would swallow every
      // following row into one cell. A quoted cell may span at most MAX_QUOTED_LINES line breaks and
      // MAX_QUOTED_CHARS characters; past that its quote is taken as a literal character, the cell ends at
      // the next delimiter, and the following rows parse on their own (the broken row is then usually
      // rejected for its width, with its line number).
      const spanEnd = closed ? q : n
      const tooLong = spanEnd - p > MAX_QUOTED_CHARS
      if (!closed && !final && !tooLong) return undefined
      if (tooLong || countNewlines(closed ? value : s.slice(q, n)) > MAX_QUOTED_LINES) {
        let e = p + 1
        while (e < n) {
          const c = s.charCodeAt(e)
          if (c === 44 || c === 10 || c === 13) break
          e++
        }
        if (e >= n && !final) return undefined
        if (cells.length === 0) firstQuoted = false
        cells.push(s.slice(p, e))
        p = e
      } else {
        if (!closed) {
          // unterminated quote at end of file: take the rest as the cell
          value += s.slice(q)
          q = n
        }
        newlines += countNewlines(value)
        // tolerate junk between closing quote and delimiter (e.g. `"abc" x,`): keep it
        let e = q
        while (e < n) {
          const c = s.charCodeAt(e)
          if (c === 44 || c === 10 || c === 13) break
          e++
        }
        if (e >= n && !final) return undefined
        if (e > q) value += s.slice(q, e)
        cells.push(value)
        p = e
      }
    } else {
      let e = p
      while (e < n) {
        const c = s.charCodeAt(e)
        if (c === 44 || c === 10 || c === 13) break
        e++
      }
      if (e >= n && !final) return undefined
      cells.push(s.slice(p, e))
      p = e
    }
    if (p >= n) {
      if (!final) return undefined
      break
    }
    const c = s.charCodeAt(p)
    if (c === 44) {
      p++
      if (p >= n && final) {
        cells.push("")
        break
      }
      continue
    }
    // end of record: \n, \r\n or lone \r
    if (c === 13) {
      if (p + 1 >= n && !final) return undefined
      p += p + 1 < n && s.charCodeAt(p + 1) === 10 ? 2 : 1
    } else p++
    newlines++
    break
  }
  return { cells, end: p, newlines, blank: cells.length === 1 && cells[0] === "" && !firstQuoted }
}

const countNewlines = (v: string): number => {
  let k = 0
  for (let i = v.indexOf("\n"); i !== -1; i = v.indexOf("\n", i + 1)) k++
  // lone CRs count as line breaks too
  for (let i = v.indexOf("\r"); i !== -1; i = v.indexOf("\r", i + 1)) if (v.charCodeAt(i + 1) !== 10) k++
  return k
}

/**
 * Stream the data rows of a CSV file in batches, in bounded memory. Bytes that are not UTF-8 switch the
 * file to Windows-1252 ({@link CsvDecoder}).
 */
export async function* readCsvRows(path: string, batchSize = 4096): AsyncGenerator<ReadonlyArray<CsvRow>> {
  const decoder = new CsvDecoder()
  const parser = new CsvParser()
  let batch: Array<CsvRow> = []
  const take = (rows: ReadonlyArray<CsvRow & { readonly index: number }>) => {
    for (const r of rows) {
      if (r.index === 0) continue // header
      batch.push({ row: r.index, line: r.line, cells: r.cells })
    }
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    take(parser.push(decoder.decode(chunk as Buffer, { stream: true })))
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  take(parser.push(decoder.decode()))
  take(parser.end())
  if (batch.length > 0) yield batch
}
