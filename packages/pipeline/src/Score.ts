import {
  ActionIdentityPrecedence,
  ActionPenaltyPrecedence,
  type AgencyScore,
  companyKey,
  type FacilityScore,
  mergeAction,
  moneyFromCents,
  moneyToCents,
  type OffenderScore,
  SCORE_FACILITIES_LIMIT,
  SCORE_IDS_LIMIT,
  SCORE_VERSION,
  ScoreAgencies,
  type ScoreAgency,
  type ScoreBoard,
  type ScoreBoardEntry,
  type ScorePart,
  type Slug,
  type Violation,
  violationColumnList
} from "@ventureos/core"
import { ServingStore, type ServingStoreError } from "@ventureos/serving"
import { Effect, Option } from "effect"
import { timed } from "./Timings"
import { Warehouse, WarehouseError, type WarehouseShape } from "./Warehouse"

/*
 * The explainable offender score (issue 13, item 6; rules, weights and sources in docs/score.md).
 *
 * Two steps. (1) *Facts*: per company (and per facility of a company), counts and the ids of the live
 * records each rule looks at, over a 5-year window ending on the as-of date. Facts are computed by DuckDB
 * SQL over silver for scale ({@link scoreFactsSql}); {@link scoreFactsOf} is the small TypeScript reference
 * the property test holds the SQL to. (2) *Assembly* ({@link assembleScore}): points per rule from the
 * facts, each part citing its criterion. Assembly is shared, so the two paths differ only where it matters.
 */

// ---------------------------------------------------------------------------------------------------------
// Rules: weights and citations

const FOM = "OSHA Field Operations Manual (CPL 02-00-164), ch. 4 and 6"
const SVEP_2022 =
  "OSHA Severe Violator Enforcement Program, CPL 02-00-169 (expanded Sept 15, 2022), section on case criteria"
const ECHO = "EPA ECHO Detailed Facility Report: formal enforcement actions and penalties, last 5 years"
const SNC = "EPA ECHO: CWA/RCRA significant noncompliance (SNC) and CAA High Priority Violator (HPV) flags"
const FAA_2150 = "FAA Order 2150.3C (2018), ch. 5 and 9: sanction ladder"

/** Points of each rule. Exported for the documentation test and the UI's legend. */
export const SCORE_WEIGHTS = {
  "osha.willful": 10,
  "osha.repeat": 5,
  "osha.fta": 5,
  "osha.svep": 25,
  "epa.administrative": 3,
  "epa.judicial": 6,
  "epa.snc": 10,
  "faa.revocation": 8,
  "faa.suspension": 5,
  "faa.civil_penalty": 3,
  "faa.other": 1,
  "faa.consolidated": 0,
  "all.recency.1y": 10,
  "all.recency.3y": 5
} as const

/** Penalty tiers (current penalties in the window, per agency): the highest reached counts. */
export const PENALTY_TIERS: ReadonlyArray<{ readonly cents: bigint; readonly points: number }> = [
  { cents: 10_000_000_00n, points: 8 },
  { cents: 1_000_000_00n, points: 6 },
  { cents: 100_000_00n, points: 4 },
  { cents: 10_000_00n, points: 2 },
  { cents: 1_000_00n, points: 1 }
]

/** Keys of `violation_details` that carry an EPA SNC/HPV flag (ECHO exporter columns, lower-cased). */
export const SNC_KEYS = ["cwa_snc_flag", "rcra_snc_flag", "caa_hpv_flag", "currentsnc", "snc_flag"] as const
const SNC_YES = ["Y", "YES", "TRUE", "1"]

// ---------------------------------------------------------------------------------------------------------
// Dates

/** `d` minus `years` calendar years (Feb 29 becomes Feb 28 in a non-leap year). */
export const minusYears = (d: string, years: number): string => {
  const y = Number(d.slice(0, 4)) - years
  let md = d.slice(5)
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  if (md === "02-29" && !leap) md = "02-28"
  return `${String(y).padStart(4, "0")}-${md}`
}

/** The window and recency boundaries of an as-of date: records dated in (start, asOf] count. */
export const scoreWindow = (asOf: string) => ({
  asOf,
  start: minusYears(asOf, 5),
  recent1: minusYears(asOf, 1),
  recent3: minusYears(asOf, 3)
})
export type ScoreWindow = ReturnType<typeof scoreWindow>

// ---------------------------------------------------------------------------------------------------------
// Facts

/** Lists of violation ids a rule looks at (sorted, complete). */
export const FACT_LISTS = [
  "osha_willful",
  "osha_repeat",
  "osha_fta",
  "svep_fatality",
  "svep_high_gravity",
  "svep_egregious",
  "epa_administrative",
  "epa_judicial",
  "epa_snc",
  "faa_revocation",
  "faa_suspension",
  "faa_civil_penalty",
  "faa_other",
  "faa_consolidated"
] as const
export type FactList = (typeof FACT_LISTS)[number]

/** What the rules need of one company (or facility): the same from SQL and from the reference. */
export interface ScoreFacts {
  readonly key: string
  readonly name: string
  readonly states: ReadonlyArray<string>
  readonly last_event_date: string | null
  readonly records: Readonly<Record<ScoreAgency, number>>
  readonly in_window: Readonly<Record<ScoreAgency, number>>
  readonly lists: Readonly<Record<FactList, ReadonlyArray<string>>>
  /** Inspections (activity numbers) meeting each SVEP criterion. */
  readonly svep_inspections: Readonly<
    Record<"fatality" | "high_gravity" | "egregious", ReadonlyArray<string>>
  >
  /** Whether the window's records carry the fields a criterion needs. */
  readonly evaluable: Readonly<Record<"fatality" | "high_gravity" | "egregious" | "snc", boolean>>
  /** Current penalties in the window (known ones) and how many were unknown, per agency. */
  readonly penalty_cents: Readonly<Record<ScoreAgency, bigint>>
  readonly penalty_unknown: Readonly<Record<ScoreAgency, number>>
  /** Penalties in the window with both amounts known: initial and current sums, and how many. */
  readonly cut_initial_cents: bigint
  readonly cut_current_cents: bigint
  readonly cut_records: number
}

/** How facts are grouped: the company key of a record (h3's entity resolution plugs in here). */
export interface ScoreKey {
  /** The key of a silver record. */
  readonly ts: (v: Violation) => string
  /** The same as a DuckDB expression over silver's columns. */
  readonly sql: string
  /**
   * The score key of a gold company key (`COMPANY#<company_slug>`), for the companies an ingest touched
   * (absent: the key itself).
   */
  readonly ofEntity?: (entityKey: string) => string
}

/** Today's company key: `COMPANY#<company_slug>`. */
export const companySlugKey: ScoreKey = {
  ts: (v) => companyKey(v.company_slug as Slug),
  sql: "('COMPANY#' || company_slug)"
}

/** A record's facility (site) within its company: an OSHA establishment address, an NPDES permit, … */
export const facilityOf = (v: Violation): string => {
  if (v.agency === "osha") return `osha:site:${v.zip ?? ""}:${(v.address ?? "").toUpperCase()}`
  if (v.agency === "epa") {
    const permit = v.violation_details.npdes_id ?? ""
    return permit !== "" ? `epa:npdes:${permit}` : "epa:cases"
  }
  return "faa:certificate"
}
const FACILITY_SQL = `CASE agency
  WHEN 'osha' THEN 'osha:site:' || coalesce(zip, '') || ':' || upper(coalesce(address, ''))
  WHEN 'epa' THEN CASE WHEN coalesce(__npdes, '') <> '' THEN 'epa:npdes:' || __npdes ELSE 'epa:cases' END
  ELSE 'faa:certificate' END`

/** A facility's label from its id. */
export const facilityLabel = (id: string): string => {
  if (id.startsWith("osha:site:")) {
    const rest = id.slice("osha:site:".length)
    const i = rest.indexOf(":")
    const zip = rest.slice(0, i)
    const address = rest.slice(i + 1)
    return `OSHA establishment ${address === "" ? "(address unknown)" : address}${zip === "" ? "" : ` ${zip}`}`
  }
  if (id.startsWith("epa:npdes:")) return `EPA NPDES permit ${id.slice("epa:npdes:".length)}`
  if (id === "epa:cases") return "EPA enforcement cases (no facility id)"
  return "FAA certificate holder"
}

type FaaClass = "revocation" | "suspension" | "civil_penalty" | "other" | "consolidated"

/** FAA sanction class: the ladder of Order 2150.3C, from the repaired sanction and action texts. */
export const faaClass = (v: Violation): FaaClass => {
  const s = v.violation_details["sanction.normalized"] ?? ""
  const a = v.violation_details["action.normalized"] ?? ""
  if (s === "CONSOLIDATED CASE") return "consolidated"
  if (s === "REVOCATION" || a.includes("REVOC") || a.includes("REVOKE")) return "revocation"
  if (s === "DAYS" || s === "INDEFINITE DURATION" || a.includes("SUSPEN")) return "suspension"
  if (v.violation_type === "civil_penalty") return "civil_penalty"
  return "other"
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const zeroAgencies = <A>(a: A): Record<ScoreAgency, A> => ({ osha: a, epa: a, faa: a })
const isAgency = (a: string): a is ScoreAgency => (ScoreAgencies as ReadonlyArray<string>).includes(a)

/**
 * One record per enforcement action, as gold counts them: EPA publishes some actions in two datasets (NPDES
 * formal actions and ECHO cases, linked by `action_id`); the live records of an action group become the one
 * record core's `mergeAction` makes of them (the case speaks for the action, the NPDES figure for its
 * penalty). The group's NPDES permit (the first member's, by violation id) is kept as its `npdes_id`, for
 * its facility. Records without an `action_id` pass unchanged.
 */
export const collapseActions = (violations: ReadonlyArray<Violation>): Array<Violation> => {
  const out: Array<Violation> = []
  const groups = new Map<string, Array<Violation>>()
  for (const v of violations) {
    if (v.action_id == null) {
      out.push(v)
      continue
    }
    const k = `${v.agency}|${v.action_id}`
    groups.set(k, [...(groups.get(k) ?? []), v])
  }
  for (const members of groups.values()) {
    const merged = mergeAction(members)
    if (merged === null) continue
    const permit = members
      .filter((m) => m.status !== "deleted" && (m.violation_details.npdes_id ?? "") !== "")
      .sort((a, b) => cmp(a.violation_id, b.violation_id))[0]?.violation_details.npdes_id
    out.push({ ...merged, violation_details: { ...merged.violation_details, npdes_id: permit ?? "" } })
  }
  return out
}

const PLACE = ["address", "city", "state", "zip", "city_slug"]
const rankSql = (list: ReadonlyArray<string>): string =>
  `CASE source_dataset ${list.map((d, i) => `WHEN ${q(d)} THEN ${i}`).join(" ")} ELSE ${list.length} END`

/**
 * {@link collapseActions} in SQL over a relation of silver rows (every silver column): the records without
 * an `action_id`, and one merged row per live action group; both with `__npdes` (the facility's permit).
 */
export const collapsedActionsSql = (relation: string): string => {
  const byIdentity = `ORDER BY ${rankSql(ActionIdentityPrecedence)}, violation_id`
  const byPenalty = `ORDER BY ${rankSql(ActionPenaltyPrecedence)}, violation_id`
  const npdes = "json_extract_string(CAST(violation_details AS VARCHAR), '$.npdes_id')"
  const place = `struct_pack(${PLACE.map((c) => `${c} := ${c}`).join(", ")})`
  const aggregate = (c: string): string => {
    if (c === "event_date")
      return `first(event_date ${byIdentity}) FILTER (WHERE event_date IS NOT NULL) AS event_date`
    if (c === "penalty_initial" || c === "penalty_current")
      return `first(${c} ${byPenalty}) FILTER (WHERE ${c} IS NOT NULL) AS ${c}`
    return `first(${c} ${byIdentity}) AS ${c}`
  }
  const silver = violationColumnList.map((c) => c.name as string)
  const inner = `SELECT agency, action_id, ${silver
    .filter((c) => !PLACE.includes(c) && c !== "agency" && c !== "action_id")
    .map(aggregate)
    .join(", ")},
      coalesce(first(${place} ${byIdentity}) FILTER (WHERE state IS NOT NULL), first(${place} ${byIdentity})) AS __place,
      first(${npdes} ORDER BY violation_id) FILTER (WHERE coalesce(${npdes}, '') <> '') AS __npdes
    FROM (${relation}) WHERE action_id IS NOT NULL AND status <> 'deleted' GROUP BY agency, action_id`
  const merged = `SELECT ${silver.map((c) => (PLACE.includes(c) ? `__place.${c} AS ${c}` : c)).join(", ")}, __npdes
    FROM (${inner})`
  return `SELECT *, ${npdes} AS __npdes FROM (${relation}) WHERE action_id IS NULL
UNION ALL BY NAME ${merged}`
}

/**
 * The reference: facts of every group of `violations` (TypeScript, for tests and small inputs). Deleted
 * records and other agencies are ignored; `key` groups records into companies (or facilities).
 */
export const scoreFactsOf = (
  violations: ReadonlyArray<Violation>,
  w: ScoreWindow,
  key: (v: Violation) => string
): Map<string, ScoreFacts> => {
  const groups = new Map<string, Array<Violation>>()
  for (const v of collapseActions(violations)) {
    if (v.status === "deleted" || !isAgency(v.agency)) continue
    const k = key(v)
    const g = groups.get(k) ?? []
    g.push(v)
    groups.set(k, g)
  }
  const out = new Map<string, ScoreFacts>()
  for (const [k, vs] of groups) {
    const inw = (v: Violation) => v.event_date !== null && v.event_date > w.start && v.event_date <= w.asOf
    const lists = Object.fromEntries(FACT_LISTS.map((l) => [l, [] as Array<string>])) as Record<
      FactList,
      Array<string>
    >
    const records = zeroAgencies(0)
    const inWindow = zeroAgencies(0)
    const penalty = zeroAgencies(0n)
    const unknown = zeroAgencies(0)
    let cutI = 0n
    let cutC = 0n
    let cutN = 0
    const evaluable = { fatality: false, high_gravity: false, egregious: false, snc: false }
    const states = new Set<string>()
    let last: string | null = null
    let name: string | null = null
    // OSHA inspections of the window: fat/cat flag and the high-gravity W/R/FTA items
    const insp = new Map<string, { fatcat: boolean; hg: Array<string> }>()
    const inspOf = (v: Violation) => v.violation_details.activity_nr ?? v.violation_id
    const fta = (v: Violation) => (v.violation_details.fta_insp_nr ?? "") !== ""
    const wrf = (v: Violation) => v.violation_type === "willful" || v.violation_type === "repeat" || fta(v)
    for (const v of vs) {
      const a = v.agency as ScoreAgency
      records[a]++
      if (name === null || v.company_name < name) name = v.company_name
      if (v.state !== null) states.add(v.state)
      if (v.event_date !== null && (last === null || v.event_date > last)) last = v.event_date
      if (!inw(v)) continue
      inWindow[a]++
      const d = v.violation_details
      if (v.penalty_current === null) unknown[a]++
      else penalty[a] += moneyToCents(v.penalty_current)
      if (v.penalty_current !== null && v.penalty_initial !== null) {
        cutI += moneyToCents(v.penalty_initial)
        cutC += moneyToCents(v.penalty_current)
        cutN++
      }
      if (a === "osha") {
        if (v.violation_type === "willful") lists.osha_willful.push(v.violation_id)
        if (v.violation_type === "repeat") lists.osha_repeat.push(v.violation_id)
        if (fta(v)) lists.osha_fta.push(v.violation_id)
        if ("inspection.insp_type" in d) evaluable.fatality = true
        // The DOL violation file has gravity and emphasis columns (blank = not high gravity / not egregious,
        // and a normalizer may drop blank details); other OSHA-shaped sources must carry the keys.
        const violationFile = v.source_dataset === "osha_violation"
        if (violationFile || "gravity" in d) evaluable.high_gravity = true
        if (violationFile || "emphasis" in d) evaluable.egregious = true
        const i = insp.get(inspOf(v)) ?? { fatcat: false, hg: [] }
        if (d["inspection.insp_type"] === "M" || d.rec === "A") i.fatcat = true
        if (wrf(v) && d.gravity === "10") i.hg.push(v.violation_id)
        insp.set(inspOf(v), i)
        if (d.emphasis === "X") lists.svep_egregious.push(v.violation_id)
      } else if (a === "epa") {
        if (v.violation_type === "judicial") lists.epa_judicial.push(v.violation_id)
        else lists.epa_administrative.push(v.violation_id)
        if (SNC_KEYS.some((s) => s in d)) evaluable.snc = true
        if (SNC_KEYS.some((s) => SNC_YES.includes((d[s] ?? "").toUpperCase())))
          lists.epa_snc.push(v.violation_id)
      } else {
        lists[`faa_${faaClass(v)}`].push(v.violation_id)
      }
    }
    const svep = {
      fatality: new Set<string>(),
      high_gravity: new Set<string>(),
      egregious: new Set<string>()
    }
    for (const v of vs) {
      if (v.agency !== "osha" || !inw(v)) continue
      const i = insp.get(inspOf(v))!
      const qualifies =
        v.violation_type === "willful" ||
        v.violation_type === "repeat" ||
        (fta(v) && v.violation_type === "serious")
      if (i.fatcat && qualifies) {
        lists.svep_fatality.push(v.violation_id)
        svep.fatality.add(inspOf(v))
      }
      if (i.hg.length >= 2 && i.hg.includes(v.violation_id)) {
        lists.svep_high_gravity.push(v.violation_id)
        svep.high_gravity.add(inspOf(v))
      }
      if (v.violation_details.emphasis === "X") svep.egregious.add(inspOf(v))
    }
    for (const l of FACT_LISTS) lists[l].sort(cmp)
    out.set(k, {
      key: k,
      name: name ?? k,
      states: [...states].sort(cmp),
      last_event_date: last,
      records,
      in_window: inWindow,
      lists,
      svep_inspections: {
        fatality: [...svep.fatality].sort(cmp),
        high_gravity: [...svep.high_gravity].sort(cmp),
        egregious: [...svep.egregious].sort(cmp)
      },
      evaluable,
      penalty_cents: penalty,
      penalty_unknown: unknown,
      cut_initial_cents: cutI,
      cut_current_cents: cutC,
      cut_records: cutN
    })
  }
  return out
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`

/** Every details field the rules read, parsed once per row (`x[1..]`). */
const DETAIL_PATHS = [
  "activity_nr",
  "fta_insp_nr",
  "gravity",
  "emphasis",
  "rec",
  "inspection.insp_type",
  "sanction.normalized",
  "action.normalized",
  ...SNC_KEYS
]
const DETAIL_X_SQL = (det: string) =>
  `json_extract_string(${det}, [${DETAIL_PATHS.map((p) => q(`$."${p}"`)).join(", ")}])`
/** Whether the details hold a key at all (evidence a rule can be judged), from their key list `dk`. */
const DETAIL_FLAGS = [
  { column: "__has_insp_type", sql: "coalesce(list_contains(dk, 'inspection.insp_type'), false)" },
  { column: "__has_gravity", sql: "coalesce(list_contains(dk, 'gravity'), false)" },
  { column: "__has_emphasis", sql: "coalesce(list_contains(dk, 'emphasis'), false)" },
  { column: "__has_snc", sql: `coalesce(list_has_any(dk, [${SNC_KEYS.map(q).join(", ")}]), false)` }
]

/**
 * The rows of `relation` (silver columns) with what the fact queries read of their details, parsed once:
 * `__x` and the `__has_*` flags instead of `violation_details` (~1 KB of JSON a row, which every fact query
 * parsed again). `scoreFactsSql(…, { parsed: true })` reads them.
 */
export const parsedDetailsSql = (relation: string): string =>
  `SELECT * EXCLUDE (dk), ${DETAIL_FLAGS.map((f) => `${f.sql} AS ${f.column}`).join(", ")}
    FROM (SELECT * EXCLUDE (violation_details), ${DETAIL_X_SQL("CAST(violation_details AS VARCHAR)")} AS __x,
      json_keys(CAST(violation_details AS VARCHAR)) AS dk FROM (${relation}))`

/**
 * The facts as one DuckDB query over `relation` (silver columns; several agencies' tables unioned). `keySql`
 * groups records (a company key expression); `only` limits the result to these keys.
 */
export const scoreFactsSql = (
  relation: string,
  w: ScoreWindow,
  keySql: string,
  only?: ReadonlyArray<string>,
  /** The relation carries its details parsed (`parsedDetailsSql`) instead of `violation_details`. */
  options: { readonly parsed?: boolean } = {}
): string => {
  const inw = `(d > DATE ${q(w.start)} AND d <= DATE ${q(w.asOf)})`
  const o = "agency = 'osha' AND inw"
  // list_sort over a plain list: DuckDB's ordered aggregates (list(x ORDER BY x)) are far slower
  const list = (cond: string) => `coalesce(list_sort(list(id) FILTER (WHERE ${cond})), [])`
  const insps = (cond: string) => `coalesce(list_sort(list_distinct(list(insp) FILTER (WHERE ${cond}))), [])`
  const cents = (col: string, cond: string) =>
    `CAST(coalesce(sum(CAST(${col} * 100 AS BIGINT)) FILTER (WHERE ${cond}), 0) AS VARCHAR)`
  const perAgency = (f: (a: string) => string) => ScoreAgencies.map(f).join(",\n  ")
  const qualifies = "(vt IN ('willful', 'repeat') OR (fta AND vt = 'serious'))"
  const x = (field: string) => `coalesce(x[${DETAIL_PATHS.indexOf(field) + 1}], '')`
  const sncYes = SNC_KEYS.map((k) => `upper(${x(k)}) IN (${SNC_YES.map(q).join(", ")})`).join(" OR ")
  const faaClass = `CASE
    WHEN ${x("sanction.normalized")} = 'CONSOLIDATED CASE' THEN 'consolidated'
    WHEN ${x("sanction.normalized")} = 'REVOCATION' OR contains(${x("action.normalized")}, 'REVOC')
      OR contains(${x("action.normalized")}, 'REVOKE') THEN 'revocation'
    WHEN ${x("sanction.normalized")} IN ('DAYS', 'INDEFINITE DURATION') OR contains(${x("action.normalized")}, 'SUSPEN')
      THEN 'suspension'
    WHEN vt = 'civil_penalty' THEN 'civil_penalty'
    ELSE 'other' END`
  const flags = DETAIL_FLAGS.map((f) => f.column).join(", ")
  const limit =
    only === undefined ? "" : `WHERE k IN (${only.length === 0 ? "NULL" : only.map(q).join(", ")})`
  // the details' fields parsed here, or read as they are where the relation has them (`parsedDetailsSql`)
  return `WITH src AS (
  SELECT ${keySql} AS k, violation_id AS id, agency, source_dataset AS ds, company_name AS name, state,
    CAST(event_date AS DATE) AS d, violation_type AS vt,
    CAST(penalty_initial AS DECIMAL(18,2)) AS pi, CAST(penalty_current AS DECIMAL(18,2)) AS pc,
    ${options.parsed === true ? `__x, ${flags}` : "violation_details"}
  FROM (${relation}) WHERE status <> 'deleted' AND agency IN ('osha', 'epa', 'faa')
), parsed AS (
  SELECT * EXCLUDE (__x), __x AS x
  FROM (${options.parsed === true ? `SELECT * FROM src ${limit}` : parsedDetailsSql(`SELECT * FROM src ${limit}`)})
), base AS (
  SELECT k, id, agency, ds, name, state, d, vt, pi, pc,
    coalesce(${inw}, false) AS inw,
    coalesce(x[1], id) AS insp,
    CASE WHEN agency = 'osha' AND coalesce(${inw}, false) THEN coalesce(x[1], id) END AS osha_insp,
    ${x("fta_insp_nr")} <> '' AS fta,
    ${x("gravity")} = '10' AS g10,
    ${x("emphasis")} = 'X' AS egregious,
    ${x("inspection.insp_type")} = 'M' OR ${x("rec")} = 'A' AS fatcat_item,
    __has_insp_type AS has_insp_type,
    ds = 'osha_violation' OR __has_gravity AS has_gravity,
    ds = 'osha_violation' OR __has_emphasis AS has_emphasis,
    __has_snc AS has_snc,
    ${sncYes} AS snc_yes,
    ${faaClass} AS faa_class
  FROM parsed
), insp AS (
  SELECT k, insp, bool_or(fatcat_item) AS fatcat,
    count(*) FILTER (WHERE (vt IN ('willful', 'repeat') OR fta) AND g10) AS hg_n
  FROM base WHERE ${o} GROUP BY k, insp
), items AS (
  SELECT b.*, coalesce(i.fatcat, false) AS fatcat, coalesce(i.hg_n, 0) AS hg_n,
    (b.vt IN ('willful', 'repeat') OR b.fta) AND b.g10 AS hg
  -- equality keys only (a left join with conditions on its left side ran as a nested loop)
  FROM base b LEFT JOIN insp i ON b.k = i.k AND b.osha_insp = i.insp
)
SELECT k AS key, min(name) AS name,
  coalesce(list_sort(list_distinct(list(state))), []) AS states,
  CAST(max(d) AS VARCHAR) AS last_event_date,
  ${perAgency((a) => `count(*) FILTER (WHERE agency = '${a}') AS records_${a}`)},
  ${perAgency((a) => `count(*) FILTER (WHERE agency = '${a}' AND inw) AS in_window_${a}`)},
  ${list(`${o} AND vt = 'willful'`)} AS osha_willful,
  ${list(`${o} AND vt = 'repeat'`)} AS osha_repeat,
  ${list(`${o} AND fta`)} AS osha_fta,
  ${list(`${o} AND fatcat AND ${qualifies}`)} AS svep_fatality,
  ${list(`${o} AND hg_n >= 2 AND hg`)} AS svep_high_gravity,
  ${list(`${o} AND egregious`)} AS svep_egregious,
  ${insps(`${o} AND fatcat AND ${qualifies}`)} AS svep_insp_fatality,
  ${insps(`${o} AND hg_n >= 2 AND hg`)} AS svep_insp_high_gravity,
  ${insps(`${o} AND egregious`)} AS svep_insp_egregious,
  coalesce(bool_or(has_insp_type) FILTER (WHERE ${o}), false) AS ev_fatality,
  coalesce(bool_or(has_gravity) FILTER (WHERE ${o}), false) AS ev_high_gravity,
  coalesce(bool_or(has_emphasis) FILTER (WHERE ${o}), false) AS ev_egregious,
  coalesce(bool_or(has_snc) FILTER (WHERE agency = 'epa' AND inw), false) AS ev_snc,
  ${list("agency = 'epa' AND inw AND vt <> 'judicial'")} AS epa_administrative,
  ${list("agency = 'epa' AND inw AND vt = 'judicial'")} AS epa_judicial,
  ${list("agency = 'epa' AND inw AND snc_yes")} AS epa_snc,
  ${(["revocation", "suspension", "civil_penalty", "other", "consolidated"] as const)
    .map((c) => `${list(`agency = 'faa' AND inw AND faa_class = '${c}'`)} AS faa_${c}`)
    .join(",\n  ")},
  ${perAgency((a) => `${cents("pc", `agency = '${a}' AND inw AND pc IS NOT NULL`)} AS penalty_${a}`)},
  ${perAgency((a) => `count(*) FILTER (WHERE agency = '${a}' AND inw AND pc IS NULL) AS unknown_${a}`)},
  ${cents("pi", "inw AND pi IS NOT NULL AND pc IS NOT NULL")} AS cut_initial,
  ${cents("pc", "inw AND pi IS NOT NULL AND pc IS NOT NULL")} AS cut_current,
  count(*) FILTER (WHERE inw AND pi IS NOT NULL AND pc IS NOT NULL) AS cut_records
FROM items GROUP BY k`
}

const strings = (u: unknown): Array<string> => (Array.isArray(u) ? u.map(String) : [])

/** A row of {@link scoreFactsSql} as facts. */
export const factsFromRow = (r: Record<string, unknown>): ScoreFacts => {
  const per = <A>(f: (a: ScoreAgency) => A) =>
    Object.fromEntries(ScoreAgencies.map((a) => [a, f(a)])) as Record<ScoreAgency, A>
  return {
    key: String(r.key),
    name: String(r.name),
    states: strings(r.states),
    last_event_date: r.last_event_date === null ? null : String(r.last_event_date),
    records: per((a) => Number(r[`records_${a}`])),
    in_window: per((a) => Number(r[`in_window_${a}`])),
    lists: Object.fromEntries(FACT_LISTS.map((l) => [l, strings(r[l])])) as Record<FactList, Array<string>>,
    svep_inspections: {
      fatality: strings(r.svep_insp_fatality),
      high_gravity: strings(r.svep_insp_high_gravity),
      egregious: strings(r.svep_insp_egregious)
    },
    evaluable: {
      fatality: r.ev_fatality === true,
      high_gravity: r.ev_high_gravity === true,
      egregious: r.ev_egregious === true,
      snc: r.ev_snc === true
    },
    penalty_cents: per((a) => BigInt(String(r[`penalty_${a}`]))),
    penalty_unknown: per((a) => Number(r[`unknown_${a}`])),
    cut_initial_cents: BigInt(String(r.cut_initial)),
    cut_current_cents: BigInt(String(r.cut_current)),
    cut_records: Number(r.cut_records)
  }
}

// ---------------------------------------------------------------------------------------------------------
// Assembly

const money = (cents: bigint) => {
  const m = moneyFromCents(cents)
  const [w = "0", f = "00"] = m.split(".")
  return `$${w.replace(/\B(?=(\d{3})+$)/g, ",")}${f === "00" ? "" : `.${f}`}`
}
const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`

const part = (
  p: Omit<ScorePart, "violation_ids" | "ids_total" | "status"> & {
    readonly ids: ReadonlyArray<string>
    readonly status?: ScorePart["status"]
  }
): ScorePart =>
  ({
    rule: p.rule,
    agency: p.agency,
    label: p.label,
    citation: p.citation,
    status: p.status ?? (p.points > 0 ? "points" : "zero"),
    points: p.points,
    count: p.count,
    reason: p.reason,
    violation_ids: p.ids.slice(0, SCORE_IDS_LIMIT),
    ids_total: p.ids.length
  }) as unknown as ScorePart

/** A count rule: `weight` points per record. */
const perRecord = (
  rule: keyof typeof SCORE_WEIGHTS,
  agency: ScoreAgency,
  label: string,
  citation: string,
  ids: ReadonlyArray<string>,
  what: string
): ScorePart => {
  const weight = SCORE_WEIGHTS[rule]
  return part({
    rule,
    agency,
    label,
    citation,
    points: ids.length * weight,
    count: ids.length,
    reason:
      ids.length === 0
        ? `no ${what} in the last 5 years`
        : `${n(ids.length, what)} in the last 5 years × ${weight} points`,
    ids
  })
}

const penaltyPart = (agency: ScoreAgency, f: ScoreFacts): ScorePart => {
  const cents = f.penalty_cents[agency]
  const tier = PENALTY_TIERS.find((t) => cents >= t.cents)
  const unknown = f.penalty_unknown[agency]
  const citation =
    agency === "epa" ? ECHO : agency === "osha" ? `${FOM}: current penalty (PENCURRENT)` : FAA_2150
  return part({
    rule: `${agency}.penalties`,
    agency,
    label: "Penalties in the last 5 years",
    citation,
    points: tier?.points ?? 0,
    count: f.in_window[agency] - unknown,
    reason:
      `${money(cents)} current penalties in the last 5 years` +
      (tier === undefined
        ? " (below $1,000: no points)"
        : ` (${money(tier.cents)} or more: ${tier.points} points)`) +
      (unknown > 0 ? `; ${n(unknown, "record")} with an unknown current penalty not counted` : ""),
    ids: []
  })
}

const svepParts = (f: ScoreFacts): Array<ScorePart> => {
  const criteria = [
    {
      c: "fatality" as const,
      label:
        "SVEP: fatality or catastrophe inspection with a willful or repeat item (or FTA on a serious item)",
      missing: "the records carry no inspection type (OSHA inspection file not joined)"
    },
    {
      c: "high_gravity" as const,
      label: "SVEP: 2+ willful, repeat or FTA items at high gravity (10) in one inspection",
      missing: "the records carry no gravity"
    },
    {
      c: "egregious" as const,
      label: "SVEP: egregious (per-instance) case",
      missing: "the records carry no egregious flag (emphasis)"
    }
  ]
  let counted = false
  return criteria.map(({ c, label, missing }) => {
    const ids = f.lists[`svep_${c}`]
    const insps = f.svep_inspections[c]
    const met = insps.length > 0
    const common = { rule: `osha.svep.${c}`, agency: "osha" as const, label, citation: SVEP_2022, ids }
    if (!met && !f.evaluable[c] && f.in_window.osha > 0)
      return part({
        ...common,
        status: "not_evaluable",
        points: 0,
        count: 0,
        reason: `not evaluable: ${missing}`
      })
    if (!met)
      return part({ ...common, points: 0, count: 0, reason: "no inspection in the last 5 years meets it" })
    const which = `inspection${insps.length === 1 ? "" : "s"} ${insps.join(", ")}`
    if (counted)
      return part({
        ...common,
        status: "context",
        points: 0,
        count: insps.length,
        reason: `also met by ${which} (SVEP points count once)`
      })
    counted = true
    return part({
      ...common,
      points: SCORE_WEIGHTS["osha.svep"],
      count: insps.length,
      reason: `met by ${which}: ${SCORE_WEIGHTS["osha.svep"]} points`
    })
  })
}

/** The parts of one agency (only called for agencies with records). */
const agencyParts = (agency: ScoreAgency, f: ScoreFacts): Array<ScorePart> => {
  const L = f.lists
  if (agency === "osha")
    return [
      perRecord(
        "osha.willful",
        "osha",
        "Willful violations",
        `${FOM}: willful (W)`,
        L.osha_willful,
        "willful item"
      ),
      perRecord(
        "osha.repeat",
        "osha",
        "Repeat violations",
        `${FOM}: repeat (R), 5-year look-back`,
        L.osha_repeat,
        "repeat item"
      ),
      perRecord(
        "osha.fta",
        "osha",
        "Failure to abate",
        `${FOM}: failure-to-abate notices (FTA inspection number)`,
        L.osha_fta,
        "item with a failure-to-abate notice"
      ),
      ...svepParts(f),
      penaltyPart("osha", f)
    ]
  if (agency === "epa") {
    const snc: ScorePart = f.evaluable.snc
      ? part({
          rule: "epa.snc",
          agency: "epa",
          label: "Significant noncompliance / High Priority Violator flag",
          citation: SNC,
          points: L.epa_snc.length > 0 ? SCORE_WEIGHTS["epa.snc"] : 0,
          count: L.epa_snc.length,
          reason:
            L.epa_snc.length > 0
              ? `flagged SNC/HPV on ${n(L.epa_snc.length, "record")}: ${SCORE_WEIGHTS["epa.snc"]} points`
              : "no SNC/HPV flag set",
          ids: L.epa_snc
        })
      : part({
          rule: "epa.snc",
          agency: "epa",
          label: "Significant noncompliance / High Priority Violator flag",
          citation: SNC,
          status: "not_evaluable",
          points: 0,
          count: 0,
          reason:
            "not evaluable: the EPA files ingested (ICIS-NPDES formal actions, ECHO cases) carry no SNC/HPV flag",
          ids: []
        })
    return [
      perRecord(
        "epa.administrative",
        "epa",
        "Formal administrative actions",
        `${ECHO}: administrative formal actions (orders, penalty orders)`,
        L.epa_administrative,
        "formal administrative action"
      ),
      perRecord(
        "epa.judicial",
        "epa",
        "Judicial and criminal cases",
        `${ECHO}: judicial and criminal cases`,
        L.epa_judicial,
        "judicial or criminal case"
      ),
      snc,
      penaltyPart("epa", f)
    ]
  }
  return [
    perRecord("faa.revocation", "faa", "Certificate revocations", FAA_2150, L.faa_revocation, "revocation"),
    perRecord("faa.suspension", "faa", "Certificate suspensions", FAA_2150, L.faa_suspension, "suspension"),
    perRecord(
      "faa.civil_penalty",
      "faa",
      "Civil penalty actions",
      FAA_2150,
      L.faa_civil_penalty,
      "civil penalty action"
    ),
    perRecord(
      "faa.other",
      "faa",
      "Other enforcement actions",
      FAA_2150,
      L.faa_other,
      "other enforcement action"
    ),
    part({
      rule: "faa.consolidated",
      agency: "faa",
      label: "Consolidated cases",
      citation: `${FAA_2150}: a consolidated case's sanction is carried by its master case`,
      status: L.faa_consolidated.length > 0 ? "context" : "zero",
      points: 0,
      count: L.faa_consolidated.length,
      reason:
        L.faa_consolidated.length > 0
          ? `${n(L.faa_consolidated.length, "case")} consolidated into a master case: counted there, no points`
          : "no consolidated cases",
      ids: L.faa_consolidated
    }),
    penaltyPart("faa", f)
  ]
}

const sumPoints = (ps: ReadonlyArray<ScorePart>) => ps.reduce((a, p) => a + p.points, 0)

/** Agency totals and parts (no parts for an agency without records), before the cross-agency rules. */
const scoreBody = (f: ScoreFacts) => {
  const parts: Array<ScorePart> = []
  const agencies: Array<AgencyScore> = []
  for (const a of ScoreAgencies) {
    if (f.records[a] === 0) {
      agencies.push({
        agency: a,
        status: "no_data",
        points: 0,
        records: 0,
        records_in_window: 0
      } as AgencyScore)
      continue
    }
    const ps = agencyParts(a, f)
    parts.push(...ps)
    agencies.push({
      agency: a,
      status: "scored",
      points: sumPoints(ps),
      records: f.records[a],
      records_in_window: f.in_window[a]
    } as AgencyScore)
  }
  return { parts, agencies }
}

/** Recency: enforcement within 1 (or 3) years of the as-of date, only for a company with points already. */
const recencyPart = (f: ScoreFacts, w: ScoreWindow, base: number): ScorePart => {
  const last = f.last_event_date
  const within1 = last !== null && last > w.recent1 && last <= w.asOf
  const within3 = last !== null && last > w.recent3 && last <= w.asOf
  const points =
    base === 0 ? 0 : within1 ? SCORE_WEIGHTS["all.recency.1y"] : within3 ? SCORE_WEIGHTS["all.recency.3y"] : 0
  return part({
    rule: "all.recency",
    agency: "all",
    label: "Recent enforcement",
    citation:
      "OSHA SVEP (CPL 02-00-169): employers stay listed 3 years; EPA ECHO: 3-year compliance history window",
    points,
    count: 0,
    reason:
      last === null
        ? "no dated record"
        : base === 0
          ? `latest record ${last}; recency only adds to a company that has points`
          : within1
            ? `latest record ${last}, within 1 year: ${points} points`
            : within3
              ? `latest record ${last}, within 3 years: ${points} points`
              : `latest record ${last}, more than 3 years ago`,
    ids: []
  })
}

const cutPart = (f: ScoreFacts): ScorePart => {
  const i = f.cut_initial_cents
  const c = f.cut_current_cents
  const pct = i > 0n ? Number(((i - c) * 1000n) / i) / 10 : 0
  return part({
    rule: "all.penalty_cut",
    agency: "all",
    label: "Penalties cut (initial vs current)",
    citation:
      "OSHA data dictionary: initial_penalty (PENINITIAL) vs current_penalty (PENCURRENT); EPA/FAA as published",
    status: "context",
    points: 0,
    count: f.cut_records,
    reason:
      f.cut_records === 0
        ? "no penalty with both amounts known in the last 5 years"
        : `${money(i)} first proposed, ${money(c)} current: ${i > 0n ? `${pct}% ${c <= i ? "cut" : "raised"}` : "nothing proposed"} over ${n(f.cut_records, "record")} (context, no points)`,
    ids: []
  })
}

/** A company's score from its facts (and its facilities' facts), as stored and served. */
export const assembleScore = (
  f: ScoreFacts,
  w: ScoreWindow,
  options: {
    readonly facilities?: ReadonlyArray<ScoreFacts>
    readonly name?: string
    readonly updatedAt: string
  }
): OffenderScore => {
  const { parts, agencies } = scoreBody(f)
  const base = sumPoints(parts)
  parts.push(recencyPart(f, w, base), cutPart(f))
  const facilities = (options.facilities ?? [])
    .map((ff) => facilityScore(ff, w))
    .sort((a, b) => b.total - a.total || cmp(a.facility_id, b.facility_id))
  return {
    entity_key: f.key,
    name: options.name ?? f.name,
    version: SCORE_VERSION,
    as_of: w.asOf,
    window_start: w.start,
    total: sumPoints(parts),
    agencies,
    parts,
    states: f.states,
    penalty_initial_in_window: moneyFromCents(f.cut_initial_cents),
    penalty_current_in_window: moneyFromCents(f.cut_current_cents),
    last_event_date: f.last_event_date,
    facilities: facilities.slice(0, SCORE_FACILITIES_LIMIT),
    facilities_total: facilities.length,
    updated_at: options.updatedAt
  } as unknown as OffenderScore
}

/** A facility's score: the same rules over the facility's records (its key is `<company key>|<facility>`). */
export const facilityScore = (f: ScoreFacts, w: ScoreWindow): FacilityScore => {
  const { parts, agencies } = scoreBody(f)
  const base = sumPoints(parts)
  parts.push(recencyPart(f, w, base))
  const id = f.key.slice(f.key.indexOf("|") + 1)
  return {
    facility_id: id,
    label: facilityLabel(id),
    total: sumPoints(parts),
    agencies,
    parts: parts.filter((p) => p.points > 0).map((p) => ({ rule: p.rule, points: p.points, count: p.count }))
  } as unknown as FacilityScore
}

/** Scores of every company in `violations` (reference path: facts in TypeScript). */
export const scoresOf = (
  violations: ReadonlyArray<Violation>,
  options: { readonly asOf: string; readonly key?: ScoreKey; readonly updatedAt: string }
): Array<OffenderScore> => {
  const w = scoreWindow(options.asOf)
  const key = options.key ?? companySlugKey
  const companies = scoreFactsOf(violations, w, key.ts)
  const facilities = groupFacilities(
    scoreFactsOf(violations, w, (v) => `${key.ts(v)}|${facilityOf(v)}`).values()
  )
  return scoresFromFacts([...companies.values()], facilities, w, options)
}

const groupFacilities = (fs: Iterable<ScoreFacts>): Map<string, Array<ScoreFacts>> => {
  const out = new Map<string, Array<ScoreFacts>>()
  for (const f of fs) {
    const company = f.key.slice(0, f.key.indexOf("|"))
    const got = out.get(company)
    if (got === undefined) out.set(company, [f])
    else got.push(f)
  }
  return out
}

/** Leaderboards (national and per state) of these scores: companies above zero, highest first, then key. */
export const scoreBoardsOf = (
  scores: ReadonlyArray<OffenderScore>,
  options: { readonly limit: number; readonly asOf: string; readonly updatedAt: string }
): Array<ScoreBoard> => {
  const ranked = scores
    .filter((s) => s.total > 0)
    .sort((a, b) => b.total - a.total || cmp(a.entity_key, b.entity_key))
  // every state a company is in gets a board, empty when nobody there scores (so a stale one is replaced)
  const scopes = new Map<string, Array<OffenderScore>>([
    ["national", []],
    ...[...new Set(scores.flatMap((s) => s.states))]
      .sort()
      .map((st) => [`state:${st}`, []] as [string, Array<OffenderScore>])
  ])
  for (const s of ranked) {
    scopes.get("national")!.push(s)
    for (const st of s.states) {
      const scope = `state:${st}`
      scopes.set(scope, [...(scopes.get(scope) ?? []), s])
    }
  }
  return [...scopes.entries()].map(([scope, list]) =>
    boardOf(scope, list.slice(0, options.limit).map(boardEntryOf), options)
  )
}

/** What a leaderboard needs of a company's score. */
type Ranked = Pick<OffenderScore, "entity_key" | "name" | "total" | "states" | "agencies">

/** A company's line on a leaderboard (its rank is set when the board is cut). */
const boardEntryOf = (s: Ranked): ScoreBoardEntry => {
  const pointsOf = (a: ScoreAgency) => {
    const x = s.agencies.find((g) => g.agency === a)
    return x === undefined || x.status === "no_data" ? null : x.points
  }
  return {
    rank: 0,
    entity_key: s.entity_key,
    name: s.name,
    total: s.total,
    osha: pointsOf("osha"),
    epa: pointsOf("epa"),
    faa: pointsOf("faa")
  } as ScoreBoardEntry
}

const boardOf = (
  scope: string,
  ranked: ReadonlyArray<ScoreBoardEntry>,
  options: { readonly asOf: string; readonly updatedAt: string }
): ScoreBoard =>
  ({
    scope,
    as_of: options.asOf,
    version: SCORE_VERSION,
    entries: ranked.map((e, i) => ({ ...e, rank: i + 1 })),
    updated_at: options.updatedAt
  }) as unknown as ScoreBoard

/** Leaderboard order: highest total first, then company key. */
const byRank = (a: { total: number; entity_key: string }, b: { total: number; entity_key: string }) =>
  b.total - a.total || cmp(a.entity_key, b.entity_key)

/**
 * A stored leaderboard after the scores of `touched` companies changed (`scores`: their new scores; a touched
 * company without one has no live records left), without reading any other company's score: the stored
 * entries of the others plus the touched companies' new entries, re-ranked and cut at `limit`. Companies the
 * stored board did not list rank below its last entry and their scores did not change (not touched: on a new
 * as-of date every company with a record at the window's edges counts as touched), so
 * the result is exact when the stored board was not full (it listed every company above zero) or when the
 * new cut ends at or above its last entry. Otherwise (a listed company fell and someone unlisted may take its
 * place) it is undefined: only a ranking of every company decides it. No stored board: nobody was in the
 * scope before.
 */
export const mergeScoreBoard = (
  stored: ScoreBoard | undefined,
  scope: string,
  touched: ReadonlySet<string>,
  scores: ReadonlyArray<Ranked>,
  options: { readonly limit: number; readonly asOf: string; readonly updatedAt: string }
): ScoreBoard | undefined => {
  const old = stored?.entries ?? []
  if (old.length > options.limit) return undefined
  const inScope = (s: Ranked) =>
    s.total > 0 && (scope === "national" || s.states.some((st) => `state:${st}` === scope))
  const candidates = [
    ...old.filter((e) => !touched.has(e.entity_key)),
    ...scores.filter(inScope).map(boardEntryOf)
  ].sort(byRank)
  const last = old.at(-1)
  if (old.length === options.limit && last !== undefined) {
    const cut = candidates[options.limit - 1]
    if (cut === undefined || byRank(cut, last) > 0) return undefined
  }
  return boardOf(scope, candidates.slice(0, options.limit), options)
}

// ---------------------------------------------------------------------------------------------------------
// Over the warehouse

/** Each score agency's silver at its head as a relation of the warehouse's SQL engine (none without silver). */
const silverHeads = (
  warehouse: WarehouseShape,
  bulk: NonNullable<WarehouseShape["bulk"]>
): Effect.Effect<Array<string>, WarehouseError> =>
  Effect.gen(function* () {
    const relations: Array<string> = []
    for (const a of ScoreAgencies) {
      const head = yield* warehouse.silverHead(a)
      if (head !== null) relations.push(yield* bulk.silverRelation(a, head))
    }
    return relations
  })

/**
 * Scores of companies from silver (all companies when `keys` is omitted): DuckDB SQL over every agency's
 * silver table when the warehouse has a SQL engine; otherwise (the in-memory warehouse of tests) each
 * company's live records through `silverLatest` and the reference. `key` is the company mapping (today the
 * company slug; entity resolution replaces it).
 */
export const computeScores = (options: {
  readonly asOf: string
  readonly updatedAt: string
  readonly keys?: ReadonlyArray<string>
  readonly key?: ScoreKey
  readonly names?: ReadonlyMap<string, string>
  /** Compute facility scores too (default true; leaderboards need company totals only). */
  readonly facilities?: boolean
  /** A table made by {@link materializeScoreRows} (SQL warehouses): read it instead of scanning silver again. */
  readonly rows?: string
  /**
   * The fact tables of such a table for this as-of date ({@link materializeScoreFacts}): the batch's rows are
   * read from them instead of computing the facts again (preferred to `rows`).
   */
  readonly facts?: ScoreFactTables
}): Effect.Effect<Array<OffenderScore>, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const w = scoreWindow(options.asOf)
    const key = options.key ?? companySlugKey
    if (options.keys !== undefined && options.keys.length === 0) return []
    let companies: Array<ScoreFacts>
    let facilities: Map<string, Array<ScoreFacts>>
    const bulk = warehouse.bulk
    if (bulk !== undefined && options.facts !== undefined) {
      const read = scoreFactsReadSql(options.facts, options.keys)
      companies = (yield* bulk.sql(read.companies)).map(factsFromRow)
      facilities =
        options.facilities === false
          ? new Map()
          : groupFacilities((yield* bulk.sql(read.facilities)).map(factsFromRow))
    } else if (bulk !== undefined && options.rows !== undefined) {
      const sql = rowsSql(options.rows, w, options.keys)
      companies = (yield* bulk.sql(sql.companies)).map(factsFromRow)
      facilities =
        options.facilities === false
          ? new Map()
          : groupFacilities((yield* bulk.sql(sql.facilities)).map(factsFromRow))
    } else if (bulk !== undefined) {
      const relations = yield* silverHeads(warehouse, bulk)
      if (relations.length === 0) return []
      const relation = relations.map((r) => `SELECT * FROM (${r})`).join(" UNION ALL BY NAME ")
      const sql = scoreSql(relation, w, key.sql, options.keys)
      companies = (yield* bulk.sql(sql.companies)).map(factsFromRow)
      facilities =
        options.facilities === false
          ? new Map()
          : groupFacilities((yield* bulk.sql(sql.facilities)).map(factsFromRow))
    } else {
      if (key !== companySlugKey)
        return yield* new WarehouseError({
          op: "score",
          table: "silver",
          reason: "Unknown",
          detail: "a custom company mapping needs a warehouse with SQL (the Iceberg warehouse)"
        })
      const keys = options.keys ?? [
        ...new Set((yield* warehouse.goldTotals("company")).map((r) => r.entity_key))
      ]
      const records: Array<Violation> = []
      for (const k of keys)
        for (const a of ScoreAgencies)
          records.push(
            ...(yield* warehouse.silverLatest(
              a,
              { column: "company_slug", value: k.slice("COMPANY#".length) },
              1_000_000
            ))
          )
      companies = [...scoreFactsOf(records, w, key.ts).values()]
      facilities = groupFacilities(scoreFactsOf(records, w, (v) => `${key.ts(v)}|${facilityOf(v)}`).values())
    }
    return scoresFromFacts(companies, facilities, w, options)
  })

/** Company scores from company facts and facility facts (grouped by company key). */
export const scoresFromFacts = (
  companies: ReadonlyArray<ScoreFacts>,
  facilities: ReadonlyMap<string, ReadonlyArray<ScoreFacts>>,
  w: ScoreWindow,
  options: { readonly updatedAt: string; readonly names?: ReadonlyMap<string, string> }
): Array<OffenderScore> =>
  [...companies]
    .sort((a, b) => cmp(a.key, b.key))
    .map((f) => {
      const name = options.names?.get(f.key)
      return assembleScore(f, w, {
        facilities: facilities.get(f.key) ?? [],
        updatedAt: options.updatedAt,
        ...(name !== undefined ? { name } : {})
      })
    })

/**
 * The two fact queries of {@link computeScores} over a relation of silver rows: per company, and per
 * facility (`<company key>|<facility>`), both limited to `only` when given.
 */
export const scoreSql = (
  relation: string,
  w: ScoreWindow,
  keySql: string,
  only?: ReadonlyArray<string>
): { readonly companies: string; readonly facilities: string } => {
  const collapsed = collapsedActionsSql(relation)
  const withKeys = `SELECT *, ${keySql} AS __company, ${FACILITY_SQL} AS __facility FROM (${collapsed})`
  const limited =
    only === undefined
      ? withKeys
      : `SELECT * FROM (${withKeys}) WHERE __company IN (${only.length === 0 ? "NULL" : only.map(q).join(", ")})`
  return {
    companies: scoreFactsSql(collapsed, w, keySql, only),
    facilities: scoreFactsSql(limited, w, "(__company || '|' || __facility)")
  }
}

/**
 * The silver rows that decide these companies' scores, as three steps over `relation` (each a SQL text run in
 * turn): the company slugs that map to these company keys (the mapping, a CASE over every merged name, is
 * evaluated once per distinct slug rather than once per record), the EPA action groups those slugs' records
 * belong to, and then the rows: those slugs' records and every member of those action groups (a group is
 * scored as one merged record under its identity member's company, so the merge needs all its members). Facts
 * over them equal facts over all of silver for these companies; a plain IN list of slugs is filtered inside
 * the Parquet scan, so everyone else's details are never read into the result.
 */
export const ownRows = (relation: string, keySql: string) => ({
  /** The distinct company slugs of silver, as a table to map (`CREATE TABLE <t> AS …`). */
  distinctSlugs: `SELECT DISTINCT company_slug FROM (${relation})`,
  /** The slugs (from that table) whose company key is one of `keys`. */
  slugsOf: (table: string, keys: ReadonlyArray<string>) =>
    `SELECT company_slug FROM ${table} WHERE ${keySql} IN (${keys.length === 0 ? "NULL" : keys.map(q).join(", ")})`,
  /** The action groups (`agency|action_id`) of these slugs' records. */
  actionsOf: (slugs: ReadonlyArray<string>) =>
    `SELECT DISTINCT agency || '|' || action_id AS action FROM (${relation})
      WHERE action_id IS NOT NULL AND company_slug IN (${inList(slugs)})`,
  /** The rows: these slugs' records and the members of these action groups. */
  rowsOf: (slugs: ReadonlyArray<string>, actions: ReadonlyArray<string>) =>
    `SELECT * FROM (${relation}) WHERE company_slug IN (${inList(slugs)})${
      actions.length === 0
        ? ""
        : ` OR (action_id IS NOT NULL AND agency || '|' || action_id IN (${inList(actions)}))`
    }`
})
const inList = (vs: ReadonlyArray<string>) => (vs.length === 0 ? "NULL" : vs.map(q).join(", "))

/** The fact queries over a table of {@link materializeScoreRows} (keys already computed, actions merged). */
const rowsSql = (table: string, w: ScoreWindow, only?: ReadonlyArray<string>) => {
  const limited =
    only === undefined
      ? `SELECT * FROM ${table}`
      : `SELECT * FROM ${table} WHERE __company IN (${only.length === 0 ? "NULL" : only.map(q).join(", ")})`
  return {
    companies: scoreFactsSql(limited, w, "__company", undefined, { parsed: true }),
    facilities: scoreFactsSql(limited, w, "(__company || '|' || __facility)", undefined, { parsed: true })
  }
}

let materialized = 0

/**
 * Silver's live records of every agency, EPA action groups merged, with their company and facility keys, as
 * one table of the warehouse's SQL engine (drop it with {@link dropScoreRows}): a rebuild scores its companies
 * in batches from it instead of scanning and merging silver once per batch. Undefined without a SQL engine or
 * without silver.
 */
export const materializeScoreRows = (
  key: ScoreKey = companySlugKey,
  /** Only the rows that decide these companies' scores ({@link ownRows}). */
  only?: ReadonlyArray<string>
): Effect.Effect<string | undefined, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const bulk = warehouse.bulk
    if (bulk === undefined) return undefined
    const relations = yield* silverHeads(warehouse, bulk)
    if (relations.length === 0) return undefined
    const relation = relations.map((r) => `SELECT * FROM (${r})`).join(" UNION ALL BY NAME ")
    const table = `score_rows_${process.pid}_${materialized++}`
    if (only === undefined) {
      yield* bulk.sql(`CREATE TABLE ${table} AS ${scoreRowsSql(relation, key)}`)
      return table
    }
    // the mapping over distinct slugs first, then one pass over silver for the chosen rows, merged and keyed
    // as they are read (no intermediate copy: they can be most of silver when the batch touches big companies)
    const own = ownRows(relation, key.sql)
    const slugTable = `${table}_slugs`
    const made = Effect.gen(function* () {
      yield* bulk.sql(`CREATE TABLE ${slugTable} AS ${own.distinctSlugs}`)
      const slugs = (yield* bulk.sql(own.slugsOf(slugTable, only))).map((r) => String(r.company_slug))
      const actions = (yield* bulk.sql(own.actionsOf(slugs))).map((r) => String(r.action))
      yield* bulk.sql(`CREATE TABLE ${table} AS ${scoreRowsSql(own.rowsOf(slugs, actions), key)}`)
    })
    yield* made.pipe(Effect.ensuring(Effect.ignore(bulk.sql(`DROP TABLE IF EXISTS ${slugTable}`))))
    return table
  })

/** The rows {@link materializeScoreRows} keeps: live records, actions merged, company and facility keys, details parsed. */
export const scoreRowsSql = (relation: string, key: ScoreKey = companySlugKey): string =>
  parsedDetailsSql(`SELECT *, ${key.sql} AS __company, ${FACILITY_SQL} AS __facility
    FROM (${collapsedActionsSql(relation)}) WHERE status <> 'deleted' AND agency IN ('osha', 'epa', 'faa')`)

/** The fact queries over a table of {@link scoreRowsSql} rows, limited to `only` company keys when given. */
export const scoreRowsFactsSql = (table: string, w: ScoreWindow, only?: ReadonlyArray<string>) =>
  rowsSql(table, w, only)

/** The company and facility facts of a table of {@link materializeScoreRows}, as tables of the SQL engine. */
export interface ScoreFactTables {
  /** Rows of the company fact query (`key` is the company key). */
  readonly companies: string
  /** Rows of the facility fact query with `__company`, the company key of each. */
  readonly facilities: string
}

/** The statements that make the {@link ScoreFactTables} of a score-rows table as of `asOf`, and their names. */
export const scoreFactTablesSql = (
  rows: string,
  asOf: string
): { readonly tables: ScoreFactTables; readonly create: ReadonlyArray<string> } => {
  const sql = rowsSql(rows, scoreWindow(asOf))
  const tables = { companies: `${rows}_companies`, facilities: `${rows}_facilities` }
  return {
    tables,
    create: [
      `CREATE OR REPLACE TABLE ${tables.companies} AS ${sql.companies}`,
      // a facility key is `<company key>|<facility>`; company keys hold no "|" (groupFacilities splits the same way)
      `CREATE OR REPLACE TABLE ${tables.facilities} AS SELECT *, split_part(key, '|', 1) AS __company FROM (${sql.facilities})`
    ]
  }
}

/** The fact rows of these company keys (all without) from {@link ScoreFactTables}, as the fact queries return them. */
export const scoreFactsReadSql = (facts: ScoreFactTables, keys?: ReadonlyArray<string>) => {
  const only = (col: string) => (keys === undefined ? "" : ` WHERE ${col} IN (${inList(keys)})`)
  return {
    companies: `SELECT * FROM ${facts.companies}${only("key")}`,
    facilities: `SELECT * EXCLUDE (__company) FROM ${facts.facilities}${only("__company")}`
  }
}

/**
 * The facts of every company in a table of {@link materializeScoreRows} as of `asOf`, computed once (two scans
 * of it) as two tables that batches of companies read by key: a batch bounded by its records then costs what
 * it reads, where each batch's own fact queries scanned the whole table again. Dropped with the rows table
 * ({@link dropScoreRows}). Undefined without a SQL engine or rows.
 */
export const materializeScoreFacts = (
  rows: string | undefined,
  asOf: string
): Effect.Effect<ScoreFactTables | undefined, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const bulk = (yield* Warehouse).bulk
    if (bulk === undefined || rows === undefined) return undefined
    const { tables, create } = scoreFactTablesSql(rows, asOf)
    for (const statement of create) yield* bulk.sql(statement)
    return tables
  })

/** Drop a table of {@link materializeScoreRows} and its fact tables. */
export const dropScoreRows = (table: string | undefined): Effect.Effect<void, never, Warehouse> =>
  table === undefined
    ? Effect.void
    : Effect.flatMap(Warehouse, (w) =>
        w.bulk === undefined
          ? Effect.void
          : Effect.ignore(
              Effect.forEach([table, `${table}_companies`, `${table}_facilities`], (t) =>
                w.bulk!.sql(`DROP TABLE IF EXISTS ${t}`)
              )
            )
      )

/** Every state gold has totals for (once a state had a record its totals stay, zero or not): upper-case codes. */
const goldStates: Effect.Effect<ReadonlySet<string>, WarehouseError, Warehouse> = Effect.gen(function* () {
  const states = new Set<string>()
  for (const r of yield* (yield* Warehouse).goldTotals("state"))
    if (r.agency === "all") states.add(r.entity_key.slice("STATE#".length).toUpperCase())
  return states
})

/** Companies scored (and stored) at a time at most: a score carries its rules' id lists and its facilities. */
const SCORE_BATCH = 500
/**
 * Records a batch's companies hold together at most (a company with more is a batch of its own): the facts of a
 * batch (per company and per facility, with their id lists) and its scores are in memory at once, so a batch
 * is bounded by what it reads, not only by how many companies it names (real catalogs have companies with tens
 * of thousands of records). A 10k-row daily file on 1M generated rows touches 948 companies holding ~260k
 * records: 500 companies a batch peaked at 2.74 GB RSS; 50k records at 1.86-1.99 GB, with the facts computed
 * once ({@link materializeScoreFacts}: each batch's own fact queries had scanned the whole rows table, 13 -> 16
 * s); 20k records lowered the peak no further (the engine's fact step sets it then) and cost more.
 */
const SCORE_BATCH_ROWS = 50_000
const chunks = <A>(xs: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < xs.length; at += size) out.push(xs.slice(at, at + size))
  return out
}

/**
 * `keys` in order, cut into batches of at most {@link SCORE_BATCH} companies whose records in `rows` (a table of
 * {@link materializeScoreRows}) add up to at most {@link SCORE_BATCH_ROWS}; by company count alone without one.
 */
export const scoreBatches = (
  keys: ReadonlyArray<string>,
  rows: string | undefined,
  limits: { readonly companies: number; readonly records: number } = {
    companies: SCORE_BATCH,
    records: SCORE_BATCH_ROWS
  }
): Effect.Effect<Array<ReadonlyArray<string>>, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const bulk = (yield* Warehouse).bulk
    if (rows === undefined || bulk === undefined) return chunks(keys, limits.companies)
    const counts = new Map(
      (yield* bulk.sql(`SELECT __company AS k, count(*)::BIGINT AS n FROM ${rows} GROUP BY 1`)).map(
        (r) => [String(r.k), Number(r.n)] as const
      )
    )
    return cutBatches(keys, (k) => counts.get(k) ?? 0, limits)
  })

/**
 * `keys` in order as consecutive batches, greedily: a batch closes when it holds `limits.companies` keys or the
 * next key's records would take it past `limits.records` (a key with more records than that is a batch alone).
 */
export const cutBatches = (
  keys: ReadonlyArray<string>,
  records: (key: string) => number,
  limits: { readonly companies: number; readonly records: number }
): Array<ReadonlyArray<string>> => {
  const out: Array<ReadonlyArray<string>> = []
  let batch: Array<string> = []
  let held = 0
  for (const k of keys) {
    const n = records(k)
    if (batch.length > 0 && (batch.length >= limits.companies || held + n > limits.records)) {
      out.push(batch)
      batch = []
      held = 0
    }
    batch.push(k)
    held += n
  }
  if (batch.length > 0) out.push(batch)
  return out
}

/** What {@link syncScores} wrote. */
export interface ScoreSyncReport {
  readonly scoresWritten: number
  readonly scoreBoardsWritten: number
}

/** Names as the profiles show them (gold's entity name), for these company keys. */
const goldNames = (keys: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (keys.length === 0) return new Map<string, string>()
    const rows = yield* (yield* Warehouse).goldTotals("company", keys)
    return new Map(
      rows.filter((r) => r.agency === "all" && r.name !== null).map((r) => [r.entity_key, r.name!] as const)
    )
  })

/**
 * Score these companies (or all) as of `now`'s date and store them, then recompute and store the
 * leaderboards (national and every state) from every company's total. Idempotent: equal scores and boards
 * are not rewritten. `key` is the company mapping (see {@link ScoreKey}).
 */
export const syncScores = (
  companies: ReadonlyArray<string> | "all",
  options: { readonly now: string; readonly limit?: number; readonly asOf?: string; readonly key?: ScoreKey }
): Effect.Effect<ScoreSyncReport, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    const serving = yield* ServingStore
    const asOf = options.asOf ?? options.now.slice(0, 10)
    const common = {
      asOf,
      updatedAt: options.now,
      ...(options.key === undefined ? {} : { key: options.key })
    }
    let scoresWritten = 0
    const keys = companies === "all" ? undefined : [...companies].sort()
    if (keys !== undefined && keys.length === 0) return { scoresWritten: 0, scoreBoardsWritten: 0 }
    if (keys !== undefined) {
      const done = yield* syncTouchedScores(keys, { ...common, limit: options.limit ?? 25 })
      if (done !== undefined) return done
    }
    // One pass over silver (SQL warehouses): the merged, keyed records as a table the batches read.
    const rows = yield* timed("scores", "materialize every company's rows", materializeScoreRows(options.key))
    const work = Effect.gen(function* () {
      const facts = yield* timed("scores", "facts of every company", materializeScoreFacts(rows, asOf))
      const from = facts !== undefined ? { facts } : rows === undefined ? {} : { rows }
      // Every company's total (leaderboards rank them all), facilities only for the companies stored.
      const totals = yield* timed(
        "scores",
        "rank every company",
        computeScores({ ...common, ...from, facilities: false })
      )
      const toStore = keys ?? totals.map((t) => t.entity_key as string)
      for (const batch of yield* scoreBatches(toStore, rows)) {
        const scores = yield* computeScores({
          ...common,
          ...from,
          keys: batch,
          names: yield* goldNames(batch)
        })
        if (scores.length > 0) scoresWritten += (yield* serving.putScores(scores)).written
      }
      return totals
    })
    const totals = yield* work.pipe(Effect.ensuring(dropScoreRows(rows)))
    const boards = scoreBoardsOf(totals, { limit: options.limit ?? 25, asOf, updatedAt: options.now })
    // a state where no company has live records any more gets an empty board too, replacing a stored one that
    // still lists who was there (scoreBoardsOf knows only the states of today's scores)
    const covered = new Set(boards.map((b) => b.scope))
    for (const st of [...(yield* goldStates)].filter((x) => /^[A-Z]{2}$/.test(x)).sort())
      if (!covered.has(`state:${st}`))
        boards.push(boardOf(`state:${st}`, [], { asOf, updatedAt: options.now }))
    const listed = [...new Set(boards.flatMap((b) => b.entries.map((e) => e.entity_key as string)))]
    const names = yield* goldNames(listed)
    const named = boards.map((b) => ({
      ...b,
      entries: b.entries.map((e) => ({ ...e, name: names.get(e.entity_key) ?? e.name }))
    }))
    const scoreBoardsWritten = named.length > 0 ? (yield* serving.putScoreBoards(named)).written : 0
    return { scoresWritten, scoreBoardsWritten }
  })

/**
 * The companies (score keys) whose facts can differ between two as-of dates: those with a live record dated
 * where the window or a recency tier starts or ends between them, (min, max] shifted by 0, 1, 3 and 5 years
 * (records entering or leaving the window or a tier; `minusYears` is monotone, so these intervals are exact),
 * and, for an EPA action group with such a member, every member's company (the group is scored as one merged
 * record under one of them). Undefined without a SQL engine.
 */
export const companiesAtEdges = (
  key: ScoreKey,
  from: string,
  to: string
): Effect.Effect<ReadonlyArray<string> | undefined, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const bulk = warehouse.bulk
    if (bulk === undefined) return undefined
    const relations = (yield* silverHeads(warehouse, bulk)).map(
      (r) => `SELECT company_slug, agency, action_id, event_date FROM (${r}) WHERE status <> 'deleted'`
    )
    if (relations.length === 0) return []
    const [lo, hi] = from < to ? [from, to] : [to, from]
    const edges = [0, 1, 3, 5]
      .map(
        (y) => `(event_date > DATE ${q(minusYears(lo, y))} AND event_date <= DATE ${q(minusYears(hi, y))})`
      )
      .join(" OR ")
    const live = relations.map((r) => `(${r})`).join(" UNION ALL ")
    const rows = yield* bulk.sql(
      `WITH live AS (${live}), edge AS (SELECT company_slug, agency, action_id FROM live WHERE ${edges}),
        slugs AS (
          SELECT company_slug FROM edge
          UNION SELECT l.company_slug FROM live l
            JOIN (SELECT DISTINCT agency, action_id FROM edge WHERE action_id IS NOT NULL) g USING (agency, action_id))
      SELECT DISTINCT ${key.sql} AS k FROM slugs WHERE company_slug IS NOT NULL`
    )
    return rows.map((r) => String(r.k))
  })

/**
 * The daily path of {@link syncScores}: score only the touched companies (their own silver rows) and update
 * the stored leaderboards in place ({@link mergeScoreBoard}), so the cost follows the batch, not the number
 * of companies. On a new as-of date the companies whose facts the move changes ({@link companiesAtEdges}) are
 * rescored too; every other stored score is still exact and keeps the as-of date it was computed on. Undefined
 * when the stored boards cannot decide it: none yet or another score version (nothing written), boards of
 * different dates or a board whose cut would reach below what it listed (the scores are written by then, no
 * board). The caller then ranks every company.
 */
const syncTouchedScores = (
  touchedKeys: ReadonlyArray<string>,
  options: {
    readonly asOf: string
    readonly updatedAt: string
    readonly limit: number
    readonly key?: ScoreKey
  }
): Effect.Effect<ScoreSyncReport | undefined, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    let keys = touchedKeys
    const serving = yield* ServingStore
    const national = yield* serving.getScoreBoard("national")
    if (Option.isNone(national) || national.value.version !== SCORE_VERSION) return undefined
    // the as-of date the stored boards (and every score not rescored since) were ranked at
    const storedAsOf = national.value.as_of
    const current = (b: ScoreBoard) => b.as_of === storedAsOf && b.version === SCORE_VERSION
    if (storedAsOf !== options.asOf) {
      // a new day: only companies with a record at one of the window's edges between the two dates can have
      // another score (every other company's facts are the same), so they are rescored with the batch's
      const moved = yield* timed(
        "scores",
        `as of ${storedAsOf} -> ${options.asOf}: companies with records at the window's edges`,
        companiesAtEdges(options.key ?? companySlugKey, storedAsOf, options.asOf)
      )
      if (moved === undefined) return undefined
      keys = [...new Set([...keys, ...moved])].sort()
    }
    const { limit, ...common } = options
    const rows = yield* timed(
      "scores",
      `rows of ${keys.length} companies`,
      materializeScoreRows(options.key, keys)
    )
    // in batches, as a rebuild does (a score carries its rules' id lists and facilities), keeping what the
    // boards need; the facts computed once for all of them
    const facts = yield* timed(
      "scores",
      `facts of ${keys.length} companies`,
      materializeScoreFacts(rows, options.asOf)
    ).pipe(Effect.tapError(() => dropScoreRows(rows)))
    const scoreBatch = (batch: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const scored = yield* computeScores({
          ...common,
          keys: batch,
          names: yield* goldNames(batch),
          ...(facts !== undefined ? { facts } : rows === undefined ? {} : { rows })
        })
        const written = scored.length > 0 ? (yield* serving.putScores(scored)).written : 0
        const ranked = scored.map(
          (s): Ranked => ({
            entity_key: s.entity_key,
            name: s.name,
            total: s.total,
            states: s.states,
            agencies: s.agencies
          })
        )
        return { written, ranked }
      })
    const batches = yield* timed(
      "scores",
      `score and store ${keys.length} companies`,
      Effect.flatMap(scoreBatches(keys, rows), (batches) => Effect.forEach(batches, scoreBatch))
    ).pipe(Effect.ensuring(dropScoreRows(rows)))
    const scores = batches.flatMap((b) => b.ranked)
    const scoresWritten = batches.reduce((n, b) => n + b.written, 0)
    // Every board a touched company is on now or was on before: the national one and those of the states
    // gold knows (a state's gold totals stay once it had a record), fewer reads than each company's old score.
    const states = new Set<string>(yield* goldStates)
    for (const s of scores) for (const st of s.states) states.add(st)
    const touched = new Set(keys)
    const scopes = [
      "national",
      ...[...states]
        .filter((st) => /^[A-Z]{2}$/.test(st))
        .sort()
        .map((st) => `state:${st}`)
    ]
    const stored = yield* timed(
      "scores",
      `${scopes.length} stored boards`,
      Effect.forEach(
        scopes,
        (scope) => (scope === "national" ? Effect.succeed(national) : serving.getScoreBoard(scope)),
        { concurrency: 8 }
      )
    )
    const boards: Array<ScoreBoard> = []
    for (const [i, scope] of scopes.entries()) {
      const old = Option.getOrUndefined(stored[i]!)
      if (old !== undefined && !current(old)) return undefined
      // no board yet and no touched company there: a state only gold knows, nobody scored in it
      if (old === undefined && !scores.some((s) => s.states.some((st) => `state:${st}` === scope))) continue
      const board = mergeScoreBoard(old, scope, touched, scores, {
        limit,
        asOf: options.asOf,
        updatedAt: options.updatedAt
      })
      if (board === undefined) {
        yield* timed("scores", `${scope}: undecided, ranking every company`, Effect.void)
        return undefined
      }
      boards.push(board)
    }
    const scoreBoardsWritten = (yield* timed("scores", "put boards", serving.putScoreBoards(boards))).written
    return { scoresWritten, scoreBoardsWritten }
  })
