import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson as last, SAMPLES } from "./RunCli"

const FAA = join(SAMPLES, "faa_closed_enforcement_cases.sample.csv")

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
