import { createHash } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { CONTENT_HASH_PROPERTY, CONTENT_HASH_VERSION, canonicalContent } from "@ventureos/normalizers"
import { Lakehouse } from "@ventureos/storage"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EntityKind } from "../src/Gold"
import { ingestFiles } from "../src/IngestFiles"
import { contentHashVersionOf, migrateLake, migrationSourceId } from "../src/Migrate"
import { Warehouse } from "../src/Warehouse"
import { layerLocalLake } from "../src/WarehouseIceberg"
import { SAMPLE_FILES, sampleRegistry } from "./samples"

/**
 * A lake written before content hash version 2 (details with a `null` entry per blank column, sha256 hashes,
 * no version property) is migrated by `migrateLake` once: rows equal what today's normalizers write, a replay
 * of the same files changes nothing, gold is unchanged, and a second run (or one resumed after its rewrite
 * committed) does no work. The old lake is made from the real samples: ingested, then every silver row
 * rewritten the way the previous code stored it.
 */

const FILES = SAMPLE_FILES
const registry = sampleRegistry
const TABLES = ["silver.osha", "silver.epa", "silver.faa"]

let dir: string
let rt: ManagedRuntime.ManagedRuntime<Warehouse | Lakehouse, never>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-migrate-"))
  rt = ManagedRuntime.make(layerLocalLake(dir) as never)
})
afterAll(async () => {
  await rt.dispose()
  await rm(dir, { recursive: true, force: true })
})

const ingest = (date: string) =>
  rt.runPromise(ingestFiles(FILES, { registry, mode: "historical", date }) as never) as Promise<
    ReadonlyArray<{ inserted: number; updated: number; unchanged: number; accepted: number; status: string }>
  >

const silverRows = (name: string) =>
  rt.runPromise(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      const scan = yield* lake.scanSql(name)
      return yield* lake.query(
        `SELECT violation_id, content_hash, violation_details FROM (${scan}) ORDER BY violation_id`
      )
    })
  )

const goldAll = () =>
  rt.runPromise(
    Effect.gen(function* () {
      const w = yield* Warehouse
      const out: Record<string, unknown> = {}
      for (const k of ["company", "city", "state"] as Array<EntityKind>)
        out[k] = [...(yield* w.goldTotals(k))].sort((a, b) =>
          `${a.entity_key}|${a.agency}` < `${b.entity_key}|${b.agency}` ? -1 : 1
        )
      return JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
    })
  )

/** How the previous code stored a record: a `null` for every blank column of its dataset, sha256 hash. */
const legacy = (r: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> => {
  const details = JSON.parse(String(r.violation_details)) as Record<string, string | null>
  for (const k of keys) if (!(k in details)) details[k] = null
  const record = { ...r, violation_details: details }
  const hash = createHash("sha256")
    .update(canonicalContent(record as unknown as Violation))
    .digest("hex")
    .slice(0, 32)
  return { ...record, content_hash: hash }
}

/** Rewrite every silver row of a table the previous code's way, and drop the version property. */
const downgrade = (name: string) =>
  rt.runPromise(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      const scan = yield* lake.scanSql(name)
      const rows = yield* lake.query(`SELECT * REPLACE (
          CAST(event_date AS VARCHAR) AS event_date, CAST(opened_date AS VARCHAR) AS opened_date,
          CAST(closed_date AS VARCHAR) AS closed_date, CAST(penalty_initial AS VARCHAR) AS penalty_initial,
          CAST(penalty_current AS VARCHAR) AS penalty_current,
          strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ingested_at) FROM (${scan})`)
      // the previous code wrote every published column: the keys any record of the dataset has
      const keysOf = new Map<string, Set<string>>()
      for (const r of rows) {
        const ks = keysOf.get(String(r.source_dataset)) ?? new Set<string>()
        for (const k of Object.keys(JSON.parse(String(r.violation_details)))) ks.add(k)
        keysOf.set(String(r.source_dataset), ks)
      }
      const old = rows.map((r) => legacy(r, keysOf.get(String(r.source_dataset))!))
      yield* lake.write(name, old, { mode: "overwrite" })
      yield* lake.setProperties(name, { [CONTENT_HASH_PROPERTY]: "1" })
      return old.filter((r) => Object.values(r.violation_details as object).includes(null)).length
    })
  )

const version = (name: string) =>
  rt.runPromise(
    Effect.map(
      Effect.flatMap(Lakehouse, (l) => l.loadTable(name)),
      (t) => contentHashVersionOf(t.metadata.properties)
    )
  )

describe("lake migrate: content hash version 1 -> 2", () => {
  it("rewrites an old lake once; replays are no-ops and gold is unchanged", async () => {
    const first = await ingest("2026-01-05")
    expect(first.reduce((n, b) => n + b.inserted, 0)).toBeGreaterThan(900)
    const written = new Map<string, Awaited<ReturnType<typeof silverRows>>>()
    for (const t of TABLES) written.set(t, await silverRows(t))
    const gold = await goldAll()

    // an old lake: every row in the previous format, no version property
    for (const t of TABLES) expect(await downgrade(t)).toBeGreaterThan(0)
    for (const t of TABLES) {
      expect(await version(t)).toBe("1")
      const old = await silverRows(t)
      expect(old.map((r) => r.content_hash)).not.toEqual(written.get(t)!.map((r) => r.content_hash))
      expect(old.some((r) => String(r.violation_details).includes(":null"))).toBe(true)
    }

    // an ingest refuses the old tables (a fresh process: the warehouse checks a table once per process)
    const fresh = ManagedRuntime.make(layerLocalLake(dir) as never)
    await expect(
      fresh.runPromise(ingestFiles(FILES, { registry, mode: "historical", date: "2026-01-07" }) as never)
    ).rejects.toThrow(/holds rows of content hash version 1.*ventureos lake migrate/)
    await fresh.dispose()

    const report = await rt.runPromise(migrateLake({ sliceRows: 200 }))
    expect(report.tables.map((r) => [r.table, r.status, r.from, r.to])).toEqual(
      TABLES.map((t) => [t, "migrated", "1", CONTENT_HASH_VERSION])
    )
    for (const t of TABLES) {
      expect(await version(t)).toBe(CONTENT_HASH_VERSION)
      const now = await silverRows(t)
      const before = written.get(t)!
      expect(report.tables.find((r) => r.table === t)!.rows).toBe(before.length)
      // the same ids, hashes and details as today's normalizers wrote
      expect(now.map((r) => [r.violation_id, r.content_hash])).toEqual(
        before.map((r) => [r.violation_id, r.content_hash])
      )
      expect(now.map((r) => JSON.parse(String(r.violation_details)))).toEqual(
        before.map((r) => JSON.parse(String(r.violation_details)))
      )
    }
    expect(await goldAll()).toBe(gold)

    // the same files again, under another date (so not short-cut by their manifests): nothing changes
    const replay = await ingest("2026-01-06")
    for (const b of replay) {
      expect(b.status).not.toBe("replayed")
      expect({ inserted: b.inserted, updated: b.updated }).toEqual({ inserted: 0, updated: 0 })
      expect(b.unchanged).toBe(b.accepted)
    }
    expect(await goldAll()).toBe(gold)

    // a second run has nothing to do
    const again = await rt.runPromise(migrateLake())
    expect(again.tables.map((r) => r.status)).toEqual(["current", "current", "current"])
  })

  it("resumes a run that committed a table's rewrite but not its version", async () => {
    const lakeHead = (t: string) =>
      rt.runPromise(
        Effect.map(
          Effect.flatMap(Lakehouse, (l) => l.loadTable(t)),
          (x) => x.metadata["current-snapshot-id"]
        )
      )
    const head = await lakeHead("silver.epa")
    const found = await rt.runPromise(
      Effect.flatMap(Lakehouse, (l) => l.findSource("silver.epa", { id: migrationSourceId }))
    )
    expect(found).toBeDefined()
    // as if the process died between the rewrite commit and the property
    await rt.runPromise(
      Effect.flatMap(Lakehouse, (l) => l.setProperties("silver.epa", { [CONTENT_HASH_PROPERTY]: "1" }))
    )
    const report = await rt.runPromise(migrateLake({ tables: ["silver.epa"] }))
    expect(report.tables).toMatchObject([{ table: "silver.epa", status: "migrated", rows: 0 }])
    expect(await lakeHead("silver.epa")).toBe(head)
    expect(await version("silver.epa")).toBe(CONTENT_HASH_VERSION)
  })
})
