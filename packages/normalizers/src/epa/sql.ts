import type { StagedFile, VectorizedInput, VectorizedNormalizer } from "../Plugin"
import {
  cell,
  code,
  contentHashSql,
  detailCell,
  jsonObject,
  money,
  silverColumnsByName,
  sqlStr,
  state,
  text,
  usDate,
  violationId,
  zip
} from "../Sql"
import { epaCompanyName } from "./names"
import { CASE_STATUS, echoCaseDataset, NPDES_TYPES, npdesFormalActionDataset, VERSION } from "./spec"

/**
 * The EPA normalizer as SQL (see `VectorizedNormalizer`): the same rules as `normalizeNpdes` and
 * `normalizeEchoCase` in `./index.ts`, which stay the reference. Parity: `packages/pipeline/test/vectorized-epa.test.ts`.
 * EPA rows stand alone (no lookup file): each file is read once, its rows joined only to the slug tables.
 * The company part of a free-text name (`epaCompanyName`: permit numbers, action text, facilities cut) is
 * computed in JavaScript by the driver, once per distinct published name (`companyOf`).
 */

const NPDES = npdesFormalActionDataset.id
const ECHO = echoCaseDataset.id

const filesOf = (input: VectorizedInput, dataset: string) =>
  input.files.filter((f) => f.file.dataset.id === dataset)

/** Every non-blank column of the row as published (`RowReader.details`: a repeated name keeps its first column). */
const details = (f: StagedFile, alias: string): string => {
  const header = f.file.header.map((h) => h.toLowerCase())
  return jsonObject(
    header.flatMap((h, i) => (header.indexOf(h) === i ? [[h, detailCell(i, alias)] as const] : []))
  )
}

/** Placeholder ECHO puts in facility fields it could not geocode (`isUnknown`): NULL. */
const known = (e: string) => `CASE WHEN upper(${e}) = 'UNKNOWN' THEN NULL ELSE ${e} END`

/** A `CASE` over a JavaScript lookup table (`NPDES_TYPES`, `CASE_STATUS`), NULL when the key is not in it. */
const lookup = (e: string, table: Readonly<Record<string, string>>) =>
  `CASE ${e} ${Object.entries(table)
    .map(([k, v]) => `WHEN ${sqlStr(k)} THEN ${sqlStr(v)}`)
    .join(" ")} END`

/**
 * Keys `Object.prototype` answers for in a lowercase lookup (`CASE_STATUS[status.toLowerCase()]`): JavaScript
 * reads a function or an object there and rejects the row; SQL leaves such rows to it.
 */
const PROTOTYPE_KEYS = "('constructor', '__proto__')"

/** Rows of one slice (see `VectorizedNormalizer.records`); EPA has no lookup, any split of rows will do. */
const inSlice = (slice?: { readonly count: number; readonly index: number }) =>
  slice === undefined || slice.count <= 1 ? "TRUE" : `hash(__row) % ${slice.count} = ${slice.index}`

/** The silver columns every file's query yields, in order (the hash is added over them by name). */
const COLUMNS = [
  "violation_id",
  "agency",
  "source_dataset",
  "source_record_id",
  "company_name",
  "company_slug",
  "address",
  "city",
  "state",
  "zip",
  "naics",
  "sic",
  "event_date",
  "opened_date",
  "closed_date",
  "penalty_initial",
  "penalty_current",
  "violation_type",
  "violation_type_code",
  "status",
  "description",
  "violation_details",
  "city_slug",
  "action_id"
] as const
type Column = (typeof COLUMNS)[number]

/** One file's query: `__file`, `__row`, `__line`, `__js`, then every silver column (lineage included). */
const select = (
  f: StagedFile,
  input: VectorizedInput,
  ok: ReadonlyArray<string>,
  values: Record<Column, string>,
  from: string
): string =>
  `SELECT ${f.index} AS __file, __row, __line, coalesce(${["__plain = 1", ...ok].join(" AND ")}, false) = false AS __js,
    ${COLUMNS.map((c) => `${values[c]} AS ${c}`).join(",\n    ")},
    ${sqlStr(f.file.name)} AS source_file, __row AS source_row, 'epa' AS normalizer_id, ${sqlStr(VERSION)} AS normalizer_version,
    ${sqlStr(input.ingestedAt)}::TIMESTAMPTZ AS ingested_at
  FROM ${from}`

const npdes = (
  f: StagedFile,
  input: VectorizedInput,
  slugs: { company: string; city: string },
  slice?: { readonly count: number; readonly index: number }
): string => {
  const c = (col: string) => cell(f, col, "v.")
  const settled = usDate(c("settlement_entered_date"))
  const fed = money(c("fed_penalty_assessed_amt"))
  const st = money(c("state_local_penalty_amt"))
  const rules = {
    state: state(c("fac_state")),
    zip: zip(c("fac_zip")),
    naics: code(c("fac_naics_codes"), 2, 6),
    sic: code(c("fac_sic_codes"), 2, 4)
  }
  // federal + state/local: NULL only when both are blank
  const penalty = `CASE WHEN __fed IS NULL AND __st IS NULL THEN NULL ELSE CAST(coalesce(__fed, 0) + coalesce(__st, 0) AS DECIMAL(18,2)) END`
  const inner = `SELECT v.__row, v.__line, v.__plain,
      ${text(c("enf_identifier"))} AS __enf, ${text(c("npdes_id"))} AS __permit,
      upper(${text(c("enf_type_code"))}) AS __code, ${text(c("fac_name"))} AS __name,
      ${known(text(c("fac_city")))} AS __city, ${known(text(c("fac_street")))} AS __street,
      ${rules.state.value} AS __state, ${rules.zip.value} AS __zip, ${rules.naics.value} AS __naics,
      ${rules.sic.value} AS __sic, ${settled.value} AS __settled, ${fed.value} AS __fed, ${st.value} AS __st,
      ${text(c("enf_type_desc"))} AS __desc,
      (${[settled.ok, fed.ok, st.ok, ...Object.values(rules).map((r) => r.ok)].join(" AND ")}) AS __ok,
      ${details(f, "v.")} AS __details
    FROM ${f.relation} v WHERE ${inSlice(slice)}`
  const id = "__enf || '_' || __permit"
  return select(
    f,
    input,
    ["__ok", "__enf IS NOT NULL", "__permit IS NOT NULL", "cs.slug IS NOT NULL"],
    {
      violation_id: violationId("epa", NPDES, id),
      agency: "'epa'",
      source_dataset: sqlStr(NPDES),
      source_record_id: id,
      company_name: "cs.company",
      company_slug: "cs.slug",
      address: "__street",
      city: "__city",
      state: "__state",
      zip: "__zip",
      naics: "__naics",
      // SIC codes lost their leading zero in the export (`sicCode`)
      sic: "CASE WHEN length(__sic) = 3 THEN '0' || __sic ELSE __sic END",
      event_date: "__settled",
      opened_date: "NULL::DATE",
      closed_date: "__settled",
      penalty_initial: penalty,
      penalty_current: penalty,
      violation_type: `coalesce(${lookup("__code", NPDES_TYPES)}, 'unclassified')`,
      violation_type_code: "__code",
      status: "CASE WHEN __settled IS NOT NULL THEN 'closed' ELSE 'open' END",
      description: "__desc",
      violation_details: "__details",
      city_slug: "ys.slug",
      action_id: "__enf"
    },
    `(${inner}) r
      LEFT JOIN ${slugs.company} cs ON cs.name = r.__name
      LEFT JOIN ${slugs.city} ys ON ys.city = r.__city AND ys.state = r.__state`
  )
}

const echo = (
  f: StagedFile,
  input: VectorizedInput,
  slugs: { company: string; city: string },
  slice?: { readonly count: number; readonly index: number }
): string => {
  const c = (col: string) => cell(f, col, "v.")
  const filed = usDate(c("datefiled"))
  const settled = usDate(c("settlementdate"))
  const fed = money(c("fedpenalty"))
  // SEPCost / TotalCompActionAmt are validated only (kept in details)
  const sep = money(c("sepcost"))
  const total = money(c("totalcompactionamt"))
  const inner = `SELECT v.__row, v.__line, v.__plain,
      ${text(c("casenumber"))} AS __case, ${text(c("casename"))} AS __name,
      ${text(c("casecategorydesc"))} AS __category, lower(${text(c("casestatusdesc"))}) AS __status,
      ${filed.value} AS __filed, ${settled.value} AS __settled, ${fed.value} AS __fed,
      (${[filed.ok, settled.ok, fed.ok, sep.ok, total.ok].join(" AND ")}) AS __ok,
      ${details(f, "v.")} AS __details
    FROM ${f.relation} v WHERE ${inSlice(slice)}`
  const cat = "lower(__category)"
  return select(
    f,
    input,
    [
      "__ok",
      "__case IS NOT NULL",
      // criminal cases key on the first defendant of a list (`criminalDefendant`): JavaScript decides them
      `coalesce(${cat}, '') <> 'criminal'`,
      `coalesce(__status, '') NOT IN ${PROTOTYPE_KEYS}`,
      "cs.slug IS NOT NULL"
    ],
    {
      violation_id: violationId("epa", ECHO, "__case"),
      agency: "'epa'",
      source_dataset: sqlStr(ECHO),
      source_record_id: "__case",
      company_name: "cs.company",
      company_slug: "cs.slug",
      // the case export has no facility address
      address: "NULL::VARCHAR",
      city: "NULL::VARCHAR",
      state: "NULL::VARCHAR",
      zip: "NULL::VARCHAR",
      naics: "NULL::VARCHAR",
      sic: "NULL::VARCHAR",
      event_date: "coalesce(__filed, __settled)",
      opened_date: "__filed",
      closed_date: "__settled",
      penalty_initial: "__fed",
      penalty_current: "__fed",
      violation_type: `CASE WHEN ${cat} IN ('judicial', 'criminal') THEN 'judicial'
        WHEN starts_with(${cat}, 'administrative') THEN CASE WHEN __fed IS NOT NULL AND __fed <> 0 THEN 'civil_penalty' ELSE 'compliance_order' END
        ELSE 'unclassified' END`,
      violation_type_code: "__category",
      status: `coalesce(${lookup("__status", CASE_STATUS)}, CASE WHEN __settled IS NOT NULL THEN 'closed' ELSE 'open' END)`,
      description: "NULL::VARCHAR",
      violation_details: "__details",
      city_slug: "NULL::VARCHAR",
      action_id: "__case"
    },
    `(${inner}) r LEFT JOIN ${slugs.company} cs ON cs.name = r.__name`
  )
}

const records = (
  input: VectorizedInput,
  slugs: { company: string; city: string },
  slice?: { readonly count: number; readonly index: number }
): string => {
  const parts = input.files.flatMap((f) =>
    f.file.dataset.id === NPDES
      ? [npdes(f, input, slugs, slice)]
      : f.file.dataset.id === ECHO
        ? [echo(f, input, slugs, slice)]
        : []
  )
  if (parts.length === 0) return ""
  const hash = contentHashSql(silverColumnsByName(true), "violation_details")
  return `WITH o AS (${parts.map((p) => `(${p})`).join(" UNION ALL BY NAME ")})
    SELECT * EXCLUDE (source_file, source_row, normalizer_id, normalizer_version, ingested_at),
      CASE WHEN NOT __js THEN ${hash} END AS content_hash,
      source_file, source_row, normalizer_id, normalizer_version, ingested_at
    FROM o`
}

/** The published names a file's rows key on (`fac_name` / `casename`, as `RowReader.text` reads them). */
const NAME_COLUMN: Record<string, string> = { [NPDES]: "fac_name", [ECHO]: "casename" }

export const epaVectorized: VectorizedNormalizer = {
  companyNames: (input) => {
    const parts = input.files.flatMap((f) => {
      const col = NAME_COLUMN[f.file.dataset.id]
      return col === undefined ? [] : [`SELECT ${text(cell(f, col))} AS name FROM ${f.relation}`]
    })
    return parts.length === 0
      ? "SELECT NULL::VARCHAR AS name WHERE false"
      : `SELECT DISTINCT name FROM (${parts.join(" UNION ALL ")}) WHERE name IS NOT NULL`
  },
  companyOf: epaCompanyName,
  cityPlaces: (input) => {
    const parts = filesOf(input, NPDES).map(
      (f) =>
        `SELECT ${known(text(cell(f, "fac_city")))} AS city, ${state(cell(f, "fac_state")).value} AS state FROM ${f.relation}`
    )
    return parts.length === 0
      ? "SELECT NULL::VARCHAR AS city, NULL::VARCHAR AS state WHERE false"
      : `SELECT DISTINCT city, state FROM (${parts.join(" UNION ALL ")}) WHERE city IS NOT NULL AND state IS NOT NULL`
  },
  records,
  // every row stands alone: JavaScript needs only the flagged rows themselves
  fallbackRows: (_input, flagged) => `SELECT __file, __row FROM ${flagged}`
}
