import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { makeMemory as makeServing, ServingStore } from "@ventureos/serving"
import { layerFileSystem } from "@ventureos/storage/archive"
import { Effect, Layer, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ingestFiles } from "../src/IngestFiles"
import { syncServing } from "../src/SyncServing"
import { Warehouse } from "../src/Warehouse"
import { makeMemory } from "../src/WarehouseMemory"

const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-sync-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("serving sync after ingest", () => {
  it("historical: stats, profiles and top lists but zero feed writes; daily: feed; replays write nothing", async () => {
    const serving = makeServing()
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "lake")),
      Layer.succeed(Warehouse, makeMemory()),
      Layer.succeed(ServingStore, serving)
    )
    const run = <A, E>(
      e: Effect.Effect<A, E, Warehouse | ServingStore | import("@ventureos/storage/archive").RawArchive>
    ) => Effect.runPromise(e.pipe(Effect.provide(layer)))

    const hist = await run(ingestFiles(files, { registry, mode: "historical", date: "2025-12-01" }))
    const rep1 = await run(syncServing(hist))
    expect(rep1.feedWrites).toBe(0)
    expect(rep1.feedViolations).toBe(0)
    expect(rep1.statsWritten).toBeGreaterThan(0)
    expect(rep1.topListsWritten).toBeGreaterThan(0)

    const gold = await run(Effect.flatMap(Warehouse, (w) => w.goldTotals("state", ["STATE#ca"])))
    const all = gold.find((g) => g.agency === "all")!
    const stored = await Effect.runPromise(serving.getStats("STATE#ca"))
    expect(Option.getOrThrow(stored).violation_count).toBe(all.violation_count)
    const top = Option.getOrThrow(await Effect.runPromise(serving.getTopList("national", "count")))
    expect(top.entries.length).toBeGreaterThan(0)
    expect(top.entries[0]!.violation_count).toBeGreaterThanOrEqual(top.entries.at(-1)!.violation_count)

    // the same data arriving as a daily file: nothing changes in gold, so no feed and no stats writes
    const daily = await run(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }))
    const rep2 = await run(syncServing(daily))
    expect(rep2).toMatchObject({ feedWrites: 0, statsWritten: 0 })

    // a fresh store fed by daily ingests gets the feed: at most N per (entity, agency)
    const serving2 = makeServing()
    const layer2 = Layer.mergeAll(
      layerFileSystem(join(dir, "lake2")),
      Layer.succeed(Warehouse, makeMemory()),
      Layer.succeed(ServingStore, serving2)
    )
    const d2 = await Effect.runPromise(
      ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }).pipe(Effect.provide(layer2))
    )
    const rep3 = await Effect.runPromise(syncServing(d2).pipe(Effect.provide(layer2)))
    expect(rep3.feedViolations).toBe(40)
    expect(rep3.feedWrites).toBeGreaterThan(0)
    expect(rep3.feedWrites / rep3.feedViolations).toBeLessThanOrEqual(3)
    const feed = await Effect.runPromise(serving2.getFeed("STATE#ca", "osha"))
    expect(feed.length).toBe(serving2.feedSize)
    const dates = feed.map((f) => f.date)
    expect([...dates].sort().reverse()).toEqual(dates)
    // replay of the whole thing: no writes at all
    const again = await Effect.runPromise(
      ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }).pipe(Effect.provide(layer2))
    )
    const rep4 = await Effect.runPromise(syncServing(again).pipe(Effect.provide(layer2)))
    expect(rep4).toMatchObject({
      feedWrites: 0,
      statsWritten: 0,
      profilesWritten: 0,
      topListsWritten: 0,
      historiesWritten: 0,
      searchEntriesWritten: 0
    })
  })
})

describe("live feed after deletions (refill from silver)", () => {
  it("a deleted newest violation leaves the feed, which is refilled to exactly the N newest live ones", async () => {
    const serving = makeServing({ recentSize: 3 })
    const wh = makeMemory()
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "lake")),
      Layer.succeed(Warehouse, wh),
      Layer.succeed(ServingStore, serving)
    )
    const run = <A, E>(
      e: Effect.Effect<A, E, Warehouse | ServingStore | import("@ventureos/storage/archive").RawArchive>
    ) => Effect.runPromise(e.pipe(Effect.provide(layer)))
    await run(
      Effect.flatMap(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }), (r) =>
        syncServing(r)
      )
    )
    const before = await Effect.runPromise(serving.getFeed("STATE#ca", "osha"))
    expect(before.length).toBe(serving.feedSize)
    const newest = before[0]!
    // the agency deletes the newest citation: re-publish the violation file with its delete_flag set
    const lines = (await readFile(files[0]!, "utf8")).split("\r\n")
    const [activity, citation] = newest.violation_id.split(":")[2]!.split("-")
    const i = lines.findIndex((l) => l.startsWith(`${activity},${citation},`))
    expect(i).toBeGreaterThan(0)
    const cells = lines[i]!.split(",")
    cells[2] = "X"
    lines[i] = cells.join(",")
    const dir2 = join(dir, "day2")
    await mkdir(dir2)
    await writeFile(join(dir2, "osha_violation.csv"), lines.join("\r\n"))
    await cp(files[1]!, join(dir2, "osha_inspection.csv"))
    await run(
      Effect.flatMap(
        ingestFiles([join(dir2, "osha_violation.csv"), join(dir2, "osha_inspection.csv")], {
          registry,
          mode: "daily",
          date: "2025-12-03"
        }),
        (r) => syncServing(r)
      )
    )
    const after = await Effect.runPromise(serving.getFeed("STATE#ca", "osha"))
    expect(after.map((f) => f.violation_id)).not.toContain(newest.violation_id)
    const expected = await Effect.runPromise(
      wh.silverLatest("osha", { column: "state", value: "CA" }, serving.feedSize)
    )
    expect(after.map((f) => f.violation_id)).toEqual(expected.map((v) => v.violation_id))
    expect(after.length).toBe(serving.feedSize)
    await expectNationalIsSilver(serving, wh, 3)
  })

  it("a correction that moves a date back refills the feeds it leaves (entity and national)", async () => {
    // N = 1: refilling the entity feeds cannot fill the national feed's gap on the way.
    const serving = makeServing({ feedSize: 1, recentSize: 3 })
    const wh = makeMemory()
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "lake")),
      Layer.succeed(Warehouse, wh),
      Layer.succeed(ServingStore, serving)
    )
    const run = <A, E>(
      e: Effect.Effect<A, E, Warehouse | ServingStore | import("@ventureos/storage/archive").RawArchive>
    ) => Effect.runPromise(e.pipe(Effect.provide(layer)))
    await run(
      Effect.flatMap(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }), (r) =>
        syncServing(r)
      )
    )
    const [newest] = await Effect.runPromise(serving.getRecent("osha", 3))
    // the agency corrects the citation's issuance date to years earlier
    const lines = (await readFile(files[0]!, "utf8")).split("\r\n")
    const [activity, citation] = newest!.violation_id.split(":")[2]!.split("-")
    const i = lines.findIndex((l) => l.startsWith(`${activity},${citation},`))
    const cells = lines[i]!.split(",")
    expect(cells[5]).toMatch(/^\d{4}-\d{2}-\d{2}/)
    cells[5] = `1990-01-02${cells[5]!.slice(10)}`
    lines[i] = cells.join(",")
    const dir2 = join(dir, "day2")
    await mkdir(dir2)
    await writeFile(join(dir2, "osha_violation.csv"), lines.join("\r\n"))
    await cp(files[1]!, join(dir2, "osha_inspection.csv"))
    await run(
      Effect.flatMap(
        ingestFiles([join(dir2, "osha_violation.csv"), join(dir2, "osha_inspection.csv")], {
          registry,
          mode: "daily",
          date: "2025-12-03"
        }),
        (r) => syncServing(r)
      )
    )
    const moved = await Effect.runPromise(wh.silverLookup("osha", [newest!.violation_id]))
    expect(moved.get(newest!.violation_id)?.event_date).not.toBe(newest!.date)
    await expectNationalIsSilver(serving, wh, 3)
    const company = newest!.company_slug
    const feed = await Effect.runPromise(serving.getFeed(`COMPANY#${company}`, "osha"))
    const want = await Effect.runPromise(
      wh.silverLatest("osha", { column: "company_slug", value: company }, serving.feedSize)
    )
    expect(feed.map((f) => f.violation_id)).toEqual(want.map((v) => v.violation_id))
  })
})

/** The national feed of OSHA is exactly silver's newest live violations. */
const expectNationalIsSilver = async (
  serving: ReturnType<typeof makeServing>,
  wh: ReturnType<typeof makeMemory>,
  n: number
) => {
  const national = await Effect.runPromise(serving.getRecent("osha", Math.min(n, serving.recentSize)))
  const silver = await Effect.runPromise(wh.silverLatest("osha", null, Math.min(n, serving.recentSize)))
  expect(national.map((f) => f.violation_id)).toEqual(silver.map((v) => v.violation_id))
}
