import { assert, describe, it } from "@effect/vitest"
import type { Slug, UsState } from "@ventureos/core"
import {
  cityKey,
  companyKey,
  type EntityStats,
  stateKey,
  type TopList,
  type Violation
} from "@ventureos/core"
import { Effect, Exit, type Layer, Option } from "effect"
import fc from "fast-check"
import type { BrandConfig } from "../../src/BrandConfig"
import { compareNewestFirst, feedDate, placementKeys, toFeedItem } from "../../src/Feed"
import type {
  EntityHistory,
  EntityProfile,
  SearchEntry,
  SearchOptions,
  SearchResult,
  ViolationSummary
} from "../../src/Model"
import { ServingStore } from "../../src/ServingStore"
import { ServingStoreError } from "../../src/ServingStoreError"
import { stats, violation } from "../fixtures"

/** Builds a fresh store for one test: its own tables (prefix), feed size and national feed size. */
export type MakeLayer = (options: {
  readonly tablePrefix: string
  readonly feedSize: number
  readonly recentSize: number
}) => Layer.Layer<ServingStore, unknown>

let counter = 0
const prefix = () => `t${process.pid}x${Date.now().toString(36)}x${counter++}`

const ACME = companyKey("acme-widgets" as Slug)
const AUSTIN = cityKey("austin-tx" as Slug)
const TX = stateKey("TX" as UsState)

/** Expected feed rows, as comparable strings, newest first. */
const rows = (items: ReadonlyArray<{ date: string; violation_id: string; content_hash: string }>) =>
  items.map((i) => `${i.date}|${i.violation_id}|${i.content_hash}`)

/** The national recent feed's partition (what `getFeedRaw` lists for it). */
const NATIONAL = "FEED#national"

/**
 * The N newest live violations of a group from a "silver" of latest versions; the national group holds the
 * violations as shown under their company.
 */
const expectedGroup = (
  silver: ReadonlyMap<string, Violation>,
  entityKey: string,
  agency: string,
  n: number
) =>
  [...silver.values()]
    .filter((v) => v.agency === agency && v.status !== "deleted" && feedDate(v) !== null)
    .filter((v) => entityKey === NATIONAL || placementKeys(v).keys.includes(entityKey))
    .map((v) => toFeedItem(v, entityKey === NATIONAL ? companyKey(v.company_slug) : entityKey)!)
    .sort(compareNewestFirst)
    .slice(0, n)

const brand = (id: string, over: Partial<BrandConfig> = {}): BrandConfig =>
  ({
    id,
    name: "OSHA Trail",
    domain: "oshatrail.com",
    colors: {
      primary: "#0a3d62",
      secondary: "#3c6382",
      accent: "#f6b93b",
      background: "#ffffff",
      text: "#111111"
    },
    layout: "dashboard",
    navigation: [
      { label: "Top offenders", href: "/top" },
      { label: "Live feed", href: "/feed" }
    ],
    agencies: ["osha"],
    updated_at: "2026-01-01T00:00:00.000Z",
    ...over
  }) as BrandConfig

/**
 * The ServingStore contract. Run against the memory layer and every driver: a fake that passes the same
 * suite as the real thing can be trusted.
 */
export const suite = (
  name: string,
  makeLayer: MakeLayer,
  options: { readonly propertyRuns?: number } = {}
) => {
  const runs = options.propertyRuns ?? 25
  const run = <A, E>(
    body: (store: ServingStore["Service"]) => Effect.Effect<A, E>,
    feedSize = 3,
    recentSize = 4
  ): Effect.Effect<A, unknown> =>
    Effect.gen(function* () {
      return yield* body(yield* ServingStore)
    }).pipe(Effect.provide(makeLayer({ tablePrefix: prefix(), feedSize, recentSize })))

  const failure = <A>(e: Effect.Effect<A, ServingStoreError>) =>
    Effect.map(Effect.exit(e), (exit) => {
      assert.isTrue(Exit.isFailure(exit), "expected a failure")
      const err = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      const value = err !== undefined && "error" in err ? (err.error as ServingStoreError) : undefined
      assert.instanceOf(value, ServingStoreError)
      return value!
    })

  describe(`ServingStore contract: ${name}`, () => {
    it.live("setup is idempotent", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.setup
          yield* s.setup
        })
      )
    )

    it.live("a violation is found by id alone (its company placement), without an entity key", () =>
      run((s) =>
        Effect.gen(function* () {
          const v = violation({
            id: "gv-1",
            company: "ACME WIDGETS INC",
            city: "AUSTIN",
            state: "TX",
            date: "2024-03-04"
          })
          yield* s.applyFeed([v])
          const found = yield* s.getViolation(v.violation_id)
          assert.isTrue(Option.isSome(found))
          assert.strictEqual(Option.getOrThrow(found).entity_key, ACME)
          assert.strictEqual(Option.getOrThrow(found).violation_id, v.violation_id)
          assert.isTrue(Option.isNone(yield* s.getViolation("osha:test:unknown-1")))
          // a deleted violation leaves the feed, so it is no longer found
          yield* s.applyFeed([{ ...v, status: "deleted", content_hash: "gone" } as Violation])
          assert.isTrue(Option.isNone(yield* s.getViolation(v.violation_id)))
          const bad = yield* Effect.exit(s.getViolation("not an id#"))
          assert.isTrue(Exit.isFailure(bad))
        })
      )
    )

    it.live("profiles: stored, read back, unchanged ones not rewritten", () =>
      run((s) =>
        Effect.gen(function* () {
          const p: EntityProfile = {
            entity_key: ACME as EntityProfile["entity_key"],
            display_name: "Acme Widgets, Inc.",
            name_variants: ["ACME WIDGETS INC", "Acme Widgets, LLC"],
            naics: "236220",
            industry: "Construction",
            city: "AUSTIN",
            state: "TX" as UsState,
            zip: "78701",
            first_seen: "2019-01-02" as EntityProfile["first_seen"],
            last_seen: "2024-05-06" as EntityProfile["last_seen"]
          }
          assert.deepStrictEqual(yield* s.putProfiles([p]), {
            received: 1,
            written: 1,
            unchanged: 0,
            stale: 0
          })
          assert.deepStrictEqual(yield* s.putProfiles([p]), {
            received: 1,
            written: 0,
            unchanged: 1,
            stale: 0
          })
          const e = yield* s.getEntity(ACME)
          assert.isTrue(Option.isSome(e))
          assert.deepStrictEqual(Option.getOrThrow(e).profile, p)
          assert.strictEqual(Option.getOrThrow(e).kind, "COMPANY")
          assert.isTrue(Option.isNone(yield* s.getEntity("COMPANY#nobody")))
          const many = yield* s.getProfiles([ACME, "COMPANY#nobody", ACME])
          assert.deepStrictEqual([...many.keys()], [ACME])
          assert.deepStrictEqual(many.get(ACME), p)
          assert.strictEqual((yield* s.getProfiles([])).size, 0)
        })
      )
    )

    it.live("gold sync: absolute totals, idempotent, unchanged skipped, snapshot id stored", () =>
      run((s) =>
        Effect.gen(function* () {
          const batch = [stats(ACME, "all", 3), stats(ACME, "osha", 3), stats(TX, "all", 10)]
          assert.deepStrictEqual(yield* s.syncStats(batch, "101"), {
            received: 3,
            written: 3,
            unchanged: 0,
            stale: 0
          })
          // A retry (or a later snapshot with the same totals) writes nothing.
          assert.deepStrictEqual(yield* s.syncStats(batch, "101"), {
            received: 3,
            written: 0,
            unchanged: 3,
            stale: 0
          })
          assert.deepStrictEqual(yield* s.syncStats(batch, "102"), {
            received: 3,
            written: 0,
            unchanged: 3,
            stale: 0
          })
          const changed = [stats(ACME, "all", 4), stats(ACME, "osha", 3)]
          assert.deepStrictEqual(yield* s.syncStats(changed, "103"), {
            received: 2,
            written: 1,
            unchanged: 1,
            stale: 0
          })
          // A redelivered older sync (earlier updated_at) never reverts newer totals.
          const old = { ...stats(ACME, "all", 99), updated_at: "2025-12-31T00:00:00Z" } as EntityStats
          assert.deepStrictEqual(yield* s.syncStats([old], "99"), {
            received: 1,
            written: 0,
            unchanged: 0,
            stale: 1
          })
          const all = Option.getOrThrow(yield* s.getStats(ACME))
          assert.strictEqual(all.violation_count, 4)
          assert.strictEqual(all.source_snapshot, "103")
          assert.strictEqual(all.counts_by_type.serious, 4)
          // "current penalty unknown for N violations": stored and read back
          assert.strictEqual(all.penalty_current_unknown_count, 1)
          assert.strictEqual(Option.getOrThrow(yield* s.getStats(ACME, "osha")).source_snapshot, "101")
          assert.isTrue(Option.isNone(yield* s.getStats(ACME, "epa")))
          const view = Option.getOrThrow(yield* s.getEntity(ACME))
          assert.deepStrictEqual(
            view.stats.map((x) => x.agency),
            ["all", "osha"]
          )
          assert.isNull(view.profile)
        })
      )
    )

    it.live("keys are validated before they reach the store (no injection through #)", () =>
      run((s) =>
        Effect.gen(function* () {
          for (const e of [
            s.getFeed("COMPANY#acme#AGENCY#osha"),
            s.getFeed("COMPANY#Acme"),
            s.getEntity("VIOLATION#x"),
            s.getStats(ACME, "all#x"),
            s.getFeed(ACME, "osha#DATE"),
            s.getTopList("national#x", "count"),
            s.getBrand("BRAND#x"),
            s.getSummary("osha:x:1#SUMMARY")
          ] as const) {
            const err = yield* failure(e as Effect.Effect<unknown, ServingStoreError>)
            assert.strictEqual(err.reason, "InvalidKey")
            assert.isFalse(err.isRetryable)
          }
          const bad = yield* failure(
            s.syncStats([{ ...stats(ACME, "all", 1), entity_key: "COMPANY#a#b" } as EntityStats], "1")
          )
          assert.strictEqual(bad.reason, "InvalidInput")
          const badSnap = yield* failure(s.syncStats([stats(ACME, "all", 1)], "1#2"))
          assert.strictEqual(badSnap.reason, "InvalidKey")
        })
      )
    )

    it.live("top lists: stored as items, unchanged ones skipped", () =>
      run((s) =>
        Effect.gen(function* () {
          const list = (scope: string, n: number): TopList =>
            ({
              scope,
              by: "count",
              agency: "all",
              entries: Array.from({ length: n }, (_, i) => ({
                rank: i + 1,
                entity_key: `COMPANY#c${i}`,
                name: `Company ${i}`,
                violation_count: 100 - i,
                penalty_current_total: "10.00"
              })),
              updated_at: "2026-01-01T00:00:00.000Z"
            }) as unknown as TopList
          const lists = [list("national", 10), list("state:TX", 3), list("city:austin-tx", 1)]
          assert.strictEqual((yield* s.putTopLists(lists)).written, 3)
          const later = lists.map((l) => ({ ...l, updated_at: "2026-02-01T00:00:00.000Z" }) as TopList)
          assert.strictEqual((yield* s.putTopLists(later)).written, 0)
          const got = Option.getOrThrow(yield* s.getTopList("state:TX", "count"))
          assert.deepStrictEqual(got, lists[1])
          assert.isTrue(Option.isNone(yield* s.getTopList("national", "penalties")))
          assert.isTrue(Option.isNone(yield* s.getTopList("national", "count", "osha")))
        })
      )
    )

    it.live("feed: company, city and state each keep the N newest per agency", () =>
      run((s) =>
        Effect.gen(function* () {
          const vs = ["2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04", "2024-01-02"].map((date, i) =>
            violation({ id: `a${i}`, date })
          )
          const r = yield* s.applyFeed(vs)
          // One batch: only the 3 newest are written, per entity (the national feed keeps 4); nothing needs
          // trimming.
          assert.strictEqual(r.puts, 9 + 4)
          assert.strictEqual(r.deletes, 0)
          assert.strictEqual(r.skippedOld, 6 + 1)
          for (const key of [ACME, AUSTIN, TX]) {
            const feed = yield* s.getFeed(key)
            assert.deepStrictEqual(
              feed.map((f) => f.date),
              ["2024-01-05", "2024-01-04", "2024-01-03"]
            )
            assert.isTrue(feed.every((f) => f.entity_key === key))
          }
          // A newer one evicts the oldest: one put and one delete per entity and in the national feed.
          const r2 = yield* s.applyFeed([violation({ id: "a9", date: "2024-02-01" })])
          assert.deepStrictEqual([r2.puts, r2.deletes], [4, 4])
          assert.deepStrictEqual(
            (yield* s.getFeed(TX, "osha")).map((f) => f.date),
            ["2024-02-01", "2024-01-05", "2024-01-04"]
          )
          // Other agencies have their own N; the merged feed is newest first.
          yield* s.applyFeed([violation({ agency: "epa", id: "e1", date: "2024-01-10" })])
          const merged = yield* s.getFeed(ACME)
          assert.deepStrictEqual(
            merged.map((f) => `${f.agency}:${f.date}`),
            ["osha:2024-02-01", "epa:2024-01-10", "osha:2024-01-05", "osha:2024-01-04"]
          )
          assert.deepStrictEqual(
            (yield* s.getFeed(ACME, "epa")).map((f) => f.violation_id),
            ["epa:epa_test:e1"]
          )
          assert.deepStrictEqual(yield* s.getFeed(ACME, "faa"), [])
        })
      )
    )

    it.live("feed: an older violation arriving late is not even written; replays write nothing", () =>
      run((s) =>
        Effect.gen(function* () {
          const vs = ["2024-03-01", "2024-03-02", "2024-03-03"].map((date, i) =>
            violation({ id: `b${i}`, date })
          )
          yield* s.applyFeed(vs)
          // Not in the entity feeds (3 newer ones); the national feed (4) still has room for it.
          const late = yield* s.applyFeed([violation({ id: "old", date: "2023-01-01" })])
          assert.deepStrictEqual([late.writes, late.skippedOld], [1, 3])
          const replay = yield* s.applyFeed(vs)
          assert.deepStrictEqual([replay.writes, replay.unchanged], [0, 9 + 3])
          assert.deepStrictEqual(
            (yield* s.getFeed(ACME)).map((f) => f.violation_id),
            vs.map((v) => v.violation_id).reverse()
          )
        })
      )
    )

    it.live("feed: corrections replace the item, even when the date moves; deletions leave the feed", () =>
      run((s) =>
        Effect.gen(function* () {
          const vs = ["2024-03-01", "2024-03-02", "2024-03-03"].map((date, i) =>
            violation({ id: `c${i}`, date })
          )
          yield* s.applyFeed(vs)
          // Same date, new content: overwritten in place.
          const fixed = violation({ id: "c1", date: "2024-03-02", penalty: "5.00" })
          const r = yield* s.applyFeed([fixed])
          assert.deepStrictEqual([r.puts, r.deletes], [4, 0])
          const item = (yield* s.getFeed(AUSTIN)).find((f) => f.violation_id === fixed.violation_id)
          assert.strictEqual(item?.penalty_current, "5.00")
          // The date moves: the old item is found by violation id and removed, no duplicate.
          const moved = violation({ id: "c0", date: "2024-04-01", penalty: "7.00" })
          yield* s.applyFeed([moved])
          const feed = yield* s.getFeed(ACME)
          assert.deepStrictEqual(
            feed.map((f) => `${f.violation_id}@${f.date}`),
            ["osha:osha_test:c0@2024-04-01", "osha:osha_test:c2@2024-03-03", "osha:osha_test:c1@2024-03-02"]
          )
          // Deleted: gone from company, city and state.
          const del = yield* s.applyFeed([violation({ id: "c2", date: "2024-03-03", status: "deleted" })])
          assert.strictEqual(del.deletes, 4)
          for (const key of [ACME, AUSTIN, TX])
            assert.deepStrictEqual(
              (yield* s.getFeed(key)).map((f) => f.violation_id),
              ["osha:osha_test:c0", "osha:osha_test:c1"]
            )
          // Refill (pipeline rule after deletions): replaying the N newest live from silver fills the gap.
          const refill = yield* s.applyFeed([moved, fixed, violation({ id: "older", date: "2020-01-01" })])
          assert.strictEqual(refill.puts, 3 + 1)
          assert.strictEqual((yield* s.getFeed(TX)).length, 3)
        })
      )
    )

    it.live("feed: a stale redelivery of an older version never reverts a correction", () =>
      run((s) =>
        Effect.gen(function* () {
          const first = violation({ id: "r1", date: "2024-05-01" })
          const fixed = {
            ...violation({ id: "r1", date: "2024-05-03", penalty: "9.00" }),
            ingested_at: "2026-02-01T00:00:00.000Z"
          }
          yield* s.applyFeed([first])
          yield* s.applyFeed([fixed as Violation])
          const r = yield* s.applyFeed([first])
          assert.deepStrictEqual([r.writes, r.stale], [0, 3 + 1])
          const [item] = yield* s.getFeed(ACME)
          assert.deepStrictEqual([item?.date, item?.penalty_current], ["2024-05-03", "9.00"])
        })
      )
    )

    it.live("feed: a correction that moves a violation to another company cleans the old feeds", () =>
      run((s) =>
        Effect.gen(function* () {
          const before = violation({ id: "m1", date: "2024-05-01" })
          yield* s.applyFeed([before])
          const after = violation({
            id: "m1",
            date: "2024-05-01",
            company: "GLOBEX CORP",
            city: "TAMPA",
            state: "FL"
          })
          const r = yield* s.applyFeed([after], { previous: [before] })
          // The national feed keeps one item of the violation, now under its new company.
          assert.deepStrictEqual([r.puts, r.deletes], [3 + 1, 3])
          assert.deepStrictEqual(
            (yield* s.getRecent()).map((i) => i.company_slug),
            ["globex"]
          )
          for (const key of [ACME, AUSTIN, TX]) assert.deepStrictEqual(yield* s.getFeed(key), [])
          for (const key of ["COMPANY#globex", "CITY#tampa-fl", "STATE#fl"])
            assert.strictEqual((yield* s.getFeed(key)).length, 1)
        })
      )
    )

    it.live("feed: undated violations are not shown; invalid ids are rejected", () =>
      run((s) =>
        Effect.gen(function* () {
          const r = yield* s.applyFeed([violation({ id: "nd", date: null, city: null, state: null })])
          assert.deepStrictEqual([r.noDate, r.writes], [1, 0])
          const bad = yield* failure(
            s.applyFeed([
              { ...violation({ id: "x", date: "2024-01-01" }), violation_id: "osha:x:1#SK" } as Violation
            ])
          )
          assert.strictEqual(bad.reason, "InvalidKey")
        })
      )
    )

    it.live("feed: items over 400 KB are trimmed, never a failed batch", () =>
      run((s) =>
        Effect.gen(function* () {
          const huge = "x".repeat(150_000)
          const v = violation({
            id: "big",
            date: "2024-06-01",
            description: "d".repeat(60_000),
            details: { a: huge, b: huge, c: huge, small: "kept" }
          })
          const r = yield* s.applyFeed([v])
          assert.strictEqual(r.puts, 3 + 1)
          const [item] = yield* s.getFeed(ACME)
          assert.isTrue(item!.details_trimmed)
          assert.strictEqual(item!.details.small, "kept")
          assert.isBelow(item!.details.a!.length, 2_000)
        })
      )
    )

    it.live("summaries: reserved key, attached to feed items of the same content", () =>
      run((s) =>
        Effect.gen(function* () {
          const v = violation({ id: "s1", date: "2024-07-01" })
          yield* s.applyFeed([v])
          const summary: ViolationSummary = {
            violation_id: v.violation_id,
            content_hash: v.content_hash,
            text: "Fall protection missing on a roof.",
            model: "test",
            generated_at: "2026-01-02T00:00:00.000Z" as ViolationSummary["generated_at"]
          }
          assert.isTrue(Option.isNone(yield* s.getSummary(v.violation_id)))
          yield* s.putSummary(summary, { entityKeys: [ACME, AUSTIN] })
          assert.deepStrictEqual(Option.getOrThrow(yield* s.getSummary(v.violation_id)), summary)
          assert.strictEqual((yield* s.getFeed(ACME))[0]?.summary, summary.text)
          assert.isUndefined((yield* s.getFeed(TX))[0]?.summary)
          // The national recent feed shows it too.
          assert.strictEqual((yield* s.getRecent())[0]?.summary, summary.text)
          // Replay keeps it; a new placement of the same content gets it.
          assert.strictEqual((yield* s.applyFeed([v])).writes, 0)
          assert.strictEqual((yield* s.getFeed(ACME))[0]?.summary, summary.text)
          // A correction invalidates it.
          yield* s.applyFeed([violation({ id: "s1", date: "2024-07-01", penalty: "1.00" })])
          assert.isUndefined((yield* s.getFeed(ACME))[0]?.summary)
          assert.isUndefined((yield* s.getRecent())[0]?.summary)
        })
      )
    )

    it.live("brands: CRUD, validation, legacy import with a report", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.putBrand(brand("oshatrail"))
          yield* s.putBrand(
            brand("transporttrail", {
              name: "Transport Trail",
              agencies: ["faa"]
            } as unknown as Partial<BrandConfig>)
          )
          assert.deepStrictEqual(Option.getOrThrow(yield* s.getBrand("oshatrail")), brand("oshatrail"))
          assert.deepStrictEqual(
            (yield* s.listBrands).map((b) => b.id),
            ["oshatrail", "transporttrail"]
          )
          const invalid = yield* failure(
            s.putBrand({ ...brand("bad"), colors: { ...brand("bad").colors, primary: "red" } })
          )
          assert.strictEqual(invalid.reason, "InvalidInput")
          assert.isTrue(yield* s.deleteBrand("transporttrail"))
          assert.isFalse(yield* s.deleteBrand("transporttrail"))
          assert.isTrue(Option.isNone(yield* s.getBrand("transporttrail")))
          const legacy = [
            JSON.stringify({
              PK: { S: "PROJECT#EpaWatch" },
              SK: { S: "CONFIG" },
              brandName: { S: "EPA Watch" },
              primaryColor: { S: "#00aa00" },
              agencies: { SS: ["EPA"] },
              template: { S: "list" }
            }),
            JSON.stringify({
              PK: { S: "PROJECT#EpaWatch" },
              SK: { S: "NAV#2" },
              title: { S: "Map" },
              path: { S: "/map" }
            }),
            JSON.stringify({
              PK: { S: "PROJECT#EpaWatch" },
              SK: { S: "NAV#1" },
              title: { S: "Feed" },
              path: { S: "/feed" }
            }),
            JSON.stringify({ PK: { S: "COMPANY#acme" }, SK: { S: "STATS" }, n: { N: "1" } }),
            "not json",
            JSON.stringify({ PK: { S: "BRAND#broken" }, SK: { S: "CONFIG" }, name: { S: "Broken" } })
          ].join("\n")
          const dry = yield* s.importLegacyBrands(legacy, { dryRun: true })
          assert.deepStrictEqual(dry.imported, ["epawatch"])
          assert.isTrue(Option.isNone(yield* s.getBrand("epawatch")))
          const rep = yield* s.importLegacyBrands(legacy)
          assert.deepStrictEqual(rep.imported, ["epawatch"])
          assert.deepStrictEqual(
            rep.problems.map((p) => p.key ?? `line ${p.line}`),
            ["COMPANY#acme / STATS", "line 5", "BRAND#broken"]
          )
          const imported = Option.getOrThrow(yield* s.getBrand("epawatch"))
          assert.strictEqual(imported.layout, "feed")
          assert.deepStrictEqual([...imported.agencies], ["epa"] as Array<string>)
          assert.deepStrictEqual(
            imported.navigation.map((n) => n.href),
            ["/feed", "/map"]
          )
        })
      )
    )

    // ---- history ------------------------------------------------------------------------------------

    it.live("history: absolute points per (agency, year), canonical order, idempotent, stale ignored", () =>
      run((s) =>
        Effect.gen(function* () {
          const point = (agency: string, year: number | null, n: number) => ({
            agency,
            year,
            violation_count: n,
            penalty_initial_total: `${n * 100}.00`,
            penalty_current_total: `${n * 50}.25`
          })
          const h = {
            entity_key: ACME,
            points: [point("osha", 2024, 2), point("osha", null, 1), point("epa", 2023, 4)],
            source_snapshot: null,
            updated_at: "2026-01-01T00:00:00.000Z"
          } as unknown as EntityHistory
          assert.isTrue(Option.isNone(yield* s.getHistory(ACME)))
          assert.deepStrictEqual(yield* s.putHistory([h], "5"), {
            received: 1,
            written: 1,
            unchanged: 0,
            stale: 0
          })
          const got = Option.getOrThrow(yield* s.getHistory(ACME))
          assert.deepStrictEqual(
            got.points.map((p) => `${p.agency}:${p.year}:${p.violation_count}`),
            ["epa:2023:4", "osha:2024:2", "osha:null:1"]
          )
          assert.strictEqual(got.source_snapshot, "5")
          assert.strictEqual(got.points[0]?.penalty_current_total, "200.25")
          // A retry or a later snapshot with the same numbers writes nothing.
          assert.strictEqual((yield* s.putHistory([h], "6")).unchanged, 1)
          assert.strictEqual(Option.getOrThrow(yield* s.getHistory(ACME)).source_snapshot, "5")
          // A change is written; an older delivery never reverts it.
          const next = { ...h, points: [point("osha", 2024, 3)], updated_at: "2026-02-01T00:00:00.000Z" }
          assert.strictEqual((yield* s.putHistory([next as unknown as EntityHistory], "7")).written, 1)
          assert.strictEqual((yield* s.putHistory([h], "8")).stale, 1)
          assert.deepStrictEqual(
            Option.getOrThrow(yield* s.getHistory(ACME)).points.map((p) => p.violation_count),
            [3]
          )
          // History alone is not an entity view (profile and stats are read without it).
          assert.isTrue(Option.isNone(yield* s.getEntity(ACME)))
          yield* s.syncStats([stats(ACME, "all", 3)], "7")
          assert.deepStrictEqual(
            Option.getOrThrow(yield* s.getEntity(ACME)).stats.map((x) => x.agency),
            ["all"]
          )
          const dup = yield* failure(
            s.putHistory(
              [
                { ...h, points: [point("osha", 2024, 1), point("osha", 2024, 2)] } as unknown as EntityHistory
              ],
              "9"
            )
          )
          assert.strictEqual(dup.reason, "InvalidInput")
          assert.include(dup.detail, "osha")
          assert.strictEqual((yield* failure(s.getHistory("COMPANY#a#b"))).reason, "InvalidKey")
          assert.strictEqual((yield* failure(s.putHistory([h], "1#2"))).reason, "InvalidKey")
        })
      )
    )

    // ---- national recent feed ----------------------------------------------------------------------

    it.live("recent: the newest live violations nationally, per agency and across all", () =>
      run((s) =>
        Effect.gen(function* () {
          const osha = ["2024-01-01", "2024-01-05", "2024-01-03", "2024-01-04", "2024-01-02"].map((date, i) =>
            violation({ id: `n${i}`, date, company: `COMPANY ${"ABCDE"[i]} INC`, city: "TAMPA", state: "FL" })
          )
          const epa = [
            violation({ agency: "epa", id: "e1", date: "2024-01-06" }),
            violation({ agency: "epa", id: "e2", date: "2023-12-31" })
          ]
          yield* s.applyFeed([...osha, ...epa])
          const ids = (items: ReadonlyArray<{ violation_id: string }>) =>
            items.map((i) => i.violation_id.split(":")[2])
          // R = 4 per agency are kept; all agencies merged newest first (at most R: beyond, an agency's
          // trimmed items could be missing).
          assert.deepStrictEqual(ids(yield* s.getRecent()), ["e1", "n1", "n3", "n2"])
          assert.deepStrictEqual(ids(yield* s.getRecent("epa")), ["e1", "e2"])
          assert.deepStrictEqual(ids(yield* s.getRecent("osha")), ["n1", "n3", "n2", "n4"])
          assert.deepStrictEqual(ids(yield* s.getRecent("all", 2)), ["e1", "n1"])
          assert.deepStrictEqual(ids(yield* s.getRecent("faa")), [])
          // Items are shown as under their company.
          assert.strictEqual((yield* s.getRecent("osha", 1))[0]?.entity_key, "COMPANY#company-b")
          // Replays write nothing; an older violation arriving late is not written.
          assert.strictEqual((yield* s.applyFeed([...osha, ...epa])).writes, 0)
          // A correction that moves the date up takes its place; a deletion leaves the feed.
          yield* s.applyFeed([
            { ...osha[4]!, event_date: "2024-02-01", opened_date: "2024-02-01" } as Violation
          ])
          assert.deepStrictEqual(ids(yield* s.getRecent("osha")), ["n4", "n1", "n3", "n2"])
          yield* s.applyFeed([violation({ id: "n1", date: "2024-01-05", status: "deleted" })])
          assert.deepStrictEqual(ids(yield* s.getRecent("osha")), ["n4", "n3", "n2"])
          // Refill rule (the pipeline replays the agency's R newest live): the gap is filled.
          yield* s.applyFeed([osha[4]!, osha[3]!, osha[2]!, osha[0]!].slice(1))
          assert.deepStrictEqual(ids(yield* s.getRecent("osha")), ["n4", "n3", "n2", "n0"])
          const stored = yield* s.getFeedRaw("FEED#national")
          assert.strictEqual(stored.length, 4 + 2)
          for (const [agency, limit] of [
            ["osha#x", 1],
            ["OSHA", 1]
          ] as const)
            assert.strictEqual((yield* failure(s.getRecent(agency, limit))).reason, "InvalidKey")
          for (const limit of [0, 5, 1.5])
            assert.strictEqual((yield* failure(s.getRecent("osha", limit))).reason, "InvalidInput")
        })
      )
    )

    // ---- brands by domain --------------------------------------------------------------------------

    it.live("brands: found by request host (case, www., port and a trailing dot ignored)", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.putBrand(brand("oshatrail"))
          yield* s.putBrand(brand("epawatch", { name: "EPA Watch", domain: "www.epawatch.org" }))
          yield* s.putBrand(brand("nodomain", { name: "No Domain", domain: null }))
          const idOf = (host: string) =>
            Effect.map(s.getBrandByDomain(host), (b) => Option.getOrUndefined(b)?.id)
          assert.strictEqual(yield* idOf("oshatrail.com"), "oshatrail")
          assert.strictEqual(yield* idOf("OSHATRAIL.COM"), "oshatrail")
          assert.strictEqual(yield* idOf("www.oshatrail.com:8080"), "oshatrail")
          assert.strictEqual(yield* idOf("oshatrail.com."), "oshatrail")
          assert.strictEqual(yield* idOf("EpaWatch.org:443"), "epawatch")
          assert.strictEqual(yield* idOf("www.epawatch.org"), "epawatch")
          assert.isUndefined(yield* idOf("evil-oshatrail.com"))
          assert.isUndefined(yield* idOf("oshatrail.com.evil.net"))
          assert.isUndefined(yield* idOf("localhost:5173"))
          for (const bad of ["", "   ", "osha trail.com", "oshatrail.com:http", "a/b", "x..y", "[::1]:80"])
            assert.strictEqual((yield* failure(s.getBrandByDomain(bad))).reason, "InvalidKey", bad)
        })
      )
    )

    // ---- name search -------------------------------------------------------------------------------

    const entry = (
      entity_key: string,
      display_name: string,
      violation_count: number,
      over: { readonly [K in keyof SearchEntry]?: unknown } = {}
    ): SearchEntry =>
      ({
        entity_key,
        display_name,
        name_variants: [],
        place: null,
        violation_count,
        updated_at: "2026-01-01T00:00:00.000Z",
        ...over
      }) as unknown as SearchEntry

    const ENTRIES: ReadonlyArray<SearchEntry> = [
      entry("COMPANY#walmart-stores", "WAL-MART STORES, INC.", 500, {
        name_variants: ["WAL-MART STORES INC", "WALMART SUPERCENTER #1234"],
        place: "BENTONVILLE, AR"
      }),
      entry("COMPANY#walgreen", "WALGREEN CO", 300, { place: "DEERFIELD, IL" }),
      entry("COMPANY#wal", "WAL INC", 2),
      entry("COMPANY#walnut-creek-construction", "WALNUT CREEK CONSTRUCTION LLC", 5, { place: "AUSTIN, TX" }),
      entry("COMPANY#california-department-of-corrections", "CALIFORNIA DEPARTMENT OF CORRECTIONS", 120, {
        place: "SACRAMENTO, CA"
      }),
      entry("COMPANY#k-mart", "K MART CORP", 40),
      entry("COMPANY#acme-widgets", "ACME WIDGETS INC", 7, { place: "AUSTIN, TX" }),
      entry("CITY#austin-tx", "AUSTIN, TX", 900, { name_variants: ["AUSTIN"], place: "TX" }),
      entry("STATE#tx", "TX", 5000)
    ]

    const found = (rs: ReadonlyArray<SearchResult>) => rs.map((r) => `${r.match}:${r.id}`)

    it.live("search: exact slug, then prefix, then typos; multi-word, joined words, kinds, limits", () =>
      run((s) =>
        Effect.gen(function* () {
          assert.deepStrictEqual(yield* s.putSearchEntries(ENTRIES), {
            received: ENTRIES.length,
            written: ENTRIES.length,
            unchanged: 0,
            stale: 0
          })
          const walmrt = yield* s.search("walmrt")
          assert.strictEqual(walmrt[0]?.id, "walmart-stores")
          assert.strictEqual(walmrt[0]?.match, "fuzzy")
          assert.closeTo(walmrt[0]!.score, 1 - 1 / 7, 0.001)
          assert.deepStrictEqual(
            { ...walmrt[0]! },
            {
              entity_key: "COMPANY#walmart-stores",
              kind: "company",
              id: "walmart-stores",
              display_name: "WAL-MART STORES, INC.",
              place: "BENTONVILLE, AR",
              violation_count: 500,
              match: "fuzzy",
              score: walmrt[0]!.score
            }
          )
          assert.deepStrictEqual(found(yield* s.search("wal mart")).slice(0, 1), ["prefix:walmart-stores"])
          assert.deepStrictEqual(found(yield* s.search("Walmart Stores Inc")), ["exact:walmart-stores"])
          assert.deepStrictEqual(found(yield* s.search("walmart-stores")), ["exact:walmart-stores"])
          assert.include(found(yield* s.search("CORECTIONS")), "fuzzy:california-department-of-corrections")
          assert.deepStrictEqual(found(yield* s.search("calif corections")), [
            "fuzzy:california-department-of-corrections"
          ])
          // Type-ahead: exact slug, then names starting with the query by violation count.
          assert.deepStrictEqual(found(yield* s.search("wal")), [
            "exact:wal",
            "prefix:walmart-stores",
            "prefix:walgreen"
          ])
          // (WAL is one letter off "walm": a fuzzy match, after the prefix ones)
          assert.deepStrictEqual(found(yield* s.search("walm")), ["prefix:walmart-stores", "fuzzy:wal"])
          assert.deepStrictEqual(found(yield* s.search("wal", { limit: 2 })), [
            "exact:wal",
            "prefix:walmart-stores"
          ])
          // Short words spelt together or apart.
          assert.deepStrictEqual(found(yield* s.search("kmart")), ["prefix:k-mart"])
          assert.deepStrictEqual(found(yield* s.search("kmarts")), ["fuzzy:k-mart"])
          assert.deepStrictEqual(found(yield* s.search("k mart")), ["exact:k-mart"])
          // Places: a city and a state by name or code; kinds filter.
          assert.deepStrictEqual(found(yield* s.search("austin tx")), ["exact:austin-tx"])
          assert.deepStrictEqual(found(yield* s.search("texas")), ["exact:tx"])
          // (Texas cities have the word too: "AUSTIN, TX")
          assert.deepStrictEqual(found(yield* s.search("TX")), ["exact:tx", "fuzzy:austin-tx"])
          assert.deepStrictEqual(found(yield* s.search("austin", { kind: "city" })), ["prefix:austin-tx"])
          assert.deepStrictEqual(found(yield* s.search("austin", { kind: "company" })), [])
          assert.deepStrictEqual(found(yield* s.search("walnut creek construction", { kind: "state" })), [])
          assert.deepStrictEqual(found(yield* s.search("zzzzzz")), [])
          // Validation.
          for (const [q, opts] of [
            ["  ", {}],
            ["x".repeat(101), {}],
            ["wal", { limit: 0 }],
            ["wal", { limit: 51 }],
            ["wal", { kind: "galaxy" }]
          ] as const)
            assert.strictEqual(
              (yield* failure(s.search(q, opts as SearchOptions))).reason,
              "InvalidInput",
              `${q.slice(0, 10)} ${JSON.stringify(opts)}`
            )
        })
      )
    )

    it.live(
      "search: a little-cited entity is found by its whole name, misspelled (beyond its words' postings)",
      () =>
        run((s) =>
          Effect.gen(function* () {
            // 30 other MIAMI companies and 30 other HOLDINGS companies, all more cited: the words' postings
            // (most-cited first) do not reach MIAMI HOLDINGS.
            const others = Array.from({ length: 30 }, (_, i) => [
              entry(`COMPANY#miami-trade${i}`, `MIAMI TRADE${i} INC`, 100 + i),
              entry(`COMPANY#brand${i}-holdings`, `BRAND${i} HOLDINGS`, 100 + i)
            ]).flat()
            yield* s.putSearchEntries([
              ...others,
              entry("COMPANY#miami-holdings", "MIAMI HOLDINGS CORPORATION", 1),
              entry("COMPANY#kowalski-and-sons-roofing", "KOWALSKI & SONS ROOFING", 1)
            ])
            assert.deepStrictEqual(found(yield* s.search("miaim holdings")).slice(0, 1), [
              "fuzzy:miami-holdings"
            ])
            assert.deepStrictEqual(found(yield* s.search("miami holdings corporatoin")).slice(0, 1), [
              "exact:miami-holdings"
            ])
            assert.deepStrictEqual(found(yield* s.search("kowalsky & sons roofing")).slice(0, 1), [
              "fuzzy:kowalski-and-sons-roofing"
            ])
            assert.deepStrictEqual(found(yield* s.search("kowalski and sons roof")).slice(0, 1), [
              "prefix:kowalski-and-sons-roofing"
            ])
          })
        )
    )

    it.live("search: rewrites are idempotent; renames and count changes leave no stale entries", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.putSearchEntries(ENTRIES)
          // The same entries again (a retry, or a sync with nothing new): no writes.
          assert.deepStrictEqual(yield* s.putSearchEntries(ENTRIES), {
            received: ENTRIES.length,
            written: 0,
            unchanged: ENTRIES.length,
            stale: 0
          })
          // Rename: the old name's terms no longer find the entity, the new ones do.
          const renamed = entry("COMPANY#acme-widgets", "GLOBEX INDUSTRIES", 9, {
            updated_at: "2026-02-01T00:00:00.000Z"
          })
          assert.strictEqual((yield* s.putSearchEntries([renamed])).written, 1)
          assert.deepStrictEqual(found(yield* s.search("acme")), [])
          assert.deepStrictEqual(found(yield* s.search("widgets")), [])
          // (its slug is still acme-widgets: the exact lookup finds it, under its new name)
          const exact = yield* s.search("acme widgets")
          assert.deepStrictEqual(found(exact), ["exact:acme-widgets"])
          assert.strictEqual(exact[0]?.display_name, "GLOBEX INDUSTRIES")
          const globex = yield* s.search("globex")
          assert.deepStrictEqual(found(globex), ["prefix:acme-widgets"])
          assert.strictEqual(globex[0]?.display_name, "GLOBEX INDUSTRIES")
          assert.strictEqual(globex[0]?.violation_count, 9)
          // Count change: one result with the new count.
          const more = { ...ENTRIES[0]!, violation_count: 650, updated_at: "2026-02-01T00:00:00.000Z" }
          yield* s.putSearchEntries([more as SearchEntry])
          const hits = (yield* s.search("walmrt")).filter((r) => r.id === "walmart-stores")
          assert.deepStrictEqual(
            hits.map((r) => r.violation_count),
            [650]
          )
          // An older delivery never reverts a newer one.
          assert.strictEqual((yield* s.putSearchEntries([ENTRIES[6]!])).stale, 1)
          assert.strictEqual((yield* s.search("globex"))[0]?.display_name, "GLOBEX INDUSTRIES")
          const bad = yield* failure(
            s.putSearchEntries([{ ...ENTRIES[0]!, entity_key: "COMPANY#a#b" } as unknown as SearchEntry])
          )
          assert.strictEqual(bad.reason, "InvalidInput")
        })
      )
    )

    it("property: after any sequence of renames and count changes, search shows only current entries", async () => {
      const KEYS = ["COMPANY#alpha", "COMPANY#bravo", "COMPANY#charlie", "CITY#delta-tx"]
      const NAMES = ["ALPHA FOODS INC", "BRAVO ROOFING", "ALPHA ROOFING LLC", "CHARLIE STEEL", "DELTA FOODS"]
      const arbEntry = fc
        .record({
          key: fc.constantFrom(...KEYS),
          name: fc.constantFrom(...NAMES),
          variant: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
          count: fc.integer({ min: 0, max: 2000 })
        })
        .map((r) =>
          entry(r.key, r.name, r.count, { name_variants: r.variant === undefined ? [] : [r.variant] })
        )
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(arbEntry, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
          (batches) =>
            Effect.runPromise(
              run((s) =>
                Effect.gen(function* () {
                  const current = new Map<string, SearchEntry>()
                  let t = 0
                  for (const batch of batches) {
                    // Each batch is later than the previous one.
                    t++
                    const stamped = batch.map(
                      (e) =>
                        ({
                          ...e,
                          updated_at: `2026-01-01T00:00:${String(t).padStart(2, "0")}.000Z`
                        }) as unknown as SearchEntry
                    )
                    yield* s.putSearchEntries(stamped)
                    for (const e of stamped) current.set(e.entity_key, e)
                    // A retry writes nothing.
                    assert.strictEqual((yield* s.putSearchEntries(stamped)).written, 0)
                    for (const word of ["alpha", "bravo", "roofing", "foods", "charlie", "steel", "delta"]) {
                      const results = yield* s.search(word, { limit: 50 })
                      // Names with the word, and the entity whose slug is the word (an exact match).
                      const want = [...current.values()]
                        .filter(
                          (e) =>
                            e.entity_key === `COMPANY#${word}` ||
                            [e.display_name, ...e.name_variants].some((n) => n.toLowerCase().includes(word))
                        )
                        .map((e) => e.entity_key)
                        .sort()
                      assert.deepStrictEqual(results.map((r) => r.entity_key).sort(), want, `search ${word}`)
                      for (const r of results) {
                        const e = current.get(r.entity_key)!
                        assert.deepStrictEqual(
                          [r.display_name, r.violation_count],
                          [e.display_name, e.violation_count]
                        )
                      }
                    }
                  }
                })
              )
            )
        ),
        { numRuns: Math.max(5, Math.round(runs / 2)) }
      )
    })

    // ---- properties --------------------------------------------------------------------------------

    const N = 3
    const DATES = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-02-01", "2024-02-02", "2024-03-01"]
    const PLACES: ReadonlyArray<readonly [string | null, string | null]> = [
      ["AUSTIN", "TX"],
      ["DALLAS", "TX"],
      ["TAMPA", "FL"],
      [null, "TX"],
      [null, null]
    ]
    const arbVersion = fc
      .record({
        agency: fc.constantFrom("osha" as const, "osha" as const, "epa" as const),
        id: fc.integer({ min: 1, max: 9 }).map(String),
        company: fc.constantFrom("ACME WIDGETS INC", "GLOBEX CORP"),
        place: fc.constantFrom(...PLACES),
        date: fc.option(fc.constantFrom(...DATES), { nil: null, freq: 12 }),
        status: fc.constantFrom("open" as const, "open" as const, "closed" as const, "deleted" as const),
        penalty: fc.constantFrom("1.00", "2.00")
      })
      .map(({ place, ...r }) => violation({ ...r, city: place[0], state: place[1] }))

    const R = 4
    const sizeOf = (entityKey: string) => (entityKey === NATIONAL ? R : N)
    const groupsOf = (vs: Iterable<Violation>) => {
      const out = new Set<string>()
      for (const v of vs) {
        for (const k of placementKeys(v).keys) out.add(`${k}|${v.agency}`)
        out.add(`${NATIONAL}|${v.agency}`)
      }
      return out
    }

    const check = (
      s: ServingStore["Service"],
      silver: ReadonlyMap<string, Violation>,
      universe: ReadonlySet<string>
    ) =>
      Effect.forEach(
        universe,
        (g) =>
          Effect.gen(function* () {
            const [entityKey, agency] = g.split("|") as [string, string]
            const want = rows(expectedGroup(silver, entityKey, agency, sizeOf(entityKey)))
            const got = rows(
              entityKey === NATIONAL ? yield* s.getRecent(agency, R) : yield* s.getFeed(entityKey, agency)
            )
            assert.deepStrictEqual(got, want, `feed of ${g}`)
            // What is stored, not only what is read: exactly the N newest, no leftovers.
            const stored = rows((yield* s.getFeedRaw(entityKey)).filter((i) => i.agency === agency))
            assert.deepStrictEqual(stored, want, `stored feed of ${g}`)
          }),
        { discard: true }
      )

    it("property: inserts, out-of-order, replays, corrections, deletions (with the refill rule) keep exactly the N newest live", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(arbVersion, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
          (batches) =>
            Effect.runPromise(
              run(
                (s) =>
                  Effect.gen(function* () {
                    const silver = new Map<string, Violation>()
                    const universe = new Set<string>()
                    for (const batch of batches) {
                      const previous = batch.flatMap((v) => {
                        const p = silver.get(v.violation_id)
                        return p === undefined ? [] : [p]
                      })
                      // Without refill, what the feed shows is exactly the newest N of what it was told, and it
                      // never lost a newer item to an older one: check the pure contract against the model.
                      const before = new Map(silver)
                      for (const v of batch) silver.set(v.violation_id, v)
                      for (const g of groupsOf(batch)) universe.add(g)
                      for (const g of groupsOf(previous)) universe.add(g)
                      yield* s.applyFeed(batch, { previous })
                      const removedFromTop = [...groupsOf(batch), ...groupsOf(previous)].some((g) => {
                        const [k, a] = g.split("|") as [string, string]
                        const ids = new Set(batch.map((v) => v.violation_id))
                        return expectedGroup(before, k, a, sizeOf(k)).some((i) => ids.has(i.violation_id))
                      })
                      if (!removedFromTop) yield* check(s, silver, universe)
                      // Refill rule: after a batch, the pipeline replays the N newest live of the touched feeds.
                      const touched = new Set([...groupsOf(batch), ...groupsOf(previous)])
                      const refill = new Map<string, Violation>()
                      for (const g of touched) {
                        const [k, a] = g.split("|") as [string, string]
                        for (const i of expectedGroup(silver, k, a, sizeOf(k)))
                          refill.set(i.violation_id, silver.get(i.violation_id)!)
                      }
                      yield* s.applyFeed([...refill.values()])
                      yield* check(s, silver, universe)
                    }
                  }),
                N,
                R
              )
            )
        ),
        { numRuns: runs }
      )
    })

    it("property: two concurrent writers on the same entities end with exactly the N newest", async () => {
      // Fixed content per id (so both writers replaying an id agree), random arrival order and batching.
      const byId = (id: number) =>
        violation({ id: String(id), date: DATES[(id * 7) % DATES.length]!, company: "ACME WIDGETS INC" })
      const stream = fc.array(
        fc.array(fc.integer({ min: 1, max: 14 }).map(byId), { minLength: 1, maxLength: 5 }),
        {
          minLength: 1,
          maxLength: 4
        }
      )
      await fc.assert(
        fc.asyncProperty(stream, stream, (a, b) =>
          Effect.runPromise(
            run(
              (s) =>
                Effect.gen(function* () {
                  const writer = (batches: ReadonlyArray<ReadonlyArray<Violation>>) =>
                    Effect.forEach(batches, (batch) => s.applyFeed(batch), { discard: true })
                  yield* Effect.all([writer(a), writer(b)], { concurrency: 2, discard: true })
                  const silver = new Map([...a.flat(), ...b.flat()].map((v) => [v.violation_id, v] as const))
                  yield* check(s, silver, groupsOf(silver.values()))
                }),
              N,
              R
            )
          )
        ),
        { numRuns: runs }
      )
    })
  })
}
