import type { EntityStats, TopBy, TopList, Violation } from "@ventureos/core"
import { Context, Effect, Layer, Option } from "effect"
import type { BrandConfig } from "./BrandConfig"
import { compareNewestFirst, type FeedGroup, feedItemSk, planFeedGroup } from "./Feed"
import {
  agencyOfViolationId,
  profileFingerprint,
  statsFingerprint,
  topListFingerprint,
  validateBrand,
  validateFeedBatch,
  validateProfiles,
  validateStats,
  validateSummary,
  validateTopLists
} from "./Inputs"
import {
  checkAgency,
  checkBrandId,
  checkEntityKey,
  checkStatsAgency,
  checkTopBy,
  checkTopScope,
  checkViolationId
} from "./Keys"
import { type LegacyProblem, mapLegacyExport } from "./LegacyImport"
import type {
  ApplyFeedOptions,
  EntityProfile,
  EntityView,
  FeedItem,
  FeedReport,
  ViolationSummary,
  WriteReport
} from "./Model"
import { ServingStoreError } from "./ServingStoreError"

/** Default number of feed items kept per (entity, agency). */
export const DEFAULT_FEED_SIZE = 5

/** Outcome of {@link ServingStoreShape.importLegacyBrands}. */
export interface LegacyImportReport {
  readonly lines: number
  /** Brand ids written (or that would be written, in a dry run). */
  readonly imported: ReadonlyArray<string>
  /** What could not be mapped, and why. */
  readonly problems: ReadonlyArray<LegacyProblem>
  /** Defaults applied. */
  readonly warnings: ReadonlyArray<LegacyProblem>
  readonly dryRun: boolean
}

/**
 * The serving store: what dashboards read (entity profiles and totals, Top-N lists, the live feed, brand
 * configs), kept up to date by the pipeline. Every write sets absolute values, so retries are safe.
 */
export interface ServingStoreShape {
  /** N: feed items kept per (entity, agency). */
  readonly feedSize: number
  /** Create the tables if missing (on-demand billing). Idempotent. */
  readonly setup: Effect.Effect<void, ServingStoreError>
  /** Write `SK=METADATA` profiles; identical ones are not rewritten. */
  readonly putProfiles: (
    profiles: ReadonlyArray<EntityProfile>
  ) => Effect.Effect<WriteReport, ServingStoreError>
  /** Profiles of many entities at once (BatchGetItem, 100 per request); missing ones are absent. */
  readonly getProfiles: (
    entityKeys: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, EntityProfile>, ServingStoreError>
  /** Profile and all stats of an entity; none when nothing is stored. */
  readonly getEntity: (entityKey: string) => Effect.Effect<Option.Option<EntityView>, ServingStoreError>
  /**
   * Gold sync: set `STATS#<agency>` items to these absolute totals, stamped with `snapshotId`. Totals equal
   * to the stored ones are not rewritten (compare before write), so a retry writes nothing.
   */
  readonly syncStats: (
    stats: ReadonlyArray<EntityStats>,
    snapshotId: string
  ) => Effect.Effect<WriteReport, ServingStoreError>
  /** Totals of an entity for an agency (default `all`). */
  readonly getStats: (
    entityKey: string,
    agency?: string
  ) => Effect.Effect<Option.Option<EntityStats>, ServingStoreError>
  /** Store Top-N lists (national / state / city), so the API never scans. */
  readonly putTopLists: (lists: ReadonlyArray<TopList>) => Effect.Effect<WriteReport, ServingStoreError>
  /** A stored Top-N list; agency defaults to `all`. */
  readonly getTopList: (
    scope: string,
    by: TopBy,
    agency?: string
  ) => Effect.Effect<Option.Option<TopList>, ServingStoreError>
  /**
   * Live feed (daily ingests only, never historical backfills): place each violation under its company,
   * city and state, keeping the N newest live violations per (entity, agency). Safe under out-of-order
   * arrival, replays, corrections (the item is found by violation id, even when its date changed),
   * deletions (`status = deleted` leaves the feed) and concurrent writers.
   */
  readonly applyFeed: (
    violations: ReadonlyArray<Violation>,
    options?: ApplyFeedOptions
  ) => Effect.Effect<FeedReport, ServingStoreError>
  /** The feed of an entity, newest first: N per agency, or only `agency`'s N. */
  readonly getFeed: (
    entityKey: string,
    agency?: string
  ) => Effect.Effect<ReadonlyArray<FeedItem>, ServingStoreError>
  /**
   * Every feed item physically stored for an entity (all agencies), including leftovers a concurrent
   * writer has not trimmed yet; newest first. For diagnostics and tests: readers use {@link getFeed}.
   */
  readonly getFeedRaw: (entityKey: string) => Effect.Effect<ReadonlyArray<FeedItem>, ServingStoreError>
  /** One violation's feed item (its company placement when listed there), found without an entity key. */
  readonly getViolation: (violationId: string) => Effect.Effect<Option.Option<FeedItem>, ServingStoreError>
  /** The stored AI summary of a violation. */
  readonly getSummary: (
    violationId: string
  ) => Effect.Effect<Option.Option<ViolationSummary>, ServingStoreError>
  /**
   * Store an AI summary (`PK=VIOLATION#<id>`, `SK=SUMMARY`); feed items of the same content under
   * `entityKeys` get it as their `summary`. Later feed writes of the same content carry it too.
   */
  readonly putSummary: (
    summary: ViolationSummary,
    options?: { readonly entityKeys?: ReadonlyArray<string> }
  ) => Effect.Effect<void, ServingStoreError>
  readonly getBrand: (id: string) => Effect.Effect<Option.Option<BrandConfig>, ServingStoreError>
  /** Create or replace a brand (Schema-validated). */
  readonly putBrand: (config: BrandConfig) => Effect.Effect<void, ServingStoreError>
  /** Delete a brand; false when it did not exist. */
  readonly deleteBrand: (id: string) => Effect.Effect<boolean, ServingStoreError>
  /** All brands, by id. */
  readonly listBrands: Effect.Effect<ReadonlyArray<BrandConfig>, ServingStoreError>
  /** Import brands from a legacy single-table export (JSON lines of AttributeValue items). */
  readonly importLegacyBrands: (
    jsonLines: string,
    options?: { readonly dryRun?: boolean }
  ) => Effect.Effect<LegacyImportReport, ServingStoreError>
}

/** The serving store port. Drivers: `layerMemory` here, DynamoDB in `@ventureos/storage/dynamodb`. */
export class ServingStore extends Context.Service<ServingStore, ServingStoreShape>()(
  "@ventureos/storage/ServingStore"
) {}

const fail = (e: ServingStoreError | undefined): Effect.Effect<void, ServingStoreError> =>
  e === undefined ? Effect.void : Effect.fail(e)

/** Validate an entity key, failing with `InvalidKey`. */
export const requireEntityKey = (operation: string, key: string) => {
  const r = checkEntityKey(operation, key)
  return r instanceof ServingStoreError ? Effect.fail(r) : Effect.succeed(r)
}

/** Keep the N newest per agency, merged newest first (used by every layer's `getFeed`). */
export const topPerAgency = (items: ReadonlyArray<FeedItem>, size: number): Array<FeedItem> => {
  const byAgency = new Map<string, Array<FeedItem>>()
  const seen = new Set<string>()
  for (const i of [...items].sort(compareNewestFirst)) {
    // Tolerate a transient duplicate left by a writer that has not finished its trim yet.
    if (seen.has(i.violation_id)) continue
    seen.add(i.violation_id)
    const list = byAgency.get(i.agency) ?? []
    if (list.length < size) list.push(i)
    byAgency.set(i.agency, list)
  }
  return [...byAgency.values()]
    .flat()
    .sort((a, b) =>
      a.date !== b.date
        ? a.date < b.date
          ? 1
          : -1
        : a.agency !== b.agency
          ? a.agency < b.agency
            ? -1
            : 1
          : compareNewestFirst(a, b)
    )
}

/** Sum plans into a report. */
export const feedReport = (
  violations: number,
  groups: number,
  noDate: number,
  plans: ReadonlyArray<{
    puts: number
    deletes: number
    unchanged: number
    skippedOld: number
    stale: number
  }>
): FeedReport => {
  const sum = (f: (p: (typeof plans)[number]) => number) => plans.reduce((a, p) => a + f(p), 0)
  const puts = sum((p) => p.puts)
  const deletes = sum((p) => p.deletes)
  return {
    violations,
    groups,
    puts,
    deletes,
    unchanged: sum((p) => p.unchanged),
    skippedOld: sum((p) => p.skippedOld),
    stale: sum((p) => p.stale),
    noDate,
    writes: puts + deletes
  }
}

/** True when timestamp `stored` is strictly later than `incoming` (ISO-8601, any fraction digits). */
export const isNewer = (stored: string, incoming: string): boolean =>
  Date.parse(stored) > Date.parse(incoming)

/** Attach a known summary to items of the same content. */
export const withSummary = (item: FeedItem, summary: ViolationSummary | undefined): FeedItem =>
  summary !== undefined && summary.content_hash === item.content_hash && item.summary === undefined
    ? { ...item, summary: summary.text }
    : item

/** An in-memory ServingStore with the same contract as the DynamoDB driver (tests, demos). */
export const makeMemory = (options?: { readonly feedSize?: number }): ServingStoreShape => {
  const feedSize = options?.feedSize ?? DEFAULT_FEED_SIZE
  if (!Number.isInteger(feedSize) || feedSize < 1 || feedSize > 1000)
    throw new RangeError(`feed size must be an integer in 1..1000: ${feedSize}`)
  const profiles = new Map<string, EntityProfile>()
  const stats = new Map<string, Map<string, EntityStats>>()
  const tops = new Map<string, TopList>()
  const feeds = new Map<string, Map<string, FeedItem>>()
  const summaries = new Map<string, ViolationSummary>()
  const brands = new Map<string, BrandConfig>()

  const applyGroup = (g: FeedGroup) => {
    const feed = feeds.get(g.entityKey) ?? new Map<string, FeedItem>()
    feeds.set(g.entityKey, feed)
    const current = [...feed.values()].filter((i) => i.agency === g.agency)
    const plan = planFeedGroup(
      current,
      g.incoming.map((i) => withSummary(i, summaries.get(i.violation_id))),
      g.removeIds,
      feedSize
    )
    for (const p of plan.puts) feed.set(feedItemSk(p), p)
    for (const d of plan.deletes) feed.delete(feedItemSk(d))
    return {
      puts: plan.puts.length,
      deletes: plan.deletes.length,
      unchanged: plan.unchanged,
      skippedOld: plan.skippedOld,
      stale: plan.stale
    }
  }

  const putBrand = (config: BrandConfig) =>
    Effect.map(validateBrand(config), (c) => {
      brands.set(c.id, c)
    })

  return {
    feedSize,
    setup: Effect.void,
    putProfiles: (input) =>
      Effect.map(validateProfiles(input), (ps) => {
        let written = 0
        for (const p of ps) {
          const old = profiles.get(p.entity_key)
          if (old !== undefined && profileFingerprint(old) === profileFingerprint(p)) continue
          profiles.set(p.entity_key, p)
          written++
        }
        return { received: input.length, written, unchanged: ps.length - written, stale: 0 }
      }),
    getProfiles: (entityKeys) =>
      Effect.map(
        Effect.forEach(entityKeys, (k) => requireEntityKey("getProfiles", k)),
        () => {
          const out = new Map<string, EntityProfile>()
          for (const k of entityKeys) {
            const p = profiles.get(k)
            if (p !== undefined) out.set(k, p)
          }
          return out
        }
      ),
    getEntity: (entityKey) =>
      Effect.map(requireEntityKey("getEntity", entityKey), ({ kind }) => {
        const profile = profiles.get(entityKey) ?? null
        const st = [...(stats.get(entityKey)?.values() ?? [])].sort((a, b) =>
          a.agency === "all" ? -1 : b.agency === "all" ? 1 : a.agency.localeCompare(b.agency)
        )
        return profile === null && st.length === 0
          ? Option.none()
          : Option.some({ entity_key: entityKey, kind, profile, stats: st })
      }),
    syncStats: (input, snapshotId) =>
      Effect.map(validateStats(input, snapshotId), (ss) => {
        let written = 0
        let stale = 0
        for (const s of ss) {
          const m = stats.get(s.entity_key) ?? new Map<string, EntityStats>()
          stats.set(s.entity_key, m)
          const old = m.get(s.agency)
          if (old !== undefined && isNewer(old.updated_at, s.updated_at)) stale++
          else if (old === undefined || statsFingerprint(old) !== statsFingerprint(s)) {
            m.set(s.agency, s)
            written++
          }
        }
        return { received: input.length, written, unchanged: ss.length - written - stale, stale }
      }),
    getStats: (entityKey, agency = "all") =>
      Effect.gen(function* () {
        yield* requireEntityKey("getStats", entityKey)
        yield* fail(checkStatsAgency("getStats", agency))
        return Option.fromUndefinedOr(stats.get(entityKey)?.get(agency))
      }),
    putTopLists: (input) =>
      Effect.map(validateTopLists(input), (ls) => {
        let written = 0
        let stale = 0
        for (const l of ls) {
          const k = `${l.scope}|${l.by}|${l.agency}`
          const old = tops.get(k)
          if (old !== undefined && isNewer(old.updated_at, l.updated_at)) stale++
          else if (old === undefined || topListFingerprint(old) !== topListFingerprint(l)) {
            tops.set(k, l)
            written++
          }
        }
        return { received: input.length, written, unchanged: ls.length - written - stale, stale }
      }),
    getTopList: (scope, by, agency = "all") =>
      Effect.gen(function* () {
        yield* fail(
          checkTopScope("getTopList", scope) ??
            checkTopBy("getTopList", by) ??
            checkStatsAgency("getTopList", agency)
        )
        return Option.fromUndefinedOr(tops.get(`${scope}|${by}|${agency}`))
      }),
    applyFeed: (violations, opts) =>
      Effect.map(validateFeedBatch(violations, opts), ({ groups, noDate }) =>
        feedReport(violations.length, groups.length, noDate, groups.map(applyGroup))
      ),
    getFeed: (entityKey, agency) =>
      Effect.gen(function* () {
        yield* requireEntityKey("getFeed", entityKey)
        if (agency !== undefined) yield* fail(checkAgency("getFeed", agency))
        const items = [...(feeds.get(entityKey)?.values() ?? [])].filter(
          (i) => agency === undefined || i.agency === agency
        )
        return topPerAgency(items, feedSize)
      }),
    getViolation: (violationId) =>
      Effect.suspend(() => {
        const bad = checkViolationId("getViolation", violationId)
        if (bad !== undefined) return bad
        const found: Array<FeedItem> = []
        for (const feed of feeds.values())
          for (const item of feed.values()) if (item.violation_id === violationId) found.push(item)
        const best = found.find((i) => i.entity_key.startsWith("COMPANY#")) ?? found[0]
        return Effect.succeed(Option.fromUndefinedOr(best))
      }),
    getFeedRaw: (entityKey) =>
      Effect.map(requireEntityKey("getFeedRaw", entityKey), () =>
        [...(feeds.get(entityKey)?.values() ?? [])].sort(compareNewestFirst)
      ),
    getSummary: (violationId) =>
      Effect.gen(function* () {
        yield* fail(checkViolationId("getSummary", violationId))
        return Option.fromUndefinedOr(summaries.get(violationId))
      }),
    putSummary: (summary, opts) =>
      Effect.map(validateSummary(summary, opts?.entityKeys ?? []), (s) => {
        summaries.set(s.violation_id, s)
        const agency = agencyOfViolationId(s.violation_id)
        for (const k of opts?.entityKeys ?? []) {
          const feed = feeds.get(k)
          if (feed === undefined) continue
          for (const [sk, item] of feed)
            if (
              item.violation_id === s.violation_id &&
              item.agency === agency &&
              item.content_hash === s.content_hash
            )
              feed.set(sk, { ...item, summary: s.text })
        }
      }),
    getBrand: (id) =>
      Effect.gen(function* () {
        yield* fail(checkBrandId("getBrand", id))
        return Option.fromUndefinedOr(brands.get(id))
      }),
    putBrand,
    deleteBrand: (id) =>
      Effect.gen(function* () {
        yield* fail(checkBrandId("deleteBrand", id))
        return brands.delete(id)
      }),
    listBrands: Effect.sync(() => [...brands.values()].sort((a, b) => a.id.localeCompare(b.id))),
    importLegacyBrands: (jsonLines, opts) =>
      Effect.gen(function* () {
        const r = mapLegacyExport(jsonLines)
        const dryRun = opts?.dryRun ?? false
        if (!dryRun) for (const b of r.brands) yield* putBrand(b)
        return {
          lines: r.lines,
          imported: r.brands.map((b) => b.id),
          problems: r.problems,
          warnings: r.warnings,
          dryRun
        }
      })
  }
}

/** In-memory layer (a fresh store per build). */
export const layerMemory = (options?: { readonly feedSize?: number }): Layer.Layer<ServingStore> =>
  Layer.sync(ServingStore, () => ServingStore.of(makeMemory(options)))
