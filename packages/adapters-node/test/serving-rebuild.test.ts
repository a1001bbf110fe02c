import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const ROOT = resolve(import.meta.dirname, "..", "..", "..")
const BIN = join(ROOT, "packages", "adapters-node", "src", "bin.ts")
const FAA = join(ROOT, "packages", "adapters-node", "samples", "faa_closed_enforcement_cases.sample.csv")

const cli = (args: ReadonlyArray<string>, home: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((res, rej) => {
    const child = spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, VENTUREOS_HOME: home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", rej)
    child.on("close", (code) => res({ code, stdout, stderr }))
  })
const last = (stdout: string) => JSON.parse(stdout.trimEnd().split("\n").at(-1)!)

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "ventureos-rebuild-"))
})
afterAll(() => rm(home, { recursive: true, force: true }))

describe("ventureos serving rebuild", () => {
  it("makes a historical backfill visible in the serving store, and says so after the ingest", async () => {
    const ingest = await cli(["ingest", FAA, "--mode", "historical"], home)
    expect(ingest.code, ingest.stderr).toBe(0)
    expect(ingest.stderr).toMatch(/run `ventureos serving rebuild`/)
    const before = await cli(["serving", "entity", "COMPANY#mesa-airlines"], home)
    expect(before.code).toBe(1)

    const rebuild = await cli(["serving", "rebuild"], home)
    expect(rebuild.code, rebuild.stderr).toBe(0)
    expect(last(rebuild.stdout)).toMatchObject({ rebuild: true, entities: { company: 8 }, resumedPast: 0 })
    expect(rebuild.stderr).toMatch(/rebuild company \[#+\] 100% 8\/8/)
    expect(existsSync(join(home, "serving-rebuild.json"))).toBe(false)

    const after = await cli(["serving", "entity", "COMPANY#mesa-airlines"], home)
    expect(after.code, after.stderr).toBe(0)
    expect(last(after.stdout)).toMatchObject({ found: true, profile: { display_name: "MESA AIRLINES INC" } })

    const again = await cli(["serving", "rebuild"], home)
    expect(last(again.stdout)).toMatchObject({ statsWritten: 0, topListsWritten: 0 })
  }, 120_000)
})
