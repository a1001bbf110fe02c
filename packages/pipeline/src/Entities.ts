import type { Violation } from "@ventureos/core"
import {
  companyOf,
  type EntityMap,
  type Override,
  type OverrideRecord,
  type ResolveResult,
  resolve,
  type Site,
  type VariantInput
} from "@ventureos/entities"
import { sqlStr } from "@ventureos/normalizers"
import {
  type EntityAlias,
  type EntityProfile,
  ServingStore,
  type ServingStoreError
} from "@ventureos/serving"
import { Effect, Layer, Option } from "effect"
import { EntityStore, type EntityStoreError } from "./EntityStore"
import type { BatchResult } from "./Ingest"
import { timed } from "./Timings"
import type { GoldHistoryRow, GoldTotalsRow, WarehouseShape } from "./Warehouse"
import { type CompanyRollup, Warehouse, type WarehouseError } from "./Warehouse"

const COMPANY = "COMPANY#"

/** `COMPANY#<slug>` of the company a silver record's `company_slug` resolves to under the map. */
export const companyKeyOf =
  (map: EntityMap) =>
  (companySlug: string): string =>
    `${COMPANY}${companyOf(map, companySlug)}`

/**
 * The company key of silver records for SQL and TypeScript alike (`{ ts, sql }`): the offender score rolls up
 * the same way gold does. `sql` is an expression over a silver row's `company_slug`.
 */
export const companyScoreKey = (
  map: EntityMap
): { ts: (v: Violation) => string; sql: string; ofEntity: (entityKey: string) => string } => {
  const key = companyKeyOf(map)
  const cases = Object.entries(map.variants)
    .filter(([k, e]) => e.company !== k)
    .map(([k, e]) => `WHEN '${k.replace(/'/g, "''")}' THEN '${COMPANY}${e.company.replace(/'/g, "''")}'`)
  return {
    ts: (v) => key(v.company_slug),
    ofEntity: (k) => (k.startsWith(COMPANY) ? key(k.slice(COMPANY.length)) : k),
    sql:
      cases.length === 0
        ? `'${COMPANY}' || company_slug`
        : `CASE company_slug ${cases.join(" ")} ELSE '${COMPANY}' || company_slug END`
  }
}

/** Gold's company keys rolled up by the map: variant keys that belong to another company, and display names. */
export const rollupOf = (map: EntityMap): CompanyRollup => {
  const aliases = new Map<string, string>()
  const sizes = new Map<string, number>()
  for (const [k, e] of Object.entries(map.variants)) {
    sizes.set(e.company, (sizes.get(e.company) ?? 0) + 1)
    if (e.company !== k) aliases.set(`${COMPANY}${k}`, `${COMPANY}${e.company}`)
  }
  const names = new Map<string, string>()
  for (const [c, entry] of Object.entries(map.companies))
    if ((sizes.get(c) ?? 0) > 1 || entry.name !== map.variants[c]?.input.name)
      names.set(`${COMPANY}${c}`, entry.name)
  return { aliases, names }
}

/** Sum two totals rows of one company and agency: counts and cents add up, first/last dates widen. */
const addTotals = (a: GoldTotalsRow, b: GoldTotalsRow): GoldTotalsRow => {
  const out: Record<string, unknown> = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const prior = out[k]
    if (typeof v === "number" && typeof prior === "number") out[k] = prior + v
    else if (typeof v === "bigint" && typeof prior === "bigint") out[k] = prior + v
  }
  const by: Record<string, number> = { ...a.by_type }
  for (const [t, n] of Object.entries(b.by_type)) by[t] = (by[t] ?? 0) + n
  out.by_type = by
  const pick = (x: string | null, y: string | null, first: boolean) =>
    x === null ? y : y === null ? x : (first ? x < y : x > y) ? x : y
  out.first_event_date = pick(a.first_event_date, b.first_event_date, true)
  out.last_event_date = pick(a.last_event_date, b.last_event_date, false)
  return out as unknown as GoldTotalsRow
}

const sumTotals = (rows: ReadonlyArray<GoldTotalsRow>, r: CompanyRollup): Array<GoldTotalsRow> => {
  const out = new Map<string, { row: GoldTotalsRow; own: boolean }>()
  for (const row of rows) {
    const key = r.aliases.get(row.entity_key) ?? row.entity_key
    const k = `${key}\u0000${row.agency}`
    const own = row.entity_key === key
    const prior = out.get(k)
    const next =
      prior === undefined ? { ...row, entity_key: key } : addTotals(prior.row, { ...row, entity_key: key })
    // the company's own variant names it unless the map gives it a name
    const name =
      r.names.get(key) ??
      (own || prior === undefined || !prior.own ? (row.name ?? prior?.row.name ?? null) : prior.row.name)
    out.set(k, { row: { ...next, name }, own: own || (prior?.own ?? false) })
  }
  return [...out.values()]
    .map((x) => x.row)
    .sort((a, b) =>
      a.entity_key < b.entity_key ? -1 : a.entity_key > b.entity_key ? 1 : a.agency < b.agency ? -1 : 1
    )
}

const sumHistory = (rows: ReadonlyArray<GoldHistoryRow>, r: CompanyRollup): Array<GoldHistoryRow> => {
  const out = new Map<string, GoldHistoryRow>()
  for (const row of rows) {
    const key = r.aliases.get(row.entity_key) ?? row.entity_key
    const k = `${key}\u0000${row.agency}\u0000${row.year}`
    const p = out.get(k)
    out.set(
      k,
      p === undefined
        ? { ...row, entity_key: key }
        : {
            ...p,
            violation_count: p.violation_count + row.violation_count,
            penalty_initial_cents: p.penalty_initial_cents + row.penalty_initial_cents,
            penalty_current_cents: p.penalty_current_cents + row.penalty_current_cents
          }
    )
  }
  return [...out.values()].filter(
    (x) => x.violation_count !== 0 || x.penalty_initial_cents !== 0n || x.penalty_current_cents !== 0n
  )
}

/**
 * A warehouse whose company gold reads roll up by company: totals, histories and Top-N of a company sum its
 * variants' gold, which itself stays per published variant (a merge or split rewrites no gold). Reading a
 * variant's key answers for its company. Everything else passes through.
 */
export const withCompanyRollup = (w: WarehouseShape, r: CompanyRollup): WarehouseShape => {
  if (r.aliases.size === 0 && r.names.size === 0) return w
  const members = new Map<string, Array<string>>()
  for (const [variant, company] of r.aliases) members.set(company, [...(members.get(company) ?? []), variant])
  const expand = (keys: ReadonlyArray<string>) => {
    const out = new Set<string>()
    for (const k of keys) {
      const c = r.aliases.get(k) ?? k
      out.add(c)
      for (const m of members.get(c) ?? []) out.add(m)
    }
    return [...out]
  }
  return {
    ...w,
    goldTotals: (kind, keys) =>
      kind !== "company"
        ? w.goldTotals(kind, keys)
        : Effect.map(w.goldTotals(kind, keys === undefined ? undefined : expand(keys)), (rows) =>
            sumTotals(rows, r)
          ),
    goldHistory: (kind, keys) =>
      kind !== "company"
        ? w.goldHistory(kind, keys)
        : Effect.map(w.goldHistory(kind, expand(keys)), (rows) => sumHistory(rows, r)),
    goldTop: (q) => w.goldTop({ ...q, rollup: r }),
    goldTopMany: (q) => w.goldTopMany({ ...q, rollup: r })
  }
}

/** The Warehouse rolled up by the stored entity map (the layer below provides the plain warehouse). */
export const layerCompanyRollup: Layer.Layer<Warehouse, EntityStoreError, Warehouse | EntityStore> =
  Layer.effect(
    Warehouse,
    Effect.gen(function* () {
      const w = yield* Warehouse
      const store = yield* EntityStore
      return withCompanyRollup(w, rollupOf(yield* store.load))
    })
  )

/** The most slugs filtered by a literal `IN` list (longer lists are joined, see `variantsFromSilver`). */
const LITERAL_LIST_MAX = 20_000

/**
 * Agencies whose details carry an EPA FRS registry link (NPDES's `DFR_URL`, ECHO's facility report), stored
 * under the lower-case key the EPA normalizers write (`dfr_url`): the upper-case path read here before never
 * matched, so the matcher's "same EPA FRS registry id" rule, which the labelled evaluation feeds, never fired in
 * an ingest. (The labelled set scores the same with and without it: none of its FRS ids has two names.)
 */
const FRS_AGENCIES: ReadonlySet<string> = new Set(["epa"])
const FRS_SQL = `NULLIF(regexp_extract(coalesce(json_extract_string(violation_details, '$.dfr_url'), ''), 'fid=([0-9]+)', 1), '')`

/**
 * The name variants of silver (one per company slug) with their sites, NAICS codes, FRS ids and records, in
 * SQL. Deterministic, like the map built from them: the name is the most frequent one (ties: the first in
 * order, as {@link variantsFromRecords} picks), the first 20 distinct sites, 10 codes and 10 ids in order,
 * variants by slug. (An unordered `list(DISTINCT …)[1:20]` and `mode()` took whichever the parallel scan met
 * first: two fresh lakes of one file could resolve different maps.)
 */
export const variantsFromSilver = (
  agencies: ReadonlyArray<string>,
  /** Slugs already resolved (the map's variants): their rows are not aggregated (see below). */
  known?: (slug: string) => boolean,
  /**
   * Per agency, the only slugs that can be new (a batch's touched names, when nothing else landed since the map
   * was complete), or null when nothing can be; agencies not listed are read whole.
   */
  only?: Readonly<Record<string, ReadonlySet<string> | null>>,
  /** The most slugs filtered by a literal `IN` list (tests lower it to exercise the joined form). */
  literalListMax = LITERAL_LIST_MAX
): Effect.Effect<Array<VariantInput>, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    if (w.bulk === undefined) return []
    const byKey = new Map<string, VariantInput>()
    const site = `{'address': address, 'city': city, 'state': state, 'zip': zip}`
    for (const agency of agencies) {
      const head = yield* w.silverHead(agency)
      if (head === null) continue
      const limit = only?.[agency]
      if (limit === null) continue
      const silver = yield* w.bulk.silverRelation(agency, head)
      // Only names the map does not know are resolved, so only their rows need aggregating: one narrow read
      // of the slugs first, then the sites / industries of the new ones. A daily file on a big history
      // aggregated every row of silver for its few new names (2 of a 1M lake's ~3 CPU s). Reading silver
      // (not the batch's own names) keeps a name whose resolution was interrupted found by the next run.
      let rel = silver
      if (known !== undefined) {
        const slugs =
          limit !== undefined
            ? [...limit]
            : (yield* w.bulk.sql(`SELECT DISTINCT company_slug AS slug FROM (${silver})`)).map((r) =>
                String(r.slug)
              )
        const fresh = slugs.filter((s) => !known(s))
        if (fresh.length === 0) continue
        if (fresh.length < slugs.length || limit !== undefined) {
          // a short literal list is a filter the Parquet scan applies; a long one is tested value by value
          // against every row (a 1M-row EPA release's 134k new names: 12 CPU s for the names query alone, 1.4
          // as a semi-join of the list unnested into a relation)
          const list = fresh.map(sqlStr).join(", ")
          rel = `SELECT * FROM (${silver}) WHERE company_slug IN (${fresh.length <= literalListMax ? list : `SELECT unnest([${list}])`})`
        }
      }
      const names = new Map<string, string>()
      for (const row of yield* w.bulk.sql(`
        SELECT company_slug AS slug, first(company_name ORDER BY n DESC, company_name) AS name
        FROM (SELECT company_slug, company_name, count(*) AS n FROM (${rel}) GROUP BY company_slug, company_name)
        GROUP BY company_slug`))
        names.set(String(row.slug), String(row.name))
      // FRS ids only where the records can have them: reading every OSHA violation's details JSON for
      // nothing was most of this query's time
      const frs = FRS_AGENCIES.has(agency) ? FRS_SQL : "NULL::VARCHAR"
      // The first distinct sites / codes of each name in order, as a bounded top-N per name over the distinct
      // pairs (hash aggregates, which spill): an ordered list(DISTINCT …) keeps every distinct site of a name
      // in memory, and a 5M-row lake (a name with ~100k sites) ran the engine out of its memory limit.
      const firstOf = (col: string, n: number) =>
        `SELECT company_slug, min(${col}, ${n}) AS l FROM (SELECT DISTINCT company_slug, ${col} FROM v WHERE ${col} IS NOT NULL) GROUP BY company_slug`
      const rows = yield* w.bulk.sql(`
        WITH v AS (SELECT company_slug, ${site} AS site, naics, ${frs} AS frs FROM (${rel})),
          n AS (SELECT company_slug, count(*)::BIGINT AS n FROM v GROUP BY company_slug),
          s AS (${firstOf("site", 20)}), i AS (${firstOf("naics", 10)}), f AS (${firstOf("frs", 10)})
        SELECT n.company_slug AS slug, n.n, to_json(s.l) AS sites, to_json(i.l) AS naics, to_json(f.l) AS frs
        FROM n LEFT JOIN s USING (company_slug) LEFT JOIN i USING (company_slug) LEFT JOIN f USING (company_slug)
        ORDER BY slug`)
      for (const row of rows) {
        const parse = <A>(v: unknown): Array<A> => (v == null ? [] : (JSON.parse(String(v)) as Array<A>))
        const input: VariantInput = {
          key: String(row.slug),
          name: names.get(String(row.slug)) ?? String(row.slug),
          sites: parse<Site>(row.sites),
          naics: parse<string>(row.naics),
          frs: parse<string>(row.frs),
          rows: Number(row.n)
        }
        const prior = byKey.get(input.key)
        byKey.set(
          input.key,
          prior === undefined
            ? input
            : {
                ...input,
                name: prior.rows >= input.rows ? prior.name : input.name,
                sites: [...prior.sites, ...input.sites].slice(0, 20),
                naics: [...new Set([...prior.naics, ...input.naics])],
                frs: [...new Set([...prior.frs, ...input.frs])],
                rows: prior.rows + input.rows
              }
        )
      }
    }
    return [...byKey.values()]
  })

/** The name variants of some records (the in-memory path, and a batch's own records). */
export const variantsFromRecords = (records: Iterable<Violation>): Array<VariantInput> => {
  const byKey = new Map<
    string,
    {
      names: Map<string, number>
      sites: Map<string, Site>
      naics: Set<string>
      frs: Set<string>
      rows: number
    }
  >()
  for (const v of records) {
    const e = byKey.get(v.company_slug) ?? {
      names: new Map(),
      sites: new Map(),
      naics: new Set(),
      frs: new Set(),
      rows: 0
    }
    e.names.set(v.company_name, (e.names.get(v.company_name) ?? 0) + 1)
    const s: Site = { address: v.address, city: v.city, state: v.state, zip: v.zip }
    if (e.sites.size < 20) e.sites.set(JSON.stringify(s), s)
    if (v.naics !== null) e.naics.add(v.naics)
    // the FRS id of an EPA facility report link, as FRS_SQL reads it from silver
    const fid = FRS_AGENCIES.has(v.agency)
      ? /fid=([0-9]+)/.exec(v.violation_details.dfr_url ?? "")?.[1]
      : undefined
    if (fid !== undefined) e.frs.add(fid)
    e.rows++
    byKey.set(v.company_slug, e)
  }
  return [...byKey.entries()].map(([key, e]) => ({
    key,
    name: [...e.names.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0],
    sites: [...e.sites.values()],
    naics: [...e.naics],
    // the ten smallest, as silver's `min(frs, 10)` gives them
    frs: [...e.frs].sort().slice(0, 10),
    rows: e.rows
  }))
}

/** What an entity update did. */
export interface EntityUpdate {
  readonly version: number
  readonly variants: number
  readonly companies: number
  /** Names new to the map (the only ones scored). */
  readonly newVariants: number
  readonly compared: number
  readonly moved: ResolveResult["moved"]
  readonly suggestions: number
}

const summary = (r: ResolveResult, fresh: number): EntityUpdate => ({
  version: r.map.version,
  variants: Object.keys(r.map.variants).length,
  companies: Object.keys(r.map.companies).length,
  newVariants: fresh,
  compared: r.compared,
  moved: r.moved,
  suggestions: r.suggestions.length
})

/**
 * After ingest: resolve the names silver has that the map does not (a daily file only scores its new names)
 * and store the map. `records` (when given) are used instead of reading silver (the in-memory warehouse).
 */
export const updateEntities = (options: {
  readonly agencies: ReadonlyArray<string>
  readonly records?: Iterable<Violation>
  readonly now?: string
  /**
   * This run's batches: when an agency's silver moved only by them since the snapshot the map is complete for,
   * only the names they touched are read (a daily file on millions of rows read every row's name otherwise).
   */
  readonly batches?: ReadonlyArray<
    Pick<BatchResult, "agency" | "sourceId" | "status" | "silverSnapshot" | "touched">
  >
}): Effect.Effect<EntityUpdate, WarehouseError | EntityStoreError, Warehouse | EntityStore> =>
  Effect.gen(function* () {
    const store = yield* EntityStore
    const fromSilver = options.records === undefined
    // A replay (or any run after which silver is where the map was complete for it): nothing to read or resolve,
    // which the map's stamp tells without parsing the map (the same answer as the path below, which would find
    // every agency's head equal to the map's `complete` snapshot, read no names and save nothing)
    let stamped = false
    if (fromSilver && store.stamp !== undefined) {
      const stamp = yield* store.stamp
      stamped = Option.isSome(stamp)
      if (Option.isSome(stamp) && stamp.value.version > 0) {
        const heads = yield* silverHeads(options.agencies)
        if (heads?.every(([a, h]) => h === null || stamp.value.complete[a] === h))
          return {
            version: stamp.value.version,
            variants: stamp.value.variants,
            companies: stamp.value.companies,
            newVariants: 0,
            compared: 0,
            moved: [],
            suggestions: 0
          }
      }
    }
    const map = yield* timed("entities", "load the map", store.load)
    const { heads, only } = fromSilver ? yield* silverScope(map, options) : { heads: {}, only: {} }
    const all = !fromSilver
      ? variantsFromRecords(options.records ?? [])
      : yield* timed(
          "entities",
          "name variants from silver",
          variantsFromSilver(options.agencies, (slug) => map.variants[slug] !== undefined, only)
        )
    const fresh = all.filter((v) => map.variants[v.key] === undefined)
    const overrides = yield* store.overrides
    // the silver snapshots every name of which the saved map holds (read from silver just now)
    const complete = (m: EntityMap): EntityMap =>
      fromSilver && Object.keys(heads).length > 0 ? { ...m, complete: { ...map.complete, ...heads } } : m
    if (fresh.length === 0 && map.version > 0) {
      const same = Object.entries(heads).every(([a, h]) => map.complete?.[a] === h)
      if (!same) yield* timed("entities", "save the map", store.save(complete(map)))
      // a map stored without a stamp (before stamps, or replaced by hand) gets one: the next replay skips it
      else if (fromSilver && !stamped && store.writeStamp !== undefined) yield* store.writeStamp(map)
      return summary({ map, moved: [], suggestions: [], compared: 0 }, 0)
    }
    const r = yield* timed(
      "entities",
      `resolve ${fresh.length} new names`,
      Effect.sync(() => resolve(map, fresh, overrides, options.now === undefined ? {} : { now: options.now }))
    )
    yield* timed("entities", "save the map", store.save(complete(r.map)))
    return summary(r, fresh.length)
  })

/** Each agency's silver head (null: no silver yet); undefined for a warehouse without bulk SQL (memory). */
const silverHeads = (
  agencies: ReadonlyArray<string>
): Effect.Effect<Array<readonly [string, string | null]> | undefined, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    if (w.bulk === undefined) return undefined
    const out: Array<readonly [string, string | null]> = []
    for (const agency of agencies) out.push([agency, yield* w.silverHead(agency)])
    return out
  })

/**
 * Per agency: its silver head (recorded in the map once read), and what needs reading: nothing when the map
 * is complete for the head already (a replay), the names this run's batches touched when silver moved only by
 * them since the map was complete (each batch landed on the previous one's snapshot, the first on the map's),
 * else everything (a run whose entity step failed, another writer's batch, an override since).
 */
const silverScope = (
  map: EntityMap,
  options: Parameters<typeof updateEntities>[0]
): Effect.Effect<
  {
    readonly heads: Record<string, string>
    readonly only: Record<string, ReadonlySet<string> | null>
  },
  WarehouseError,
  Warehouse
> =>
  Effect.gen(function* () {
    const w = yield* Warehouse
    const heads: Record<string, string> = {}
    const only: Record<string, ReadonlySet<string> | null> = {}
    if (w.bulk === undefined) return { heads, only }
    for (const agency of options.agencies) {
      const head = yield* w.silverHead(agency)
      if (head === null) continue
      heads[agency] = head
      const complete = map.complete?.[agency]
      if (complete === undefined) continue
      if (complete === head) {
        only[agency] = null
        continue
      }
      const mine = (options.batches ?? []).filter((b) => b.agency === agency && b.status === "ingested")
      if (mine.length === 0 || mine.at(-1)?.silverSnapshot !== head) continue
      let parent = complete
      let chained = true
      for (const b of mine) {
        const landed = yield* w.silverFindSource(agency, b.sourceId)
        if (
          Option.isNone(landed) ||
          landed.value.parentId !== parent ||
          landed.value.snapshotId !== b.silverSnapshot
        ) {
          chained = false
          break
        }
        parent = landed.value.snapshotId
      }
      if (chained)
        only[agency] = new Set(
          mine.flatMap((b) =>
            b.touched.company.filter((k) => k.startsWith("COMPANY#")).map((k) => k.slice("COMPANY#".length))
          )
        )
    }
    return { heads, only }
  })

/** Record an operator's override and re-resolve the map under it (overrides always win); returns the new map. */
export const applyOverride = (
  override: Override,
  now = new Date().toISOString()
): Effect.Effect<
  { readonly record: OverrideRecord; readonly result: ResolveResult },
  EntityStoreError,
  EntityStore
> =>
  Effect.gen(function* () {
    const store = yield* EntityStore
    const record = yield* store.addOverride(override, now)
    const result = resolve(yield* store.load, [], yield* store.overrides, { now })
    yield* store.save(result.map)
    return { record, result }
  })

/** What {@link syncEntityServing} wrote. */
export interface EntityServingReport {
  readonly aliasesWritten: number
  readonly profilesWritten: number
}

/**
 * Serving after entity resolution: every name variant joined to another company gets an alias item (its old
 * key answers as the company: old URLs keep working; a split variant's alias points back at itself), and
 * each merged company's profile lists the name variants it merged and the company's display name. Absolute
 * and compare-before-write: running it again writes nothing.
 */
export const syncEntityServing = (
  now = new Date().toISOString()
): Effect.Effect<EntityServingReport, EntityStoreError | ServingStoreError, EntityStore | ServingStore> =>
  Effect.gen(function* () {
    const map = yield* (yield* EntityStore).load
    const overrides = yield* (yield* EntityStore).overrides
    const serving = yield* ServingStore
    const split = new Set(overrides.flatMap((o) => (o.override.op === "split" ? [o.override.variant] : [])))
    const aliases: Array<EntityAlias> = []
    const members = new Map<string, Array<string>>()
    for (const [k, e] of Object.entries(map.variants)) {
      members.set(e.company, [...(members.get(e.company) ?? []), k])
      if (e.company !== k || split.has(k))
        aliases.push({
          entity_key: `${COMPANY}${k}`,
          alias_of: `${COMPANY}${e.company}`,
          updated_at: now
        } as EntityAlias)
    }
    let aliasesWritten = 0
    for (let at = 0; at < aliases.length; at += 500)
      aliasesWritten += (yield* serving.putAliases(aliases.slice(at, at + 500))).written
    const merged = [...members.entries()].filter(([, ms]) => ms.length > 1)
    let profilesWritten = 0
    for (let at = 0; at < merged.length; at += 100) {
      const slice = merged.slice(at, at + 100)
      const priors = yield* serving.getProfiles(slice.map(([c]) => `${COMPANY}${c}`))
      const next: Array<EntityProfile> = []
      for (const [c, ms] of slice) {
        const prior = priors.get(`${COMPANY}${c}`)
        if (prior === undefined) continue
        const names = new Set(prior.name_variants)
        for (const m of ms) names.add(map.variants[m]!.input.name)
        next.push({
          ...prior,
          display_name: map.companies[c]?.name ?? prior.display_name,
          name_variants: [...names].sort().slice(0, 50)
        })
      }
      if (next.length > 0) profilesWritten += (yield* serving.putProfiles(next)).written
    }
    return { aliasesWritten, profilesWritten }
  })
