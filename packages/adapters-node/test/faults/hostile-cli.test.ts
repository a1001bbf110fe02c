import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson, ROOT } from "../RunCli"

/** Issue 15 #7 and the Latin-1 finding, end to end through the CLI (copies of the normalizers' hostile corpus). */
const HOSTILE = join(ROOT, "packages", "adapters-node", "test", "fixtures", "hostile")
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-hostile-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("hostile files through the CLI", () => {
  it("a 10,000-column file: exit 2 before anything is archived, naming the file, its column count and the limit", async () => {
    const home = join(dir, "wide")
    const file = join(HOSTILE, "columns_10000.csv")
    const r = await cli(["ingest", file], home)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`${file}: the header has 10000 columns`)
    expect(r.stderr).toContain("at most 1024 columns")
    expect(r.stderr).not.toMatch(/duckdb|Binder|Out of Memory|^\s+at /im)
    expect(lastJson(r.stdout)).toMatchObject({ ok: false, error: "UnusableFileError" })
    const lake = await readdir(join(home, "lake")).catch(() => [])
    expect(lake, "nothing archived").not.toContain("bronze")
  }, 60_000)

  it("a 240-character file name: exit 2 before anything is archived (was ENAMETOOLONG at the archive's put)", async () => {
    const home = join(dir, "long")
    const file = join(dir, `${"f".repeat(236)}.csv`)
    await copyFile(join(HOSTILE, "windows1252.csv"), file)
    const r = await cli(["ingest", file], home)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain("the file name is 240 characters long")
    expect(r.stderr).toContain("at most 200")
    expect(r.stderr).not.toContain("ENAMETOOLONG")
  }, 60_000)

  it("a Windows-1252 file is read as Windows-1252: its É reaches silver intact, no U+FFFD", async () => {
    const home = join(dir, "latin")
    const r = await cli(["ingest", join(HOSTILE, "windows1252.csv")], home)
    expect(r.code, r.stderr).toBe(0)
    const q = await cli(["sql", "SELECT company_name FROM silver.faa ORDER BY 1"], home)
    expect(
      q.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).company_name)
    ).toEqual(["MÜLLER AIR", "SOCIÉTÉ AÉRIENNE D’ÉTÉ"])
  }, 60_000)
})
