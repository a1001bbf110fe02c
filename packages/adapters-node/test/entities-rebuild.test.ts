import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { companyOf, type EntityMap } from "@ventureos/entities"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson } from "./RunCli"

// real NPDES rows (Florida): FPL and Gulf Power under several spellings
const VARIANTS = join(import.meta.dirname, "fixtures", "entities", "npdes_variants.csv")

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "ventureos-entities-rebuild-"))
})
afterAll(() => rm(home, { recursive: true, force: true }))

const allCount = (stdout: string): number => {
  const e = lastJson(stdout) as { stats?: Array<{ agency: string; violation_count: number }> }
  return e.stats?.find((s) => s.agency === "all")?.violation_count ?? -1
}

describe("an operator's override and serving rebuild", () => {
  it("survives a rebuild: the merged company's serving stats sum both, the old key answers as it", async () => {
    const ingest = await cli(["ingest", VARIANTS, "--mode", "historical"], home)
    expect(ingest.code, ingest.stderr).toBe(0)
    const first = await cli(["serving", "rebuild"], home)
    expect(first.code, first.stderr).toBe(0)
    // FPL's spellings are one company: its stats live under the company's key
    const map = JSON.parse(await readFile(join(home, "lake", "entities", "map.json"), "utf8")) as EntityMap
    const fplKey = `COMPANY#${companyOf(map, "fpl-manatee-plant")}`
    const gulfKey = `COMPANY#${companyOf(map, "gulf-power")}`
    const gulfCount = allCount((await cli(["serving", "entity", gulfKey], home)).stdout)
    const fplCount = allCount((await cli(["serving", "entity", fplKey], home)).stdout)
    expect(gulfCount).toBeGreaterThan(0)
    expect(fplCount).toBeGreaterThan(0)

    const merge = await cli(["entities", "merge", gulfKey, fplKey], home)
    expect(merge.code, merge.stderr).toBe(0)
    const rebuild = await cli(["serving", "rebuild"], home)
    expect(rebuild.code, rebuild.stderr).toBe(0)
    expect(lastJson(rebuild.stdout)).toMatchObject({ entityServing: { aliasesWritten: expect.any(Number) } })
    const merged = await cli(["serving", "entity", fplKey], home)
    expect(allCount(merged.stdout)).toBe(fplCount + gulfCount)
  }, 120_000)
})
