import type { EntityKind } from "@ventureos/core"
import {
  AgencyId,
  Details,
  EntityKey,
  EntityStats,
  IsoDate,
  IsoTimestamp,
  Money,
  Slug,
  UsState,
  ViolationId,
  ViolationType
} from "@ventureos/core"
import { Schema } from "effect"

/** The `SK=METADATA` profile of a company, city or state. */
export const EntityProfile = Schema.Struct({
  entity_key: EntityKey,
  display_name: Schema.String,
  /** Spellings seen in agency files for this entity (deduplicated, as published). */
  name_variants: Schema.Array(Schema.String),
  /** Primary NAICS code (2 to 6 digits) and its sector label. */
  naics: Schema.NullOr(Schema.String.check(Schema.isPattern(/^\d{2,6}$/))),
  industry: Schema.NullOr(Schema.String),
  city: Schema.NullOr(Schema.String),
  state: Schema.NullOr(UsState),
  zip: Schema.NullOr(Schema.String),
  first_seen: Schema.NullOr(IsoDate),
  last_seen: Schema.NullOr(IsoDate)
})
export type EntityProfile = typeof EntityProfile.Type

/** One item of the live feed: a violation as shown under one entity (company, city or state). */
export const FeedItem = Schema.Struct({
  entity_key: EntityKey,
  agency: AgencyId,
  violation_id: ViolationId,
  /** The date the feed is ordered by: `event_date`, else `opened_date`. */
  date: IsoDate,
  company_name: Schema.String,
  company_slug: Slug,
  city: Schema.NullOr(Schema.String),
  state: Schema.NullOr(UsState),
  city_slug: Schema.NullOr(Slug),
  violation_type: ViolationType,
  violation_type_code: Schema.NullOr(Schema.String),
  status: Schema.Literals(["open", "closed"]),
  penalty_initial: Schema.NullOr(Money),
  penalty_current: Schema.NullOr(Money),
  description: Schema.NullOr(Schema.String),
  details: Details,
  /** True when details/description were cut to fit DynamoDB's 400 KB item limit. */
  details_trimmed: Schema.Boolean,
  content_hash: Schema.String,
  ingested_at: IsoTimestamp,
  /** AI summary, when one is known for this exact content (see {@link ViolationSummary}). */
  summary: Schema.optionalKey(Schema.String)
})
export type FeedItem = typeof FeedItem.Type

/** A lazily generated summary of one violation (`PK=VIOLATION#<id>`, `SK=SUMMARY`). */
export const ViolationSummary = Schema.Struct({
  violation_id: ViolationId,
  /** The content hash of the violation version that was summarized: a correction invalidates it. */
  content_hash: Schema.String,
  /** At most 4,000 characters: feed items keep room for it under DynamoDB's 400 KB item limit. */
  text: Schema.String.check(Schema.isMaxLength(4_000)),
  model: Schema.String,
  generated_at: IsoTimestamp
})
export type ViolationSummary = typeof ViolationSummary.Type

/** Stored totals: {@link EntityStats} with `source_snapshot` set to the gold snapshot they reflect. */
export const StoredStats = EntityStats
export type StoredStats = EntityStats

/** One (agency, year) of an entity's history: absolute totals of its live violations. */
export const HistoryPoint = Schema.Struct({
  agency: AgencyId,
  /** Calendar year of the event date; null collects violations without one. */
  year: Schema.NullOr(Schema.Int.check(Schema.isBetween({ minimum: 1800, maximum: 2999 }))),
  violation_count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  penalty_initial_total: Money,
  penalty_current_total: Money
})
export type HistoryPoint = typeof HistoryPoint.Type

/**
 * An entity's history (`SK=HISTORY`): violations and penalties per agency and year, as gold says. One
 * compact item per entity (a few dozen points), written with absolute values by the gold sync.
 */
export const EntityHistory = Schema.Struct({
  entity_key: EntityKey,
  /** Sorted by year (null last), then agency; only (agency, year) pairs with live violations. */
  points: Schema.Array(HistoryPoint).check(Schema.isMaxLength(5_000)),
  /** Gold snapshot these numbers reflect. */
  source_snapshot: Schema.NullOr(Schema.String),
  updated_at: IsoTimestamp
})
export type EntityHistory = typeof EntityHistory.Type

/**
 * What the name search indexes for one entity (company, city or state), written by the gold sync. The
 * store derives the kind and id from the key and the search terms from the names.
 */
export const SearchEntry = Schema.Struct({
  entity_key: EntityKey,
  display_name: Schema.NonEmptyString.check(Schema.isMaxLength(500)),
  /** Spellings seen in agency files; the first 20 are indexed. */
  name_variants: Schema.Array(Schema.String.check(Schema.isMaxLength(500))).check(Schema.isMaxLength(200)),
  /** Where it is, for telling namesakes apart (`AUSTIN, TX`); null when unknown. */
  place: Schema.NullOr(Schema.String.check(Schema.isMaxLength(200))),
  /** Violations over all agencies: ranks entities and breaks ties. */
  violation_count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  updated_at: IsoTimestamp
})
export type SearchEntry = typeof SearchEntry.Type

/** How a search result matched: its slug equals the query, its name starts with it, or it is similar. */
export type SearchMatch = "exact" | "prefix" | "fuzzy"

/** One entity found by {@link ServingStore.search}. */
export interface SearchResult {
  readonly entity_key: string
  readonly kind: "company" | "city" | "state"
  /** The id used in URLs (`walmart-stores`, `austin-tx`, `tx`). */
  readonly id: string
  readonly display_name: string
  readonly place: string | null
  readonly violation_count: number
  readonly match: SearchMatch
  /** 1 for exact and prefix matches (ordered by violation count), the name similarity (0..1) otherwise. */
  readonly score: number
}

/** Options of {@link ServingStore.search}. */
export interface SearchOptions {
  readonly kind?: "company" | "city" | "state" | undefined
  /** 1..50, default 10. */
  readonly limit?: number | undefined
}

/** Everything stored about one entity in the Entities table. */
export interface EntityView {
  readonly entity_key: string
  readonly kind: EntityKind
  readonly profile: EntityProfile | null
  /** `STATS#all` first, then agencies in name order. */
  readonly stats: ReadonlyArray<EntityStats>
}

/** Outcome of a batch write of absolute values (profiles, stats, top lists). */
export interface WriteReport {
  readonly received: number
  /** Items written (changed or new). */
  readonly written: number
  /** Items skipped because the stored value was already identical. */
  readonly unchanged: number
  /**
   * Items skipped because the stored value is newer (its `updated_at` is later): a redelivered old sync
   * never reverts newer totals.
   */
  readonly stale: number
}

/** Outcome of {@link ServingStore.applyFeed}; `puts + deletes` is the DynamoDB write count. */
export interface FeedReport {
  readonly violations: number
  /** (entity, agency) feeds touched. */
  readonly groups: number
  readonly puts: number
  readonly deletes: number
  /** Items already stored identically (replays). */
  readonly unchanged: number
  /** Placements not written because they would be trimmed at once (older than the N newest). */
  readonly skippedOld: number
  /** Versions older (by `ingested_at`) than the stored version of the same violation: ignored. */
  readonly stale: number
  /** Violations with neither event nor opened date: they cannot be ordered, so they are not shown. */
  readonly noDate: number
  /** `puts + deletes`. */
  readonly writes: number
}

/** Options of {@link ServingStore.applyFeed}. */
export interface ApplyFeedOptions {
  /**
   * Previous versions of corrected violations, when known (gold reads them to compute deltas). Needed
   * only when a correction moves a violation to another company, city or state: the old feeds are then
   * cleaned too.
   */
  readonly previous?: ReadonlyArray<{
    readonly violation_id: string
    readonly agency: string
    readonly company_slug: string
    readonly city_slug: string | null
    readonly state: string | null
  }>
}

const NAICS_SECTORS: Record<string, string> = {
  "11": "Agriculture, Forestry, Fishing and Hunting",
  "21": "Mining, Quarrying, and Oil and Gas Extraction",
  "22": "Utilities",
  "23": "Construction",
  "31": "Manufacturing",
  "32": "Manufacturing",
  "33": "Manufacturing",
  "42": "Wholesale Trade",
  "44": "Retail Trade",
  "45": "Retail Trade",
  "48": "Transportation and Warehousing",
  "49": "Transportation and Warehousing",
  "51": "Information",
  "52": "Finance and Insurance",
  "53": "Real Estate and Rental and Leasing",
  "54": "Professional, Scientific, and Technical Services",
  "55": "Management of Companies and Enterprises",
  "56": "Administrative and Support and Waste Management and Remediation Services",
  "61": "Educational Services",
  "62": "Health Care and Social Assistance",
  "71": "Arts, Entertainment, and Recreation",
  "72": "Accommodation and Food Services",
  "81": "Other Services (except Public Administration)",
  "92": "Public Administration"
}

/** The NAICS sector label of a code (its first two digits); null when unknown. */
export const industryFromNaics = (naics: string | null | undefined): string | null =>
  naics == null ? null : (NAICS_SECTORS[naics.slice(0, 2)] ?? null)
