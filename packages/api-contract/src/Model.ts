import {
  AgencyId,
  EntityKey,
  EntityStats,
  IsoDate,
  IsoTimestamp,
  Money,
  StatsAgency,
  TopList,
  UsState,
  ViolationId,
  ViolationType
} from "@ventureos/core"
import { Schema } from "effect"

/**
 * The API's response shapes. They are the public contract: the serving store's item shapes may change
 * behind them (handlers map one to the other), and this package stays free of server and AWS code so
 * front ends can import it.
 */

/** Entity kinds as they appear in responses. */
export const EntityKindName = Schema.Literals(["company", "city", "state"])
export type EntityKindName = typeof EntityKindName.Type

/** The profile of a company, city or state (`SK=METADATA`). */
export const Profile = Schema.Struct({
  display_name: Schema.String,
  name_variants: Schema.Array(Schema.String),
  naics: Schema.NullOr(Schema.String),
  industry: Schema.NullOr(Schema.String),
  city: Schema.NullOr(Schema.String),
  state: Schema.NullOr(UsState),
  zip: Schema.NullOr(Schema.String),
  first_seen: Schema.NullOr(IsoDate),
  last_seen: Schema.NullOr(IsoDate)
})
export type Profile = typeof Profile.Type

/** A generated plain-language summary of a violation. */
export const Summary = Schema.Struct({
  text: Schema.String,
  model: Schema.String,
  generated_at: IsoTimestamp
})
export type Summary = typeof Summary.Type

/** One violation of the live feed, as shown under a company, city or state. */
export const FeedEntry = Schema.Struct({
  violation_id: ViolationId,
  agency: AgencyId,
  date: IsoDate,
  company_name: Schema.String,
  company_slug: Schema.String,
  city: Schema.NullOr(Schema.String),
  state: Schema.NullOr(UsState),
  city_slug: Schema.NullOr(Schema.String),
  violation_type: ViolationType,
  violation_type_code: Schema.NullOr(Schema.String),
  status: Schema.Literals(["open", "closed"]),
  penalty_initial: Schema.NullOr(Money),
  penalty_current: Schema.NullOr(Money),
  /** The raw description as published (untrusted text: render it escaped). */
  description: Schema.NullOr(Schema.String),
  /** The AI summary when one exists for this exact content, else null (POST the trigger to make one). */
  summary: Schema.NullOr(Schema.String),
  /** True when the stored details/description were cut to fit the store's item limit. */
  details_trimmed: Schema.Boolean
})
export type FeedEntry = typeof FeedEntry.Type

/** The recent feed of one agency, newest first. */
export const AgencyFeed = Schema.Struct({
  agency: AgencyId,
  items: Schema.Array(FeedEntry)
})
export type AgencyFeed = typeof AgencyFeed.Type

const entityFields = {
  kind: EntityKindName,
  /** The id used in the URL (`tesla`, `austin-tx`, `tx`). */
  id: Schema.String,
  entity_key: EntityKey,
  profile: Schema.NullOr(Profile),
  /** Totals over every agency (`STATS#all`); null until the first sync. */
  stats_all: Schema.NullOr(EntityStats),
  /** Totals per agency, by agency id. */
  stats_by_agency: Schema.Array(EntityStats),
  /** The recent feed grouped by agency (agencies in name order). */
  feed: Schema.Array(AgencyFeed)
}

/** `GET /api/company/:id`. */
export const CompanyResponse = Schema.Struct(entityFields)
export type CompanyResponse = typeof CompanyResponse.Type

/** `GET /api/city/:id` and `GET /api/state/:id`: an entity plus its Top-10 companies. */
export const PlaceResponse = Schema.Struct({
  ...entityFields,
  top_companies: Schema.Struct({
    by_count: Schema.NullOr(TopList),
    by_penalties: Schema.NullOr(TopList)
  })
})
export type PlaceResponse = typeof PlaceResponse.Type

/** `GET /api/top`: a stored Top-10 list. */
export const TopResponse = TopList
export type TopResponse = typeof TopResponse.Type

const HexColor = Schema.String.check(Schema.isPattern(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/))

/** `GET /api/config/:brand`: a brand's site configuration. */
export const BrandConfigResponse = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  domain: Schema.NullOr(Schema.String),
  colors: Schema.Struct({
    primary: HexColor,
    secondary: HexColor,
    accent: HexColor,
    background: HexColor,
    text: HexColor
  }),
  layout: Schema.Literals(["dashboard", "feed", "leaderboard", "map"]),
  navigation: Schema.Array(Schema.Struct({ label: Schema.String, href: Schema.String })),
  agencies: Schema.Array(AgencyId),
  updated_at: IsoTimestamp
})
export type BrandConfigResponse = typeof BrandConfigResponse.Type

/** `GET /api/violations/:id`: one violation, its summary or null, and the raw description. */
export const ViolationResponse = Schema.Struct({
  violation: FeedEntry,
  /** null when no summary exists for the current content yet. */
  summary: Schema.NullOr(Summary),
  /** The raw description (untrusted text), shown at once while no summary exists. */
  description: Schema.NullOr(Schema.String)
})
export type ViolationResponse = typeof ViolationResponse.Type

/** Where a summary request stands. */
export const SummaryState = Schema.Literals(["queued", "in_progress", "ready"])
export type SummaryState = typeof SummaryState.Type

/** `POST /api/violations/:id/summary` (202): the trigger was accepted; poll `GET /api/violations/:id`. */
export const SummaryAccepted = Schema.Struct({
  violation_id: ViolationId,
  state: SummaryState
})
export type SummaryAccepted = typeof SummaryAccepted.Type

/** Agency filter of `/api/top`: an agency id or `all`. */
export const TopAgency = StatsAgency

/** One year of one agency in an entity's history (the chart's data). */
export const HistoryPoint = Schema.Struct({
  agency: AgencyId,
  /** Calendar year of the violations' event date; null collects violations without a date. */
  year: Schema.NullOr(Schema.Int),
  violation_count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  penalty_initial_total: Money,
  penalty_current_total: Money
})
export type HistoryPoint = typeof HistoryPoint.Type

/**
 * `GET /api/history/:kind/:id`: violations and penalties per year per agency of a company, city or state,
 * equal to what gold says for that entity (written by the gold sync, one item per entity).
 */
export const HistoryResponse = Schema.Struct({
  kind: EntityKindName,
  id: Schema.String,
  entity_key: EntityKey,
  /** Sorted by year (null last), then agency. Only non-zero (agency, year) pairs appear. */
  points: Schema.Array(HistoryPoint),
  /** The gold snapshot these numbers reflect; null when nothing was synced. */
  source_snapshot: Schema.NullOr(Schema.String),
  updated_at: Schema.NullOr(IsoTimestamp)
})
export type HistoryResponse = typeof HistoryResponse.Type

/** How a search hit matched the query, best first. */
export const SearchMatch = Schema.Literals(["exact", "prefix", "fuzzy"])
export type SearchMatch = typeof SearchMatch.Type

/** One entity found by name. */
export const SearchHit = Schema.Struct({
  kind: EntityKindName,
  /** The id used in the URL (`tesla`, `austin-tx`, `tx`). */
  id: Schema.String,
  entity_key: EntityKey,
  display_name: Schema.String,
  /** Where it is, for telling namesakes apart ("AUSTIN, TX"); null when unknown. */
  place: Schema.NullOr(Schema.String),
  /** Violations over all agencies. */
  violation_count: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  match: SearchMatch,
  /** Ranking score in 0..1 (higher is better) within the same `match`. */
  score: Schema.Number
})
export type SearchHit = typeof SearchHit.Type

/** `GET /api/search?q=&kind=&limit=`: ranked exact slug matches, then prefix, then fuzzy. */
export const SearchResponse = Schema.Struct({
  query: Schema.String,
  results: Schema.Array(SearchHit)
})
export type SearchResponse = typeof SearchResponse.Type

/** `GET /api/recent?agency=&limit=`: the most recent live violations nationally, newest first. */
export const RecentResponse = Schema.Struct({
  /** An agency id, or `all`. */
  agency: StatsAgency,
  items: Schema.Array(FeedEntry)
})
export type RecentResponse = typeof RecentResponse.Type
