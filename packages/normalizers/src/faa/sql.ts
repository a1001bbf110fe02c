import { MONTHS, TWO_DIGIT_YEAR_PIVOT } from "@ventureos/core"
import type { StagedFile, VectorizedInput, VectorizedNormalizer } from "../Plugin"
import {
  cell,
  contentHashSql,
  jsonObject,
  money,
  type Rule,
  silverColumnsByName,
  sqlStr,
  text,
  violationId
} from "../Sql"
import {
  ACTION_TYPES,
  DAYS_SANCTION,
  enforcementCaseDataset,
  SANCTION_TYPES,
  VERSION,
  WAIVED_SANCTION
} from "./spec"
import { ENTITY_ALIASES, INDIVIDUAL, ORG_WORDS, SPELLING, SPLIT_WORDS } from "./text"

/**
 * The FAA normalizer as SQL (see `VectorizedNormalizer`): the same rules as `normalizeCase` in `./index.ts`,
 * which stays the reference. The PDF text repairs run once per distinct value (a few dozen ACTION, SANCTION,
 * CASE TYPE and ENTITY TYPE spellings in millions of rows) in a prepared table the records join.
 * Parity: `packages/pipeline/test/vectorized-faa.test.ts`.
 */

const DATASET = enforcementCaseDataset.id

const filesOf = (input: VectorizedInput): ReadonlyArray<StagedFile> =>
  input.files.filter((f) => f.file.dataset.id === DATASET)

const union = (files: ReadonlyArray<StagedFile>, select: (f: StagedFile) => string): string =>
  files.map((f) => `(${select(f)})`).join(" UNION ALL ")

/** Lower-cased header names (`RowReader.details` keys), in header order. */
const lowerHeader = (f: StagedFile): ReadonlyArray<string> => f.file.header.map((h) => h.toLowerCase())

/** Raw cell, NULL when blank, as `RowReader.details` keeps it (spaces are the only blanks of a plain row). */
const detail = (i: number, alias = ""): string =>
  `CASE WHEN trim(${alias}c${i}) = '' THEN NULL ELSE ${alias}c${i} END`

// ---------------------------------------------------------------------------------------------------
// repairFaaText as SQL, for the single-spaced upper-case ASCII text of a plain row. Each token is wrapped in
// its own pair of spaces (`A B` -> ` A  B `), so a plain `replace` of ` P  S ` finds exactly the token pair
// (P, S), and of ` T ` exactly the token T.

/** Every way to split a known word in two tokens: `[prefix, suffix, word]`. */
const SPLITS: ReadonlyArray<readonly [string, string, string]> = [...SPLIT_WORDS].flatMap((w) =>
  Array.from({ length: w.length - 1 }, (_v, k) => [w.slice(0, k + 1), w.slice(k + 1), w] as const)
)

/**
 * The replacements equal the JavaScript left-to-right scan only when pairs cannot overlap or chain: no token
 * is both the second half of one split word and the first half of another, and no whole split word is half
 * of another (the scan would not join it; a replacement could). True for today's words; checked here so a new
 * word cannot silently break parity.
 */
for (const [p, s, w] of SPLITS) {
  if (SPLITS.some(([p2]) => p2 === s)) throw new Error(`faa sql: split word ${w}: "${s}" also starts a split`)
  if (SPLIT_WORDS.has(p) || SPLIT_WORDS.has(s))
    throw new Error(`faa sql: split word ${w}: a half is itself a split word`)
}
for (const [k, v] of Object.entries(SPELLING))
  if (SPLITS.some(([p, s]) => p === k || s === k) || SPLIT_WORDS.has(k) || /\s/.test(k + v))
    throw new Error(`faa sql: spelling ${k} -> ${v} interacts with the split words`)

/** `repairFaaText(x)` for a `text()` value `x` of a plain row (NULL stays NULL). */
const repairSql = (x: string): string => {
  let s = `(' ' || replace(upper(${x}), ' ', '  ') || ' ')`
  for (const [p, sfx, w] of SPLITS) s = `replace(${s}, ${sqlStr(` ${p}  ${sfx} `)}, ${sqlStr(` ${w} `)})`
  for (const [bad, good] of Object.entries(SPELLING))
    s = `replace(${s}, ${sqlStr(` ${bad} `)}, ${sqlStr(` ${good} `)})`
  // back to single spaces; then the footnote marks: trailing lone digits or dots after the first token
  return `nullif(regexp_replace(replace(trim(${s}), '  ', ' '), '( [0-9.])+$', ''), '')`
}

/** `normalizeEntityType` of an already repaired value. */
const entityAlias = (repaired: string): string =>
  `CASE ${repaired} ${Object.entries(ENTITY_ALIASES)
    .map(([k, v]) => `WHEN ${sqlStr(k)} THEN ${sqlStr(v)}`)
    .join(" ")} ELSE ${repaired} END`

/** The type ACTION alone decides (`typeOf`'s first loop), NULL when no pattern matches. */
const actionType = (repaired: string): string =>
  `CASE ${ACTION_TYPES.map(([re, t]) => `WHEN regexp_matches(${repaired}, ${sqlStr(re.source)}) THEN ${sqlStr(t)}`).join(" ")} END`

const sanctionType = (repaired: string): string =>
  `CASE ${repaired} ${Object.entries(SANCTION_TYPES)
    .map(([k, v]) => `WHEN ${sqlStr(k)} THEN ${sqlStr(v)}`)
    .join(" ")} END`

// An individual's name (`LAST, FIRST M`) always holds ", ": names without it (most) skip both patterns.
if (!INDIVIDUAL.source.includes(", ")) throw new Error("faa sql: INDIVIDUAL no longer requires ', '")

/** `respondentKind` of a `text()` name of a plain row. */
const respondentKindSql = (name: string): string => {
  const s = `upper(${name})`
  return `CASE WHEN NOT contains(${name}, ', ') THEN 'organization'
    WHEN regexp_matches(regexp_replace(regexp_replace(${s}, '[.,]', ' ', 'g'), '\\s+', ' ', 'g'), ${sqlStr(ORG_WORDS.source)}) THEN 'organization'
    WHEN regexp_matches(${s}, ${sqlStr(INDIVIDUAL.source)}) THEN 'individual' ELSE 'organization' END`
}

// ---------------------------------------------------------------------------------------------------
// Dates: `parseDate`'s ISO, `M/D/YY(YY)` and `D-Mon-YY(YY)` forms (the three FAA reports use). A time part,
// `yyyymmdd` or anything else goes to JavaScript, as does a date that does not exist.

const ISO = "\\d{4}-\\d{2}-\\d{2}"
const US = "\\d{1,2}[/-]\\d{1,2}[/-](?:\\d{4}|\\d{2})"
const MON = "\\d{1,2}[- ][A-Za-z]{3,4}[- ](?:\\d{4}|\\d{2})"

const yearOf = (y: string): string =>
  `CASE WHEN length(${y}) = 2 THEN CAST(${y} AS INTEGER) + CASE WHEN CAST(${y} AS INTEGER) < ${TWO_DIGIT_YEAR_PIVOT} THEN 2000 ELSE 1900 END ELSE CAST(${y} AS INTEGER) END`

/** A calendar date from text parts; NULL when it does not exist or the year is outside 1800-2200. */
const ymd = (y: string, m: string, d: string): string =>
  `CASE WHEN ${y} BETWEEN 1800 AND 2200 THEN try_cast(lpad(CAST(${y} AS VARCHAR), 4, '0') || '-' || lpad(CAST(${m} AS VARCHAR), 2, '0') || '-' || lpad(CAST(${d} AS VARCHAR), 2, '0') AS DATE) END`

/**
 * `RowReader.date` on a trimmed cell `t`: the date, NULL when blank or when SQL cannot decide it (then `ok`,
 * `t = '' OR value IS NOT NULL`, is false and JavaScript decides, rejecting what is not a date).
 */
const faaDate = (t: string): string => {
  const us = `string_split(replace(${t}, '-', '/'), '/')`
  const mon = `string_split(replace(${t}, ' ', '-'), '-')`
  const month = `CASE lower(${mon}[2]) ${Object.entries(MONTHS)
    .map(([k, v]) => `WHEN ${sqlStr(k)} THEN ${v}`)
    .join(" ")} END`
  return `CASE
    WHEN ${t} = '' THEN NULL
    WHEN regexp_full_match(${t}, '${ISO}') THEN CASE WHEN ${t} BETWEEN '1800' AND '2201' THEN try_cast(${t} AS DATE) END
    WHEN regexp_full_match(${t}, '${US}') THEN ${ymd(yearOf(`${us}[3]`), `${us}[1]`, `${us}[2]`)}
    WHEN regexp_full_match(${t}, '${MON}') THEN ${ymd(yearOf(`${mon}[3]`), month, `${mon}[1]`)}
  END`
}

// ---------------------------------------------------------------------------------------------------

/** Columns whose text is repaired (`repairFaaText`), by lower-cased header name. */
const REPAIRED = ["action", "sanction", "case type", "entity type"] as const

const textsTable = (input: VectorizedInput): string => input.scratch("faa_texts")

/**
 * Distinct raw cells of the repaired columns (as `cell` reads them), each with its repair, entity alias and
 * action type: the records join on the raw cell, so not even `text()` runs per row.
 */
const texts = (input: VectorizedInput): string => {
  const values = union(filesOf(input), (f) =>
    REPAIRED.map((c) => `SELECT DISTINCT ${cell(f, c)} AS raw FROM ${f.relation}`).join(" UNION ")
  )
  return `SELECT raw, repaired, ${entityAlias("repaired")} AS entity, ${actionType("repaired")} AS action_type
    FROM (SELECT raw, ${repairSql(text("raw"))} AS repaired FROM (SELECT DISTINCT raw FROM (${values})))`
}

/** Silver columns the content hash covers (`contentHash`: no lineage, no null `action_id`), by name. */

const records = (
  input: VectorizedInput,
  slugs: { company: string; city: string },
  slice?: { readonly count: number; readonly index: number }
): string => {
  const files = filesOf(input)
  if (files.length === 0) return ""
  // no lookup to join: a slice (if asked for) is any fixed share of the rows
  const inSlice =
    slice === undefined || slice.count <= 1 ? "TRUE" : `hash(__row) % ${slice.count} = ${slice.index}`
  const one = (f: StagedFile) => {
    const c = (col: string) => cell(f, col)
    const amount: Rule = money("v.__amount_t")
    const header = lowerHeader(f)
    const rawDetail = (k: string) => {
      const i = header.indexOf(k)
      return i === -1 ? "NULL::VARCHAR" : detail(i, "v.")
    }
    const days = `(tsn.repaired IS NOT DISTINCT FROM ${sqlStr(DAYS_SANCTION)})`
    // the details object, in the order normalizeCase builds it (later keys overwrite earlier ones; a NULL
    // value leaves its key out, as `finish` drops null details)
    const entries: Array<readonly [string, string]> = []
    header.forEach((h, i) => {
      if (header.indexOf(h) === i) entries.push([h, detail(i, "v.")])
    })
    entries.push(
      ["action.normalized", "ta.repaired"],
      ["sanction.normalized", "tsn.repaired"],
      ["case type.normalized", "tct.repaired"],
      ["entity type.normalized", "tet.entity"],
      ["respondent_kind", respondentKindSql("v.__name")],
      // set only for suspensions (a published column of that name stays otherwise)
      [
        "suspension_days",
        `CASE WHEN ${days} THEN regexp_replace(${text("v.__amount_t")}, '\\.0+$', '') ELSE ${rawDetail("suspension_days")} END`
      ]
    )
    const ok = [
      "v.__plain = 1",
      "v.__case IS NOT NULL",
      "v.__name IS NOT NULL",
      "cs.slug IS NOT NULL",
      "(v.__known_t = '' OR v.__known IS NOT NULL)",
      "(v.__closed_t = '' OR v.__closed IS NOT NULL)",
      amount.ok
    ].join(" AND ")
    return `SELECT ${f.index} AS __file, v.__row AS __row, v.__line AS __line, coalesce(${ok}, false) AS __ok,
        v.__case || '-' || cs.slug AS __source_id, v.__name AS __name, cs.slug AS __slug,
        v.__known AS __known, v.__closed AS __closed,
        CASE WHEN ${days} THEN NULL ELSE ${amount.value} END AS __initial,
        ta.repaired AS __action, tsn.repaired AS __sanction, tct.repaired AS __case_type,
        coalesce(ta.action_type, ${sanctionType("tsn.repaired")}, 'unclassified') AS __type,
        ${jsonObject(entries)} AS __details, ${sqlStr(f.file.name)} AS __source_file
      FROM (SELECT *, ${faaDate("__known_t")} AS __known, ${faaDate("__closed_t")} AS __closed FROM (
        SELECT *, upper(${text(c("case number"))}) AS __case, ${text(c("name"))} AS __name,
          trim(${c("date known")}) AS __known_t, trim(${c("closed date")}) AS __closed_t, ${c("sanction amount")} AS __amount_t,
          ${c("action")} AS __action_raw, ${c("sanction")} AS __sanction_raw,
          ${c("case type")} AS __case_type_raw, ${c("entity type")} AS __entity_type_raw
        FROM ${f.relation} WHERE ${inSlice})) v
      LEFT JOIN ${slugs.company} cs ON cs.name = v.__name
      LEFT JOIN ${textsTable(input)} ta ON ta.raw = v.__action_raw
      LEFT JOIN ${textsTable(input)} tsn ON tsn.raw = v.__sanction_raw
      LEFT JOIN ${textsTable(input)} tct ON tct.raw = v.__case_type_raw
      LEFT JOIN ${textsTable(input)} tet ON tet.raw = v.__entity_type_raw`
  }
  // output columns first, then the hash over them by name (each expression is evaluated once)
  const columns = `__file, __row, __line, __ok,
      ${violationId("faa", DATASET, "__source_id")} AS violation_id, 'faa' AS agency,
      ${sqlStr(DATASET)} AS source_dataset, __source_id AS source_record_id,
      __name AS company_name, __slug AS company_slug,
      NULL::VARCHAR AS address, NULL::VARCHAR AS city, NULL::VARCHAR AS state, NULL::VARCHAR AS zip,
      NULL::VARCHAR AS naics, NULL::VARCHAR AS sic,
      __known AS event_date, NULL::DATE AS opened_date, __closed AS closed_date,
      __initial AS penalty_initial,
      CASE WHEN __sanction IS NOT DISTINCT FROM ${sqlStr(WAIVED_SANCTION)} THEN 0::DECIMAL(18,2) ELSE __initial END AS penalty_current,
      __type AS violation_type, __action AS violation_type_code,
      'closed' AS status, __case_type AS description, __details AS violation_details, NULL::VARCHAR AS city_slug,
      NULL::VARCHAR AS action_id,
      __source_file AS source_file, __row AS source_row, 'faa' AS normalizer_id, ${sqlStr(VERSION)} AS normalizer_version,
      ${sqlStr(input.ingestedAt)}::TIMESTAMPTZ AS ingested_at`
  const hash = contentHashSql(silverColumnsByName(false), "violation_details")
  // an id longer than the schema allows is rejected by JavaScript's record check
  return `WITH r AS (${union(files, one)}),
    o AS (SELECT ${columns} FROM r)
    SELECT __file, __row, __line, NOT (__ok AND length(violation_id) <= 200) AS __js,
      * EXCLUDE (__file, __row, __line, __ok, source_file, source_row, normalizer_id, normalizer_version, ingested_at),
      CASE WHEN __ok AND length(violation_id) <= 200 THEN ${hash} END AS content_hash,
      source_file, source_row, normalizer_id, normalizer_version, ingested_at
    FROM o`
}

export const faaVectorized: VectorizedNormalizer = {
  prepare: (input) => (filesOf(input).length === 0 ? [] : [{ table: textsTable(input), sql: texts(input) }]),
  companyNames: (input) =>
    filesOf(input).length === 0
      ? "SELECT NULL::VARCHAR AS name WHERE false"
      : `SELECT DISTINCT name FROM (${union(filesOf(input), (f) => `SELECT ${text(cell(f, "name"))} AS name FROM ${f.relation}`)}) WHERE name IS NOT NULL`,
  cityPlaces: () => "SELECT NULL::VARCHAR AS city, NULL::VARCHAR AS state WHERE false",
  records,
  // each row stands alone: nothing but the flagged rows themselves
  fallbackRows: (_input, flagged) => `SELECT __file, __row FROM ${flagged}`
}
