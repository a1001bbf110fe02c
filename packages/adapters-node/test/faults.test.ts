import { spawn } from "node:child_process"
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BIN, ROOT, SAMPLES } from "./RunCli"

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
