import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { actionKey, type Money, mergeAction, moneyToCents, type Violation } from "@ventureos/core"
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
 * warehouse: every entity's history equals a recomputation straight from silver (not gold: every action
 * once, its records merged by core's `mergeAction`), summed over
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

/** Every live action of silver (records of one action merged, as totals count them). */
const silverActions = async (): Promise<Array<Violation>> => {
  const groups = new Map<string, Array<Violation>>()
  for (const a of AGENCIES) {
    const head = await Effect.runPromise(wh.silverHead(a))
    const rel = await Effect.runPromise(wh.bulk!.silverRelation(a, head))
    for (const r of await Effect.runPromise(wh.bulk!.readViolations(`SELECT * FROM (${rel})`)))
      groups.set(actionKey(r), [...(groups.get(actionKey(r)) ?? []), r])
  }
  return [...groups.values()].flatMap((g) => {
    const m = mergeAction(g)
    return m === null ? [] : [m]
  })
}

const keyOf = {
  company: (r: Violation) => `COMPANY#${r.company_slug}`,
  city: (r: Violation) => (r.city_slug === null ? null : `CITY#${r.city_slug}`),
  state: (r: Violation) => (r.state === null ? null : `STATE#${r.state.toLowerCase()}`)
} as const

describe("gold sync on the real samples: histories, search entries, national feed", () => {
  it("each entity's history equals silver recomputed in SQL, and sums to its stats", async () => {
    const actions = await silverActions()
    let entities = 0
    for (const kind of ["company", "city", "state"] as const) {
      const sums = new Map<
        string,
        { k: string; a: string; y: number | null; c: number; pi: bigint; pc: bigint }
      >()
      const cents = (m: string | null) => (m === null ? 0n : moneyToCents(m as Money))
      for (const r of actions) {
        const k = keyOf[kind](r)
        if (k === null) continue
        const y = r.event_date === null ? null : Number(r.event_date.slice(0, 4))
        const id = `${k}|${r.agency}|${y}`
        const e = sums.get(id) ?? { k, a: r.agency, y, c: 0, pi: 0n, pc: 0n }
        e.c++
        e.pi += cents(r.penalty_initial)
        e.pc += cents(r.penalty_current)
        sums.set(id, e)
      }
      const rows = [...sums.values()].sort(
        (x, z) =>
          (x.k < z.k ? -1 : x.k > z.k ? 1 : 0) ||
          (x.y ?? 99999) - (z.y ?? 99999) ||
          (x.a < z.a ? -1 : x.a > z.a ? 1 : 0)
      )
      const expected = new Map<string, Array<string>>()
      for (const r of rows) {
        const list = expected.get(r.k) ?? []
        list.push(
          `${r.a}:${r.y}:${r.c}:${(Number(r.pi) / 100).toFixed(2)}:${(Number(r.pc) / 100).toFixed(2)}`
        )
        expected.set(r.k, list)
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
