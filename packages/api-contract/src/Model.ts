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
