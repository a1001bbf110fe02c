import type { Violation } from "@ventureos/core"
import { EntityStats, TopList } from "@ventureos/core"
import { Effect, Schema } from "effect"
import { BrandConfig } from "./BrandConfig"
import { type FeedGroup, groupFeedBatch } from "./Feed"
import { checkAgency, checkEntityKey, checkSnapshotId, checkViolationId } from "./Keys"
import {
  type ApplyFeedOptions,
  EntityHistory,
  EntityProfile,
  type HistoryPoint,
  type SearchEntry,
  SearchEntry as SearchEntrySchema,
  type SearchOptions,
  ViolationSummary
} from "./Model"
import { MAX_QUERY_LENGTH } from "./Search"
import { ServingStoreError } from "./ServingStoreError"

/**
 * Input checks shared by every layer, so the memory layer rejects exactly what DynamoDB would never see:
 * values are decoded with their Schema (callers may hand us anything at run time) and keys validated.
 */

/** Decode every value with its Schema; the first failure names the operation, the item and its index. */
export const decodeAll = <A>(
  decode: (u: unknown) => A,
  operation: string,
  what: string,
  values: ReadonlyArray<unknown>
): Effect.Effect<Array<A>, ServingStoreError> =>
  Effect.try({
    try: () =>
      values.map((v, i) => {
        try {
          return decode(v)
        } catch (e) {
          throw new ServingStoreError({
            reason: "InvalidInput",
            operation,
            detail: `${what} #${i}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000)
          })
        }
      }),
    catch: (e) =>
      e instanceof ServingStoreError
        ? e
        : new ServingStoreError({ reason: "InvalidInput", operation, detail: String(e), cause: e })
  })

/** Stable JSON (sorted keys) of a value without some top-level fields, to compare before writing. */
export const fingerprint = (value: object, without: ReadonlyArray<string>): string => {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : typeof v === "object" && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])])
          )
        : v
  const rest = { ...(value as Record<string, unknown>) }
  for (const w of without) delete rest[w]
  return JSON.stringify(sort(rest))
}

/** Totals only: a new snapshot id or timestamp alone is not a change worth a write. */
export const statsFingerprint = (s: EntityStats): string => fingerprint(s, ["updated_at", "source_snapshot"])
export const topListFingerprint = (t: TopList): string => fingerprint(t, ["updated_at"])
export const profileFingerprint = (p: EntityProfile): string => fingerprint(p, [])
export const historyFingerprint = (h: EntityHistory): string =>
  fingerprint(h, ["updated_at", "source_snapshot"])

/** Last value per key wins (a batch may repeat an entity). */
export const lastByKey = <A>(values: ReadonlyArray<A>, key: (a: A) => string): Array<A> => [
  ...new Map(values.map((v) => [key(v), v] as const)).values()
]

export const decodeStats = Schema.decodeUnknownSync(EntityStats)
const decodeProfile = Schema.decodeUnknownSync(EntityProfile)
const decodeTopList = Schema.decodeUnknownSync(TopList)
const decodeBrand = Schema.decodeUnknownSync(BrandConfig)
const decodeSummary = Schema.decodeUnknownSync(ViolationSummary)
const decodeHistory = Schema.decodeUnknownSync(EntityHistory)
const decodeSearchEntry = Schema.decodeUnknownSync(SearchEntrySchema)

/** Canonical point order: year (null last), then agency. */
export const sortPoints = (points: ReadonlyArray<HistoryPoint>): Array<HistoryPoint> =>
  [...points].sort((a, b) =>
    a.year === b.year
      ? a.agency < b.agency
        ? -1
        : a.agency > b.agency
          ? 1
          : 0
      : a.year === null
        ? 1
        : b.year === null
          ? -1
          : a.year - b.year
  )

/** Histories stamped with the snapshot id, points in canonical order; one per (entity, agency, year). */
export const validateHistories = (
  histories: ReadonlyArray<EntityHistory>,
  snapshotId: string
): Effect.Effect<Array<EntityHistory>, ServingStoreError> =>
  Effect.gen(function* () {
    const bad = checkSnapshotId("putHistory", snapshotId)
    if (bad !== undefined) return yield* bad
    const decoded = yield* decodeAll(decodeHistory, "putHistory", "history", histories)
    for (const h of decoded) {
      const seen = new Set<string>()
      for (const p of h.points) {
        const k = `${p.agency}|${p.year}`
        if (seen.has(k))
          return yield* new ServingStoreError({
            reason: "InvalidInput",
            operation: "putHistory",
            detail: `history of ${h.entity_key}: (agency ${p.agency}, year ${p.year}) appears twice`
          })
        seen.add(k)
      }
    }
    return lastByKey(
      decoded.map((h) => ({ ...h, points: sortPoints(h.points), source_snapshot: snapshotId })),
      (h) => h.entity_key
    )
  })

/** Search entries, decoded; the last one per entity wins. */
export const validateSearchEntries = (entries: ReadonlyArray<SearchEntry>) =>
  Effect.map(decodeAll(decodeSearchEntry, "putSearchEntries", "search entry", entries), (es) =>
    lastByKey(es, (e) => e.entity_key)
  )

/** The largest page of search results. */
export const MAX_SEARCH_LIMIT = 50

/** Validate search options: kind one of company/city/state, limit an integer in 1..50 (default 10). */
export const validateSearch = (
  query: string,
  options: SearchOptions | undefined
): ServingStoreError | { readonly kind: SearchOptions["kind"]; readonly limit: number } => {
  const invalid = (detail: string) =>
    new ServingStoreError({ reason: "InvalidInput", operation: "search", detail })
  if (typeof query !== "string" || query.trim() === "") return invalid("query: a search text is required")
  if (query.length > MAX_QUERY_LENGTH)
    return invalid(`query: at most ${MAX_QUERY_LENGTH} characters, got ${query.length}`)
  const kind = options?.kind
  if (kind !== undefined && kind !== "company" && kind !== "city" && kind !== "state")
    return invalid(`kind: expected company, city or state, got ${JSON.stringify(String(kind)).slice(0, 60)}`)
  const limit = options?.limit ?? 10
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT)
    return invalid(`limit: expected an integer in 1..${MAX_SEARCH_LIMIT}, got ${limit}`)
  return { kind, limit }
}

/**
 * A request host as brand domains are stored: lowercase, without `:port`, a trailing dot or a leading
 * `www.`. Undefined when it is not a host name.
 */
export const normalizeHost = (host: string): string | undefined => {
  let h = host.trim().toLowerCase()
  const colon = h.lastIndexOf(":")
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return undefined
    h = h.slice(0, colon)
  }
  if (h.endsWith(".")) h = h.slice(0, -1)
  if (h.startsWith("www.")) h = h.slice(4)
  return h.length > 0 && h.length <= 253 && /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(h) && !h.includes("..")
    ? h
    : undefined
}

/** True when a brand's domain is this (normalized) host. */
export const brandServesHost = (brand: BrandConfig, host: string): boolean =>
  brand.domain !== null && normalizeHost(brand.domain) === host

export const validateStats = (
  stats: ReadonlyArray<EntityStats>,
  snapshotId: string
): Effect.Effect<Array<EntityStats>, ServingStoreError> =>
  Effect.gen(function* () {
    const bad = checkSnapshotId("syncStats", snapshotId)
    if (bad !== undefined) return yield* bad
    const decoded = yield* decodeAll(decodeStats, "syncStats", "stats", stats)
    return lastByKey(
      decoded.map((s) => ({ ...s, source_snapshot: snapshotId })),
      (s) => `${s.entity_key}|${s.agency}`
    )
  })

export const validateProfiles = (profiles: ReadonlyArray<EntityProfile>) =>
  Effect.map(decodeAll(decodeProfile, "putProfiles", "profile", profiles), (ps) =>
    lastByKey(ps, (p) => p.entity_key)
  )

export const validateTopLists = (lists: ReadonlyArray<TopList>) =>
  Effect.map(decodeAll(decodeTopList, "putTopLists", "top list", lists), (ls) =>
    lastByKey(ls, (l) => `${l.scope}|${l.by}|${l.agency}`)
  )

export const validateBrand = (config: BrandConfig) =>
  Effect.map(decodeAll(decodeBrand, "putBrand", "brand config", [config]), (cs) => cs[0]!)

export const validateSummary = (summary: ViolationSummary, entityKeys: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    for (const k of entityKeys) {
      const r = checkEntityKey("putSummary", k)
      if (r instanceof ServingStoreError) return yield* r
    }
    const [s] = yield* decodeAll(decodeSummary, "putSummary", "summary", [summary])
    return s!
  })

/** Validate a feed batch and split it into (entity, agency) groups. */
export const validateFeedBatch = (
  violations: ReadonlyArray<Violation>,
  options?: ApplyFeedOptions
): Effect.Effect<{ readonly groups: ReadonlyArray<FeedGroup>; readonly noDate: number }, ServingStoreError> =>
  Effect.gen(function* () {
    for (const v of violations) {
      const bad = checkViolationId("applyFeed", v.violation_id) ?? checkAgency("applyFeed", v.agency)
      if (bad !== undefined) return yield* bad
      if (!v.violation_id.startsWith(`${v.agency}:`))
        return yield* new ServingStoreError({
          reason: "InvalidInput",
          operation: "applyFeed",
          detail: `violation ${v.violation_id} does not belong to agency ${v.agency}`
        })
    }
    for (const p of options?.previous ?? []) {
      const bad = checkViolationId("applyFeed", p.violation_id) ?? checkAgency("applyFeed", p.agency)
      if (bad !== undefined) return yield* bad
    }
    const { groups, noDate, invalidKeys } = groupFeedBatch(violations, options)
    if (invalidKeys.length > 0)
      return yield* new ServingStoreError({
        reason: "InvalidKey",
        operation: "applyFeed",
        detail: `invalid entity keys: ${invalidKeys.slice(0, 5).join(", ")}`
      })
    return { groups, noDate }
  })

/** The agency of a violation id (`osha:inspection:123` -> `osha`). */
export const agencyOfViolationId = (id: string): string => id.slice(0, id.indexOf(":"))
