import type { StagedFile, VectorizedInput, VectorizedNormalizer } from "../Plugin"
import {
  cell,
  code,
  contentHashSql,
  isoDate,
  jsonMembers,
  jsonObject,
  jsTrim,
  money,
  type Rule,
  silverColumnsByName,
  sqlStr,
  state,
  text,
  violationId,
  zip
} from "../Sql"
import { INSPECTION_FIELDS, inspectionDataset, VERSION, VIOL_TYPES, violationDataset } from "./spec"

/**
 * The OSHA normalizer as SQL (see `VectorizedNormalizer`): the same join and rules as `normalizeViolation` in
 * `./index.ts`, which stays the reference. Parity: `packages/pipeline/test/vectorized.test.ts`.
 */

const INSPECTION = inspectionDataset.id
const VIOLATION = violationDataset.id
const MAPPED_INSPECTION = new Set(INSPECTION_FIELDS)
/** Detail keys of an inspection's columns in its violations' details. */
const INSPECTION_PREFIX = "inspection."
/** A staged row is printable ASCII (`stageCsv`'s `__plain`): `jsTrim` is DuckDB's cheaper `trim` there. */
const PLAIN = "__plain = 1"

const filesOf = (input: VectorizedInput, dataset: string) =>
  input.files.filter((f) => f.file.dataset.id === dataset)

/** The columns every file of a dataset shares are read by name; a union over files with different headers. */
const union = (files: ReadonlyArray<StagedFile>, select: (f: StagedFile) => string): string =>
  files.length === 0 ? "" : files.map((f) => `(${select(f)})`).join(" UNION ALL ")

/** Lower-cased header names (`RowReader.details` keys), in header order. */
const lowerHeader = (f: StagedFile): ReadonlyArray<string> => f.file.header.map((h) => h.toLowerCase())

/** Raw cell, NULL when blank, as `RowReader.details` keeps it (spaces are the only blanks of a plain row). */
const detail = (i: number, alias = ""): string =>
  `CASE WHEN trim(${alias}c${i}) = '' THEN NULL ELSE ${alias}c${i} END`

/**
 * Inspections, one per activity number (the last row wins across files, as the JavaScript index does), with
 * their fields computed and an `__iok` flag. Columns: __act, __ifile, __irow, __iline, __iok, i_* fields,
 * and `i_details`: the inspection's `inspection.*` detail members, built once per inspection (not once per
 * violation: they were ~60% of every violation's details text), spliced into each violation's details.
 */
const inspections = (input: VectorizedInput): { sql: string; detailKeys: ReadonlyArray<string> } => {
  const files = filesOf(input, INSPECTION)
  const keys: Array<string> = []
  for (const f of files)
    for (const h of lowerHeader(f)) if (!MAPPED_INSPECTION.has(h) && !keys.includes(h)) keys.push(h)
  const one = (f: StagedFile) => {
    const c = (col: string) => cell(f, col)
    const rules: Record<string, Rule> = {
      state: state(c("site_state")),
      zip: zip(c("site_zip")),
      naics: code(c("naics_code"), 2, 6),
      sic: code(c("sic_code"), 2, 4),
      open: isoDate(c("open_date")),
      close: isoDate(c("close_case_date"))
    }
    const header = lowerHeader(f)
    // details: RowReader.details keeps the first column of a repeated name
    const detailOf = (k: string) => {
      const i = header.indexOf(k)
      return i === -1 ? "NULL::VARCHAR" : detail(i)
    }
    return `SELECT ${jsTrim(c("activity_nr"), PLAIN)} AS __act, ${f.index} AS __ifile, __row AS __irow, __line AS __iline,
      (__plain = 1 AND ${Object.values(rules)
        .map((r) => r.ok)
        .join(" AND ")}) AS __iok,
      ${text(c("estab_name"))} AS i_name, ${text(c("site_address"))} AS i_address, ${text(c("site_city"))} AS i_city,
      ${rules.state!.value} AS i_state, ${rules.zip!.value} AS i_zip, ${rules.naics!.value} AS i_naics,
      ${rules.sic!.value} AS i_sic, ${rules.open!.value} AS i_open, ${rules.close!.value} AS i_close,
      ${jsonMembers(keys.map((k) => [`${INSPECTION_PREFIX}${k}`, detailOf(k)] as const))} AS i_details
      FROM ${f.relation}`
  }
  return { sql: files.length === 0 ? "" : union(files, one), detailKeys: keys }
}

/** The prepared inspections table (see `prepare`), or an empty relation when the run has no inspection file. */
const inspectionTable = (input: VectorizedInput): string =>
  filesOf(input, INSPECTION).length === 0
    ? "(SELECT NULL::VARCHAR AS __act, NULL::VARCHAR AS i_name, NULL::VARCHAR AS i_city, NULL::VARCHAR AS i_state WHERE false)"
    : input.scratch("osha_inspections")

const records = (
  input: VectorizedInput,
  slugs: { company: string; city: string },
  slice?: { readonly count: number; readonly index: number }
): string => {
  const inSlice = (key: string) =>
    slice === undefined || slice.count <= 1 ? "TRUE" : `hash(${key}) % ${slice.count} = ${slice.index}`
  const violations = filesOf(input, VIOLATION)
  if (violations.length === 0) return ""
  const insp = inspections(input)
  const one = (f: StagedFile) => {
    const c = (col: string) => cell(f, col, "v.")
    const act = jsTrim(cell(f, "activity_nr"), PLAIN)
    const cit = jsTrim(cell(f, "citation_id"), PLAIN)
    const dates = {
      issuance: isoDate(c("issuance_date")),
      abate: isoDate(c("abate_date")),
      contest: isoDate(c("contest_date")),
      final: isoDate(c("final_order_date"))
    }
    const initial = money(c("initial_penalty"))
    const current = money(c("current_penalty"))
    const flag = `upper(trim(${c("delete_flag")}))`
    const deleted = `(${flag} IN ('X', 'D'))`
    const typeCode = `upper(trim(${c("viol_type")}))`
    const header = lowerHeader(f)
    // the details object, in the order normalizeViolation spreads it (later keys overwrite earlier ones)
    const entries: Array<readonly [string, string]> = [
      ["activity_nr", "__act_v"],
      ["citation_id", "__cit_v"]
    ]
    header.forEach((h, i) => {
      if (h === "activity_nr" || h === "citation_id") return
      if (header.indexOf(h) !== i) return
      entries.push([h, detail(i, "v.")])
    })
    entries.push(["standard.normalized", text(c("standard"))])

    const ok = [
      "v.__plain = 1",
      `regexp_full_match(__act_v, '\\d+')`,
      "__cit_v <> ''",
      "i.__act IS NOT NULL",
      "i.__iok",
      ...Object.values(dates).map((d) => d.ok),
      initial.ok,
      current.ok,
      "i.i_name IS NOT NULL",
      "cs.slug IS NOT NULL"
    ].join(" AND ")
    // a blank current_penalty is unknown: NULL, as in normalizeViolation
    const penaltyCurrent = current.value
    return `SELECT ${f.index} AS __file, v.__row AS __row, v.__line AS __line, coalesce(${ok}, false) = false AS __js,
        __act_v, __cit_v, ${deleted} AS __deleted, ${typeCode} AS __type_code,
        i.i_name, i.i_address, i.i_city, i.i_state, i.i_zip, i.i_naics, i.i_sic, i.i_open, i.i_close,
        cs.slug AS __company_slug, ys.slug AS __city_slug,
        coalesce(${dates.issuance.value}, i.i_open) AS __event, ${initial.value} AS __initial, ${penaltyCurrent} AS __current,
        ${insp.sql === "" ? jsonObject(entries) : jsonObject(entries, { at: INSPECTION_PREFIX, fragment: "i.i_details" })} AS __details, ${sqlStr(f.file.name)} AS __source_file
      FROM (SELECT * FROM (SELECT *, ${act} AS __act_v, ${cit} AS __cit_v FROM ${f.relation}) WHERE ${inSlice("__act_v")}) v
      LEFT JOIN insp i ON i.__act = v.__act_v
      LEFT JOIN ${slugs.company} cs ON cs.name = i.i_name
      LEFT JOIN ${slugs.city} ys ON ys.city = i.i_city AND ys.state = i.i_state`
  }
  const typeCase = `CASE __type_code ${Object.entries(VIOL_TYPES)
    .map(([k, v]) => `WHEN ${sqlStr(k)} THEN ${sqlStr(v)}`)
    .join(" ")} ELSE 'unclassified' END`
  // output columns first, then the hash over them by name (each expression is evaluated once)
  const columns = `__file, __row, __line, __js,
      ${violationId("osha", VIOLATION, "__act_v || '-' || __cit_v")} AS violation_id, 'osha' AS agency,
      ${sqlStr(VIOLATION)} AS source_dataset, __act_v || '-' || __cit_v AS source_record_id,
      i_name AS company_name, __company_slug AS company_slug,
      i_address AS address, i_city AS city, i_state AS state, i_zip AS zip, i_naics AS naics, i_sic AS sic,
      __event AS event_date, i_open AS opened_date, i_close AS closed_date,
      __initial AS penalty_initial, __current AS penalty_current,
      ${typeCase} AS violation_type, nullif(__type_code, '') AS violation_type_code,
      CASE WHEN __deleted THEN 'deleted' WHEN i_close IS NOT NULL THEN 'closed' ELSE 'open' END AS status,
      NULL::VARCHAR AS description, __details AS violation_details, __city_slug AS city_slug,
      NULL::VARCHAR AS action_id,
      __source_file AS source_file, __row AS source_row, 'osha' AS normalizer_id, ${sqlStr(VERSION)} AS normalizer_version,
      ${sqlStr(input.ingestedAt)}::TIMESTAMPTZ AS ingested_at`
  const hash = contentHashSql(silverColumnsByName(false), "violation_details")
  return `WITH insp AS (SELECT * FROM ${insp.sql === "" ? "(SELECT NULL::VARCHAR AS __act WHERE false)" : inspectionTable(input)} WHERE ${inSlice("__act")}),
    r AS (${union(violations, one)}),
    o AS (SELECT ${columns} FROM r)
    SELECT * EXCLUDE (source_file, source_row, normalizer_id, normalizer_version, ingested_at),
      CASE WHEN NOT __js THEN ${hash} END AS content_hash,
      source_file, source_row, normalizer_id, normalizer_version, ingested_at
    FROM o`
}

export const oshaVectorized: VectorizedNormalizer = {
  // the inspections are joined by the records and read for their names and places: computed once
  // One inspection per activity number: the last row wins (across files, then rows), as in the JavaScript
  // index. Activity numbers are nearly always unique, so only the repeated ones are resolved, from the
  // activity numbers alone (a window over every inspection would sort millions of wide rows), and the
  // inspections are then computed and filtered in one pass (an intermediate of every computed inspection,
  // read twice to drop the earlier rows, cost more than computing them).
  prepare: (input) => {
    const insp = inspections(input)
    if (insp.sql === "") return []
    const repeated = input.scratch("osha_inspections_repeated")
    const acts = union(
      filesOf(input, INSPECTION),
      (f) =>
        `SELECT ${jsTrim(cell(f, "activity_nr"), PLAIN)} AS __act, ${f.index} * 4294967296 + __row AS __at FROM ${f.relation}`
    )
    return [
      {
        table: repeated,
        sql: `SELECT __act, max(__at) AS __last FROM (${acts}) GROUP BY __act HAVING count(*) > 1`
      },
      {
        table: input.scratch("osha_inspections"),
        sql: `SELECT a.* FROM (${insp.sql}) a LEFT JOIN ${repeated} r ON r.__act = a.__act
          WHERE r.__act IS NULL OR r.__last = a.__ifile * 4294967296 + a.__irow`
      }
    ]
  },
  companyNames: (input) =>
    `SELECT DISTINCT i_name AS name FROM ${inspectionTable(input)} WHERE i_name IS NOT NULL`,
  cityPlaces: (input) =>
    `SELECT DISTINCT i_city AS city, i_state AS state FROM ${inspectionTable(input)} WHERE i_city IS NOT NULL AND i_state IS NOT NULL`,
  records,
  fallbackRows: (input, flagged) => {
    const violations = filesOf(input, VIOLATION)
    const inspectionFiles = filesOf(input, INSPECTION)
    const acts = union(
      violations,
      (f) =>
        `SELECT DISTINCT ${jsTrim(cell(f, "activity_nr"), PLAIN)} AS act FROM ${f.relation} WHERE __row IN (SELECT __row FROM ${flagged} WHERE __file = ${f.index})`
    )
    const parts = [
      `SELECT __file, __row FROM ${flagged}`,
      ...inspectionFiles.map(
        (f) =>
          `SELECT ${f.index} AS __file, __row FROM ${f.relation} WHERE ${jsTrim(cell(f, "activity_nr"), PLAIN)} IN (${acts || "SELECT NULL"})`
      )
    ]
    return parts.join(" UNION ALL ")
  }
}
