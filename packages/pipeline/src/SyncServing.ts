import { type EntityStats, moneyFromCents, type TopList, type Violation } from "@ventureos/core"
import {
  type EntityHistory,
  type EntityProfile,
  feedDate,
  type SearchEntry,
  ServingStore,
  type ServingStoreError
} from "@ventureos/serving"
import { Effect } from "effect"
import type { EntityKind } from "./Gold"
import type { BatchResult } from "./Ingest"
import { type ScoreKey, type ScoreSyncReport, syncScores } from "./Score"
import { timed } from "./Timings"
import {
  type GoldHistoryRow,
  type GoldTotalsRow,
  type LatestGroup,
  Warehouse,
  type WarehouseError
} from "./Warehouse"

/** What the serving sync wrote. `feedWrites` counts DynamoDB writes of the live feed (puts + deletes). */
export interface ServingSyncReport extends ScoreSyncReport {
  readonly feedViolations: number
  readonly feedWrites: number
  readonly statsWritten: number
  readonly statsUnchanged: number
  readonly profilesWritten: number
  readonly topListsWritten: number
  readonly historiesWritten: number
  readonly searchEntriesWritten: number
}

/**
 * A step of the serving sync: the live feed, the entities of one kind, the Top-N lists of the touched scopes,
 * or the offender scores of the touched companies.
 */
export interface SyncStep {
  readonly step: "feed" | "company" | "city" | "state" | "top-lists" | "scores"
  readonly items: number
}

/** Gold totals of one (entity, agency) as the serving contract's absolute stats. */
export const totalsToStats = (r: GoldTotalsRow, snapshot: string, now: string): EntityStats =>
  ({
    entity_key: r.entity_key,
    agency: r.agency,
    violation_count: r.violation_count,
    counts_by_type: r.by_type,
    penalty_initial_total: moneyFromCents(r.penalty_initial_cents),
    penalty_current_total: moneyFromCents(r.penalty_current_cents),
    penalty_current_unknown_count: r.penalty_current_unknown_count,
    open_count: r.open_count,
    closed_count: r.closed_count,
    first_event_date: r.first_event_date,
    last_event_date: r.last_event_date,
    source_snapshot: snapshot,
    updated_at: now
  }) as EntityStats

/** Gold history rows of the given entities as absolute history items (every key gets one, maybe empty). */
export const historiesOf = (
  keys: ReadonlyArray<string>,
  rows: ReadonlyArray<GoldHistoryRow>,
  snapshot: string,
  now: string
): Array<EntityHistory> => {
  const byKey = new Map<string, Array<GoldHistoryRow>>(keys.map((k) => [k, []]))
  for (const r of rows) byKey.get(r.entity_key)?.push(r)
  return [...byKey.entries()].map(
    ([entity_key, rs]) =>
      ({
        entity_key,
        points: rs.map((r) => ({
          agency: r.agency,
          year: r.year,
          violation_count: r.violation_count,
          penalty_initial_total: moneyFromCents(r.penalty_initial_cents),
          penalty_current_total: moneyFromCents(r.penalty_current_cents)
        })),
        source_snapshot: snapshot,
        updated_at: now
      }) as unknown as EntityHistory
  )
}

/** Where an entity is, as the search shows it: `AUSTIN, TX` for a company, `TX` for a city, none for a state. */
const placeOf = (kind: EntityKind, p: EntityProfile): string | null =>
  kind === "state"
    ? null
    : kind === "city"
      ? p.state
      : p.city !== null && p.state !== null
        ? `${p.city}, ${p.state}`
        : (p.city ?? p.state)

const placeOfKey = (key: string): { city: string | null; state: string | null } => {
  if (key.startsWith("STATE#")) return { city: null, state: key.slice(6).toUpperCase() }
  if (key.startsWith("CITY#")) {
    const slug = key.slice(5)
    return { city: slug.slice(0, -3).replaceAll("-", " ").toUpperCase(), state: slug.slice(-2).toUpperCase() }
  }
  return { city: null, state: null }
}

/**
 * After ingest: the live feed and the national recent feed (daily batches only; historical backfills
 * perform zero feed writes), absolute gold totals for every touched entity (idempotent: equal totals are
 * not rewritten), entity profiles, histories (per agency and year) and search entries, and the Top-10 lists
 * of every touched scope (national, touched states and cities), so the API never scans.
 */
export const syncServing = (
  results: ReadonlyArray<BatchResult>,
  options: {
    readonly topLimit?: number
    /** The company mapping the offender score groups records by (default: the company slug). */
    readonly scoreKey?: ScoreKey
    /**
     * Score keys of companies to rescore besides those the batches touched: the old and new companies of names
     * the entity map moved (their records now count under another company).
     */
    readonly rescore?: ReadonlyArray<string>
    readonly now?: string
    /** Called as each step starts (for progress): what it writes and how many items. */
    readonly onStep?: (step: SyncStep) => void
  } = {}
): Effect.Effect<ServingSyncReport, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const serving = yield* ServingStore
    const now = options.now ?? new Date().toISOString()
    const limit = options.topLimit ?? 10

    // 1. live feed
    const feed: Array<Violation> = []
    const previous: Array<Violation> = []
    for (const r of results)
      if (r.feed && r.status === "ingested") {
        feed.push(...r.changed)
        previous.push(...r.previous)
      }
    let feedWrites = 0
    if (feed.length > 0) {
      options.onStep?.({ step: "feed", items: feed.length })
      const rep = yield* timed("serving", "apply feed", serving.applyFeed(feed, { previous }))
      feedWrites = rep.puts + rep.deletes
      // A deletion, a correction that moved a violation elsewhere or made it undated, or one that moved its
      // date back leaves its old feeds short of their N newest: what was trimmed earlier is gone from the
      // store, so replay each such feed's N newest live violations from silver (items already stored cost
      // nothing). The national feed of the agency likewise, when the violation was within it.
      const nowLive = new Map(feed.map((v) => [v.violation_id, v]))
      const short = new Map<
        string,
        { agency: string; column: "company_slug" | "city_slug" | "state"; value: string }
      >()
      const placements = (v: Violation) => [
        { column: "company_slug" as const, value: v.company_slug as string },
        ...(v.city_slug !== null ? [{ column: "city_slug" as const, value: v.city_slug as string }] : []),
        ...(v.state !== null ? [{ column: "state" as const, value: v.state as string }] : [])
      ]
      const live = (v: Violation | undefined) =>
        v !== undefined && v.status !== "deleted" && feedDate(v) !== null
      const olderNow = (old: Violation) => {
        const current = nowLive.get(old.violation_id)
        const was = feedDate(old)
        const is = current === undefined ? null : feedDate(current)
        return was !== null && is !== null && is < was
      }
      const left = new Map<string, Array<Violation>>()
      for (const v of [...feed, ...previous]) {
        const current = nowLive.get(v.violation_id)
        const stillThere = (p: { column: string; value: string }) =>
          live(current) && placements(current!).some((c) => c.column === p.column && c.value === p.value)
        const movedBack = olderNow(v)
        for (const p of placements(v))
          if (!stillThere(p) || movedBack)
            short.set(`${v.agency}|${p.column}|${p.value}`, { agency: v.agency, ...p })
        if (!live(current) || movedBack) left.set(v.agency, [...(left.get(v.agency) ?? []), v])
      }
      const refill: Array<Violation> = []
      // one read of each agency's silver for all its short feeds (one per feed cost the history each time)
      const shortByAgency = new Map<string, Array<LatestGroup>>()
      for (const { agency, ...g } of short.values())
        shortByAgency.set(agency, [...(shortByAgency.get(agency) ?? []), g])
      for (const [agency, groups] of shortByAgency)
        for (const latest of yield* timed(
          "serving",
          `${agency}: newest of ${groups.length} short feeds`,
          warehouse.silverLatestMany(agency, groups, serving.feedSize)
        ))
          refill.push(...latest)
      for (const [agency, gone] of left) {
        const now = yield* serving.getRecent(agency, serving.recentSize)
        const oldest = now.at(-1)
        const sk = (date: string, id: string) => `${date}#${id}`
        const within = gone.some((v) => {
          const d = feedDate(v)
          return (
            d !== null &&
            (oldest === undefined || sk(d, v.violation_id) >= sk(oldest.date, oldest.violation_id))
          )
        })
        if (now.length < serving.recentSize || within)
          refill.push(...(yield* warehouse.silverLatest(agency, null, serving.recentSize)))
      }
      if (refill.length > 0) {
        const rep2 = yield* timed("serving", "apply refill", serving.applyFeed(refill))
        feedWrites += rep2.puts + rep2.deletes
      }
    }

    // 2. stats + profiles of touched entities
    const touched: Record<EntityKind, Set<string>> = { company: new Set(), city: new Set(), state: new Set() }
    const agencies = new Set<string>()
    for (const r of results) {
      for (const k of ["company", "city", "state"] as const)
        for (const key of r.touched[k]) touched[k].add(key)
      if (r.touched.company.length > 0) agencies.add(r.agency)
    }
    // The silver snapshots these totals reflect, e.g. `osha:4.epa:2` (ServingStore's snapshot id alphabet).
    const latestByAgency = new Map<string, string>()
    for (const r of results) if (r.silverSnapshot !== null) latestByAgency.set(r.agency, r.silverSnapshot)
    const snapshot = [...latestByAgency.entries()].map(([a, s]) => `${a}:${s}`).join(".")
    const namesSeen = new Map<string, Set<string>>()
    const latest = new Map<string, Violation>()
    for (const v of feed) {
      const key = `COMPANY#${v.company_slug}`
      const s = namesSeen.get(key) ?? new Set()
      s.add(v.company_name)
      namesSeen.set(key, s)
      latest.set(key, v)
    }
    let statsWritten = 0
    let statsUnchanged = 0
    let profilesWritten = 0
    let historiesWritten = 0
    let searchEntriesWritten = 0
    for (const kind of ["company", "city", "state"] as const) {
      const keys = [...touched[kind]]
      if (keys.length === 0) continue
      options.onStep?.({ step: kind, items: keys.length })
      const rep = yield* syncEntities(kind, keys, { snapshot: snapshot || "none", now, namesSeen, latest })
      statsWritten += rep.statsWritten
      statsUnchanged += rep.statsUnchanged
      profilesWritten += rep.profilesWritten
      historiesWritten += rep.historiesWritten
      searchEntriesWritten += rep.searchEntriesWritten
    }

    // 3. Top-N lists of touched scopes
    const scopes = new Set<string>()
    if (touched.company.size > 0) scopes.add("national")
    for (const k of touched.state) scopes.add(`state:${k.slice(6).toUpperCase()}`)
    for (const k of touched.city) scopes.add(`city:${k.slice(5)}`)
    options.onStep?.({ step: "top-lists", items: scopes.size })
    const topListsWritten = yield* syncTopLists([...scopes], ["all", ...agencies], { limit, now })

    // 4. offender scores of the touched companies and the score leaderboards (Score.ts)
    // touched companies are gold's (published variants); scores are keyed by the mapping's company
    const ofEntity = options.scoreKey?.ofEntity ?? ((k: string) => k)
    const scored = [...new Set([...[...touched.company].map(ofEntity), ...(options.rescore ?? [])])]
    if (scored.length > 0) options.onStep?.({ step: "scores", items: scored.length })
    const scores = yield* syncScores(scored, {
      now,
      ...(options.scoreKey === undefined ? {} : { key: options.scoreKey })
    })
    return {
      ...scores,
      feedViolations: feed.length,
      feedWrites,
      statsWritten,
      statsUnchanged,
      profilesWritten,
      topListsWritten,
      historiesWritten,
      searchEntriesWritten
    }
  })

/** What {@link syncEntities} wrote. */
export interface EntitySyncReport {
  readonly statsWritten: number
  readonly statsUnchanged: number
  readonly profilesWritten: number
  readonly historiesWritten: number
  readonly searchEntriesWritten: number
}

/**
 * Stats (absolute, per agency and all), profile, history (per agency and year) and search entry of these
 * entities, from gold. Idempotent: what equals the stored value is not rewritten. `namesSeen` / `latest`
 * carry what a daily batch knows beyond gold (spellings, the newest place and NAICS of a company).
 */
export const syncEntities = (
  kind: EntityKind,
  keys: ReadonlyArray<string>,
  ctx: {
    readonly snapshot: string
    readonly now: string
    readonly namesSeen?: ReadonlyMap<string, ReadonlySet<string>>
    readonly latest?: ReadonlyMap<string, Violation>
  }
): Effect.Effect<EntitySyncReport, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const serving = yield* ServingStore
    const { snapshot, now } = ctx
    const namesSeen = ctx.namesSeen ?? new Map<string, ReadonlySet<string>>()
    const latest = ctx.latest ?? new Map<string, Violation>()
    const rows = yield* warehouse.goldTotals(kind, keys)
    const stats = rows.map((r) => totalsToStats(r, snapshot, now))
    const rep = yield* serving.syncStats(stats, snapshot)
    const statsWritten = rep.written
    const statsUnchanged = rep.unchanged
    const profiles: Array<EntityProfile> = []
    const priors = yield* serving.getProfiles(rows.filter((r) => r.agency === "all").map((r) => r.entity_key))
    for (const r of rows) {
      if (r.agency !== "all") continue
      const prior = priors.get(r.entity_key) ?? null
      const variants = new Set(prior?.name_variants ?? [])
      for (const n of namesSeen.get(r.entity_key) ?? []) variants.add(n)
      if (r.name !== null) variants.add(r.name)
      const v = latest.get(r.entity_key)
      const place =
        kind === "company"
          ? { city: v?.city ?? prior?.city ?? null, state: v?.state ?? prior?.state ?? null }
          : placeOfKey(r.entity_key)
      profiles.push({
        entity_key: r.entity_key,
        display_name: r.name ?? prior?.display_name ?? r.entity_key,
        name_variants: [...variants].sort().slice(0, 50),
        naics: kind === "company" ? (v?.naics ?? prior?.naics ?? null) : null,
        industry: kind === "company" ? (prior?.industry ?? null) : null,
        city: place.city,
        state: place.state,
        zip: kind === "company" ? (v?.zip ?? prior?.zip ?? null) : null,
        first_seen: r.first_event_date,
        last_seen: r.last_event_date
      } as unknown as EntityProfile)
    }
    const profilesWritten = profiles.length > 0 ? (yield* serving.putProfiles(profiles)).written : 0
    // History (per agency and year) and the search entry of every touched entity, from gold.
    const history = yield* warehouse.goldHistory(kind, keys)
    const historiesWritten = (yield* serving.putHistory(historiesOf(keys, history, snapshot, now), snapshot))
      .written
    const counts = new Map(
      rows.filter((r) => r.agency === "all").map((r) => [r.entity_key, r.violation_count])
    )
    const entries: Array<SearchEntry> = profiles.map(
      (p) =>
        ({
          entity_key: p.entity_key,
          display_name: p.display_name,
          name_variants: p.name_variants,
          place: placeOf(kind, p),
          violation_count: counts.get(p.entity_key) ?? 0,
          updated_at: now
        }) as unknown as SearchEntry
    )
    const searchEntriesWritten = entries.length > 0 ? (yield* serving.putSearchEntries(entries)).written : 0
    return { statsWritten, statsUnchanged, profilesWritten, historiesWritten, searchEntriesWritten }
  })

/** The Top-N lists (by count and by penalties) of these scopes and agencies, from gold; returns lists written. */
export const syncTopLists = (
  scopes: ReadonlyArray<string>,
  agencies: ReadonlyArray<string>,
  options: { readonly limit: number; readonly now: string }
): Effect.Effect<number, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    if (scopes.length === 0) return 0
    const warehouse = yield* Warehouse
    const serving = yield* ServingStore
    const lists: Array<TopList> = []
    const tops = yield* warehouse.goldTopMany({ scopes, agencies, limit: options.limit })
    for (const [key, top] of tops) {
      const [scope, by, agency] = key.split("|") as [string, "count" | "penalties", string]
      lists.push({
        scope,
        by,
        agency,
        entries: top.map((t, i) => ({
          rank: i + 1,
          entity_key: t.entity_key,
          name: t.name,
          violation_count: t.violation_count,
          penalty_current_total: moneyFromCents(t.penalty_current_cents)
        })),
        updated_at: options.now
      } as unknown as TopList)
    }
    return lists.length > 0 ? (yield* serving.putTopLists(lists)).written : 0
  })
