import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { emptyMap, type OverrideRecord, resolve } from "@ventureos/entities"
import { type EntityProfile, makeMemory as makeServingMemory, ServingStore } from "@ventureos/serving"
import { Effect, Option } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  applyOverride,
  companyKeyOf,
  rollupOf,
  syncEntityServing,
  updateEntities,
  variantsFromRecords,
  variantsFromSilver,
  withCompanyRollup
} from "../src/Entities"
import { EntityStore } from "../src/EntityStore"
import { deltasFor, foldDeltas, type GoldDelta, topN } from "../src/Gold"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { makeMemory } from "../src/WarehouseMemory"
import { arbRecord, makeRecord } from "./records"

/** Current silver: the last version of each violation id. */
const current = (records: ReadonlyArray<Violation>) => [
  ...new Map(records.map((r) => [r.violation_id, r])).values()
]

const appendGold = (w: WarehouseShape, records: ReadonlyArray<Violation>) =>
  Effect.gen(function* () {
    const deltas: Array<GoldDelta> = []
    for (const r of current(records)) deltas.push(...deltasFor(null, r).company)
    yield* w.goldAppend("company", { id: "test:1", batchId: "b1" }, deltas)
  })

/** Recompute company totals and Top-N from silver with every record keyed by its resolved company. */
const recompute = (records: ReadonlyArray<Violation>, key: (slug: string) => string) => {
  const deltas: Array<GoldDelta> = []
  for (const r of current(records))
    for (const d of deltasFor(null, r).company) deltas.push({ ...d, entity_key: key(r.company_slug) })
  return { totals: foldDeltas(deltas), deltas }
}

/** One silver commit of these records as new (snapshot "s1"). */
const commitNew = (agency: string, records: ReadonlyArray<Violation>) =>
  Effect.flatMap(Warehouse, (w) =>
    w.silverCommit(
      agency,
      { id: "s1", batchId: "b1" },
      null,
      (async function* () {
        yield records.map((record) => ({ record, replaces: false }))
      })()
    )
  )

const SLUGS = ["acme-widgets", "globex", "initech", "umbrella"] as const
const arbOverrides: fc.Arbitrary<Array<OverrideRecord>> = fc
  .array(
    fc.oneof(
      fc
        .tuple(fc.constantFrom(...SLUGS), fc.constantFrom(...SLUGS))
        .map(([from, into]) => ({ op: "merge" as const, from, into })),
      fc.constantFrom(...SLUGS).map((variant) => ({ op: "split" as const, variant }))
    ),
    { maxLength: 6 }
  )
  .map((os) => os.map((override, i) => ({ version: i + 1, at: "2026-01-01T00:00:00Z", override })))

describe("company roll-up through the entity map", () => {
  it("gold read through the map equals a recomputation from silver under it, for random merges and splits (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbRecord(), { minLength: 1, maxLength: 30 }),
        arbOverrides,
        async (records, overrides) => {
          const w = makeMemory()
          await Effect.runPromise(appendGold(w, records))
          const { map } = resolve(emptyMap(), variantsFromRecords(current(records)), overrides)
          const rolled = withCompanyRollup(w, rollupOf(map))
          const expected = recompute(records, companyKeyOf(map))
          const rows = await Effect.runPromise(rolled.goldTotals("company"))
          const got = new Map(rows.map((r) => [`${r.entity_key}\u0000${r.agency}`, r]))
          for (const [k, t] of expected.totals) {
            const r = got.get(k)
            expect(r?.violation_count ?? 0).toBe(t.violation_count)
            expect(r?.penalty_current_cents ?? 0n).toBe(t.penalty_current_cents)
            expect(r?.penalty_initial_cents ?? 0n).toBe(t.penalty_initial_cents)
            for (const ty of Object.keys(t.by_type))
              expect(r?.by_type[ty] ?? 0).toBe(t.by_type[ty as keyof typeof t.by_type])
          }
          expect(rows.length).toBe([...expected.totals.keys()].length)
          // a variant's key reads as its company
          for (const slug of new Set(current(records).map((r) => r.company_slug))) {
            const one = await Effect.runPromise(rolled.goldTotals("company", [`COMPANY#${slug}`]))
            for (const r of one) expect(r.entity_key).toBe(companyKeyOf(map)(slug))
          }
          // Top-N lists rank companies, not variants
          const q = { scopes: ["national", "state:TX", "state:FL"], agencies: ["all", "osha"], limit: 3 }
          const tops = await Effect.runPromise(rolled.goldTopMany(q))
          for (const [k, list] of tops) {
            const [scope, by, agency] = k.split("|") as [string, "count" | "penalties", string]
            const want = topN(expected.deltas, { scope, by, agency, limit: 3 })
            expect(list.map((e) => [e.entity_key, e.violation_count, e.penalty_current_cents])).toEqual(
              want.map((e) => [e.entity_key, e.violation_count, e.penalty_current_cents])
            )
          }
        }
      ),
      { numRuns: 60 }
    )
  })

  it("the Iceberg warehouse ranks rolled-up companies in SQL exactly as the reference does", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entities-rollup-"))
    try {
      const records = fc.sample(arbRecord(), { numRuns: 40, seed: 7 })
      const overrides: Array<OverrideRecord> = [
        {
          version: 1,
          at: "2026-01-01T00:00:00Z",
          override: { op: "merge", from: "globex", into: "initech" }
        },
        {
          version: 2,
          at: "2026-01-01T00:00:00Z",
          override: { op: "merge", from: "umbrella", into: "initech" }
        }
      ]
      const { map } = resolve(emptyMap(), variantsFromRecords(current(records)), overrides)
      const expected = recompute(records, companyKeyOf(map))
      const q = { scopes: ["national", "state:TX"], agencies: ["all", "epa"], limit: 5 }
      const tops = await Effect.runPromise(
        Effect.gen(function* () {
          const w = yield* Warehouse
          yield* appendGold(w, records)
          return yield* withCompanyRollup(w, rollupOf(map)).goldTopMany(q)
        }).pipe(Effect.provide(layerLocal(dir)))
      )
      for (const [k, list] of tops) {
        const [scope, by, agency] = k.split("|") as [string, "count" | "penalties", string]
        const want = topN(expected.deltas, { scope, by, agency, limit: 5 })
        expect(list.map((e) => [e.entity_key, e.violation_count, e.penalty_current_cents])).toEqual(
          want.map((e) => [e.entity_key, e.violation_count, e.penalty_current_cents])
        )
      }
      // the merged company is named by the map, not by whichever variant came last
      const national = tops.get("national|count|all") ?? []
      const initech = national.find((e) => e.entity_key === "COMPANY#initech")
      if (initech !== undefined) expect(initech.name).toBe(map.companies.initech?.name)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("updateEntities scores only names new to the map and keeps it in the store", async () => {
    const records = fc.sample(arbRecord(), { numRuns: 30, seed: 3 })
    const run = <A, E>(e: Effect.Effect<A, E, Warehouse | EntityStore>) => e
    const program = Effect.gen(function* () {
      const first = yield* run(updateEntities({ agencies: [], records: current(records) }))
      const second = yield* run(updateEntities({ agencies: [], records: current(records) }))
      return { first, second }
    }).pipe(Effect.provide(EntityStore.layerMemory), Effect.provideService(Warehouse, makeMemory()))
    const { first, second } = await Effect.runPromise(program)
    expect(first.newVariants).toBeGreaterThan(0)
    expect(second.newVariants).toBe(0)
    expect(second.compared).toBe(0)
    expect(second.version).toBe(first.version)
  })

  it("after a batch that landed on the snapshot the map is complete for, reads only the batch's touched names; otherwise everything", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entities-scope-"))
    try {
      const firms = [
        "ACME WIDGETS",
        "GLOBEX",
        "INITECH",
        "UMBRELLA",
        "HOOLI",
        "STARK",
        "WAYNE",
        "TYRELL",
        "CYBERDYNE"
      ]
      const all = current(fc.sample(arbRecord(), { numRuns: 90, seed: 21 })).map((r, i) => {
        const name = firms[i % firms.length]!
        return {
          ...r,
          agency: "osha",
          company_name: name,
          company_slug: name.toLowerCase().replace(" ", "-")
        } as Violation
      })
      const slugs = [...new Set(all.map((r) => r.company_slug))].sort()
      expect(slugs.length).toBeGreaterThan(5)
      const part = (i: number) => all.filter((r) => slugs.indexOf(r.company_slug) % 4 === i)
      const program = Effect.gen(function* () {
        const w = yield* Warehouse
        const commit = (id: string, records: ReadonlyArray<Violation>) =>
          Effect.gen(function* () {
            const landed = yield* w.silverCommit(
              "osha",
              { id, batchId: id },
              yield* w.silverHead("osha"),
              (async function* () {
                yield records.map((record) => ({ record, replaces: false }))
              })()
            )
            const touched = [...new Set(records.map((r) => `COMPANY#${r.company_slug}`))]
            return {
              agency: "osha",
              sourceId: id,
              status: "ingested" as const,
              silverSnapshot: landed.snapshotId,
              touched: { company: touched, city: [], state: [] }
            }
          })
        const store = yield* EntityStore
        const b1 = yield* commit("s1", part(0))
        const first = yield* updateEntities({ agencies: ["osha"], batches: [b1] })
        const head1 = yield* w.silverHead("osha")
        const complete1 = (yield* store.load).complete
        // a batch on top of it: only its touched names are read
        const b2 = yield* commit("s2", part(1))
        const honest = yield* updateEntities({ agencies: ["osha"], batches: [b2] })
        // so a batch that (as a test) claims to touch none finds nothing: the read was limited to the batch
        const b3 = yield* commit("s3", part(2))
        const lying = yield* updateEntities({
          agencies: ["osha"],
          batches: [{ ...b3, touched: { company: [], city: [], state: [] } }]
        })
        // another writer's batch (not this run's): everything is read
        yield* commit("s4", part(3))
        const unknownWriter = yield* updateEntities({ agencies: ["osha"], batches: [] })
        const replay = yield* updateEntities({ agencies: ["osha"], batches: [] })
        return { first, head1, complete1, honest, lying, unknownWriter, replay, map: yield* store.load }
      }).pipe(Effect.provide(EntityStore.layerMemory), Effect.provide(layerLocal(dir)))
      const r = await Effect.runPromise(program)
      const names = (i: number) => new Set(part(i).map((v) => v.company_slug)).size
      expect(r.first.newVariants).toBe(names(0))
      expect(r.complete1).toEqual({ osha: r.head1 })
      expect(r.honest.newVariants).toBe(names(1))
      expect(r.lying.newVariants).toBe(0)
      // another writer's batch breaks the chain: everything is read, which also finds what the lying run hid
      expect(r.unknownWriter.newVariants).toBe(names(2) + names(3))
      expect(r.replay.newVariants).toBe(0)
      expect(Object.keys(r.map.variants).sort()).toEqual(slugs)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("reads silver's sites only for names the map does not know, and finds a name an interrupted run left out", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entities-silver-"))
    try {
      const records = current(fc.sample(arbRecord(), { numRuns: 40, seed: 11 })).filter(
        (r) => r.agency === "osha"
      )
      const slugs = [...new Set(records.map((r) => r.company_slug))].sort()
      expect(slugs.length).toBeGreaterThan(2)
      const program = Effect.gen(function* () {
        yield* commitNew("osha", records)
        const all = yield* variantsFromSilver(["osha"])
        // the map knows every name but the first: only that one is read, with the same inputs as a full read
        const only = yield* variantsFromSilver(["osha"], (slug) => slug !== slugs[0])
        // the same with the new names joined as a relation (the form of lists too long for a literal IN)
        const joined = yield* variantsFromSilver(["osha"], (slug) => slug !== slugs[0], undefined, 0)
        const joinedAll = yield* variantsFromSilver(
          ["osha"],
          (slug) => slug === "",
          { osha: new Set(slugs) },
          0
        )
        const none = yield* variantsFromSilver(["osha"], () => true)
        // an ingest whose entity step never ran: the next update finds every name; one more finds none
        const first = yield* updateEntities({ agencies: ["osha"] })
        const again = yield* updateEntities({ agencies: ["osha"] })
        return { all, only, joined, joinedAll, none, first, again }
      }).pipe(Effect.provide(EntityStore.layerMemory), Effect.provide(layerLocal(dir)))
      const { all, only, joined, joinedAll, none, first, again } = await Effect.runPromise(program)
      expect(all.map((v) => v.key).sort()).toEqual(slugs)
      expect(only).toEqual(all.filter((v) => v.key === slugs[0]))
      expect(joined).toEqual(only)
      expect(joinedAll).toEqual(all)
      expect(none).toEqual([])
      expect(first.newVariants).toBe(slugs.length)
      expect(again.newVariants).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe("EPA FRS registry ids", () => {
  it("names of one NPDES facility (the same FRS id in dfr_url) are one company; the same names apart are not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entities-frs-"))
    try {
      // facility names and report links as NPDES publishes them (npdes_formal_actions_FL); the second name is
      // the first facility's under another operator name, which no name rule links
      const npdes = (id: string, company: string, fid: string | null) => ({
        ...makeRecord({
          agency: "epa",
          id,
          company,
          city: "TAMPA",
          state: "FL",
          date: "2020-01-01",
          type: "civil_penalty",
          status: "closed",
          initialCents: 100,
          currentCents: 100
        }),
        violation_details: {
          fac_name: company,
          ...(fid === null ? {} : { dfr_url: `http://echo.epa.gov/detailed-facility-report?fid=${fid}` })
        }
      })
      const records = [
        npdes("1", "PLAZA MATERIALS CORPORATION", "110011332584"),
        npdes("2", "PASCO AGGREGATE PLANT", "110011332584"),
        npdes("3", "PITTS TRUCKING", "110011332049"),
        npdes("4", "BRADFORD CREEK", null)
      ]
      const program = Effect.gen(function* () {
        yield* commitNew("epa", records)
        const variants = yield* variantsFromSilver(["epa"])
        yield* updateEntities({ agencies: ["epa"] })
        return { variants, map: yield* (yield* EntityStore).load }
      }).pipe(Effect.provide(EntityStore.layerMemory), Effect.provide(layerLocal(dir)))
      const { variants, map } = await Effect.runPromise(program)
      const frs = Object.fromEntries(variants.map((v) => [v.key, v.frs]))
      // a daily run resolves its own records' names (variantsFromRecords): the same ids
      expect(Object.fromEntries(variantsFromRecords(records).map((v) => [v.key, v.frs]))).toEqual(frs)
      expect(frs).toEqual({
        "plaza-materials": ["110011332584"],
        "pasco-aggregate-plant": ["110011332584"],
        "pitts-trucking": ["110011332049"],
        "bradford-creek": []
      })
      expect(map.variants["pasco-aggregate-plant"]?.company).toBe(map.variants["plaza-materials"]?.company)
      expect([map.variants["plaza-materials"]?.rule, map.variants["pasco-aggregate-plant"]?.rule]).toContain(
        "same EPA FRS registry id"
      )
      // names sharing no id stay apart
      const companies = new Set(Object.values(map.variants).map((e) => e.company))
      expect(companies.size).toBe(3)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe("syncEntityServing", () => {
  it("writes an alias for each merged name and lists the merged names on the company's profile", async () => {
    const serving = makeServingMemory()
    const program = Effect.gen(function* () {
      const store = yield* EntityStore
      const records = fc.sample(arbRecord(), { numRuns: 30, seed: 5 })
      yield* updateEntities({ agencies: [], records: current(records) })
      yield* applyOverride({ op: "merge", from: "globex", into: "initech" })
      const s = yield* ServingStore
      yield* s.putProfiles([
        {
          entity_key: "COMPANY#initech",
          display_name: "INITECH",
          name_variants: ["INITECH"],
          naics: null,
          industry: null,
          city: null,
          state: null,
          zip: null,
          first_seen: null,
          last_seen: null
        } as unknown as EntityProfile
      ])
      const first = yield* syncEntityServing("2026-11-30T10:00:00.000Z")
      const again = yield* syncEntityServing("2026-11-30T11:00:00.000Z")
      const alias = yield* s.getAlias("COMPANY#globex")
      const profile = (yield* s.getProfiles(["COMPANY#initech"])).get("COMPANY#initech")
      yield* applyOverride({ op: "split", variant: "globex" })
      yield* syncEntityServing()
      const cleared = yield* s.getAlias("COMPANY#globex")
      return { first, again, alias, profile, cleared, map: yield* store.load }
    }).pipe(
      Effect.provide(EntityStore.layerMemory),
      Effect.provideService(ServingStore, serving),
      Effect.provideService(Warehouse, makeMemory())
    )
    const r = await Effect.runPromise(program)
    expect(r.first.aliasesWritten).toBeGreaterThanOrEqual(1)
    expect(r.again).toEqual({ aliasesWritten: 0, profilesWritten: 0 })
    expect(Option.getOrThrow(r.alias).alias_of).toBe("COMPANY#initech")
    expect(r.profile?.name_variants).toEqual(expect.arrayContaining(["GLOBEX CORP", "INITECH"]))
    expect(Option.isNone(r.cleared)).toBe(true)
  })
})

describe("EntityStore.layerFileSystem", () => {
  it("a replay's update answers from the map's stamp without parsing the map; any other state loads it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entity-stamp-"))
    try {
      const records = current(fc.sample(arbRecord(), { numRuns: 40, seed: 11 })).filter(
        (r) => r.agency === "osha"
      )
      const slugs = new Set(records.map((r) => r.company_slug))
      const ent = join(dir, "entities")
      const run = <A, E>(e: Effect.Effect<A, E, Warehouse | EntityStore>) =>
        Effect.runPromise(
          e.pipe(
            Effect.provide(EntityStore.layerFileSystem(ent)),
            Effect.provide(layerLocal(join(dir, "wh")))
          )
        )
      const commit = (id: string, rows: ReadonlyArray<Violation>) =>
        Effect.flatMap(Warehouse, (w) =>
          Effect.flatMap(w.silverHead("osha"), (head) =>
            w.silverCommit(
              "osha",
              { id, batchId: id },
              head,
              (async function* () {
                yield rows.map((record) => ({ record, replaces: false }))
              })()
            )
          )
        )
      const update = updateEntities({ agencies: ["osha", "epa"] })
      await run(commit("s1", records.slice(0, 20)))
      const first = await run(update)
      expect(first.newVariants).toBeGreaterThan(0)
      const stampFile = join(ent, "map.stamp.json")
      const stamp = JSON.parse(await readFile(stampFile, "utf8")) as Record<string, unknown>
      expect(stamp).toMatchObject({
        version: first.version,
        variants: first.variants,
        companies: first.companies
      })

      // a replay: silver is where the map is complete for it; the answer is the stamp's (planted counts show it
      // is read instead of the map)
      await writeFile(stampFile, JSON.stringify({ ...stamp, variants: 999_999 }))
      expect(await run(update)).toMatchObject({ newVariants: 0, compared: 0, variants: 999_999 })
      // the same map file replaced by another writer (same bytes, another inode): the stamp is not its own, so
      // the map is loaded, and stamped for the next run
      await writeFile(join(ent, "map.json.other"), await readFile(join(ent, "map.json")))
      await rename(join(ent, "map.json.other"), join(ent, "map.json"))
      expect(await run(update)).toMatchObject({ newVariants: 0, variants: first.variants })
      const restamped = JSON.parse(await readFile(stampFile, "utf8")) as Record<string, unknown>
      expect(restamped.mapId).not.toBe(stamp.mapId)
      await writeFile(stampFile, JSON.stringify({ ...restamped, variants: 888_888 }))
      expect(await run(update)).toMatchObject({ newVariants: 0, variants: 888_888 })
      // a corrupt stamp: the map is loaded, no error
      for (const text of ["", "{", "null", JSON.stringify({ ...stamp, complete: [] })]) {
        await writeFile(stampFile, text)
        expect(await run(update)).toMatchObject({ newVariants: 0, variants: first.variants })
      }
      // silver moved since: the new names are read and resolved, and the new map gets its own stamp
      await run(commit("s2", records.slice(20)))
      const second = await run(update)
      expect(second.variants).toBe(slugs.size)
      expect(second.newVariants).toBe(slugs.size - first.variants)
      expect(JSON.parse(await readFile(stampFile, "utf8"))).toMatchObject({ variants: slugs.size })
      expect(await run(update)).toMatchObject({ newVariants: 0, variants: slugs.size })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("parses map.json once per process while it is unchanged, and again when another writer replaced it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "entity-store-"))
    try {
      const inputs = variantsFromRecords(fc.sample(arbRecord(), { numRuns: 20, seed: 5 }))
      const { map } = resolve(emptyMap(), inputs, [], { now: "2026-11-30T10:00:00.000Z" })
      const load = Effect.flatMap(EntityStore, (s) => s.load)
      const inStore = <A, E>(e: Effect.Effect<A, E, EntityStore>) =>
        Effect.runPromise(e.pipe(Effect.provide(EntityStore.layerFileSystem(dir))))
      expect(await inStore(load)).toEqual(emptyMap())
      await inStore(Effect.flatMap(EntityStore, (s) => s.save(map)))
      // what this process saved is what it loads, through any number of store layers, without a re-parse
      const first = await inStore(load)
      expect(first).toBe(map)
      expect(await inStore(load)).toBe(first)
      // another process replaces the file (written aside, renamed): its map is read
      const other = { ...map, version: map.version + 1, updatedAt: "2026-11-30T11:00:00.000Z" }
      await writeFile(join(dir, "map.json.other"), JSON.stringify(other))
      await rename(join(dir, "map.json.other"), join(dir, "map.json"))
      const replaced = await inStore(load)
      expect(replaced).toEqual(other)
      expect(await inStore(load)).toBe(replaced)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
