import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { moneyFromCents, type Violation, ViolationTypes } from "@ventureos/core"
import { contentHash } from "@ventureos/normalizers"
import { Lakehouse, silverDefinition, type TableDefinition } from "@ventureos/storage"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deltasFor, type EntityKind, foldDeltas, goldFromSilver, goldRowOf, toEntityStats } from "../src/Gold"
import { ingestFiles } from "../src/IngestFiles"
import { migrateLake } from "../src/Migrate"
import {
  DERIVATION_PROPERTY,
  DERIVATION_VERSION,
  derivationSourceId,
  rederive
} from "../src/MigrateDerivation"
import { type GoldTotalsRow, Warehouse } from "../src/Warehouse"
import { goldDefinition, goldTableOf, layerLocalLake } from "../src/WarehouseIceberg"
import { NORMALIZER_FIXTURES, SAMPLE_FILES, sampleRegistry } from "./samples"

/**
 * A lake written before issue 12's decisions 1-2 (OSHA: a blank current_penalty stored as the initial one;
 * EPA: no action_id, so gold counts the 397 shared actions twice; gold written before
 * penalty_current_unknown_count, which reads as 0) is brought to the new truth by `lake migrate`: silver
 * equals a fresh ingest of the same files, gold equals a recomputation from silver, a replay is a no-op, a
 * second run does nothing, and a run killed after a commit (silver re-derived, one gold table rebuilt)
 * completes when run again. Made from the real samples: ingested by today's code, then every silver row and
 * every gold row rewritten the way the previous code stored them.
 */

const FILES = SAMPLE_FILES
const registry = sampleRegistry
const TABLES = ["silver.osha", "silver.epa", "silver.faa"]
const KINDS: ReadonlyArray<EntityKind> = ["company", "city", "state"]

let dir: string
let rt: ManagedRuntime.ManagedRuntime<Warehouse | Lakehouse, never>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-derive-"))
  rt = ManagedRuntime.make(layerLocalLake(dir) as never)
})
afterAll(async () => {
  await rt.dispose()
  await rm(dir, { recursive: true, force: true })
})

const run = <A, E>(e: Effect.Effect<A, E, Warehouse | Lakehouse>) => rt.runPromise(e)

const ingest = (date: string) =>
  rt.runPromise(ingestFiles(FILES, { registry, mode: "historical", date }) as never) as Promise<
    ReadonlyArray<{ inserted: number; updated: number; unchanged: number; accepted: number; status: string }>
  >

/** Every current silver record of a table, by violation id. */
const silver = (name: string) =>
  run(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      const w = yield* Warehouse
      const scan = yield* lake.scanSql(name)
      const rows = yield* w.bulk!.readViolations(`SELECT * FROM (${scan}) ORDER BY violation_id`)
      return rows
    })
  )

const heads = () =>
  run(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      const out: Array<string> = []
      for (const t of [...TABLES, ...KINDS.map(goldTableOf)])
        out.push(String((yield* lake.loadTable(t)).metadata["current-snapshot-id"]))
      return out
    })
  )

const property = (name: string) =>
  run(
    Effect.map(
      Effect.flatMap(Lakehouse, (l) => l.loadTable(name)),
      (t) => t.metadata.properties
    )
  )

/** The business view of a record that a fresh ingest fixes (lineage such as ingested_at left out). */
const view = (r: Violation) => [
  r.violation_id,
  r.content_hash,
  r.penalty_initial,
  r.penalty_current,
  r.action_id,
  r.violation_details
]

const nonZero = (t: { violation_count: number; penalty_current_unknown_count: number }) =>
  t.violation_count !== 0 || t.penalty_current_unknown_count !== 0

/** Totals as numbers a test can compare: gold as stored, or recomputed from silver. */
const measures = (t: {
  entity_key: string
  agency: string
  violation_count: number
  open_count: number
  closed_count: number
  penalty_initial_total: string
  penalty_current_total: string
  penalty_current_unknown_count: number
  counts_by_type: Readonly<Record<string, number>>
  first_event_date: string | null
  last_event_date: string | null
}) =>
  JSON.stringify([
    t.entity_key,
    t.agency,
    t.violation_count,
    t.open_count,
    t.closed_count,
    t.penalty_initial_total,
    t.penalty_current_total,
    t.penalty_current_unknown_count,
    ViolationTypes.map((ty) => t.counts_by_type[ty] ?? 0),
    t.first_event_date,
    t.last_event_date
  ])
const stored = (g: GoldTotalsRow) =>
  measures({
    ...g,
    penalty_initial_total: moneyFromCents(g.penalty_initial_cents),
    penalty_current_total: moneyFromCents(g.penalty_current_cents),
    counts_by_type: g.by_type
  })

const goldNow = (kind: EntityKind) =>
  run(Effect.flatMap(Warehouse, (w) => w.goldTotals(kind))).then((rows) =>
    rows.filter(nonZero).map(stored).sort()
  )

const recomputed = (records: ReadonlyArray<Violation>, kind: EntityKind) =>
  [...foldDeltas(goldFromSilver(records)[kind]).values()]
    .map((t) => toEntityStats(t, null, "x"))
    .filter(nonZero)
    .map(measures)
    .sort()

/** Sum of a measure over the company totals of one agency (every record has a company; ECHO cases no state). */
const agencySum = async (agency: string, m: "violation_count" | "penalty_current_unknown_count") =>
  (await run(Effect.flatMap(Warehouse, (w) => w.goldTotals("company"))))
    .filter((t) => t.agency === agency)
    .reduce((n, t) => n + t[m], 0)

/**
 * Rewrite silver and gold the way the previous code stored them: OSHA current = initial where blank, EPA
 * without action_id (hash recomputed: it no longer covers one), gold per record without the unknown count.
 */
const makeOld = () =>
  run(
    Effect.gen(function* () {
      const lake = yield* Lakehouse
      const w = yield* Warehouse
      const old: Array<Violation> = []
      for (const t of TABLES) {
        const scan = yield* lake.scanSql(t)
        const rows = (yield* w.bulk!.readViolations(`SELECT * FROM (${scan})`)).map((r) => {
          const o = {
            ...r,
            penalty_current:
              r.source_dataset === "osha_violation"
                ? (r.penalty_current ?? r.penalty_initial)
                : r.penalty_current,
            action_id: null
          } as Violation
          return { ...o, content_hash: contentHash(o) } as Violation
        })
        old.push(...rows)
        yield* lake.write(t, rows as unknown as ReadonlyArray<Record<string, unknown>>, { mode: "overwrite" })
      }
      for (const kind of KINDS) {
        const rows = old.flatMap((r) =>
          deltasFor(null, r)[kind].map((d) => ({
            ...goldRowOf(d, "old-code", "2025-01-01T00:00:00.000Z"),
            // the old gold files have no such column: it reads as null
            penalty_current_unknown_count: null
          }))
        )
        yield* lake.write(goldTableOf(kind), rows, { mode: "overwrite" })
      }
      // the old code recorded no derivation version (tables created today carry it)
      for (const t of [...TABLES, ...KINDS.map(goldTableOf)])
        yield* lake.setProperties(t, { [DERIVATION_PROPERTY]: "1" })
      return old
    })
  )

describe("lake migrate: derivation version 1 -> 2 (issue 12 decisions 1-2)", () => {
  it("re-derives silver and rebuilds gold once, resumably; replays and a second run do nothing", async () => {
    await ingest("2026-01-05")
    const fresh = new Map<string, ReadonlyArray<Violation>>()
    for (const t of TABLES) fresh.set(t, await silver(t))
    expect(fresh.get("silver.epa")!.length).toBe(2757)
    expect(fresh.get("silver.osha")!.filter((r) => r.action_id !== null)).toHaveLength(0)

    // a lake written by today's code is current: tables are created with the derivation version
    const current = await run(migrateLake())
    expect(current.tables.map((t) => t.derivation?.status)).toEqual(["current", "current", "current"])
    expect(current.gold.map((g) => g.status)).toEqual(["current", "current", "current"])

    const old = await makeOld()
    // the old lake's wrong numbers: EPA records counted per record, no unknown current penalties
    expect(await agencySum("epa", "violation_count")).toBe(2757)
    expect(await agencySum("osha", "penalty_current_unknown_count")).toBe(0)
    // what the re-derivation changes: the OSHA rows that had current = initial, and every EPA record
    const changed = old.filter((r) => rederive("x", r) !== undefined)
    const blank = fresh
      .get("silver.osha")!
      .filter((r) => r.penalty_current === null && r.penalty_initial !== null)
    expect(
      changed
        .filter((r) => r.agency === "osha")
        .map((r) => r.violation_id)
        .sort()
    ).toEqual(blank.map((r) => r.violation_id))
    // 39 live (the count) and 32 deleted ones (not counted by gold either way)
    expect(blank.filter((r) => r.status !== "deleted")).toHaveLength(39)
    expect(blank).toHaveLength(71)
    expect(changed.filter((r) => r.agency === "epa")).toHaveLength(2757)
    expect(changed.filter((r) => r.agency === "faa")).toHaveLength(0)

    // killed after silver.epa's upsert committed, before its property (silver.osha is done by then)
    const die = (step: string, table: string) => (s: string, t: string) => {
      if (s === step && t === table) throw new Error(`killed after ${s} ${t}`)
    }
    await expect(
      run(migrateLake({ sliceRows: 400, failpoint: die("silver-derived", "silver.epa") }))
    ).rejects.toThrow(/killed after silver-derived silver.epa/)
    expect((await property("silver.osha"))[DERIVATION_PROPERTY]).toBe(DERIVATION_VERSION)
    expect((await property("silver.epa"))[DERIVATION_PROPERTY]).toBe("1")
    expect(await agencySum("epa", "violation_count")).toBe(2757)

    // killed again after gold.city_stats was rebuilt, before its property (company is done)
    await expect(
      run(migrateLake({ sliceRows: 400, failpoint: die("gold-rebuilt", "gold.city_stats") }))
    ).rejects.toThrow(/killed after gold-rebuilt gold.city_stats/)
    // (that run finished silver.epa without rewriting it again: one re-derivation snapshot, checked below)
    expect((await property("silver.epa"))[DERIVATION_PROPERTY]).toBe(DERIVATION_VERSION)
    expect((await property("gold.company_stats"))[DERIVATION_PROPERTY]).toBe(DERIVATION_VERSION)
    expect((await property("gold.city_stats"))[DERIVATION_PROPERTY]).toBe("1")

    // the third run finishes gold: nothing committed twice
    // (slices of 400: the 2,757 EPA records are read in 7 slices, whole action groups at a time for gold)
    const report = await run(migrateLake({ sliceRows: 400 }))
    expect(
      report.tables.map((t) => [t.table, t.status, t.derivation?.status, t.derivation?.changed])
    ).toEqual([
      ["silver.osha", "current", "current", 0],
      ["silver.epa", "current", "current", 0],
      ["silver.faa", "current", "current", 0]
    ])
    expect(report.gold.map((g) => [g.table, g.status, g.changed > 0])).toEqual([
      ["gold.company_stats", "current", false],
      ["gold.city_stats", "derived", false],
      ["gold.state_stats", "derived", true]
    ])
    const sources = await run(
      Effect.gen(function* () {
        const lake = yield* Lakehouse
        const out: Array<number> = []
        for (const t of [...TABLES, ...KINDS.map(goldTableOf)])
          out.push(
            (yield* lake.history(t)).filter((s) => s.summary["ventureos.source-id"] === derivationSourceId)
              .length
          )
        return out
      })
    )
    // one re-derivation snapshot per changed silver table, one rebuild per gold table
    expect(sources).toEqual([1, 1, 0, 1, 1, 1])

    // silver equals a fresh ingest of the same files: ids, values, hashes, details
    const now = new Map<string, ReadonlyArray<Violation>>()
    for (const t of TABLES) {
      now.set(t, await silver(t))
      expect(now.get(t)!.map(view)).toEqual(fresh.get(t)!.map(view))
    }
    // gold equals a recomputation from silver: 2,322 EPA actions, 39 OSHA unknown current penalties (proposed, no current figure)
    const all = [...now.values()].flat()
    for (const kind of KINDS) expect(await goldNow(kind)).toEqual(recomputed(all, kind))
    expect(await agencySum("epa", "violation_count")).toBe(2322)
    expect(await agencySum("osha", "penalty_current_unknown_count")).toBe(39)
    const gold = await Promise.all(KINDS.map(goldNow))

    // a replay of the same files (another date, so not short-cut by their manifests) changes nothing
    const replay = await ingest("2026-01-06")
    for (const b of replay) {
      expect(b.status).not.toBe("replayed")
      expect({ inserted: b.inserted, updated: b.updated }).toEqual({ inserted: 0, updated: 0 })
      expect(b.unchanged).toBe(b.accepted)
    }
    expect(await Promise.all(KINDS.map(goldNow))).toEqual(gold)

    // a second run does nothing: no table gets a snapshot
    const before = await heads()
    const again = await run(migrateLake())
    expect(again.tables.map((t) => t.derivation?.status)).toEqual(["current", "current", "current"])
    expect(again.gold.map((g) => g.status)).toEqual(["current", "current", "current"])
    expect(await heads()).toEqual(before)
  }, 120_000)

  it("names the record and value when a stored detail cannot be re-derived", () => {
    const r = {
      violation_id: "osha:x",
      source_dataset: "osha_violation",
      agency: "osha",
      penalty_current: "10.00",
      action_id: null,
      violation_details: { current_penalty: "ten dollars" }
    } as unknown as Violation
    expect(() => rederive("silver.osha", r)).toThrow(
      /silver\.osha: record osha:x: details field current_penalty = "ten dollars" is not an amount/
    )
  })
})

describe("lake migrate on a lake created before action_id and penalty_current_unknown_count", () => {
  it("adds the columns, then re-derives and rebuilds (content hash v1 rows migrated first)", async () => {
    const d = await mkdtemp(join(tmpdir(), "vos-derive-old-"))
    const pick = async (file: string, id: string) => {
      const [header, ...rows] = (await readFile(join(NORMALIZER_FIXTURES, file), "utf8")).split(/\r?\n/)
      return `${[header, ...rows.filter((l) => l.includes(id))].join("\n")}\n`
    }
    // one shared action of the sample: its NPDES rows (two permits) and its case row
    const npdes = join(d, "npdes_formal_actions_FL.csv")
    const echo = join(d, "echo_cases_FL.csv")
    await writeFile(npdes, await pick("epa/sample/npdes_formal_actions_FL.csv", "FL-18-0093"))
    await writeFile(echo, await pick("epa/sample/echo_cases_FL.csv", "FL-18-0093"))
    const without = (def: TableDefinition, name: string): TableDefinition => ({
      ...def,
      columns: def.columns.filter((c) => c.name !== name)
    })
    const local = ManagedRuntime.make(layerLocalLake(join(d, "lake")) as never) as typeof rt
    try {
      // today's records of both files, stored the old way: no action_id, content hash version 1 (no property)
      const fresh = await local.runPromise(
        Effect.gen(function* () {
          const lake = yield* Lakehouse
          const w = yield* Warehouse
          yield* ingestFiles([npdes, echo], { registry, mode: "historical", date: "2026-01-05" })
          const scan = yield* lake.scanSql("silver.epa")
          return yield* w.bulk!.readViolations(`SELECT * FROM (${scan}) ORDER BY violation_id`)
        }) as never
      )
      expect((fresh as ReadonlyArray<Violation>).map((r) => r.action_id)).toEqual([
        "FL-18-0093",
        "FL-18-0093",
        "FL-18-0093"
      ])
      const old = (fresh as ReadonlyArray<Violation>).map((r) => {
        const o = { ...r, action_id: null } as Violation
        const { action_id: _, ...row } = { ...o, content_hash: "sha256-era" }
        return row
      })
      const oldLake = ManagedRuntime.make(layerLocalLake(join(d, "old")) as never) as typeof rt
      await oldLake.runPromise(
        Effect.gen(function* () {
          const lake = yield* Lakehouse
          yield* lake.ensureTable("silver.epa", without(silverDefinition, "action_id"))
          yield* lake.write("silver.epa", old, { mode: "overwrite" })
          for (const kind of KINDS)
            yield* lake.ensureTable(
              goldTableOf(kind),
              // (created by the old code: no derivation version)
              { ...without(goldDefinition, "penalty_current_unknown_count"), properties: {} }
            )
        })
      )
      await oldLake.dispose()
      const migrated = ManagedRuntime.make(layerLocalLake(join(d, "old")) as never) as typeof rt
      const out = await migrated.runPromise(
        Effect.gen(function* () {
          const lake = yield* Lakehouse
          const w = yield* Warehouse
          const report = yield* migrateLake()
          const scan = yield* lake.scanSql("silver.epa")
          const records = yield* w.bulk!.readViolations(`SELECT * FROM (${scan}) ORDER BY violation_id`)
          const company = yield* w.goldTotals("company")
          return { report, records, company }
        })
      )
      await migrated.dispose()
      expect(out.report.tables.find((t) => t.table === "silver.epa")).toMatchObject({
        status: "migrated",
        from: "1",
        derivation: { status: "derived", changed: 3 }
      })
      expect(out.records.map(view)).toEqual((fresh as ReadonlyArray<Violation>).map(view))
      const epa = out.company.filter((t) => t.agency === "epa" && nonZero(t))
      expect(epa.map(stored).sort()).toEqual(
        recomputed(out.records, "company").filter((s) => s.includes('"epa"'))
      )
      expect(epa.reduce((n, t) => n + t.violation_count, 0)).toBe(1)
    } finally {
      await local.dispose()
      await rm(d, { recursive: true, force: true })
    }
  }, 60_000)
})
