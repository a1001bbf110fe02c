import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CsvParser, type CsvRow, readCsvRows, stageCsv } from "../../src/index"

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-stage-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const readAll = async (path: string): Promise<Array<CsvRow>> => {
  const out: Array<CsvRow> = []
  for await (const b of readCsvRows(path)) out.push(...b)
  return out
}

/** The staged file read back with the project's own RFC 4180 parser: (row, line, plain, cells). */
const readStaged = async (path: string) => {
  const p = new CsvParser()
  const text = await readFile(path, "utf8")
  return [...p.push(text), ...p.end()].map((r) => ({
    row: Number(r.cells[0]),
    line: Number(r.cells[1]),
    plain: r.cells[2] === "1",
    cells: r.cells.slice(3)
  }))
}

/** Stage `bytes` and check it against readCsvRows: same rows, lines and cells; wrong widths rejected. */
const check = async (name: string, bytes: Uint8Array, width: number) => {
  const src = join(dir, `${name}.csv`)
  await writeFile(src, bytes)
  const staged = await stageCsv(src, join(dir, `${name}.staged.csv`), width)
  const reader = await readAll(src)
  const good = reader.filter((r) => r.cells.length === width)
  const bad = reader.filter((r) => r.cells.length !== width)
  expect(staged.rows).toBe(reader.length)
  expect(staged.staged).toBe(good.length)
  expect(staged.shapeRejects.map((r) => [r.row, r.line, r.fields, r.value])).toEqual(
    bad.map((r) => [r.row, r.line, r.cells.length, r.cells.join(",").slice(0, 200)])
  )
  const back = await readStaged(staged.path)
  expect(back.map((r) => ({ row: r.row, line: r.line, cells: r.cells }))).toEqual(
    good.map((r) => ({ row: r.row, line: r.line, cells: [...r.cells] }))
  )
  for (const r of back) expect(r.plain).toBe(r.cells.every((c) => /^[\x20-\x7e]*$/.test(c)))
}

describe("stageCsv", () => {
  it("keeps the reader's rows, lines and cells through every quirk", async () => {
    const text = [
      "a,b,c",
      'plain,"quoted, comma","multi',
      'line"',
      "",
      "short,row",
      'x,WEGMAN"S,z',
      "crlf,1,2\r",
      'lone,cr,"x"\ry,1,2',
      "tab\tcell,  spaced  ,é",
      '"","",""',
      "too,many,cells,here",
      "last,no,newline"
    ].join("\n")
    await check("quirks", new TextEncoder().encode(text), 3)
  })

  it("contains invalid UTF-8 in its cell, as the reader does", async () => {
    const bytes = Buffer.concat([Buffer.from("a,b\n1,x"), Buffer.from([0xff, 0xfe]), Buffer.from("y\n2,z\n")])
    await check("utf8", bytes, 2)
  })

  it("agrees with the reader on random CSV text (property)", async () => {
    const cell = fc.oneof(
      fc.constantFrom("", " ", "a", "b c", '"', '""', ",", "\n", "\r\n", "\r", "é", "x,y", 'q"q'),
      fc.string({ maxLength: 6 })
    )
    const record = fc.array(cell, { minLength: 1, maxLength: 5 })
    const eol = fc.constantFrom("\n", "\r\n", "\r")
    let k = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(record, eol, fc.boolean()), { maxLength: 30 }), async (recs) => {
        const text = ["h1,h2,h3\n"]
        for (const [cells, e, quoteAll] of recs)
          text.push(
            cells
              .map((c) => (quoteAll || /[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c))
              .join(",") + e
          )
        await check(`p${k++}`, new TextEncoder().encode(text.join("")), 3)
      }),
      { numRuns: 150 }
    )
  })

  it("reads past chunk boundaries (files larger than one read)", async () => {
    const lines = ["id,name,note"]
    for (let i = 0; i < 40_000; i++)
      lines.push(i % 97 === 0 ? `${i},"name, ${i}","multi\nline ${i}"` : `${i},name ${i},note`)
    await check("big", new TextEncoder().encode(lines.join("\n")), 3)
  })
})
