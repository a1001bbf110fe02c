import type { EntityStats, TopBy, TopList, Violation } from "@ventureos/core"
import { Context, Effect, Layer, Option } from "effect"
import { type AliasItemsShape, makeAliasMemory } from "./AliasItems"
import type { BrandConfig } from "./BrandConfig"
import { compareNewestFirst, type FeedGroup, feedItemSk, planFeedGroup } from "./Feed"
import {
  agencyOfViolationId,
  brandServesHost,
  historyFingerprint,
  normalizeHost,
  profileFingerprint,
  statsFingerprint,
  topListFingerprint,
  validateBrand,
  validateFeedBatch,
  validateHistories,
  validateProfiles,
  validateSearch,
  validateSearchEntries,
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
  checkViolationId,
  NATIONAL_FEED_PK
} from "./Keys"
import { type LegacyProblem, mapLegacyExport } from "./LegacyImport"
import type {
  ApplyFeedOptions,
  EntityHistory,
  EntityProfile,
  EntityView,
  FeedItem,
  FeedReport,
  SearchEntry,
  SearchOptions,
  SearchResult,
  ViolationSummary,
  WriteReport
} from "./Model"
import { makeScoreMemory, type ScoreItemsShape } from "./ScoreItems"
import {
  type Candidate,
  chooseTerms,
  correctedKeys,
  docCandidate,
  missingVocab,
  type Posting,
  parseVocab,
  planSearch,
  planSearchWrite,
  postingsLimit,
  rankCandidates,
  type SearchDoc
} from "./Search"
import { ServingStoreError } from "./ServingStoreError"

/** Default number of feed items kept per (entity, agency). */
export const DEFAULT_FEED_SIZE = 5
/** Default number of items kept per agency in the national recent feed (the API serves at most 50). */
export const DEFAULT_RECENT_SIZE = 50

/** Validate a feed size option (1..1000). */
export const checkFeedSize = (n: number, what = "feed size"): number => {
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new RangeError(`${what} must be an integer in 1..1000: ${n}`)
  return n
}

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
export interface ServingStoreShape extends ScoreItemsShape, AliasItemsShape {
  /** N: feed items kept per (entity, agency). */
  readonly feedSize: number
  /** Items kept per agency in the national recent feed. */
  readonly recentSize: number
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
  /**
   * Gold sync: set `SK=HISTORY` items (violations and penalties per agency and year) to these absolute
   * values, stamped with `snapshotId`; equal ones are not rewritten and older ones (`updated_at`) are stale.
   */
  readonly putHistory: (
    histories: ReadonlyArray<EntityHistory>,
    snapshotId: string
  ) => Effect.Effect<WriteReport, ServingStoreError>
  /** The history of an entity; none when nothing was synced. */
  readonly getHistory: (entityKey: string) => Effect.Effect<Option.Option<EntityHistory>, ServingStoreError>
  /**
   * Index entities for the name search (absolute values: display name, variants, place, violation count).
   * An unchanged entry writes nothing; a changed one rewrites its postings and removes those of terms it
   * lost (a rename), also after an interrupted earlier write; an older one (`updated_at`) is stale.
   */
  readonly putSearchEntries: (
    entries: ReadonlyArray<SearchEntry>
  ) => Effect.Effect<WriteReport, ServingStoreError>
  /**
   * Find entities by name, typo tolerant: exact slug matches first, then names starting with the query,
   * then similar names, each by violation count. Reads a bounded number of items (no scan).
   */
  readonly search: (
    query: string,
    options?: SearchOptions
  ) => Effect.Effect<ReadonlyArray<SearchResult>, ServingStoreError>
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
   * deletions (`status = deleted` leaves the feed) and concurrent writers. The same rules keep the national
   * recent feed: the `recentSize` newest live violations per agency, country-wide.
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
   * writer has not trimmed yet; newest first. `FEED#national` lists the national recent feed. For
   * diagnostics and tests: readers use {@link getFeed} and {@link getRecent}.
   */
  readonly getFeedRaw: (entityKey: string) => Effect.Effect<ReadonlyArray<FeedItem>, ServingStoreError>
  /**
   * The most recent live violations nationally, newest first: of one agency, or of all (`all`, the
   * default). `limit` is 1..recentSize (default 10, or recentSize when smaller).
   */
  readonly getRecent: (
    agency?: string,
    limit?: number
  ) => Effect.Effect<ReadonlyArray<FeedItem>, ServingStoreError>
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
  /**
   * The brand whose `domain` is this request host (case-insensitive; `www.`, a trailing dot and `:port`
   * ignored). Fails with `InvalidKey` when `host` is not a host name.
   */
  readonly getBrandByDomain: (host: string) => Effect.Effect<Option.Option<BrandConfig>, ServingStoreError>
  /** Import brands from a legacy single-table export (JSON lines of AttributeValue items). */
  readonly importLegacyBrands: (
    jsonLines: string,
    options?: { readonly dryRun?: boolean }
  ) => Effect.Effect<LegacyImportReport, ServingStoreError>
}

/** The serving store port. Drivers: `layerMemory` here, DynamoDB in `@ventureos/serving/dynamodb`. */
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

/** An entity key, or the national feed's partition. */
export const requireFeedKey = (operation: string, key: string): Effect.Effect<string, ServingStoreError> =>
  key === NATIONAL_FEED_PK ? Effect.succeed(key) : Effect.as(requireEntityKey(operation, key), key)

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

/** Validate `getRecent`'s arguments: an agency id or `all`, a limit in 1..size. */
export const checkRecent = (agency: string, limit: number, size: number): ServingStoreError | undefined =>
  checkStatsAgency("getRecent", agency) ??
  (Number.isInteger(limit) && limit >= 1 && limit <= size
    ? undefined
    : new ServingStoreError({
        reason: "InvalidInput",
        operation: "getRecent",
        detail: `limit: expected an integer in 1..${size}, got ${limit}`
      }))

/** The national feed's answer from its stored items: the newest per agency, merged newest first, `limit`. */
export const recentOf = (
  items: ReadonlyArray<FeedItem>,
  agency: string,
  limit: number,
  size: number
): Array<FeedItem> =>
  topPerAgency(
    items.filter((i) => agency === "all" || i.agency === agency),
    size
  ).slice(0, limit)

/** `getBrandByDomain`'s host check. */
export const requireHost = (host: string) => {
  const h = typeof host === "string" ? normalizeHost(host) : undefined
  return h === undefined
    ? Effect.fail(
        new ServingStoreError({
          reason: "InvalidKey",
          operation: "getBrandByDomain",
          detail: `invalid host: ${JSON.stringify(String(host).slice(0, 200))}`
        })
      )
    : Effect.succeed(h)
}

/** Attach a known summary to items of the same content. */
export const withSummary = (item: FeedItem, summary: ViolationSummary | undefined): FeedItem =>
  summary !== undefined && summary.content_hash === item.content_hash && item.summary === undefined
    ? { ...item, summary: summary.text }
    : item

/** An in-memory ServingStore with the same contract as the DynamoDB driver (tests, demos). */
export const makeMemory = (options?: {
  readonly feedSize?: number
  readonly recentSize?: number
}): ServingStoreShape => {
  const feedSize = checkFeedSize(options?.feedSize ?? DEFAULT_FEED_SIZE)
  const recentSize = checkFeedSize(options?.recentSize ?? DEFAULT_RECENT_SIZE, "recent feed size")
  const profiles = new Map<string, EntityProfile>()
  const histories = new Map<string, EntityHistory>()
  const searchDocs = new Map<string, SearchDoc>()
  const postings = new Map<string, Map<string, { readonly posting: Posting; readonly rank: string }>>()
  const vocabulary = new Map<string, Set<string>>()
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
      g.national ? recentSize : feedSize
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
    ...makeScoreMemory(),
    ...makeAliasMemory(),
    feedSize,
    recentSize,
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
    putHistory: (input, snapshotId) =>
      Effect.map(validateHistories(input, snapshotId), (hs) => {
        let written = 0
        let stale = 0
        for (const h of hs) {
          const old = histories.get(h.entity_key)
          if (old !== undefined && isNewer(old.updated_at, h.updated_at)) stale++
          else if (old === undefined || historyFingerprint(old) !== historyFingerprint(h)) {
            histories.set(h.entity_key, h)
            written++
          }
        }
        return { received: input.length, written, unchanged: hs.length - written - stale, stale }
      }),
    getHistory: (entityKey) =>
      Effect.map(requireEntityKey("getHistory", entityKey), () =>
        Option.fromUndefinedOr(histories.get(entityKey))
      ),
    putSearchEntries: (input) =>
      Effect.map(validateSearchEntries(input), (es) => {
        let written = 0
        let stale = 0
        for (const e of es) {
          const plan = planSearchWrite(e, searchDocs.get(e.entity_key))
          if (plan._tag === "Unchanged") continue
          if (plan._tag === "Stale") {
            stale++
            continue
          }
          if (plan.pendingDoc !== undefined) searchDocs.set(e.entity_key, plan.pendingDoc)
          for (const t of plan.putTerms) {
            const list = postings.get(t) ?? new Map()
            postings.set(t, list)
            list.set(e.entity_key, { posting: plan.posting, rank: plan.rank })
          }
          for (const t of plan.deleteTerms) postings.get(t)?.delete(e.entity_key)
          for (const [block, entries] of plan.vocab) {
            const set = vocabulary.get(block) ?? new Set()
            vocabulary.set(block, set)
            for (const v of missingVocab(set, entries)) set.add(v)
          }
          searchDocs.set(e.entity_key, plan.doc)
          written++
        }
        return { received: input.length, written, unchanged: es.length - written - stale, stale }
      }),
    search: (query, opts) =>
      Effect.suspend(() => {
        const checked = validateSearch(query, opts)
        if (checked instanceof ServingStoreError) return Effect.fail(checked)
        const plan = planSearch(query)
        const exact: Array<Candidate> = []
        for (const k of plan.exactKeys) {
          const d = searchDocs.get(k)
          if (d !== undefined) exact.push(docCandidate(d))
        }
        const vocab = new Map(plan.blocks.map((b) => [b, parseVocab(vocabulary.get(b) ?? [])] as const))
        const found: Array<Candidate> = []
        for (const k of correctedKeys(plan, vocab)) {
          const d = searchDocs.get(k)
          if (d !== undefined) found.push(docCandidate(d))
        }
        for (const { term } of chooseTerms(plan, vocab)) {
          const list = [...(postings.get(term)?.values() ?? [])].sort((a, b) =>
            a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0
          )
          for (const p of list.slice(0, postingsLimit(checked.limit))) found.push(p.posting)
        }
        return Effect.succeed(rankCandidates(plan, exact, found, checked))
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
    getRecent: (agency = "all", limit = Math.min(10, recentSize)) =>
      Effect.suspend(() => {
        const bad = checkRecent(agency, limit, recentSize)
        if (bad !== undefined) return Effect.fail(bad)
        return Effect.succeed(
          recentOf([...(feeds.get(NATIONAL_FEED_PK)?.values() ?? [])], agency, limit, recentSize)
        )
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
      Effect.map(requireFeedKey("getFeedRaw", entityKey), () =>
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
        for (const k of [...(opts?.entityKeys ?? []), NATIONAL_FEED_PK]) {
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
    getBrandByDomain: (host) =>
      Effect.map(requireHost(host), (h) =>
        Option.fromUndefinedOr(
          [...brands.values()].sort((a, b) => a.id.localeCompare(b.id)).find((b) => brandServesHost(b, h))
        )
      ),
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
export const layerMemory = (options?: {
  readonly feedSize?: number
  readonly recentSize?: number
}): Layer.Layer<ServingStore> => Layer.sync(ServingStore, () => ServingStore.of(makeMemory(options)))
