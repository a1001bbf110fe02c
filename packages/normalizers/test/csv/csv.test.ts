import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CsvFileError, CsvParser, type CsvRow, readCsvRows, readHeader } from "../../src/index"

type Parsed = CsvRow & { readonly index: number }

/** Feed `bytes` to a parser in the given chunks, decoding UTF-8 in streaming mode as readCsvRows does. */
const parseChunks = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Parsed> => {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false })
  const parser = new CsvParser()
  const out: Array<Parsed> = []
  let prev = 0
  for (const cut of [...cuts, bytes.length]) {
    out.push(...parser.push(decoder.decode(bytes.subarray(prev, cut), { stream: true })))
    prev = cut
  }
  out.push(...parser.push(decoder.decode()))
  out.push(...parser.end())
  return out
}

const enc = (s: string) => new TextEncoder().encode(s)

/** RFC 4180 serialization: quote when needed (or when asked), double inner quotes. */
const quoteCell = (cell: string, force: boolean): string =>
  force || /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell

/** Physical line breaks: CRLF, LF and a lone CR each count once. */
const lineBreaks = (s: string): number => (s.match(/\r\n|\n|\r/g) ?? []).length

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-csv-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const file = async (name: string, content: string | Uint8Array): Promise<string> => {
  const p = join(dir, name)
  await writeFile(p, content)
  return p
}

const allRows = async (path: string): Promise<Array<CsvRow>> => {
  const out: Array<CsvRow> = []
  for await (const b of readCsvRows(path, 3)) out.push(...b)
  return out
}

describe("CsvParser (property)", () => {
  // Characters that stress the grammar: delimiters, quotes, every line ending, multi-byte UTF-8.
  const unit = fc.constantFrom(
    "a",
    "Z",
    "0",
    " ",
    ",",
    '"',
    "\n",
    "\r\n",
    "\r",
    "é",
    "中",
    "😀",
    "\u00a0",
    "#",
    ";",
    "'"
  )
  const cell = fc.string({ unit, maxLength: 12 })
  const table = fc.integer({ min: 1, max: 5 }).chain((cols) =>
    fc.record({
      rows: fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 15 }),
      forceQuote: fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
      endings: fc.array(fc.constantFrom("\n", "\r\n"), { minLength: 16, maxLength: 16 }),
      trailingNewline: fc.boolean(),
      cutFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 })
    })
  )

  it("parses any RFC 4180 table back exactly, with the physical line of each row, at any chunk split", () => {
    fc.assert(
      fc.property(table, ({ rows, forceQuote, endings, trailingNewline, cutFractions }) => {
        let text = ""
        const expectedLines: Array<number> = []
        rows.forEach((cells, r) => {
          expectedLines.push(lineBreaks(text) + 1)
          // a lone empty cell must be quoted, otherwise it is a blank line
          const serialized = cells.map((c, i) =>
            quoteCell(c, (forceQuote[(r * 5 + i) % 80] ?? false) || (cells.length === 1 && c === ""))
          )
          text += serialized.join(",")
          if (r < rows.length - 1 || trailingNewline) text += endings[r % 16]
        })
        const bytes = enc(text)
        const cuts = [...new Set(cutFractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b)
        const parsed = parseChunks(bytes, cuts)
        expect(parsed.map((p) => p.cells)).toEqual(rows)
        expect(parsed.map((p) => p.line)).toEqual(expectedLines)
        expect(parsed.map((p) => p.index)).toEqual(rows.map((_, i) => i))
      }),
      { numRuns: 400 }
    )
  })

  it("confines invalid UTF-8 bytes to their own cell, wherever the chunks are cut", () => {
    const bad = [
      Uint8Array.of(0xff),
      Uint8Array.of(0xc3),
      Uint8Array.of(0xe4, 0xb8),
      Uint8Array.of(0x80, 0x80)
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...bad),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (junk, col, rawCuts) => {
          const cells = ["alpha", "béta", "gamma"]
          const before = enc(`h1,h2,h3\r\n${cells.slice(0, col).join(",")}${col > 0 ? "," : ""}x`)
          const after = enc(`y${col < 2 ? "," : ""}${cells.slice(col + 1).join(",")}\nnext,row,ok\n`)
          const bytes = new Uint8Array([...before, ...junk, ...after])
          const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
          const parsed = parseChunks(bytes, cuts)
          expect(parsed).toHaveLength(3)
          const row = parsed[1]!.cells
          expect(row).toHaveLength(3)
          row.forEach((c, i) => {
            if (i === col) expect(c).toMatch(/^x\uFFFD+y$/)
            else expect(c).toBe(cells[i])
          })
          expect(parsed[2]).toMatchObject({ cells: ["next", "row", "ok"], line: 3 })
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("CsvParser (cases)", () => {
  it("skips blank lines but keeps counting physical lines", () => {
    const rows = parseChunks(enc("a,b\n\n1,2\r\n\r\n\n3,4\n\n"), [])
    expect(rows.map((r) => [r.cells, r.line])).toEqual([
      [["a", "b"], 1],
      [["1", "2"], 3],
      [["3", "4"], 6]
    ])
  })

  it("counts embedded line breaks of every kind when numbering the next row", () => {
    const rows = parseChunks(enc('h\n"one\r\ntwo\nthree\rfour"\nnext\n'), [])
    expect(rows.map((r) => [r.cells[0], r.line])).toEqual([
      ["h", 1],
      ["one\r\ntwo\nthree\rfour", 2],
      ["next", 6]
    ])
  })

  it("takes the rest of the file as the cell when a quote is never closed", () => {
    const rows = parseChunks(enc('a,b\n1,"abc\n2,3\n'), [5, 9])
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatchObject({ cells: ["1", "abc\n2,3\n"], line: 2 })
  })

  it("keeps a trailing empty cell and a final row without newline", () => {
    expect(parseChunks(enc("a,b\n1,"), []).map((r) => r.cells)).toEqual([
      ["a", "b"],
      ["1", ""]
    ])
  })
})

describe("readCsvRows", () => {
  it("strips a UTF-8 BOM and numbers data rows from 1 (header excluded)", async () => {
    const p = await file(
      "bom.csv",
      new Uint8Array([0xef, 0xbb, 0xbf, ...enc('id,name\r\n1,é\n\n2,"x\ny"\n3,z')])
    )
    expect(await readHeader(p)).toEqual(["id", "name"])
    const rows = await allRows(p)
    expect(rows).toEqual([
      { row: 1, line: 2, cells: ["1", "é"] },
      { row: 2, line: 4, cells: ["2", "x\ny"] },
      { row: 3, line: 6, cells: ["3", "z"] }
    ])
  })

  it("streams a file larger than its read buffer without losing or reordering rows", async () => {
    // ~2.6 MB: several 1 MB reads, cut inside rows and inside multi-byte characters
    const n = 60_000
    const body = Array.from({ length: n }, (_, i) => `${i},"name ${i}, with comma",${"é".repeat(i % 7)}`)
    const p = await file(
      "big.csv",
      `id,name,pad\n${body.map((l, i) => l + (i % 2 ? "\r\n" : "\n")).join("")}`
    )
    let count = 0
    for await (const batch of readCsvRows(p)) {
      for (const r of batch) {
        expect(r.cells[0]).toBe(String(count))
        expect(r.line).toBe(count + 2)
        count++
      }
    }
    expect(count).toBe(n)
  })
})

describe("readHeader: unusable files fail with the file name and what was expected", () => {
  const fails = async (path: string, reason: RegExp) => {
    const e = await readHeader(path).then(
      () => undefined,
      (err: unknown) => err
    )
    expect(e).toBeInstanceOf(CsvFileError)
    const err = e as CsvFileError
    expect(err.file).toBe(path)
    expect(err.message).toContain(path)
    expect(err.reason).toMatch(reason)
    expect(err.expected).not.toBe("")
    expect(err.message).not.toContain("\n")
  }

  it("empty file", async () => fails(await file("empty.csv", ""), /empty/))
  it("binary file (NUL bytes)", async () =>
    fails(await file("bin.csv", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0])), /binary/))
  it("UTF-16 text is not UTF-8 text", async () =>
    fails(
      await file("utf16.csv", new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x2c, 0x00, 0x62, 0x00])),
      /binary/
    ))
  it("headerless: only blank lines", async () => fails(await file("blank.csv", "\n\r\n  ,  \n"), /no header/))
  it("missing file", async () => fails(join(dir, "does-not-exist.csv"), /ENOENT/))
  it("a directory", async () => {
    const d = join(dir, "a-dir.csv")
    await mkdir(d)
    await fails(d, /EISDIR/)
  })
})
