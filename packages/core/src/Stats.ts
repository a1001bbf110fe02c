import { Effect, Schema } from "effect"
import { IsoDate, IsoTimestamp } from "./IsoDate"
import { Money } from "./Money"
import { EntityKey } from "./Slug"
import { ViolationType } from "./Violation"

/** `all` aggregates every agency; otherwise an agency id. */
export const StatsAgency = Schema.String.check(Schema.isPattern(/^(?:all|[a-z][a-z0-9_]{1,31})$/))
export type StatsAgency = typeof StatsAgency.Type

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * Current totals for one entity (company, city or state) and one agency (or `all`), as gold computes
 * them and the serving layer stores them. Deleted violations never count.
 */
export const EntityStats = Schema.Struct({
  entity_key: EntityKey,
  agency: StatsAgency,
  violation_count: Count,
  counts_by_type: Schema.Record(ViolationType, Count),
  penalty_initial_total: Money,
  /** Sum of the known current penalties only (a violation whose current penalty is unknown adds nothing). */
  penalty_current_total: Money,
  /**
   * Violations whose current penalty is unknown (OSHA publishes a blank `current_penalty`; EPA/FAA a blank
   * amount): "current penalty unknown for N violations". Stats stored before the field existed read as 0.
   */
  penalty_current_unknown_count: Count.pipe(Schema.withDecodingDefaultKey(Effect.succeed(0))),
  open_count: Count,
  closed_count: Count,
  first_event_date: Schema.NullOr(IsoDate),
  last_event_date: Schema.NullOr(IsoDate),
  /** Gold snapshot these totals reflect (Iceberg snapshot id, as a decimal string). */
  source_snapshot: Schema.NullOr(Schema.String),
  updated_at: IsoTimestamp
})
export type EntityStats = typeof EntityStats.Type

/** Top-N scopes: the whole country, a state (`state:TX`) or a city (`city:austin-tx`). */
export const TopScope = Schema.String.check(
  Schema.isPattern(/^(?:national|state:[A-Z]{2}|city:[a-z0-9]+(?:-[a-z0-9]+)*-[a-z]{2})$/, {
    description: "national, state:<ST> or city:<city-slug>"
  })
)
export type TopScope = typeof TopScope.Type

export const TopBy = Schema.Literals(["count", "penalties"])
export type TopBy = typeof TopBy.Type

/** One ranked company in a Top-N list. */
export const TopEntry = Schema.Struct({
  rank: Schema.Int,
  entity_key: EntityKey,
  name: Schema.String,
  violation_count: Count,
  penalty_current_total: Money
})
export type TopEntry = typeof TopEntry.Type

/** A stored Top-N list (answered from gold, stored in the serving layer so reads never scan). */
export const TopList = Schema.Struct({
  scope: TopScope,
  by: TopBy,
  agency: StatsAgency,
  entries: Schema.Array(TopEntry),
  updated_at: IsoTimestamp
})
export type TopList = typeof TopList.Type
