import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson, SAMPLES } from "./RunCli"

const EPA = join(import.meta.dirname, "fixtures", "npdes_formal_actions_FL.head.csv")

const jsonl = async (path: string): Promise<Array<Record<string, unknown>>> =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-cli-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("ventureos normalize", () => {
  it("normalizes the real OSHA samples: JSON summary last on stdout, records and rejects written", async () => {
    const out = join(dir, "ok", "records.jsonl")
    const r = await cli(
      ["normalize", join(SAMPLES, "osha_inspection.csv"), join(SAMPLES, "osha_violation.csv"), "--out", out],
      join(dir, "home-ok")
    )
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const s = lastJson(r.stdout)
    expect(s).toMatchObject({ files: 2, agency: "osha", rows: 655, rejectsFile: expect.any(String) })
    expect(s.rows).toBe(Number(s.accepted) + Number(s.rejected) + Number(s.skipped))
    const records = await jsonl(out)
    expect(records).toHaveLength(Number(s.accepted))
    expect(records.every((x) => x.agency === "osha" && typeof x.violation_id === "string")).toBe(true)
    expect(await jsonl(String(s.rejectsFile))).toHaveLength(Number(s.rejected) + Number(s.lookupRejected))
  })

  it("writes broken rows to the rejects file and still reconciles", async () => {
    const vio = (await readFile(join(SAMPLES, "osha_violation.csv"), "utf8")).split("\r\n")
    const header = vio[0]!
    const good = vio.slice(1, 4)
    const bad = [
      good[0]!.replace("2001-03-06", "2001-02-31"), // impossible date
      good[1]!.split(",").slice(0, 5).join(","), // short row
      good[2]!.replace(",150,150,", ",150,1x0,") // malformed amount
    ].map((l, i) => l.replace(/^(\d+),(\d+)/, `$1,9900${i}`))
    const file = join(dir, "osha_violation.csv")
    await writeFile(file, [header, ...good, ...bad, good[0]!, ""].join("\r\n"))
    const out = join(dir, "broken", "records.jsonl")
    const r = await cli(
      ["normalize", join(SAMPLES, "osha_inspection.csv"), file, "--out", out],
      join(dir, "h2")
    )
    expect(r.code).toBe(0)
    const s = lastJson(r.stdout)
    expect(s).toMatchObject({ rows: 7, accepted: 3, rejected: 3, skipped: 1 })
    // shape rejects (short rows) are written after their batch: compare in line order
    const rejects = (await jsonl(String(s.rejectsFile))).sort((a, b) => Number(a.line) - Number(b.line))
    expect(rejects.map((x) => [x.line, x.field])).toEqual([
      [5, "issuance_date"],
      [6, "(row)"],
      [7, "initial_penalty"]
    ])
    expect(rejects.every((x) => x.file === "osha_violation.csv" && typeof x.reason === "string")).toBe(true)
  })
})

describe("unusable input: one stderr line naming the file and what was expected, exit code 2", () => {
  const unusable = async (name: string, args: ReadonlyArray<string>, mention: RegExp) => {
    const r = await cli(
      ["normalize", ...args, "--out", join(dir, name, "records.jsonl")],
      join(dir, `h-${name}`)
    )
    expect(r.code).toBe(2)
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines, r.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(/^ventureos: /)
    expect(lines[0]).toMatch(mention)
    expect(lines[0]).toMatch(/expected /)
    expect(r.stdout).not.toMatch(/"accepted"/)
  }

  it("empty file", async () => {
    const f = join(dir, "empty.csv")
    await writeFile(f, "")
    await unusable("empty", [f], /empty\.csv: file is empty/)
  })
  it("binary file", async () => {
    const f = join(dir, "archive.csv")
    await writeFile(f, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0]))
    await unusable("binary", [f], /archive\.csv: file is binary/)
  })
  it("unknown header", async () => {
    const f = join(dir, "people.csv")
    await writeFile(f, "name,age\nada,36\n")
    await unusable("unknown", [f], /people\.csv: unrecognised header \(name, age\).*osha_violation/)
  })
  it("missing file", async () =>
    unusable("missing", [join(dir, "nope.csv")], /nope\.csv: cannot open file: ENOENT/))
  it("a folder with no agency file in it", async () => {
    // Folders are walked (recursively); one holding nothing a plugin recognises is an input error.
    const d = join(dir, "a-directory.csv")
    await mkdir(d)
    await unusable("dir", [d], /no file to normalize: .*a-directory\.csv holds no file a plugin recognises/)
  })
  it("--agency osha on an EPA file", async () =>
    unusable(
      "epa",
      ["--agency", "osha", EPA],
      /npdes_formal_actions_FL\.head\.csv: unrecognised header \(NPDES_ID.*osha_/
    ))
  it("OSHA violations without their inspections", async () =>
    unusable(
      "noinsp",
      [join(SAMPLES, "osha_violation.csv")],
      /osha_violation\.csv: .*no osha_inspection file/
    ))
  it("an unknown agency", async () =>
    unusable("agency", ["--agency", "nasa", join(SAMPLES, "osha_violation.csv")], /unknown agency "nasa"/))
})
