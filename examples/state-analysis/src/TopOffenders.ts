import { UsState } from "@ventureos/core"
import { liveActionsSql } from "@ventureos/pipeline"
import { Lakehouse, type LakehouseError } from "@ventureos/storage"
import { Effect, Schema } from "effect"

/** What to rank: a state's companies by violation count or by current penalties, one agency or all. */
export interface TopQuery {
  readonly state: UsState
  readonly agency: string
  readonly by: "count" | "penalties"
  readonly limit: number
}

/** One ranked company, recomputed from the silver records. */
export const Offender = Schema.Struct({
  rank: Schema.Number,
  entity_key: Schema.String,
  name: Schema.String,
  violations: Schema.Number,
  willful_or_repeat: Schema.Number,
  open: Schema.Number,
  /** Exact decimal text (`"12345.00"`): money never goes through a float. */
  penalty_current_total: Schema.String,
  agencies: Schema.Array(Schema.String),
  cities: Schema.Number,
  first_event_date: Schema.NullOr(Schema.String),
  last_event_date: Schema.NullOr(Schema.String)
})
export type Offender = typeof Offender.Type

const AGENCY = /^(?:all|[a-z][a-z0-9_]{1,31})$/

/**
 * The analysis as one DuckDB query over the `silver.violations` view (every agency's silver table). It
 * ranks exactly as gold's Top-N does: live (not deleted) enforcement actions where they happened (an EPA
 * action published in two files counts once: `liveActionsSql`), ties broken by the other measure and then
 * by the entity key; unknown (blank) penalties add nothing. Inputs are validated, not quoted.
 */
export const topOffendersSql = (q: TopQuery): string => {
  if (!Schema.is(UsState)(q.state)) throw new Error(`not a US state code: ${q.state}`)
  if (!AGENCY.test(q.agency)) throw new Error(`not an agency id: ${q.agency}`)
  const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)))
  const order = q.by === "count" ? "violations DESC, penalties DESC" : "penalties DESC, violations DESC"
  return `
    WITH live AS (
      SELECT * FROM (${liveActionsSql("silver.violations")})
      WHERE state = '${q.state}' ${q.agency === "all" ? "" : `AND agency = '${q.agency}'`}
    ),
    per_company AS (
      SELECT 'COMPANY#' || company_slug AS entity_key,
        arg_max(company_name, (event_date, company_name)) AS name,
        count(*) AS violations,
        count(*) FILTER (WHERE violation_type IN ('willful', 'repeat')) AS willful_or_repeat,
        count(*) FILTER (WHERE status = 'open') AS open,
        coalesce(sum(penalty_current), 0) AS penalties,
        list(DISTINCT agency ORDER BY agency) AS agencies,
        count(DISTINCT city_slug) AS cities,
        min(event_date) AS first_event_date, max(event_date) AS last_event_date
      FROM live GROUP BY company_slug
    )
    SELECT row_number() OVER (ORDER BY ${order}, entity_key)::INTEGER AS rank, entity_key, name,
      violations::INTEGER AS violations, willful_or_repeat::INTEGER AS willful_or_repeat, open::INTEGER AS open,
      CAST(penalties::DECIMAL(38, 2) AS VARCHAR) AS penalty_current_total, agencies, cities::INTEGER AS cities,
      CAST(first_event_date AS VARCHAR) AS first_event_date, CAST(last_event_date AS VARCHAR) AS last_event_date
    FROM per_company ORDER BY rank LIMIT ${limit}`
}

/** Run the analysis on the lake: refresh the views over the current snapshots, query, decode every row. */
export const topOffenders = (
  q: TopQuery
): Effect.Effect<ReadonlyArray<Offender>, LakehouseError | Schema.SchemaError, Lakehouse> =>
  Effect.gen(function* () {
    const lake = yield* Lakehouse
    yield* lake.refreshViews
    const rows = yield* lake.queryJson(topOffendersSql(q))
    return yield* Schema.decodeUnknownEffect(Schema.Array(Offender))(rows)
  })
