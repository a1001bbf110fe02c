import { spawn } from "node:child_process"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BIN, cli, ROOT, SAMPLES } from "./RunCli"

/** Faults around the lake: an ingest killed mid-batch leaves no scratch behind after the next run. */
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-faults-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const ingest = (home: string, tmp: string) =>
  spawn(process.execPath, ["--import", "tsx", BIN, "ingest", SAMPLES, "--date", "2025-01-02"], {
    cwd: ROOT,
    env: { ...process.env, VENTUREOS_HOME: home, TMPDIR: tmp, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "ignore"]
  })

const scratch = async (tmp: string) => (await readdir(tmp)).filter((n) => n.startsWith("ventureos-ingest-"))

describe("an ingest killed mid-batch", () => {
  it("leaves its staging folder, which the next run removes", async () => {
    const home = join(dir, "home")
    const tmp = join(dir, "tmp")
    await mkdir(tmp, { recursive: true })
    const child = ingest(home, tmp)
    const exited = new Promise<void>((ok) => child.on("exit", () => ok()))
    // wait for its staging folder, then kill -9 it
    for (let i = 0; i < 600 && (await scratch(tmp)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50))
    const staged = await scratch(tmp)
    expect(staged.length, "the ingest staged its files").toBeGreaterThan(0)
    expect(staged[0]).toMatch(new RegExp(`^ventureos-ingest-${child.pid}-`))
    child.kill("SIGKILL")
    await exited
    expect(await scratch(tmp)).toEqual(staged)

    const again = ingest(home, tmp)
    const code = await new Promise<number | null>((ok) => again.on("exit", (c) => ok(c)))
    expect(code).toBe(0)
    expect(await scratch(tmp)).toEqual([])
  }, 120_000)
})

describe("concurrent ingests of different files into one lake", () => {
  it("all succeed (a commit conflict re-runs the batch) and equal ingesting them one by one", async () => {
    // The FAA sample split into 4 files, ingested by 4 processes at once and, elsewhere, one after another.
    const lines = (await readFile(join(SAMPLES, "faa_closed_enforcement_cases.sample.csv"), "utf8"))
      .trimEnd()
      .split("\n")
    const parts: Array<string> = []
    for (let i = 0; i < 4; i++) {
      const f = join(dir, `faa_part${i}.csv`)
      await writeFile(f, `${[lines[0], ...lines.slice(1).filter((_, j) => j % 4 === i)].join("\n")}\n`)
      parts.push(f)
    }
    const together = join(dir, "together")
    const runs = await Promise.all(parts.map((f) => cli(["ingest", f, "--date", "2025-01-02"], together)))
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    const apart = join(dir, "apart")
    for (const f of parts) expect((await cli(["ingest", f, "--date", "2025-01-02"], apart)).code).toBe(0)
    const gold = async (home: string) => {
      const r = await cli(
        [
          "sql",
          "SELECT entity_key, sum(violation_count) AS n, sum(penalty_current) AS c, sum(open_count) AS o FROM gold.company_stats GROUP BY 1 ORDER BY 1"
        ],
        home
      )
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    }
    const silver = await cli(["sql", "SELECT count(*) AS n FROM silver.faa"], together)
    expect(JSON.parse(silver.stdout.trim())).toEqual({ n: lines.length - 1 })
    expect(await gold(together)).toEqual(await gold(apart))
  }, 180_000)
})
