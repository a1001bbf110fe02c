/**
 * Normalize benchmark: generate N OSHA violations (default 1M, seed 1) and time normalization.
 *
 *   pnpm exec tsx bench/normalize/run.ts [--violations 1000000] [--seed 1] [--modes csv,plan,cli,lookup]
 *                                        [--heap-mb 400]
 *
 * csv: the CSV reader alone; plan: the normalizer, outcomes dropped; cli: `ventureos normalize` writing
 * records and rejects as JSON Lines; lookup: heap held by the OSHA inspection Map.
 *
 * Each mode runs in a fresh `node` under `/usr/bin/time -v` (peak RSS of the whole process); results are
 * printed as a table on stderr and one JSON line on stdout. See README.md for the recorded numbers.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { generateOsha, type OshaGeneratorManifest } from "../../packages/testkit/src/index"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    modes: { type: "string", default: "csv,plan,cli,lookup" },
    // cap V8's old space (MB) to see how much of the peak RSS is live data rather than GC slack
    "heap-mb": { type: "string" },
    out: { type: "string" }
  }
})
const violations = Number(values.violations)
const seed = Number(values.seed)
const dir = resolve(values.out ?? `bench/out/osha-${violations}-s${seed}`)
const manifestPath = join(dir, "manifest.json")

let manifest: OshaGeneratorManifest
if (existsSync(manifestPath)) {
  manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as OshaGeneratorManifest
  process.stderr.write(`using generated files in ${dir}\n`)
} else {
  const t = performance.now()
  manifest = await generateOsha({ violations, seed, outDir: dir })
  process.stderr.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)}s -> ${dir}\n`)
}

const timeV = existsSync("/usr/bin/time")
const results: Array<Record<string, unknown>> = []
for (const mode of (values.modes ?? "").split(",").filter((m) => m !== "")) {
  const node = [
    process.execPath,
    "--import",
    "tsx",
    ...(mode === "lookup" ? ["--expose-gc"] : []),
    ...(values["heap-mb"] !== undefined ? [`--max-old-space-size=${values["heap-mb"]}`] : [])
  ]
  const args =
    mode === "cli"
      ? [
          ...node,
          join("packages", "adapters-node", "src", "bin.ts"),
          "normalize",
          join(dir, "osha_inspection.csv"),
          join(dir, "osha_violation.csv"),
          "--out",
          join(dir, "normalized", "records.jsonl")
        ]
      : [...node, join("bench", "normalize", "once.ts"), mode, dir]
  const started = performance.now()
  const r = timeV
    ? spawnSync("/usr/bin/time", ["-v", ...args], { encoding: "utf8" })
    : spawnSync(args[0]!, args.slice(1), { encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`)
  const seconds = (performance.now() - started) / 1000
  const last = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>
  const line: Record<string, unknown> =
    mode === "cli"
      ? {
          mode,
          rows: last.rows,
          seconds: Number(seconds.toFixed(2)),
          rowsPerSec: Math.round(Number(last.rows) / seconds),
          accepted: last.accepted,
          rejected: last.rejected,
          skipped: last.skipped
        }
      : last
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)
  if (rss) line.timeMaxRssMB = Math.round(Number(rss[1]) / 1024)
  results.push(line)
  process.stderr.write(`${JSON.stringify(line)}\n`)
}
process.stdout.write(
  `${JSON.stringify({ violations: manifest.violationRows, inspections: manifest.inspections, expected: manifest.expected, bytes: manifest.bytes, results })}\n`
)
