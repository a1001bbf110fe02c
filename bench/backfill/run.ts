/**
 * Distributed backfill benchmark (issue 14, part 2). One run:
 *  1. commit time vs number of data files: ONE `commitFiles` of N synthetic data files into an empty table
 *     (N = 100 … 50,000), then 120 successive commits of 500 files each on a growing table (manifests merged
 *     once 100 have accumulated);
 *  2. `ventureos backfill --workers W --split-rows S` vs a single-process `ventureos ingest` of the same
 *     generated catalog (wall time; equal silver rows, content hashes and gold totals checked in SQL);
 *  3. time per work item (the workers' own time, from the run's item results; process start excluded).
 *
 *   pnpm exec tsx bench/backfill/run.ts [--violations 2000000] [--workers 4] [--split-rows 250000] [--skip-e2e]
 *
 * Results are printed as JSON (last stdout line) and belong in bench/backfill/README.md.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import type { DataFile } from "../../packages/iceberg/src/index"
import { silverDefinition } from "../../packages/storage/src/Lakehouse"
import { open } from "../../packages/storage/src/LakehouseDuckDb"
import { generateOsha } from "../../packages/testkit/src/index"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "2000000" },
    workers: { type: "string", default: "4" },
    "split-rows": { type: "string", default: "250000" },
    out: { type: "string", default: "bench/out" },
    "skip-e2e": { type: "boolean", default: false },
    "skip-commit": { type: "boolean", default: false },
    /** Only compare two existing homes (`--compare <ingest home>,<backfill home>`): their fingerprints. */
    compare: { type: "string" }
  }
})
const root = resolve(import.meta.dirname, "..", "..")
const out = resolve(root, values.out ?? "bench/out")
const N = Number(values.violations)
const W = Number(values.workers)
const S = Number(values["split-rows"])
const log = (s: string) => process.stderr.write(`${s}\n`)
const work = join(out, "backfill-work")
if (values.compare === undefined) {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
}

const results: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAtStart: loadavg().map((x) => +x.toFixed(2))
  },
  command: `pnpm exec tsx bench/backfill/run.ts --violations ${N} --workers ${W} --split-rows ${S}`
}

// 1. Commit time vs number of data files (metadata only: a commit never reads the data files).
const fakeFile = (i: number): DataFile => ({
  content: 0,
  filePath: `file:///nonexistent/data/f-${i}.parquet`,
  fileFormat: "PARQUET",
  partition: ["osha", 2 + (i % 50)],
  recordCount: 20_000n,
  fileSizeInBytes: 5_000_000n,
  columnSizes: new Map([[1, 100_000n]]),
  valueCounts: new Map([[1, 20_000n]]),
  nullValueCounts: new Map([[1, 0n]]),
  lowerBounds: new Map([[1, new TextEncoder().encode("osha-100000")]]),
  upperBounds: new Map([[1, new TextEncoder().encode("osha-999999")]])
})
const commitBench = async () => {
  const single: Array<{ files: number; ms: number }> = []
  for (const n of [100, 1_000, 10_000, 50_000]) {
    const h = await open({ warehouse: join(work, `commit-${n}`) })
    await h.run(h.lakehouse.ensureTable("silver.osha", silverDefinition))
    const files = Array.from({ length: n }, (_v, i) => fakeFile(i))
    const t0 = performance.now()
    await h.run(
      h.lakehouse.commitFiles("silver.osha", { data: files, deletes: [] }, { source: { id: `bench-${n}` } })
    )
    const ms = Math.round(performance.now() - t0)
    await h.close()
    single.push({ files: n, ms })
    log(`commit of ${n} data files: ${ms} ms`)
  }
  const h = await open({ warehouse: join(work, "commit-history") })
  await h.run(h.lakehouse.ensureTable("silver.osha", silverDefinition))
  const successive: Array<number> = []
  for (let k = 0; k < 120; k++) {
    const files = Array.from({ length: 500 }, (_v, i) => fakeFile(k * 500 + i))
    const t0 = performance.now()
    await h.run(
      h.lakehouse.commitFiles("silver.osha", { data: files, deletes: [] }, { source: { id: `bench-h-${k}` } })
    )
    successive.push(Math.round(performance.now() - t0))
  }
  await h.close()
  log(`120 successive commits of 500 files: ${successive.join(", ")} ms`)
  return { singleCommit: single, successiveCommitsOf500Files: successive }
}
if (!values["skip-commit"] && values.compare === undefined) results.commit = await commitBench()

// 2 + 3. Backfill vs single-process ingest on the same generated catalog.
/**
 * Run the CLI; `until`: stop timing (and stop the process) at the first stderr line matching it. The ingest
 * command goes on after its batch with the entity-map update (`updateEntities`, minutes on 2M rows), which is
 * not part of what a backfill does: its batch line marks the end of bronze -> silver -> gold.
 */
const cli = (home: string, args: ReadonlyArray<string>, until?: RegExp) =>
  new Promise<{ seconds: number; summary: Record<string, unknown> }>((res, rej) => {
    const t0 = performance.now()
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "packages/adapters-node/src/bin.ts"), ...args],
      { cwd: root, env: { ...process.env, VENTUREOS_HOME: home }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let stdout = ""
    let err = ""
    let seconds: number | undefined
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d)
      err += d.toString()
      if (until !== undefined && seconds === undefined && until.test(err)) {
        seconds = +((performance.now() - t0) / 1000).toFixed(2)
        child.kill("SIGTERM")
      }
    })
    child.on("close", (code) => {
      if (seconds === undefined && code !== 0) return rej(new Error(`ventureos ${args[0]} exited ${code}`))
      const last = stdout.trim().split("\n").at(-1)
      res({
        seconds: seconds ?? +((performance.now() - t0) / 1000).toFixed(2),
        summary: last === undefined || last === "" ? {} : (JSON.parse(last) as Record<string, unknown>)
      })
    })
  })

/** Order-independent fingerprints of silver and gold, computed in SQL over the lake at `home`. */
const fingerprint = async (home: string) => {
  const h = await open({ warehouse: join(home, "warehouse") })
  const q = (sql: string) => h.run(h.lakehouse.query(sql))
  try {
    const silver = await h.run(h.lakehouse.scanSql("silver.osha"))
    const [s] = await q(
      `SELECT count(*)::BIGINT AS rows, count(DISTINCT violation_id)::BIGINT AS ids,
         bit_xor(hash(violation_id, content_hash, source_file, source_row))::VARCHAR AS fingerprint FROM (${silver})`
    )
    const gold: Record<string, unknown> = {}
    for (const kind of ["company", "city", "state"]) {
      const g = await h.run(h.lakehouse.scanSql(`gold.${kind}_stats`))
      const [row] = await q(
        `SELECT count(*)::BIGINT AS entities, sum(v)::BIGINT AS violations, sum(p)::VARCHAR AS penalties,
           bit_xor(hash(entity_key, agency, v, o, c, p))::VARCHAR AS fingerprint FROM (
           SELECT entity_key, agency, sum(violation_count) AS v, sum(open_count) AS o, sum(closed_count) AS c,
             sum(penalty_current) AS p FROM (${g}) GROUP BY 1, 2)`
      )
      gold[kind] = row
    }
    return { silver: s, gold }
  } finally {
    await h.close()
  }
}

if (values.compare !== undefined) {
  const [a, b] = values.compare.split(",").map((h) => resolve(h))
  const [fa, fb] = [await fingerprint(a!), await fingerprint(b!)]
  process.stdout.write(
    `${JSON.stringify({ equal: JSON.stringify(fa) === JSON.stringify(fb), a: fa, b: fb })}\n`
  )
  process.exit(0)
}
if (!values["skip-e2e"]) {
  const dir = join(out, `osha-${N}-s1`)
  if (!existsSync(join(dir, "manifest.json"))) {
    log(`generating ${N.toLocaleString("en-US")} violations -> ${dir}`)
    await generateOsha({ violations: N, seed: 1, outDir: dir })
  }
  const files = [join(dir, "osha_violation.csv"), join(dir, "osha_inspection.csv")]
  const homeI = join(work, "home-ingest")
  const homeB = join(work, "home-backfill")
  log(`single-process ingest of ${N}…`)
  const ingest = await cli(
    homeI,
    ["ingest", ...files, "--mode", "historical", "--date", "2026-01-01"],
    /: ingested rows=\d+/
  )
  log(`  ${ingest.seconds} s`)
  log(`backfill --workers ${W} --split-rows ${S} of ${N}…`)
  const backfill = await cli(homeB, [
    "backfill",
    ...files,
    "--workers",
    String(W),
    "--split-rows",
    String(S),
    "--date",
    "2026-01-01"
  ])
  log(`  ${backfill.seconds} s`)
  const fi = await fingerprint(homeI)
  const fb = await fingerprint(homeB)
  const runId = String(backfill.summary.runId)
  const itemsDir = join(homeB, "lake", "backfill", runId, "osha-a1", "items")
  const items = readdirSync(itemsDir).map(
    (f) =>
      JSON.parse(readFileSync(join(itemsDir, f), "utf8")) as {
        item: number
        ms: number
        counts: { rows: number }
      }
  )
  const ms = items.map((i) => i.ms).sort((a, b) => a - b)
  results.endToEnd = {
    violations: N,
    workers: W,
    splitRows: S,
    ingestSeconds: ingest.seconds,
    backfillSeconds: backfill.seconds,
    speedup: +(ingest.seconds / backfill.seconds).toFixed(2),
    equal: JSON.stringify(fi) === JSON.stringify(fb),
    ingest: fi,
    backfill: fb,
    backfillSummary: backfill.summary,
    items: {
      n: items.length,
      msMin: ms[0],
      msMedian: ms[Math.floor(ms.length / 2)],
      msMax: ms.at(-1),
      rowsPerSecondPerWorker: Math.round(
        items.reduce((n, i) => n + i.counts.rows, 0) / (ms.reduce((n, x) => n + x, 0) / 1000)
      )
    },
    loadAtEnd: loadavg().map((x) => +x.toFixed(2))
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`)
