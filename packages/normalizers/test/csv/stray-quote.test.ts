import { describe, expect, it } from "vitest"
import { CsvParser, MAX_QUOTED_LINES } from "../../src/Csv"

const parseAll = (text: string, chunk = 7) => {
  const p = new CsvParser()
  const rows = []
  for (let i = 0; i < text.length; i += chunk) rows.push(...p.push(text.slice(i, i + chunk)))
  rows.push(...p.end())
  return rows
}

describe("a stray quote does not swallow the rest of the file", () => {
  it("takes the quote as a literal once the cell would span too many lines; later rows parse on their own", () => {
    const rows = ["id,name,amount"]
    for (let i = 1; i <= 200; i++) rows.push(i === 3 ? `3,"ACME WIDGETS,100` : `${i},COMPANY ${i},${i * 10}`)
    const parsed = parseAll(`${rows.join("\r\n")}\r\n`)
    // header + 200 data rows, each on its own physical line
    expect(parsed.length).toBe(201)
    expect(parsed[3]?.cells).toEqual(["3", '"ACME WIDGETS', "100"])
    expect(parsed[3]?.line).toBe(4)
    expect(parsed[200]?.cells).toEqual(["200", "COMPANY 200", "2000"])
    expect(parsed[200]?.line).toBe(201)
  })

  it("still reads legitimate multi-line quoted cells", () => {
    const cell = Array.from({ length: MAX_QUOTED_LINES }, (_, i) => `line ${i}`).join("\n")
    const parsed = parseAll(`a,b\r\n1,"${cell}"\r\n2,x\r\n`)
    expect(parsed.map((r) => r.cells)).toEqual([
      ["a", "b"],
      ["1", cell],
      ["2", "x"]
    ])
    expect(parsed[2]?.line).toBe(2 + MAX_QUOTED_LINES)
  })
})
