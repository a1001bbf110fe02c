import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { moneyToCents } from "@ventureos/core"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { makeMemory as makeServing, ServingStore } from "@ventureos/serving"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ingestFiles } from "../src/IngestFiles"
import { syncServing } from "../src/SyncServing"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"

/**
 * The gold sync's history and search items on the real sample files (OSHA, EPA, FAA) over the Iceberg
 * warehouse: every entity's history equals a recomputation straight from silver (SQL, not gold), summed over
 * years it equals the entity's stats, and the national recent feed is the newest live violations of silver.
 */

const SAMPLES = join(import.meta.dirname, "..", "..", "adapters-node", "samples")
const registry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])
const AGENCIES = ["osha", "epa", "faa"] as const

let dir: string
let rt: ManagedRuntime.ManagedRuntime<Warehouse | RawArchive, unknown>
let wh: WarehouseShape
const serving = makeServing()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-history-"))
  rt = ManagedRuntime.make(
    Layer.mergeAll(layerLocal(join(dir, "warehouse")), layerFileSystem(join(dir, "lake")))
  ) as unknown as typeof rt
  wh = await rt.runPromise(Warehouse)
  const files = (await readdir(SAMPLES)).filter((f) => f.endsWith(".csv")).map((f) => join(SAMPLES, f))
  const results = await rt.runPromise(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }))
  await rt.runPromise(syncServing(results).pipe(Effect.provideService(ServingStore, serving)))
}, 240_000)
afterAll(async () => {
  await rt?.dispose()
  await rm(dir, { recursive: true, force: true })
})

/** Every live silver row of every agency, as one SQL relation. */
const silverSql = async () => {
  const parts: Array<string> = []
  for (const a of AGENCIES) {
    const head = await Effect.runPromise(wh.silverHead(a))
    parts.push(`SELECT * FROM (${await Effect.runPromise(wh.bulk!.silverRelation(a, head))})`)
  }
  return `(SELECT * FROM (${parts.join(" UNION ALL BY NAME ")}) WHERE status <> 'deleted') s`
}

const KEYS = {
  company: "'COMPANY#' || company_slug",
  city: "'CITY#' || city_slug",
  state: "'STATE#' || lower(state)"
} as const

describe("gold sync on the real samples: histories, search entries, national feed", () => {
  it("each entity's history equals silver recomputed in SQL, and sums to its stats", async () => {
    const silver = await silverSql()
    let entities = 0
    for (const kind of ["company", "city", "state"] as const) {
      const rows = await Effect.runPromise(
        wh.bulk!.sql(`
          SELECT ${KEYS[kind]} AS k, agency, CAST(year(event_date) AS INTEGER) AS y, count(*)::BIGINT AS c,
            CAST(coalesce(sum(penalty_initial), 0) AS VARCHAR) AS pi,
            CAST(coalesce(sum(penalty_current), 0) AS VARCHAR) AS pc
          FROM ${silver} WHERE ${KEYS[kind]} IS NOT NULL
          GROUP BY ALL ORDER BY k, y NULLS LAST, agency`)
      )
      const expected = new Map<string, Array<string>>()
      for (const r of rows) {
        const list = expected.get(String(r.k)) ?? []
        list.push(`${r.agency}:${r.y}:${r.c}:${Number(r.pi).toFixed(2)}:${Number(r.pc).toFixed(2)}`)
        expected.set(String(r.k), list)
      }
      expect(expected.size, kind).toBeGreaterThan(0)
      for (const [key, points] of expected) {
        const history = Option.getOrThrow(await Effect.runPromise(serving.getHistory(key)))
        expect(
          history.points.map(
            (p) =>
              `${p.agency}:${p.year}:${p.violation_count}:${p.penalty_initial_total}:${p.penalty_current_total}`
          ),
          key
        ).toEqual(points)
        // Summed over years: the entity's totals, per agency and over all.
        const view = Option.getOrThrow(await Effect.runPromise(serving.getEntity(key)))
        for (const stats of view.stats) {
          const mine = history.points.filter((p) => stats.agency === "all" || p.agency === stats.agency)
          const sum = (f: (p: (typeof mine)[number]) => bigint) => mine.reduce((a, p) => a + f(p), 0n)
          expect(
            [
              mine.reduce((a, p) => a + p.violation_count, 0),
              sum((p) => moneyToCents(p.penalty_initial_total)),
              sum((p) => moneyToCents(p.penalty_current_total))
            ],
            `${key} ${stats.agency}`
          ).toEqual([
            stats.violation_count,
            moneyToCents(stats.penalty_initial_total),
            moneyToCents(stats.penalty_current_total)
          ])
        }
        entities++
      }
    }
    expect(entities).toBeGreaterThan(20)
  })

  it("indexes every entity for search: its display name finds it with its total count", async () => {
    const silver = await silverSql()
    const top = await Effect.runPromise(
      wh.bulk!.sql(
        `SELECT company_slug, count(*)::BIGINT AS c FROM ${silver} GROUP BY ALL ORDER BY c DESC, 1 LIMIT 5`
      )
    )
    for (const t of top) {
      const key = `COMPANY#${t.company_slug}`
      const profile = Option.getOrThrow(await Effect.runPromise(serving.getEntity(key))).profile!
      const results = await Effect.runPromise(serving.search(profile.display_name, { limit: 50 }))
      const hit = results.find((r) => r.entity_key === key)
      expect(hit, `${profile.display_name}`).toBeDefined()
      expect(hit!.violation_count).toBe(Number(t.c))
      expect(hit!.match).toBe("exact")
    }
    const city = await Effect.runPromise(serving.search("tampa", { kind: "city" }))
    expect(city.map((r) => r.id)).toContain("tampa-fl")
  })

  it("the national recent feed holds each agency's newest live violations from silver", async () => {
    const silver = await silverSql()
    for (const agency of AGENCIES) {
      const want = await Effect.runPromise(
        wh.bulk!.sql(`
          SELECT violation_id FROM ${silver} WHERE agency = '${agency}' AND coalesce(event_date, opened_date) IS NOT NULL
          ORDER BY coalesce(event_date, opened_date) DESC, violation_id DESC LIMIT 10`)
      )
      const got = await Effect.runPromise(serving.getRecent(agency, 10))
      expect(
        got.map((i) => i.violation_id),
        agency
      ).toEqual(want.map((r) => String(r.violation_id)))
    }
    const all = await Effect.runPromise(serving.getRecent("all", 10))
    expect(all.map((i) => i.date)).toEqual(
      all
        .map((i) => i.date)
        .sort()
        .reverse()
    )
  })

  it("a second sync of the same results writes nothing", async () => {
    const files = (await readdir(SAMPLES)).filter((f) => f.endsWith(".csv")).map((f) => join(SAMPLES, f))
    const again = await rt.runPromise(ingestFiles(files, { registry, mode: "daily", date: "2025-12-02" }))
    const rep = await rt.runPromise(syncServing(again).pipe(Effect.provideService(ServingStore, serving)))
    expect(rep).toMatchObject({
      feedWrites: 0,
      statsWritten: 0,
      historiesWritten: 0,
      searchEntriesWritten: 0
    })
  })
})
