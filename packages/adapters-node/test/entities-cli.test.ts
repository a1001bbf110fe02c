import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type EntityMap, explain } from "@ventureos/entities"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson } from "./RunCli"

// real NPDES rows (Florida): FPL, Gulf Power, Mosaic and City of Tallahassee under several spellings
const VARIANTS = join(import.meta.dirname, "fixtures", "entities", "npdes_variants.csv")

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "ventureos-entities-"))
  const ingest = await cli(["ingest", VARIANTS, "--mode", "historical"], home)
  expect(ingest.code, ingest.stderr).toBe(0)
  expect(lastJson(ingest.stdout).entities).toMatchObject({ version: 1 })
})
afterAll(() => rm(home, { recursive: true, force: true }))

/** What `entities show` prints, read from the stored map (a CLI start per check would make this file slow). */
const companyOfKey = async (key: string) => {
  const map = JSON.parse(await readFile(join(home, "lake", "entities", "map.json"), "utf8")) as EntityMap
  return explain(map, key)!
}

describe("ventureos entities", () => {
  it("ingest resolved the names: the utilities' spellings are one company each, and show explains why", async () => {
    const shown = await cli(["entities", "show", "fpl-manatee-plant"], home)
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stderr).toMatch(/name variants?, \d+ facilit/)
    const fpl = lastJson(shown.stdout) as {
      company: string
      variants: Array<{ variant: string; rule: string }>
    }
    expect(fpl).toEqual(JSON.parse(JSON.stringify(await companyOfKey("fpl-manatee-plant"))))
    const lauderdale = fpl.variants.find((v) => v.variant.startsWith("florida-power-and-light"))
    expect(lauderdale, JSON.stringify(fpl)).toBeDefined()
    expect(fpl.variants.every((v) => v.rule !== "")).toBe(true)
    const gulf = await companyOfKey("gulf-power")
    expect(gulf.variants.length).toBeGreaterThanOrEqual(1)
    expect(gulf.company).not.toBe(fpl.company)
    // top rolls up: no spelling of one company appears twice
    const top = await cli(["top", "--limit", "20"], home)
    const entries = lastJson(top.stdout).entries as Array<{ entity_key: string }>
    expect(entries.filter((e) => e.entity_key === `COMPANY#${fpl.company}`)).toHaveLength(1)
    for (const v of fpl.variants)
      if (v.variant !== fpl.company)
        expect(entries.some((e) => e.entity_key === `COMPANY#${v.variant}`)).toBe(false)
  })

  it("a daily ingest resolves the names of its own records (no silver scan) to the same companies", async () => {
    const dailyHome = await mkdtemp(join(tmpdir(), "ventureos-entities-daily-"))
    try {
      const ingest = await cli(["ingest", VARIANTS, "--mode", "daily"], dailyHome)
      expect(ingest.code, ingest.stderr).toBe(0)
      expect(lastJson(ingest.stdout).entities).toMatchObject({ newVariants: expect.any(Number) })
      const read = async (h: string) =>
        JSON.parse(await readFile(join(h, "lake", "entities", "map.json"), "utf8")) as EntityMap
      const [hist, daily] = [await read(home), await read(dailyHome)]
      const companyOf = (m: EntityMap) =>
        Object.fromEntries(Object.entries(m.variants).map(([k, e]) => [k, e.company]))
      expect(Object.keys(daily.variants).length).toBeGreaterThan(0)
      expect(companyOf(daily)).toEqual(companyOf(hist))
    } finally {
      await rm(dailyHome, { recursive: true, force: true })
    }
  })

  it("resolve prints one JSON line per row, against the lake as ingest would, storing nothing", async () => {
    const csv = join(home, "names.csv")
    await writeFile(
      csv,
      'name,address,city,state,zip,agency,naics\nFLORIDA POWER & LIGHT COMPANY,,,FL,,epa,\n"Gulf Power Co.",,PENSACOLA,FL,32514,,\nNOT SEEN BEFORE LLC,1 A ST,TAMPA,FL,33602,,\n'
    )
    const before = await readFile(join(home, "lake", "entities", "map.json"), "utf8")
    const r = await cli(["entities", "resolve", csv], home)
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(3)
    for (const l of lines)
      expect(Object.keys(l)).toEqual(["name", "company", "facility", "parent", "score", "reason"])
    const fpl = await companyOfKey("fpl-manatee-plant")
    expect(lines[0]!.company).toBe(fpl.company)
    expect(lines[1]!.company).toBe((await companyOfKey("gulf-power")).company)
    expect(lines[1]!.facility).toBe(`${lines[1]!.company}@32514`)
    expect(lines[2]).toMatchObject({
      company: "not-seen-before",
      parent: "not-seen-before",
      reason: "no match: a new company"
    })
    expect(await readFile(join(home, "lake", "entities", "map.json"), "utf8")).toBe(before)
  })

  it("merge, split, parent: stored as numbered overrides, replayed by the next update", async () => {
    const gulf = (await companyOfKey("gulf-power")).company
    const fpl = (await companyOfKey("fpl-manatee-plant")).company
    const merged = await cli(["entities", "merge", gulf, fpl], home)
    expect(merged.code, merged.stderr).toBe(0)
    expect(merged.stderr).toMatch(/serving rebuild/)
    expect((await companyOfKey(gulf)).company).toBe(fpl)
    const after = await companyOfKey(gulf)
    expect(after.variants.find((v) => v.variant === gulf)?.rule).toMatch(/operator merge \(override 1\)/)
    expect((await cli(["entities", "split", gulf], home)).code).toBe(0)
    expect((await companyOfKey(gulf)).company).toBe(gulf)
    expect((await cli(["entities", "parent", gulf, fpl], home)).code).toBe(0)
    expect((await companyOfKey(gulf)).parent).toBe(fpl)
    const log = (await readFile(join(home, "lake", "entities", "overrides.jsonl"), "utf8")).trim().split("\n")
    expect(log.map((l) => (JSON.parse(l) as { version: number }).version)).toEqual([1, 2, 3])
    // an update replays them: the split stays split
    const update = await cli(["entities", "update"], home)
    expect(update.code, update.stderr).toBe(0)
    expect((await companyOfKey(gulf)).company).toBe(gulf)
  })

  it("bad input names the file, line, field and what was expected; unknown keys exit 1", async () => {
    const bad = join(home, "bad.csv")
    await writeFile(bad, "name,city\nX,Y\n")
    const r1 = await cli(["entities", "resolve", bad], home)
    expect(r1.code).toBe(2)
    expect(r1.stderr).toMatch(/bad\.csv: header lacks address, state, zip/)
    await writeFile(bad, "name,address,city,state,zip\nACME,,TAMPA,Florida,33602\n")
    const r2 = await cli(["entities", "resolve", bad], home)
    expect(r2.code).toBe(2)
    expect(r2.stderr).toMatch(/bad\.csv:2: field state "Florida" is not a 2-letter state code/)
    const r3 = await cli(["entities", "show", "no-such-company"], home)
    expect(r3.code).toBe(1)
    expect(r3.stderr).toMatch(/no-such-company is not in the entity map/)
    expect(existsSync(join(home, "lake", "entities", "map.json"))).toBe(true)
  })
})
