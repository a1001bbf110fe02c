/**
 * Iceberg writer benchmark.
 *   pnpm exec tsx bench/iceberg/bench.ts [records=1000000] [maxSnapshots=1000]
 * 1. N synthetic silver records: Iceberg append (Parquet via DuckDB + manifests + commit) vs a plain DuckDB
 *    `COPY … TO parquet` of the same rows (same zstd compression).
 * 2. Plan + count of a table with 1, 100 and 1000 snapshots, from a cold process state (fresh runtime).
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { silverDefinition } from "../../packages/storage/src/Lakehouse"
import { type OpenLakehouse, open } from "../../packages/storage/src/LakehouseDuckDb"

const N = Number(process.argv[2] ?? 1_000_000)
const MAX_SNAPSHOTS = Number(process.argv[3] ?? 1000)
const dir = await fs.mkdtemp(path.join(os.tmpdir(), "vos-bench-"))
let h: OpenLakehouse = await open({ warehouse: dir })
const lh = () => h.lakehouse
const q = (sql: string) => h.run(lh().query(sql))
const countSql = async (table: string) => {
  const sql = await h.run(lh().scanSql(table))
  return Number((await q(`SELECT count(*)::BIGINT AS n FROM (${sql})`))[0]?.n)
}
const time = async <A>(f: () => Promise<A>): Promise<[number, A]> => {
  const t = performance.now()
  const a = await f()
  return [performance.now() - t, a]
}

const synth = (name: string, n: number) => `CREATE OR REPLACE TABLE ${name} AS SELECT
  'osha:osha_violation:' || i AS violation_id, 'osha' AS agency, 'osha_violation' AS source_dataset,
  i::VARCHAR AS source_record_id, 'COMPANY ' || (i % 50000) AS company_name, 'company-' || (i % 50000) AS company_slug,
  i || ' MAIN ST' AS address, 'CITY ' || (i % 3000) AS city, 'CA' AS state, lpad((i % 99999)::VARCHAR, 5, '0') AS zip,
  '236220' AS naics, NULL::VARCHAR AS sic, DATE '2000-01-01' + (i % 9000)::INT AS event_date,
  DATE '2000-01-01' + (i % 9000)::INT AS opened_date, NULL::DATE AS closed_date,
  ((i % 100000) * 1.25)::DECIMAL(18,2) AS penalty_initial, ((i % 90000) * 1.25)::DECIMAL(18,2) AS penalty_current,
  'serious' AS violation_type, 'S' AS violation_type_code, CASE i % 3 WHEN 0 THEN 'open' ELSE 'closed' END AS status,
  CASE WHEN i % 4 = 0 THEN 'description of violation ' || i ELSE NULL END AS description,
  '{"standard":"1910.' || (i % 1000) || '"}' AS violation_details, 'city-' || (i % 3000) || '-ca' AS city_slug,
  md5(i::VARCHAR) AS content_hash, 'osha_violation.csv' AS source_file, (i + 2)::BIGINT AS source_row,
  'osha' AS normalizer_id, '1.0.0' AS normalizer_version, TIMESTAMPTZ '2026-11-28 00:00:00+00' AS ingested_at
FROM range(${n}) t(i)`

const out: Record<string, unknown> = {
  records: N,
  command: `pnpm exec tsx bench/iceberg/bench.ts ${N} ${MAX_SNAPSHOTS}`,
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAvgAtStart: os.loadavg().map((x) => +x.toFixed(1))
  }
}
console.log(`warehouse ${dir}; ${N} records; ${os.cpus().length} cpus (${os.cpus()[0]?.model})`)

// --- 1. append vs plain COPY (best of 2 runs each, alternating, fresh tables) -------------------------
await q(synth("synth", N))
const plain: Array<number> = []
const plainPartitioned: Array<number> = []
const iceberg: Array<number> = []
const icebergUnpartitioned: Array<number> = []
for (let r = 0; r < 5; r++) {
  const p = path.join(dir, `plain-${r}.parquet`)
  plain.push(
    (await time(() => q(`COPY (SELECT * FROM synth) TO '${p}' (FORMAT parquet, COMPRESSION zstd)`)))[0]
  )
  const pp = path.join(dir, `plain-part-${r}`)
  plainPartitioned.push(
    (
      await time(() =>
        q(
          `COPY (SELECT *, year(event_date) AS y FROM synth) TO '${pp}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (y), FILENAME_PATTERN '{uuid}')`
        )
      )
    )[0]
  )
  const t = `silver.append_${r}`
  await h.run(lh().createTable(t, silverDefinition))
  iceberg.push((await time(() => h.run(lh().writeQuery(t, "SELECT * FROM synth"))))[0])
  // same files as the plain COPY (one unpartitioned file): isolates the cost of Iceberg itself
  const u = `silver.unpartitioned_${r}`
  await h.run(lh().createTable(u, { ...silverDefinition, partitionBy: [] }))
  icebergUnpartitioned.push((await time(() => h.run(lh().writeQuery(u, "SELECT * FROM synth"))))[0])
}
const best = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! // median
out.runsMs = { plain, plainPartitioned, iceberg, icebergUnpartitioned }
const rowsBack = await countSql("silver.append_1")
const plan1 = await h.run(lh().plan("silver.append_1"))
out.append = {
  plainCopyMs: Math.round(best(plain)),
  plainPartitionedCopyMs: Math.round(best(plainPartitioned)),
  icebergAppendMs: Math.round(best(iceberg)),
  icebergUnpartitionedAppendMs: Math.round(best(icebergUnpartitioned)),
  ratio: +(best(iceberg) / best(plain)).toFixed(2),
  ratioUnpartitioned: +(best(icebergUnpartitioned) / best(plain)).toFixed(2),
  ratioVsPartitionedCopy: +(best(iceberg) / best(plainPartitioned)).toFixed(2),
  rowsReadBack: rowsBack,
  dataFiles: plan1.dataFiles.length
}
console.log("append", out.append)
await q("DROP TABLE synth")

// --- 2. plan + count with 1 / 100 / 1000 snapshots ----------------------------------------------------
await q(synth("small", 10 * MAX_SNAPSHOTS))
await h.run(lh().createTable("silver.history", silverDefinition))
const planning: Array<Record<string, unknown>> = []
const measure = async (snapshots: number) => {
  await h.close()
  h = await open({ warehouse: dir }) // cold: no cached manifests
  const [planMs, plan] = await time(() => h.run(lh().plan("silver.history")))
  const [countMs, rows] = await time(() => countSql("silver.history"))
  const r = {
    snapshots,
    planMs: Math.round(planMs),
    planPlusCountMs: Math.round(planMs + countMs),
    manifests: plan.stats.manifests,
    dataFiles: plan.dataFiles.length,
    rows
  }
  console.log("planning", r)
  planning.push(r)
  // the measuring runtime has no "small" table: recreate it for further appends
  await q(synth("small", 10 * MAX_SNAPSHOTS))
}
const appendTimes: Array<number> = []
for (let s = 1; s <= MAX_SNAPSHOTS; s++) {
  const [ms] = await time(() =>
    h.run(
      lh().writeQuery(
        "silver.history",
        `SELECT * FROM small WHERE source_row BETWEEN ${(s - 1) * 10 + 2} AND ${s * 10 + 1}`
      )
    )
  )
  appendTimes.push(ms)
  if (s === 1 || s === 100 || s === 1000 || s === MAX_SNAPSHOTS) {
    if (!planning.some((p) => p.snapshots === s)) await measure(s)
  }
}
// the same 1000-snapshot history with its data compacted: what remains is the cost of history itself
await h.run(lh().compact("silver.history"))
await measure(MAX_SNAPSHOTS + 1)
out.planning = planning
out.loadAvgAtEnd = os.loadavg().map((x) => +x.toFixed(1))
out.smallAppendMs = {
  first100Avg: Math.round(
    appendTimes.slice(0, 100).reduce((a, b) => a + b, 0) / Math.min(100, appendTimes.length)
  ),
  last100Avg: Math.round(
    appendTimes.slice(-100).reduce((a, b) => a + b, 0) / Math.min(100, appendTimes.length)
  )
}
console.log(JSON.stringify(out, null, 2))
await fs.mkdir(path.join(import.meta.dirname, "../out"), { recursive: true })
await fs.writeFile(path.join(import.meta.dirname, "../out/iceberg.json"), JSON.stringify(out, null, 2))
await h.close()
await fs.rm(dir, { recursive: true, force: true })
