import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest"
import { deltasFor, foldDeltas, type GoldDelta, toEntityStats, topN } from "../src/Gold"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse, WarehouseError, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { makeMemory } from "../src/WarehouseMemory"

const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "fixtures")
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-ingest-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = <A, E>(wh: WarehouseShape, eff: Effect.Effect<A, E, RawArchive | Warehouse>) =>
  Effect.runPromise(
    eff.pipe(Effect.provide(Layer.mergeAll(layerFileSystem(join(dir, "lake")), Layer.succeed(Warehouse, wh))))
  )

/** Gold totals as read from the warehouse vs. recomputed from every current silver row. */
const checkGoldMatchesSilver = async (wh: WarehouseShape, ids: ReadonlyArray<string>) => {
  const silver = await Effect.runPromise(wh.silverLookup("osha", ids))
  const ds: Array<GoldDelta> = []
  for (const r of silver.values()) {
    const d = deltasFor(null, r)
    ds.push(...d.company, ...d.city, ...d.state)
  }
  const expected = new Map(
    [...foldDeltas(ds).values()].map((t) => [`${t.entity_key}/${t.agency}`, toEntityStats(t, null, "x")])
  )
  for (const kind of ["company", "city", "state"] as const) {
    const rows = await Effect.runPromise(wh.goldTotals(kind))
    for (const row of rows) {
      const e = expected.get(`${row.entity_key}/${row.agency}`)
      expect(row.violation_count, row.entity_key).toBe(e?.violation_count ?? 0)
      expect(row.first_event_date).toBe(e?.first_event_date ?? null)
      expect(String(row.penalty_current_cents)).toBe(
        e ? String(BigInt(e.penalty_current_total.replace(".", ""))) : "0"
      )
    }
  }
}

/** Top-N lists from gold (one-pass and per-scope) == Top-N recomputed from current silver rows. */
const checkTopMatchesSilver = async (wh: WarehouseShape, ids: ReadonlyArray<string>) => {
  const silver = await Effect.runPromise(wh.silverLookup("osha", ids))
  const ds: Array<GoldDelta> = []
  for (const r of silver.values()) ds.push(...deltasFor(null, r).company)
  const scopes = [
    "national",
    ...new Set([...silver.values()].flatMap((r) => (r.state ? [`state:${r.state}`] : []))),
    ...new Set([...silver.values()].flatMap((r) => (r.city_slug ? [`city:${r.city_slug}`] : [])))
  ]
  const many = await Effect.runPromise(wh.goldTopMany({ scopes, agencies: ["all", "osha"], limit: 3 }))
  for (const scope of scopes)
    for (const by of ["count", "penalties"] as const)
      for (const agency of ["all", "osha"]) {
        const expected = topN(ds, { scope, by, agency, limit: 3 }).map((t) => [
          t.entity_key,
          t.violation_count,
          t.penalty_current_cents
        ])
        const one = await Effect.runPromise(wh.goldTop({ scope, by, agency, limit: 3 }))
        expect(
          one.map((t) => [t.entity_key, t.violation_count, t.penalty_current_cents]),
          `${scope} ${by} ${agency}`
        ).toEqual(expected)
        expect(
          (many.get(`${scope}|${by}|${agency}`) ?? []).map((t) => [
            t.entity_key,
            t.violation_count,
            t.penalty_current_cents
          ])
        ).toEqual(expected)
      }
}

const allIds = async (path: string) => {
  const lines = (await readFile(path, "utf8")).trim().split(/\r?\n/).slice(1)
  return lines.map((l) => {
    const [a, c] = l.split(",")
    return `osha:osha_violation:${a}-${c}`
  })
}

/** Warehouses under test: the in-memory reference and the real Iceberg one (filesystem warehouse + DuckDB). */
const warehouses: ReadonlyArray<
  [string, (dir: string) => Promise<{ wh: WarehouseShape; close: () => Promise<void> }>]
> = [
  ["memory", async () => ({ wh: makeMemory(), close: async () => {} })],
  [
    "iceberg",
    async (d) => {
      const rt = ManagedRuntime.make(layerLocal(join(d, "warehouse")))
      const wh = await rt.runPromise(Warehouse)
      return { wh, close: () => rt.dispose() }
    }
  ]
]

describe.each(warehouses)("ingest (%s warehouse, filesystem bronze)", (_name, open) => {
  it("ingests, replays as a no-op, and applies corrections as deltas", async () => {
    const { wh, close } = await open(dir)
    onTestFinished(close)
    const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
    const [first] = await run(wh, ingestFiles(files, { registry, mode: "historical", date: "2026-01-02" }))
    expect(first).toMatchObject({
      status: "ingested",
      rows: 40,
      accepted: 40,
      rejected: 0,
      inserted: 40,
      updated: 0,
      feed: false
    })
    expect(first!.key).toBe("bronze/historical/osha/2026/01/02/osha_violation.csv")
    expect(first!.changed).toEqual([]) // historical: no feed
    const ids = await allIds(files[0]!)
    await checkGoldMatchesSilver(wh, ids)
    const head1 = await Effect.runPromise(wh.silverHead("osha"))

    // re-delivery of the same bytes: nothing happens
    const [replay] = await run(wh, ingestFiles(files, { registry, mode: "historical", date: "2026-01-02" }))
    expect(replay).toMatchObject({ status: "replayed", inserted: 0, updated: 0, goldDeltas: 0 })
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBe(head1)

    // the same rows re-published under another day's key: normalized again, nothing changes
    const [sameRows] = await run(wh, ingestFiles(files, { registry, mode: "daily", date: "2026-01-03" }))
    expect(sameRows).toMatchObject({
      status: "ingested",
      inserted: 0,
      updated: 0,
      unchanged: 40,
      goldDeltas: 0
    })
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBe(head1)

    // a correction: first citation settled for less, second deleted
    const v = (await readFile(files[0]!, "utf8")).split("\r\n")
    const c1 = v[1]!.split(",")
    c1[8] = "75"
    const c2 = v[2]!.split(",")
    c2[2] = "X"
    v[1] = c1.join(",")
    v[2] = c2.join(",")
    const corrected = join(dir, "osha_violation.csv")
    await writeFile(corrected, v.join("\r\n"))
    await cp(files[1]!, join(dir, "osha_inspection.csv"))
    const [fix] = await run(
      wh,
      ingestFiles([corrected, join(dir, "osha_inspection.csv")], {
        registry,
        mode: "daily",
        date: "2026-01-04"
      })
    )
    expect(fix).toMatchObject({ status: "ingested", inserted: 0, updated: 2, unchanged: 38, feed: true })
    expect(fix!.changed.map((r: Violation) => r.violation_id).sort()).toEqual([ids[0], ids[1]].sort())
    await checkGoldMatchesSilver(wh, ids)
    await checkTopMatchesSilver(wh, ids)
    // checkpoint: deltas collapse to net rows, totals and Top-N stay the same, later deltas still add up
    for (const kind of ["company", "city", "state"] as const) await Effect.runPromise(wh.goldCompact(kind))
    await checkGoldMatchesSilver(wh, ids)
    await checkTopMatchesSilver(wh, ids)
    // newest live violations of an entity (the feed refill query) agree with a scan of every row
    const every = [...(await Effect.runPromise(wh.silverLookup("osha", ids))).values()]
    const day = (v: Violation) => String(v.event_date ?? v.opened_date)
    const expectedLatest = every
      .filter((v) => v.state === "CA" && v.status !== "deleted")
      .sort((a, b) =>
        day(a) === day(b) ? (a.violation_id < b.violation_id ? 1 : -1) : day(a) < day(b) ? 1 : -1
      )
      .slice(0, 5)
      .map((v) => v.violation_id)
    const latest = await Effect.runPromise(wh.silverLatest("osha", { column: "state", value: "CA" }, 5))
    expect(latest.map((v) => v.violation_id)).toEqual(expectedLatest)
    const now = await Effect.runPromise(wh.silverLookup("osha", [ids[0]!, ids[1]!]))
    expect(now.get(ids[0]!)?.penalty_current).toBe("75.00")
    expect(now.get(ids[1]!)?.status).toBe("deleted")
  })

  it("finishes a batch interrupted after its silver commit exactly once (deltas from silver history)", async () => {
    const { wh: inner, close } = await open(dir)
    onTestFinished(close)
    let failGold = true
    // the city gold append "crashes" (either ingest path) until failGold is cleared
    const crashCity = <A>(kind: string, append: () => Effect.Effect<A, WarehouseError>) =>
      failGold && kind === "city"
        ? Effect.fail(
            new WarehouseError({
              op: "append",
              table: `gold.${kind}`,
              reason: "CommitStateUnknown",
              detail: "simulated crash"
            })
          )
        : append()
    const flaky: WarehouseShape = {
      ...inner,
      goldAppend: (kind, source, deltas) => crashCity(kind, () => inner.goldAppend(kind, source, deltas)),
      ...(inner.bulk === undefined
        ? {}
        : {
            bulk: {
              ...inner.bulk,
              goldAppendSql: (kind, source, sql) =>
                crashCity(kind, () => inner.bulk!.goldAppendSql(kind, source, sql))
            }
          })
    }
    const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
    const crashed = await Effect.runPromise(
      Effect.result(
        ingestFiles(files, { registry, mode: "historical", date: "2026-01-02" }).pipe(
          Effect.provide(Layer.mergeAll(layerFileSystem(join(dir, "lake")), Layer.succeed(Warehouse, flaky)))
        )
      )
    )
    expect(crashed._tag).toBe("Failure")
    failGold = false
    const [again] = await run(flaky, ingestFiles(files, { registry, mode: "historical", date: "2026-01-02" }))
    // silver was already committed: nothing is re-written, but the missing gold tables are completed
    expect(again).toMatchObject({ status: "ingested", inserted: 40 })
    await checkGoldMatchesSilver(inner, await allIds(files[0]!))
    const [replay] = await run(
      flaky,
      ingestFiles(files, { registry, mode: "historical", date: "2026-01-02" })
    )
    expect(replay!.status).toBe("replayed")
  })
})
