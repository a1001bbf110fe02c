import { Schema } from "effect"
import { IsoDate, IsoTimestamp } from "./IsoDate"
import { Money } from "./Money"
import { EntityKey } from "./Slug"
import { ViolationId } from "./Violation"

/**
 * The explainable offender score (issue 13, item 6): points per rule, each rule citing the published agency
 * criterion it comes from (see `docs/score.md`). The rules and weights live in `@ventureos/pipeline`'s
 * `Score.ts`; this file only holds the shapes the serving store and the API share.
 */

/** Bumped when a rule or weight changes: a stored score of another version is recomputed, never mixed. */
export const SCORE_VERSION = "1"

/** Agencies the score reads. */
export const ScoreAgencies = ["osha", "epa", "faa"] as const
export const ScoreAgency = Schema.Literals(ScoreAgencies)
export type ScoreAgency = typeof ScoreAgency.Type

/**
 * What a part says: `points` (the rule applied and gave points), `zero` (evaluated, nothing found), `not_evaluable`
 * (the data lacks the fields the criterion needs: shown, never guessed), `context` (shown for explanation,
 * never adds points).
 */
export const ScorePartStatus = Schema.Literals(["points", "zero", "not_evaluable", "context"])
export type ScorePartStatus = typeof ScorePartStatus.Type

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** One rule's contribution, with the records behind it. */
export const ScorePart = Schema.Struct({
  /** Stable rule id, e.g. `osha.willful`. */
  rule: Schema.String,
  /** The agency whose records the rule reads, or `all` (recency, cross-agency). */
  agency: Schema.Literals(["osha", "epa", "faa", "all"]),
  label: Schema.String,
  /** The published criterion the rule applies (document and section). */
  citation: Schema.String,
  status: ScorePartStatus,
  points: Count,
  /** How many records (or inspections, for SVEP) the rule counted. */
  count: Count,
  /** Plain-language reason: "2 willful items x 10 points". */
  reason: Schema.String,
  /** The violations behind the part, at most {@link SCORE_IDS_LIMIT} (sorted); `ids_total` counts all. */
  violation_ids: Schema.Array(ViolationId),
  ids_total: Count
})
export type ScorePart = typeof ScorePart.Type

/** Ids kept per part (the rest are counted in `ids_total`): keeps a score item far below DynamoDB's 400 KB. */
export const SCORE_IDS_LIMIT = 50

/** An agency's total: `no_data` when the agency has no (live) record of the company at all, apart from 0. */
export const AgencyScore = Schema.Struct({
  agency: ScoreAgency,
  status: Schema.Literals(["scored", "no_data"]),
  points: Count,
  /** Live records of the agency, all time. */
  records: Count,
  /** Of those, records dated within the window. */
  records_in_window: Count
})
export type AgencyScore = typeof AgencyScore.Type

/** A facility's (site's) score: the same rules over the records of one site of the company. */
export const FacilityScore = Schema.Struct({
  /** `osha:site:<zip>:<address>`, `epa:npdes:<permit>`, `epa:case:<case number>`, `faa:case:<number>`. */
  facility_id: Schema.String,
  label: Schema.String,
  total: Count,
  agencies: Schema.Array(AgencyScore),
  /** Rules that gave points, with their points. */
  parts: Schema.Array(Schema.Struct({ rule: Schema.String, points: Count, count: Count }))
})
export type FacilityScore = typeof FacilityScore.Type

/** A company's score as of a date, stored per company (`SK=ASSESSMENT`) and served by the API. */
export const OffenderScore = Schema.Struct({
  entity_key: EntityKey,
  name: Schema.String,
  version: Schema.String,
  as_of: IsoDate,
  /** Records dated after `window_start` and on or before `as_of` count (5 years). */
  window_start: IsoDate,
  total: Count,
  agencies: Schema.Array(AgencyScore),
  parts: Schema.Array(ScorePart),
  /** States the company has live records in (the state leaderboards it appears on). */
  states: Schema.Array(Schema.String),
  /** Penalties in the window with both amounts known, for the "cut" context. */
  penalty_initial_in_window: Money,
  penalty_current_in_window: Money,
  last_event_date: Schema.NullOr(IsoDate),
  /** The highest-scoring sites, at most {@link SCORE_FACILITIES_LIMIT}. */
  facilities: Schema.Array(FacilityScore),
  facilities_total: Count,
  updated_at: IsoTimestamp
})
export type OffenderScore = typeof OffenderScore.Type

/** Facilities kept per company score. */
export const SCORE_FACILITIES_LIMIT = 20

/** Leaderboard scopes: national or a state (`state:TX`). */
export const ScoreScope = Schema.String.check(
  Schema.isPattern(/^(?:national|state:[A-Z]{2})$/, { description: "national or state:<ST>" })
)
export type ScoreScope = typeof ScoreScope.Type

/** One ranked company on a score leaderboard. */
export const ScoreBoardEntry = Schema.Struct({
  rank: Schema.Int,
  entity_key: EntityKey,
  name: Schema.String,
  total: Count,
  /** Points per agency; null = no data from that agency. */
  osha: Schema.NullOr(Count),
  epa: Schema.NullOr(Count),
  faa: Schema.NullOr(Count)
})
export type ScoreBoardEntry = typeof ScoreBoardEntry.Type

/** A stored score leaderboard (companies with a score above zero, highest first, then by key). */
export const ScoreBoard = Schema.Struct({
  scope: ScoreScope,
  as_of: IsoDate,
  version: Schema.String,
  entries: Schema.Array(ScoreBoardEntry),
  updated_at: IsoTimestamp
})
export type ScoreBoard = typeof ScoreBoard.Type
