/**
 * Pipeline benchmark (issue 4). One run, same generated files:
 *  1. floor: DuckDB converting the OSHA CSVs to Parquet with no processing;
 *  2. historical ingest of N violations end to end (CLI in a child process: wall time, peak RSS);
 *  3. replay of the same files (must be a no-op);
 *  4. a daily file of D rows on top of a small history (S) and on top of the big history (N or --big), lake
 *     only (`--mode historical`), and as a user runs it (`--mode daily`: entity map, live feed, stats,
 *     profiles, Top-10 lists, offender scores and leaderboards in the embedded DynamoDB) on a copy of each
 *     history whose serving store `serving rebuild` filled first;
 *  5. peak RSS while ingesting the big history;
 *  6. with `--epa N`: the EPA floor (DuckDB converting the generated NPDES + ECHO case CSVs to Parquet) and
 *     the historical ingest of those N rows (both files), then its replay. `--violations 0` skips 1-5.
 *  7. with `--faa N`: the same for a generated FAA closed enforcement case report of N rows.
 *
 *   pnpm exec tsx bench/pipeline/run.ts [--violations 1000000] [--big 5000000] [--small 100000] [--daily 10000]
 *     [--epa 0] [--faa 0] [--serving yes|no]
 *
 * Results are printed as JSON (last stdout line) and belong in bench/pipeline/README.md.
 */
import { execFileSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { DuckDBInstance } from "@duckdb/node-api"
import { generateEpa, generateFaa, generateOsha } from "../../packages/testkit/src/index"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "1000000" },
    big: { type: "string", default: "5000000" },
    small: { type: "string", default: "100000" },
    daily: { type: "string", default: "10000" },
    epa: { type: "string", default: "0" },
    faa: { type: "string", default: "0" },
    // "no": skip the `--mode daily` runs of step 4 (each needs a `serving rebuild` of its history first, which
    // at 5M rows takes longer than everything else together)
    serving: { type: "string", default: "yes" },
    out: { type: "string", default: "bench/out" }
  }
})
const root = resolve(import.meta.dirname, "..", "..")
const out = resolve(root, values.out ?? "bench/out")
const N = Number(values.violations)
const BIG = Number(values.big)
const SMALL = Number(values.small)
const DAILY = Number(values.daily)
const EPA = Number(values.epa)
const FAA = Number(values.faa)
const SERVING = values.serving !== "no"
const log = (s: string) => process.stderr.write(`${s}\n`)

const dataset = async (violations: number, seed: number) => {
  const dir = join(out, `osha-${violations}-s${seed}`)
  if (!existsSync(join(dir, "manifest.json"))) {
    log(`generating ${violations.toLocaleString("en-US")} violations (seed ${seed}) -> ${dir}`)
    await generateOsha({ violations, seed, outDir: dir })
  }
  return { dir, files: [join(dir, "osha_violation.csv"), join(dir, "osha_inspection.csv")] }
}

let runs = 0
/**
 * Run the CLI in a child process under /usr/bin/time: wall seconds, CPU seconds, peak RSS, the peak size of
 * its temporary directory (a fresh TMPDIR: staging, scratch Parquet and DuckDB's spill; sampled every 0.2 s;
 * hard links to archived files take no space and are not counted) and its JSON summary.
 */
const timedRss = (home: string, args: ReadonlyArray<string>) => {
  const tmp = join(out, "pipeline-work", `tmp-${runs++}`)
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const started = performance.now()
  const res = (() => {
    try {
      return execFileSync(
        "bash",
        [
          "-c",
          `( m=0; while :; do s=$(find "$TMPDIR" -type f -links 1 -printf "%s\\n" 2>/dev/null | awk "{t+=\\$1} END {printf \\"%.0f\\\\n\\", t}"); if [ "\${s:-0}" -gt "$m" ]; then m=$s; echo $m > "$TMPDIR.peak"; fi; sleep 0.2; done ) & S=$!
           /usr/bin/time -v "$@" 2>&1 1>"$TMPDIR.stdout" | grep -E "Maximum resident|User time|System time"; kill $S; true`,
          "x",
          // what `pnpm ventureos` runs: the CLI's bundle (built before the first measurement)
          join(root, "node_modules/.bin/node"),
          join(root, "scripts/ventureos.mjs"),
          ...args
        ],
        {
          cwd: root,
          env: {
            ...process.env,
            VENTUREOS_HOME: home,
            TMPDIR: tmp,
            PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}`
          },
          encoding: "utf8",
          maxBuffer: 1 << 30
        }
      )
    } catch (e) {
      throw new Error(`ventureos ${args.join(" ")} failed: ${String(e)}`)
    }
  })()
  const seconds = (performance.now() - started) / 1000
  const kb = Number(/Maximum resident[^\d]*(\d+)/.exec(res)?.[1] ?? "0")
  const cpu =
    Number(/User time[^\d]*([\d.]+)/.exec(res)?.[1] ?? "0") +
    Number(/System time[^\d]*([\d.]+)/.exec(res)?.[1] ?? "0")
  // next to the run's TMPDIR, not in a fixed /tmp file another benchmark running at the same time would overwrite
  const stdout = readFileSync(`${tmp}.stdout`, "utf8")
  rmSync(`${tmp}.stdout`, { force: true })
  const summary = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}")
  const scratch = existsSync(`${tmp}.peak`) ? Number(readFileSync(`${tmp}.peak`, "utf8").trim()) : 0
  rmSync(tmp, { recursive: true, force: true })
  return {
    seconds: +seconds.toFixed(2),
    // CPU seconds (user + system, all threads): comparable across runs on a busy machine, unlike wall time
    cpuSeconds: +cpu.toFixed(2),
    peakRssMB: Math.round(kb / 1024),
    scratchPeakMB: Math.round(scratch / 2 ** 20),
    load: load(),
    summary
  }
}

/** The 1-minute load average, with the machine's core count: a figure from a busy machine says so. */
const load = () => `${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`

const floor = async (files: ReadonlyArray<string>, dir: string) => {
  const db = await DuckDBInstance.create(":memory:")
  const c = await db.connect()
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  for (const f of files) {
    const target = join(dir, `${f.split("/").at(-1)}.parquet`)
    await c.run(
      `COPY (SELECT * FROM read_csv('${f}', delim = ',', quote = '"', escape = '"', strict_mode = false, all_varchar = true, header = true, ignore_errors = true)) TO '${target}' (FORMAT parquet, COMPRESSION zstd)`
    )
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpu0)
  c.closeSync()
  db.closeSync()
  return {
    seconds: +seconds.toFixed(2),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    load: load()
  }
}

const results: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version
  },
  command: `pnpm exec tsx bench/pipeline/run.ts --violations ${N} --big ${BIG} --small ${SMALL} --daily ${DAILY} --epa ${EPA} --faa ${FAA}`
}
const work = join(out, "pipeline-work")
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

/**
 * 6 and 7: another agency's generated files (seed 1, made once per size and kept in `--out`): floor, historical
 * ingest, replay. `generate` writes the files into `dir` (and its manifest.json) and names them.
 */
const agencyRun = async (
  agency: string,
  rows: number,
  generate: (dir: string) => Promise<unknown>,
  filesOf: (dir: string, manifest: Record<string, unknown>) => ReadonlyArray<string>
) => {
  const dir = join(out, `${agency.toLowerCase()}-${rows}-s1`)
  if (!existsSync(join(dir, "manifest.json"))) {
    log(`generating ${rows.toLocaleString("en-US")} ${agency} rows (seed 1) -> ${dir}`)
    await generate(dir)
  }
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))
  const files = filesOf(dir, manifest)
  const floorRun = await floor(files, work)
  log(
    `${agency} floor: DuckDB CSV -> Parquet of ${rows} rows: ${floorRun.seconds}s (${floorRun.cpuSeconds} CPU s, load ${floorRun.load})`
  )
  const home = join(work, `home-${agency.toLowerCase()}`)
  const ingest = timedRss(home, ["ingest", ...files, "--mode", "historical", "--date", "2026-01-01"])
  log(
    `${agency} historical ingest ${rows}: ${ingest.seconds}s (${ingest.cpuSeconds} CPU s, load ${ingest.load}), peak RSS ${ingest.peakRssMB} MB, scratch ${ingest.scratchPeakMB} MB`
  )
  // a failed run (e.g. the engine out of memory) also exits quickly: its time must not pass for a result
  if (ingest.summary.ok === false)
    throw new Error(`${agency} historical ingest failed: ${JSON.stringify(ingest.summary).slice(0, 500)}`)
  const again = timedRss(home, ["ingest", ...files, "--mode", "historical", "--date", "2026-01-01"])
  log(`${agency} replay: ${again.seconds}s (${again.cpuSeconds} CPU s, load ${again.load})`)
  return {
    rows,
    expected: manifest.expected,
    floor: floorRun,
    ingestSeconds: ingest.seconds,
    ingestCpuSeconds: ingest.cpuSeconds,
    load: ingest.load,
    ratioToFloor: +(ingest.seconds / floorRun.seconds).toFixed(2),
    cpuRatioToFloor: +(ingest.cpuSeconds / floorRun.cpuSeconds).toFixed(2),
    peakRssMB: ingest.peakRssMB,
    inputMB: Math.round(files.reduce((n, f) => n + statSync(f).size, 0) / 2 ** 20),
    scratchPeakMB: ingest.scratchPeakMB,
    summary: ingest.summary,
    replay: { seconds: again.seconds, cpuSeconds: again.cpuSeconds, load: again.load, summary: again.summary }
  }
}
/** 6: EPA (NPDES formal actions + ECHO cases). */
const epa = (rows: number) =>
  agencyRun(
    "EPA",
    rows,
    (outDir) => generateEpa({ rows, seed: 1, outDir }),
    (dir, m) => {
      const f = m.files as { npdes: string; cases: string }
      return [join(dir, f.npdes), join(dir, f.cases)]
    }
  )
/** 7: FAA (one closed enforcement case report). */
const faa = (rows: number) =>
  agencyRun(
    "FAA",
    rows,
    (outDir) => generateFaa({ rows, seed: 1, outDir }),
    (dir, m) => [join(dir, String(m.file))]
  )
if (EPA > 0 || FAA > 0)
  // build the CLI's bundle outside the measurements (as the first `pnpm ventureos` after a change does)
  execFileSync(join(root, "node_modules/.bin/node"), [join(root, "scripts/ventureos.mjs"), "--help"], {
    cwd: root,
    stdio: "ignore"
  })
if (EPA > 0) results.epa = await epa(EPA)
if (FAA > 0) results.faa = await faa(FAA)
if (N === 0) {
  process.stdout.write(`${JSON.stringify(results)}\n`)
  process.exit(0)
}

// 1 + 2 + 3
const main = await dataset(N, 1)
// build the CLI's bundle outside the measurements (as the first `pnpm ventureos` after a change does)
execFileSync(join(root, "node_modules/.bin/node"), [join(root, "scripts/ventureos.mjs"), "--help"], {
  cwd: root,
  stdio: "ignore"
})
const floorRun = await floor(main.files, work)
const floorSeconds = floorRun.seconds
log(
  `floor: DuckDB CSV -> Parquet of ${N} violations + inspections: ${floorSeconds}s (${floorRun.cpuSeconds} CPU s, load ${floorRun.load})`
)
const homeN = join(work, "home-n")
const ingestN = timedRss(homeN, ["ingest", ...main.files, "--mode", "historical", "--date", "2026-01-01"])
log(
  `historical ingest ${N}: ${ingestN.seconds}s (${ingestN.cpuSeconds} CPU s, load ${ingestN.load}), peak RSS ${ingestN.peakRssMB} MB, scratch ${ingestN.scratchPeakMB} MB`
)
const replay = timedRss(homeN, ["ingest", ...main.files, "--mode", "historical", "--date", "2026-01-01"])
log(`replay: ${replay.seconds}s (${replay.cpuSeconds} CPU s, load ${replay.load})`)
results.historical = {
  violations: N,
  floor: floorRun,
  ingestSeconds: ingestN.seconds,
  ingestCpuSeconds: ingestN.cpuSeconds,
  load: ingestN.load,
  ratioToFloor: +(ingestN.seconds / floorSeconds).toFixed(2),
  cpuRatioToFloor: +(ingestN.cpuSeconds / floorRun.cpuSeconds).toFixed(2),
  peakRssMB: ingestN.peakRssMB,
  inputMB: Math.round(main.files.reduce((n, f) => n + statSync(f).size, 0) / 2 ** 20),
  scratchPeakMB: ingestN.scratchPeakMB,
  rowsPerSecond: Math.round(N / ingestN.seconds),
  summary: ingestN.summary
}
results.replay = {
  seconds: replay.seconds,
  cpuSeconds: replay.cpuSeconds,
  load: replay.load,
  ratioToFirst: +(replay.seconds / ingestN.seconds).toFixed(3),
  summary: replay.summary
}

// 4: daily on top of small vs big history
const daily = await dataset(DAILY, 2)
const small = await dataset(SMALL, 1)
const homeS = join(work, "home-small")
timedRss(homeS, ["ingest", ...small.files, "--mode", "historical", "--date", "2026-01-01"])
/**
 * The daily file in `--mode daily` on a copy of a history (the lake-only run below changes the original): the
 * copy's serving store is rebuilt first, as after any historical backfill, so the sync updates what is there.
 */
const dailyServing = (home: string, name: string) => {
  const copy = join(work, name)
  rmSync(copy, { recursive: true, force: true })
  cpSync(home, copy, { recursive: true })
  const rebuild = timedRss(copy, ["serving", "rebuild"])
  log(`serving rebuild of ${name}: ${rebuild.seconds}s (${rebuild.cpuSeconds} CPU s)`)
  const run = timedRss(copy, ["ingest", ...daily.files, "--mode", "daily", "--date", "2026-01-02"])
  log(`daily (serving) on ${name}: ${run.seconds}s (${run.cpuSeconds} CPU s)`)
  return { rebuild, run }
}
const servingSmall = SERVING ? dailyServing(homeS, "home-small-daily") : undefined
const dailySmall = timedRss(homeS, ["ingest", ...daily.files, "--mode", "historical", "--date", "2026-01-02"])
const big = BIG === N ? main : await dataset(BIG, 1)
const homeB = BIG === N ? homeN : join(work, "home-big")
let bigIngest: ReturnType<typeof timedRss> | undefined
if (BIG !== N) {
  bigIngest = timedRss(homeB, ["ingest", ...big.files, "--mode", "historical", "--date", "2026-01-01"])
  log(`historical ingest ${BIG}: ${bigIngest.seconds}s, peak RSS ${bigIngest.peakRssMB} MB`)
}
const servingBig = SERVING ? dailyServing(homeB, "home-big-daily") : undefined
const dailyBig = timedRss(homeB, ["ingest", ...daily.files, "--mode", "historical", "--date", "2026-01-02"])
const servingOf = (m: ReturnType<typeof dailyServing>, history: number) => ({
  history,
  seconds: m.run.seconds,
  cpuSeconds: m.run.cpuSeconds,
  load: m.run.load,
  peakRssMB: m.run.peakRssMB,
  rebuild: { seconds: m.rebuild.seconds, cpuSeconds: m.rebuild.cpuSeconds, load: m.rebuild.load },
  summary: m.run.summary
})
results.daily = {
  rows: DAILY,
  onSmallHistory: {
    history: SMALL,
    seconds: dailySmall.seconds,
    cpuSeconds: dailySmall.cpuSeconds,
    load: dailySmall.load,
    summary: dailySmall.summary
  },
  onBigHistory: {
    history: BIG,
    seconds: dailyBig.seconds,
    cpuSeconds: dailyBig.cpuSeconds,
    load: dailyBig.load,
    summary: dailyBig.summary
  },
  ratio: +(dailyBig.seconds / dailySmall.seconds).toFixed(2),
  // `--mode daily` (serving included), each after a `serving rebuild` of its history
  ...(servingSmall !== undefined && servingBig !== undefined
    ? {
        servingOnSmallHistory: servingOf(servingSmall, SMALL),
        servingOnBigHistory: servingOf(servingBig, BIG),
        servingRatio: +(servingBig.run.seconds / servingSmall.run.seconds).toFixed(2),
        servingCpuRatio: +(servingBig.run.cpuSeconds / servingSmall.run.cpuSeconds).toFixed(2)
      }
    : {})
}
if (bigIngest)
  results.big = {
    violations: BIG,
    seconds: bigIngest.seconds,
    cpuSeconds: bigIngest.cpuSeconds,
    load: bigIngest.load,
    peakRssMB: bigIngest.peakRssMB
  }
process.stdout.write(`${JSON.stringify(results)}\n`)
