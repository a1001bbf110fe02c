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
 * Each "first" is an `arg_min` over a (rank, violation id) key, not an ordered aggregate (`first(x ORDER BY
 * …)`): ordered aggregates buffer every group's rows per column, and a bulk ingest of ~500k EPA actions ran
 * the engine out of memory with them; `arg_min` keeps one value per group.
 * Only groups of several live members are aggregated: a group of one (most actions: ~83% of the generated
 * release's are in one file only, once) is its member as it is (every "first" of one row is that row), which
 * spares the aggregation of struct-packed rows for most of a bulk batch's actions.
 */
export const mergedActionsSql = (membersSql: string): string => {
  const byIdentity = `struct_pack(r := ${rankSql(ActionIdentityPrecedence)}, v := violation_id)`
  const byPenalty = `struct_pack(r := ${rankSql(ActionPenaltyPrecedence)}, v := violation_id)`
  // the first member with a state, else the first member
  const byPlace = `struct_pack(n := state IS NULL, r := ${rankSql(ActionIdentityPrecedence)}, v := violation_id)`
  const pack = (cs: ReadonlyArray<string>) => `struct_pack(${cs.map((c) => `${c} := ${c}`).join(", ")})`
  const SPECIAL = [
    "action_id",
    "agency",
    "violation_details",
    "event_date",
    "penalty_initial",
    "penalty_current"
  ]
  const rep = SILVER.filter((c) => !PLACE.includes(c) && !SPECIAL.includes(c))
  // the live members once (read three times below), and the groups of several
  const live = `WITH __live AS MATERIALIZED (SELECT * FROM (${membersSql}) WHERE status <> 'deleted'),
    __several AS MATERIALIZED (SELECT agency, action_id FROM __live GROUP BY agency, action_id HAVING count(*) > 1)`
  const inner = `SELECT agency, action_id,
      arg_min(${pack(rep)}, ${byIdentity}) AS __rep,
      arg_min(${pack(PLACE)}, ${byPlace}) AS __place,
      arg_min(event_date, ${byIdentity}) FILTER (WHERE event_date IS NOT NULL) AS event_date,
      arg_min(penalty_initial, ${byPenalty}) FILTER (WHERE penalty_initial IS NOT NULL) AS penalty_initial,
      arg_min(penalty_current, ${byPenalty}) FILTER (WHERE penalty_current IS NOT NULL) AS penalty_current
    FROM __live SEMI JOIN __several USING (agency, action_id) GROUP BY agency, action_id`
  const column = (c: string): string =>
    PLACE.includes(c)
      ? `__place.${c} AS ${c}`
      : c === "violation_details"
        ? "NULL::VARCHAR AS violation_details"
        : SPECIAL.includes(c)
          ? c
          : `__rep.${c} AS ${c}`
  const alone = (c: string): string => (c === "violation_details" ? "NULL::VARCHAR AS violation_details" : c)
  // a subquery, so the statement can stand where a SELECT can (`liveActionsSql` unions it)
  return `SELECT * FROM (${live}
    SELECT ${SILVER.map(column).join(", ")} FROM (${inner})
    UNION ALL SELECT ${SILVER.map(alone).join(", ")} FROM __live ANTI JOIN __several USING (agency, action_id))`
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
