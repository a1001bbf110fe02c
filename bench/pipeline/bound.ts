/**
 * A lower bound for the OSHA historical ingest under issue 12's data model, measured with DuckDB alone (no
 * VentureOS code) on the same generated files as `run.ts`:
 *  1. the floor: both CSVs to zstd Parquet, as `run.ts` measures it;
 *  2. from those Parquet files, the least a silver row needs beyond the floor, one pass each, each adding one
 *     piece: every violation joined with its inspection and written as one row (a); with its details as JSON
 *     text, DuckDB's cheapest JSON (`to_json` of a struct of the raw cells: no per-key rules, blanks kept) (b);
 *     and the md5 content hash over that text (c; decision 4 of the issue: md5 or a 128-bit hash), measured on
 *     (b)'s stored text less the cost of reading it.
 * The real ingest also validates and normalizes every field, accounts for every row, finds duplicates, commits
 * Iceberg metadata, writes gold and resolves names; none of that is here. So floor + (b) + (c) is a bound below
 * which no implementation of "details as JSON text + a content hash over it" can go on this machine.
 *  3. The same for the contract the README proposes instead: the raw cells kept once, typed, as a struct column
 *     beside a dozen core columns (Parquet nested columns; an Iceberg struct or v3 variant), no JSON text built,
 *     and the md5 over the raw cells: from the floor's Parquet files (d, today's two passes), and in one pass
 *     straight from the CSVs (e, "records written straight into silver"), with (e') the same one pass building
 *     today's JSON details and md5 for comparison, and (d') the raw cells kept twice (as columns and struct).
 *
 *   pnpm exec tsx bench/pipeline/bound.ts [--violations 1000000] [--out bench/out]
 */
import { existsSync, mkdirSync, rmSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { DuckDBInstance } from "@duckdb/node-api"
import { generateOsha } from "../../packages/testkit/src/index"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "1000000" },
    out: { type: "string", default: "bench/out" }
  }
})
const root = resolve(import.meta.dirname, "..", "..")
const out = resolve(root, values.out ?? "bench/out")
const N = Number(values.violations)
const dir = join(out, `osha-${N}-s1`)
if (!existsSync(join(dir, "manifest.json"))) await generateOsha({ violations: N, seed: 1, outDir: dir })
const work = join(out, "bound-work")
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const db = await DuckDBInstance.create(":memory:")
const c = await db.connect()
const rows: Array<{ step: string; seconds: number; cpuSeconds: number }> = []
const step = async (name: string, sql: string) => {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  await c.run(sql)
  const cpu = process.cpuUsage(cpu0)
  const r = {
    step: name,
    seconds: +((performance.now() - t0) / 1000).toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2)
  }
  process.stderr.write(`${r.step}: ${r.seconds} s, ${r.cpuSeconds} CPU s\n`)
  rows.push(r)
}
const csv = (f: string) =>
  `read_csv('${join(dir, f)}', delim = ',', quote = '"', escape = '"', strict_mode = false, all_varchar = true, header = true, ignore_errors = true)`
const pq = (f: string) => `read_parquet('${join(work, f)}')`
const to = (f: string) => `TO '${join(work, f)}' (FORMAT parquet, COMPRESSION zstd)`

await step(
  "floor: violations CSV -> Parquet",
  `COPY (SELECT * FROM ${csv("osha_violation.csv")}) ${to("v.parquet")}`
)
await step(
  "floor: inspections CSV -> Parquet",
  `COPY (SELECT * FROM ${csv("osha_inspection.csv")}) ${to("i.parquet")}`
)
// a plain join: the generator repeats a few activity numbers, which the ingest resolves (last row wins) and this
// does not; the few extra rows only make the bound cheaper
const joined = (cols: string) =>
  `SELECT ${cols} FROM ${pq("v.parquet")} v LEFT JOIN (SELECT *, to_json(i)::VARCHAR AS ij FROM ${pq("i.parquet")} i) i USING (activity_nr)`
await step(
  "(a) join each violation with its inspection -> Parquet",
  `COPY (${joined("v.*, i.* EXCLUDE (ij)")}) ${to("a.parquet")}`
)
// the inspection's JSON is built once per inspection and spliced into its violations' JSON, as the ingest does
await step(
  "(b) (a) + details as JSON text",
  `COPY (${joined("v.*, i.* EXCLUDE (ij), concat(to_json(v)::VARCHAR, i.ij) AS details")}) ${to("b.parquet")}`
)
// the hash over (b)'s stored text, less the read it needs: md5's own cost (in one query with (b), DuckDB
// would build the JSON twice, once for the column and once for the hash)
await step("read (b)'s details", `SELECT max(length(details)) FROM ${pq("b.parquet")}`)
await step("(c) md5 over (b)'s details", `SELECT max(md5(details)) FROM ${pq("b.parquet")}`)
// the proposed contract: a dozen core columns, the raw cells once as a struct (no JSON text), md5 over the raw cells
const core =
  "v.activity_nr, v.citation_id, i.estab_name, i.site_address, i.site_city, i.site_state, i.site_zip, i.naics_code, v.issuance_date, v.current_penalty, v.initial_penalty, v.viol_type"
const proposed = (from: string) =>
  `SELECT *, md5(concat_ws(chr(31), *COLUMNS(* EXCLUDE (details)))) AS content_hash FROM (
     SELECT ${core}, {'violation': v, 'inspection': i} AS details ${from})`
await step(
  "(d) from the floor's Parquet: core columns + raw cells as a struct + md5 over them",
  `COPY (${proposed(`FROM ${pq("v.parquet")} v LEFT JOIN ${pq("i.parquet")} i USING (activity_nr)`)}) ${to("d.parquet")}`
)
// the raw cells twice, as columns and as the struct: why the contract keeps them once
await step(
  "(d') as (d), the raw cells also as columns",
  `COPY (SELECT *, md5(concat_ws(chr(31), *COLUMNS(* EXCLUDE (details)))) AS content_hash FROM (
     SELECT v.*, i.* EXCLUDE (activity_nr), {'violation': v, 'inspection': i} AS details
     FROM ${pq("v.parquet")} v LEFT JOIN ${pq("i.parquet")} i USING (activity_nr))) ${to("d2.parquet")}`
)
const fromCsv = `FROM ${csv("osha_violation.csv")} v LEFT JOIN ${csv("osha_inspection.csv")} i USING (activity_nr)`
await step("(e) one pass from the CSVs: as (d)", `COPY (${proposed(fromCsv)}) ${to("e.parquet")}`)
await step(
  "(e') one pass from the CSVs: today's JSON details + md5",
  `COPY (SELECT *, md5(details) AS content_hash FROM (
     SELECT v.*, i.* EXCLUDE (activity_nr), concat(to_json(v)::VARCHAR, to_json(i)::VARCHAR) AS details ${fromCsv})) ${to("e2.parquet")}`
)
const [size] = (
  await c.runAndReadAll(`SELECT avg(length(details))::INTEGER AS n FROM ${pq("b.parquet")}`)
).getRowObjectsJson()
c.closeSync()
db.closeSync()
rmSync(work, { recursive: true, force: true })

const floor = rows[0]!.seconds + rows[1]!.seconds
const floorCpu = rows[0]!.cpuSeconds + rows[1]!.cpuSeconds
const md5 = {
  seconds: rows[5]!.seconds - rows[4]!.seconds,
  cpuSeconds: rows[5]!.cpuSeconds - rows[4]!.cpuSeconds
}
const bound = floor + rows[3]!.seconds + Math.max(0, md5.seconds)
const boundCpu = floorCpu + rows[3]!.cpuSeconds + Math.max(0, md5.cpuSeconds)
const pick = (i: number) => ({
  seconds: +rows[i]!.seconds.toFixed(2),
  ratioToFloor: +(rows[i]!.seconds / floor).toFixed(2),
  cpuRatioToFloor: +(rows[i]!.cpuSeconds / floorCpu).toFixed(2)
})
const twoPass = {
  seconds: +(floor + rows[6]!.seconds).toFixed(2),
  ratioToFloor: +((floor + rows[6]!.seconds) / floor).toFixed(2),
  cpuRatioToFloor: +((floorCpu + rows[6]!.cpuSeconds) / floorCpu).toFixed(2)
}
console.log(
  JSON.stringify({
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    load: `${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`,
    command: `pnpm exec tsx bench/pipeline/bound.ts --violations ${N}`,
    steps: rows,
    detailsBytesPerRow: Number(size?.n),
    floor: { seconds: +floor.toFixed(2), cpuSeconds: +floorCpu.toFixed(2) },
    bound: {
      seconds: +bound.toFixed(2),
      cpuSeconds: +boundCpu.toFixed(2),
      ratioToFloor: +(bound / floor).toFixed(2),
      cpuRatioToFloor: +(boundCpu / floorCpu).toFixed(2)
    },
    proposedContract: {
      twoPasses: twoPass,
      rawCellsTwiceTwoPasses: {
        seconds: +(floor + rows[7]!.seconds).toFixed(2),
        ratioToFloor: +((floor + rows[7]!.seconds) / floor).toFixed(2)
      },
      onePass: pick(8),
      onePassWithJsonDetails: pick(9)
    }
  })
)
