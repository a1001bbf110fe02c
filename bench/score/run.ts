/**
 * Offender score benchmark (issue 13, item 6): the score's fact queries (`scoreSql`: per company and per
 * facility, with EPA action groups collapsed) over a synthetic silver relation of N violations in DuckDB,
 * the way `computeScores` runs them over the silver tables in `serving rebuild` (all companies) and in a
 * daily sync (the touched companies, via `only`).
 *
 *   pnpm exec tsx bench/score/run.ts [--violations 1000000] [--companies 100000] [--touched 500]
 *
 * Rows: 70% OSHA (types W/R/S/O, gravity, FTA, inspection types), 25% EPA (a third in shared NPDES/ECHO
 * action groups), 5% FAA, dates over 12 years. Results: last stdout line (JSON), kept in README.md.
 */
import { cpus, loadavg, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { DuckDBInstance } from "@duckdb/node-api"
import { violationColumnList } from "../../packages/core/src/index"
import {
  companySlugKey,
  scoreRowsFactsSql,
  scoreRowsSql,
  scoreSql,
  scoreWindow
} from "../../packages/pipeline/src/Score"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "1000000" },
    companies: { type: "string", default: "100000" },
    touched: { type: "string", default: "500" }
  }
})
const N = Number(values.violations)
const C = Number(values.companies)
const T = Number(values.touched)
const log = (s: string) => process.stderr.write(`${s}\n`)

const db = await DuckDBInstance.create(":memory:", { memory_limit: "768MB", threads: "2" })
const con = await db.connect()
const run = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJson()
const time = async (label: string, sql: string) => {
  const t0 = performance.now()
  const rows = await run(sql)
  const ms = Math.round(performance.now() - t0)
  log(`${label}: ${ms} ms, ${rows.length} rows, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`)
  return { ms, rows: rows.length }
}

const cols = new Set(violationColumnList.map((c) => c.name as string))
const t0 = performance.now()
await run(`CREATE TABLE silver AS
  WITH g AS (SELECT i, hash(i) AS h FROM range(${N}) t(i))
  SELECT
    CASE WHEN i % 20 = 0 THEN 'faa' WHEN i % 4 = 1 THEN 'epa' ELSE 'osha' END AS agency,
    CASE WHEN i % 20 = 0 THEN 'faa_enforcement_case' WHEN i % 4 = 1 THEN (CASE WHEN i % 8 = 1 THEN 'epa_echo_case' ELSE 'epa_npdes_formal_action' END) ELSE 'osha_violation' END AS source_dataset,
    agency || ':' || source_dataset || ':' || i AS violation_id,
    CAST(i AS VARCHAR) AS source_record_id,
    'COMPANY ' || (h % ${C}) AS company_name,
    'company-' || (h % ${C}) AS company_slug,
    (h % 50) || ' MAIN ST' AS address, 'CITY' AS city,
    ['CA','TX','FL','NY'][1 + (h % 4)::INT] AS state, lpad(CAST(h % 99999 AS VARCHAR), 5, '0') AS zip,
    NULL::VARCHAR AS naics, NULL::VARCHAR AS sic,
    DATE '2014-01-01' + CAST(h % 4380 AS INT) AS event_date, NULL::DATE AS opened_date, NULL::DATE AS closed_date,
    CAST((h % 100000) AS DECIMAL(18,2)) AS penalty_initial,
    CASE WHEN h % 10 = 0 THEN NULL ELSE CAST((h % 50000) AS DECIMAL(18,2)) END AS penalty_current,
    CASE WHEN agency = 'osha' THEN ['willful','repeat','serious','serious','other','other'][1 + (h % 6)::INT]
         WHEN agency = 'epa' THEN ['civil_penalty','compliance_order','judicial'][1 + (h % 3)::INT]
         ELSE 'civil_penalty' END AS violation_type,
    NULL::VARCHAR AS violation_type_code,
    CASE WHEN h % 25 = 0 THEN 'deleted' ELSE 'closed' END AS status,
    NULL::VARCHAR AS description,
    CASE WHEN agency = 'osha' THEN json_object('activity_nr', CAST(i // 4 AS VARCHAR), 'gravity', CAST(1 + h % 10 AS VARCHAR),
           'fta_insp_nr', CASE WHEN h % 50 = 0 THEN '9' END, 'emphasis', CASE WHEN h % 997 = 0 THEN 'X' END,
           'inspection.insp_type', ['A','B','M','H'][1 + (h % 4)::INT])::VARCHAR
         WHEN agency = 'epa' THEN json_object('npdes_id', 'FL' || (h % 5000))::VARCHAR
         ELSE json_object('sanction.normalized', ['DOLLARS','REVOCATION','DAYS'][1 + (h % 3)::INT])::VARCHAR END AS violation_details,
    NULL::VARCHAR AS city_slug, '' AS content_hash, '' AS source_file, i AS source_row, '' AS normalizer_id,
    '' AS normalizer_version, TIMESTAMPTZ '2026-01-01' AS ingested_at,
    CASE WHEN agency = 'epa' AND i % 3 = 0 THEN 'ACT-' || (i // 12) END AS action_id
  FROM g`)
const extra = [...cols].filter((c) => !["penalty_current_unknown_count"].includes(c))
log(
  `generated ${N.toLocaleString("en-US")} rows in ${Math.round(performance.now() - t0)} ms (${extra.length} silver columns)`
)

const w = scoreWindow("2026-11-30")
const all = scoreSql("SELECT * FROM silver", w, companySlugKey.sql)
const touched = Array.from({ length: T }, (_, i) => `COMPANY#company-${(i * 7919) % C}`)
const some = scoreSql("SELECT * FROM silver", w, companySlugKey.sql, touched)
// What `serving rebuild` / a sync does (syncScores): materialize once, then totals and batches of 500.
const tm = performance.now()
await run(`CREATE TABLE score_rows AS ${scoreRowsSql("SELECT * FROM silver")}`)
const materializeMs = Math.round(performance.now() - tm)
log(`materialize (merge actions, keys): ${materializeMs} ms`)
const fromRows = scoreRowsFactsSql("score_rows", w, touched)
const rowsResults = {
  rowsTotals: await time("from the table: company totals, all", scoreRowsFactsSql("score_rows", w).companies),
  rowsBatchCompanies: await time(`from the table: company facts, batch of ${T}`, fromRows.companies),
  rowsBatchFacilities: await time(`from the table: facility facts, batch of ${T}`, fromRows.facilities)
}
const results = {
  ...rowsResults,
  companiesAll: await time("company facts, all companies", all.companies),
  facilitiesAll: await time("facility facts, all companies", all.facilities),
  companiesTouched: await time(`company facts, ${T} touched companies`, some.companies),
  facilitiesTouched: await time(`facility facts, ${T} touched companies`, some.facilities)
}
const out = {
  violations: N,
  companies: C,
  touched: T,
  materializeMs,
  ...Object.fromEntries(Object.entries(results).map(([k, v]) => [`${k}Ms`, v.ms])),
  rssMb: Math.round(process.memoryUsage().rss / 1e6),
  cpus: cpus().length,
  memGb: Math.round(totalmem() / 1e9),
  load: loadavg().map((l) => l.toFixed(2))
}
process.stdout.write(`${JSON.stringify(out)}\n`)
