import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, type Ran, SAMPLES } from "./RunCli"

const FAA = join(SAMPLES, "faa_closed_enforcement_cases.sample.csv")

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-cli-errors-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe("help", () => {
  it("--help, <command> --help and help <command> print usage, flags and an example and exit 0", async () => {
    const [all, top, serve, viaHelp, viaPnpm] = await Promise.all([
      cli(["--help"], join(dir, "h")),
      cli(["top", "--help"], join(dir, "h")),
      cli(["serve", "-h"], join(dir, "h")),
      cli(["help", "ingest"], join(dir, "h")),
      // what `pnpm start -- --help` hands the script: the bare `--` is dropped
      cli(["demo", "--", "--help"], join(dir, "h"))
    ])
    expect(all.code).toBe(0)
    for (const c of ["normalize", "ingest", "top", "stats", "sql", "serving", "bronze", "serve", "demo"])
      expect(all.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"))
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/^usage: ventureos top/)
    expect(top.stdout).toMatch(/--scope/)
    expect(top.stdout).toMatch(/examples:\n {2}ventureos top /)
    // the query did not run: no Top-N JSON was printed
    expect(top.stdout).not.toMatch(/"entries"/)
    expect(serve.code).toBe(0)
    expect(serve.stdout).toMatch(/--port/)
    expect(viaHelp.code).toBe(0)
    expect(viaHelp.stdout).toMatch(/real calendar date/)
    expect(viaPnpm.code).toBe(0)
    expect(viaPnpm.stdout).toMatch(/^usage: ventureos demo/)
  })
})

describe("expected failures are one stderr line with exit 2, never a stack trace", () => {
  const oneLine = (r: Ran, mention: RegExp) => {
    expect(r.code, r.stderr).toBe(2)
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines, r.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(/^ventureos: /)
    expect(lines[0]).toMatch(mention)
    expect(r.stderr).not.toMatch(/^\s+at /m)
  }

  it("bad entity keys, missing and invalid brand files, unknown flags, impossible dates", async () => {
    const badBrand = join(dir, "brand.json")
    await writeFile(badBrand, JSON.stringify({ id: "acme", name: "Acme" }))
    const notJson = join(dir, "brand.txt")
    await writeFile(notJson, "{ not json")
    const home = join(dir, "e")
    const [feed, entity, missing, invalid, garbled, flag, date, noValue, alone] = await Promise.all([
      cli(["serving", "feed", "national"], join(home, "1")),
      cli(["serving", "entity", "nope"], join(home, "2")),
      cli(["serving", "brand", "put", join(dir, "missing.json")], join(home, "3")),
      cli(["serving", "brand", "put", badBrand], join(home, "4")),
      cli(["serving", "brand", "put", notJson], join(home, "5")),
      cli(["top", "--bogus", "1"], join(home, "6")),
      cli(["ingest", FAA, "--date", "2024-13-45"], join(home, "7")),
      cli(["ingest", FAA, "--date"], join(home, "8")),
      cli(["ingest", join(SAMPLES, "osha_violation.csv")], join(home, "9"))
    ])
    oneLine(feed, /"national" is not an entity key: expected COMPANY#<slug>/)
    oneLine(entity, /"nope" is not an entity key/)
    oneLine(missing, /missing\.json: no such file/)
    oneLine(invalid, /brand\.json: not a valid brand config: .*domain.*\(fields: id, name, domain/)
    expect(invalid.stderr).not.toMatch(/Cause\(/)
    oneLine(garbled, /brand\.txt: not JSON/)
    oneLine(flag, /unknown flag --bogus for top \(flags: --scope/)
    oneLine(date, /--date must be a real calendar date yyyy-mm-dd, got "2024-13-45"/)
    oneLine(noValue, /--date needs a value/)
    // OSHA violations without their inspections: refused before anything is archived or written
    expect(alone.code, alone.stderr).toBe(2)
    expect(alone.stderr).toMatch(
      /osha_violation\.csv: osha_violation rows are joined to their osha_inspection rows/
    )
    expect(alone.stderr).not.toMatch(/Binder Error|^\s+at /m)
    await expect(readdir(join(home, "9"))).rejects.toThrow(/ENOENT/)
    // nothing was archived for the impossible date
    await expect(readdir(join(home, "7", "lake"))).rejects.toThrow(/ENOENT/)
  })
})

describe("serve on a busy port", () => {
  it("exits at once with exit 2 and one line naming the port", async () => {
    const blocker = createServer()
    await new Promise<void>((ok) => blocker.listen(0, "127.0.0.1", () => ok()))
    const port = (blocker.address() as { port: number }).port
    try {
      const started = Date.now()
      const r = await cli(["serve", "--port", String(port)], join(dir, "busy"))
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
      expect(r.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`))
      // it released the embedded store it had started instead of hanging
      expect(Date.now() - started).toBeLessThan(30_000)
    } finally {
      blocker.close()
    }
  })
})

describe("ingest <folder>", () => {
  it("walks subfolders, skips and lists files no plugin recognises, and ingests the rest", async () => {
    const input = join(dir, "in")
    await mkdir(join(input, "2024", "faa"), { recursive: true })
    await copyFile(FAA, join(input, "2024", "faa", "cases.csv"))
    await writeFile(join(input, "people.csv"), "name,age\nada,36\n")
    await writeFile(join(input, "notes.txt"), "downloaded on monday\n")
    const r = await cli(["ingest", input, "--date", "2024-02-29"], join(dir, "walk"))
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!)
    expect(summary).toMatchObject({ batches: 1, rows: 10, accepted: 10 })
    expect(summary.unrecognised.map((u: { file: string }) => u.file)).toEqual([
      join(input, "notes.txt"),
      join(input, "people.csv")
    ])
    expect(summary.unrecognised[1].reason).toMatch(/no plugin recognises its header \(name, age\)/)
    expect(r.stderr).toMatch(/skipped .*people\.csv/)

    // sql over what was ingested: SHOW TABLES lists the lake's views, numbers are JSON numbers
    const [tables, sums] = await Promise.all([
      cli(["sql", "SHOW TABLES"], join(dir, "walk")),
      cli(["sql", "SELECT count(*) AS n, sum(penalty_current) AS p FROM silver.faa"], join(dir, "walk"))
    ])
    expect(tables.code, tables.stderr).toBe(0)
    const names = tables.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).qualified)
    expect(names).toEqual(expect.arrayContaining(["silver.faa", "silver.violations", "gold.company_stats"]))
    expect(sums.code, sums.stderr).toBe(0)
    const row = JSON.parse(sums.stdout.trimEnd())
    expect(row.n).toBe(10)
    expect(typeof row.p).toBe("number")
  })
})
