import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import {
  makeMemory as makeServing,
  ServingStore,
  ServingStoreError,
  type ServingStoreShape
} from "@ventureos/serving"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ingestFiles } from "../src/IngestFiles"
import { pendingServing, syncPendingServing } from "../src/ServingOutbox"
import { syncServing } from "../src/SyncServing"
import { Warehouse } from "../src/Warehouse"
import { makeMemory } from "../src/WarehouseMemory"

const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-outbox-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The serving store, but every write after the first `n` fails as DynamoDB going away would. */
const failingAfter = (inner: ServingStoreShape, n: number): ServingStoreShape => {
  let writes = 0
  const guard =
    <Args extends Array<unknown>, A>(
      op: string,
      f: (...args: Args) => Effect.Effect<A, ServingStoreError>
    ): ((...args: Args) => Effect.Effect<A, ServingStoreError>) =>
    (...args) =>
      Effect.suspend(() =>
        ++writes > n
          ? Effect.fail(
              new ServingStoreError({ reason: "Unavailable", operation: op, detail: "Database is closed" })
            )
          : f(...args)
      )
  return {
    ...inner,
    applyFeed: guard("applyFeed", inner.applyFeed),
    syncStats: guard("syncStats", inner.syncStats),
    putProfiles: guard("putProfiles", inner.putProfiles),
    putHistory: guard("putHistory", inner.putHistory),
    putSearchEntries: guard("putSearchEntries", inner.putSearchEntries),
    putTopLists: guard("putTopLists", inner.putTopLists)
  }
}

/** What the API reads for the fixture's entities: stats, feed, national Top-10. */
const snapshotOf = async (s: ServingStoreShape) => {
  const stats = Option.getOrNull(await Effect.runPromise(s.getStats("STATE#ca")))
  const feed = await Effect.runPromise(s.getFeed("STATE#ca", "osha"))
  const top = Option.getOrNull(await Effect.runPromise(s.getTopList("national", "count")))
  return {
    count: stats?.violation_count,
    penalties: stats?.penalty_current_total,
    feed: feed.map((f) => f.violation_id),
    top: top?.entries.map((e) => [e.entity_key, e.violation_count])
  }
}

describe("serving outbox: a daily batch's serving work survives a failed sync", () => {
  for (const n of [0, 1, 3]) {
    it(`store failing after ${n} writes: the work stays pending, the next sync finishes it (feed included)`, async () => {
      const store = makeServing()
      const lake = Layer.mergeAll(layerFileSystem(join(dir, "lake")), Layer.succeed(Warehouse, makeMemory()))
      const run = <A, E>(
        e: Effect.Effect<A, E, Warehouse | RawArchive | ServingStore>,
        s: ServingStoreShape
      ) => Effect.runPromise(e.pipe(Effect.provide(Layer.merge(lake, Layer.succeed(ServingStore, s)))))
      const runExit = <A, E>(
        e: Effect.Effect<A, E, Warehouse | RawArchive | ServingStore>,
        s: ServingStoreShape
      ) => Effect.runPromiseExit(e.pipe(Effect.provide(Layer.merge(lake, Layer.succeed(ServingStore, s)))))

      await run(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }), store)
      expect(await run(pendingServing, store)).toHaveLength(1)
      const failed = await runExit(syncPendingServing(), failingAfter(store, n))
      expect(failed._tag).toBe("Failure")
      expect(await run(pendingServing, store), "still pending after the failure").toHaveLength(1)

      // re-delivering the same files is a replay (nothing new in the lake) and still finishes serving
      const again = await run(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }), store)
      expect(again.map((r) => r.status)).toEqual(["replayed"])
      const rep = await run(syncPendingServing(), store)
      expect(rep.batches).toBe(1)
      expect(await run(pendingServing, store)).toHaveLength(0)

      // equal to a clean run that never failed
      const clean = makeServing()
      const cleanLayer = Layer.mergeAll(
        layerFileSystem(join(dir, "clean")),
        Layer.succeed(Warehouse, makeMemory()),
        Layer.succeed(ServingStore, clean)
      )
      const r = await Effect.runPromise(
        ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }).pipe(Effect.provide(cleanLayer))
      )
      await Effect.runPromise(syncServing(r).pipe(Effect.provide(cleanLayer)))
      const want = await snapshotOf(clean)
      expect(want.feed.length).toBeGreaterThan(0)
      expect(await snapshotOf(store)).toEqual(want)

      // finished work is not done twice: a second sync has nothing pending and writes nothing
      const twice = await run(syncPendingServing(), store)
      expect(twice).toMatchObject({ batches: 0, feedWrites: 0, statsWritten: 0 })
    })
  }

  it("two pending batches changing the same violation: the feed ends with the newer version, as a clean run", async () => {
    const v1Text = await readFile(files[0]!, "utf8")
    const [header, first, ...rest] = v1Text.split("\n")
    await mkdir(join(dir, "v2"), { recursive: true })
    const v2 = join(dir, "v2", "osha_violation.csv")
    await writeFile(v2, [header, first!.replace(",X,150,150,", ",X,999,150,"), ...rest].join("\n"))
    const day = (f: string, date: string) => ingestFiles([f, files[1]!], { registry, mode: "daily", date })

    const store = makeServing()
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "two")),
      Layer.succeed(Warehouse, makeMemory()),
      Layer.succeed(ServingStore, store)
    )
    const run = <A, E>(e: Effect.Effect<A, E, Warehouse | RawArchive | ServingStore>) =>
      Effect.runPromise(e.pipe(Effect.provide(layer)))
    await run(day(files[0]!, "2025-12-02"))
    const failed = await Effect.runPromiseExit(
      syncPendingServing().pipe(
        Effect.provide(Layer.merge(layer, Layer.succeed(ServingStore, failingAfter(store, 0))))
      )
    )
    expect(failed._tag).toBe("Failure")
    const second = await run(day(v2, "2025-12-03"))
    expect(second[0]).toMatchObject({ status: "ingested", updated: 1 })
    const rep = await run(syncPendingServing({ fresh: second }))
    expect(rep.batches).toBe(2)

    const clean = makeServing()
    const cleanLayer = Layer.mergeAll(
      layerFileSystem(join(dir, "two-clean")),
      Layer.succeed(Warehouse, makeMemory()),
      Layer.succeed(ServingStore, clean)
    )
    for (const [f, date] of [
      [files[0]!, "2025-12-02"],
      [v2, "2025-12-03"]
    ] as const) {
      const r = await Effect.runPromise(day(f, date).pipe(Effect.provide(cleanLayer)))
      await Effect.runPromise(syncServing(r).pipe(Effect.provide(cleanLayer)))
    }
    expect(await snapshotOf(store)).toEqual(await snapshotOf(clean))
    const feed = await Effect.runPromise(store.getFeed("STATE#ca", "osha"))
    const changedId = second[0]!.changed[0]!.violation_id
    const item = feed.find((f) => f.violation_id === changedId)
    if (item !== undefined) expect(item.penalty_current).toBe("999.00")
  })

  it("historical batches record no serving work (backfills are shown by serving rebuild)", async () => {
    const layer = Layer.mergeAll(
      layerFileSystem(join(dir, "lake")),
      Layer.succeed(Warehouse, makeMemory()),
      Layer.succeed(ServingStore, makeServing())
    )
    await Effect.runPromise(
      ingestFiles(files, { registry, mode: "historical", date: "2025-12-02" }).pipe(Effect.provide(layer))
    )
    expect(await Effect.runPromise(pendingServing.pipe(Effect.provide(layer)))).toHaveLength(0)
  })
})
