import { ActionIdentityPrecedence, ActionPenaltyPrecedence, violationColumnList } from "@ventureos/core"

/**
 * Enforcement actions in SQL (DuckDB): core's `mergeAction` for relations of silver rows. Gold's vectorized
 * path uses it for the action groups a batch touches; analyses over silver use `liveActionsSql` to count
 * exactly what gold counts (one row per live action).
 */

const SILVER = violationColumnList.map((c) => c.name as string)
const q = (s: string) => `'${s.replaceAll("'", "''")}'`

/** SQL `CASE` ranking a record's dataset in a precedence list (unlisted datasets last). */
const rankSql = (list: ReadonlyArray<string>): string =>
  `CASE source_dataset ${list.map((d, i) => `WHEN ${q(d)} THEN ${i}`).join(" ")} ELSE ${list.length} END`

const PLACE = ["address", "city", "state", "zip", "city_slug"]

/**
 * `mergeAction` in SQL: one merged row per action group (agency, `action_id`) of `membersSql` (rows with every
 * silver column and a non-null `action_id`), with the silver columns in their order and `violation_details`
 * NULL. Deleted members are ignored; a group with none live has no row. The first member in identity
 * precedence (then violation id) speaks for the action; the place is the first one's with a state; the event
 * date the first known; each penalty the first known in penalty precedence.
 */
export const mergedActionsSql = (membersSql: string): string => {
  const byIdentity = `ORDER BY ${rankSql(ActionIdentityPrecedence)}, violation_id`
  const byPenalty = `ORDER BY ${rankSql(ActionPenaltyPrecedence)}, violation_id`
  const place = `struct_pack(${PLACE.map((c) => `${c} := ${c}`).join(", ")})`
  const column = (c: string): string => {
    if (c === "action_id" || c === "agency") return c
    if (c === "violation_details") return "NULL::VARCHAR AS violation_details"
    if (c === "event_date")
      return `first(event_date ${byIdentity}) FILTER (WHERE event_date IS NOT NULL) AS event_date`
    if (c === "penalty_initial" || c === "penalty_current")
      return `first(${c} ${byPenalty}) FILTER (WHERE ${c} IS NOT NULL) AS ${c}`
    return `first(${c} ${byIdentity}) AS ${c}`
  }
  const inner = `SELECT ${SILVER.filter((c) => !PLACE.includes(c))
    .map(column)
    .join(", ")},
      coalesce(first(${place} ${byIdentity}) FILTER (WHERE state IS NOT NULL), first(${place} ${byIdentity})) AS __place
    FROM (${membersSql}) WHERE status <> 'deleted' GROUP BY agency, action_id`
  return `SELECT ${SILVER.map((c) => (PLACE.includes(c) ? `__place.${c} AS ${c}` : c)).join(", ")} FROM (${inner})`
}

/**
 * Every live action of a relation of silver rows (e.g. the `silver.violations` view), as totals count them:
 * a record without `action_id` as it is, the records of one action merged into one row (their
 * `violation_details` NULL). Count, sum and rank over it to agree with gold.
 */
export const liveActionsSql = (relation: string): string =>
  `SELECT ${SILVER.join(", ")} FROM ${relation} WHERE action_id IS NULL AND status <> 'deleted'
   UNION ALL BY NAME
   ${mergedActionsSql(`SELECT ${SILVER.join(", ")} FROM ${relation} WHERE action_id IS NOT NULL`)}`
