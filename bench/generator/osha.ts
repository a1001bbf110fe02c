/**
 * Generate OSHA enforcement-catalog files (osha_inspection.csv + osha_violation.csv + manifest.json).
 *
 *   pnpm exec tsx bench/generator/osha.ts --violations 1000000 --seed 1 --out bench/out/osha-1m
 *
 * Same seed and options -> the same bytes. The manifest's `expected` counts are what a correct
 * `ventureos normalize` must report for the two files. The last stdout line is the manifest as JSON.
 */
import { resolve } from "node:path"
import { parseArgs } from "node:util"
import { generateOsha } from "../../packages/testkit/src/index"

const { values } = parseArgs({
  options: {
    violations: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: "bench/out/osha" },
    "broken-rate": { type: "string", default: "0.0005" },
    "duplicate-rate": { type: "string", default: "0.0002" }
  }
})

const num = (name: string, v: string | undefined): number => {
  const n = Number(v)
  if (v === undefined || !Number.isFinite(n) || n < 0) {
    process.stderr.write(`generator: --${name} must be a non-negative number, got ${JSON.stringify(v)}\n`)
    process.exit(2)
  }
  return n
}

const violations = Math.round(num("violations", values.violations))
const outDir = resolve(values.out ?? "bench/out/osha")
const started = performance.now()
const manifest = await generateOsha({
  violations,
  seed: Math.round(num("seed", values.seed)),
  outDir,
  brokenRate: num("broken-rate", values["broken-rate"]),
  duplicateRate: num("duplicate-rate", values["duplicate-rate"])
})
const secs = (performance.now() - started) / 1000
process.stderr.write(
  `generated ${manifest.violationRows.toLocaleString("en-US")} violations / ${manifest.inspections.toLocaleString("en-US")} inspections in ${secs.toFixed(1)}s -> ${outDir}\n`
)
process.stdout.write(`${JSON.stringify({ outDir, seconds: Number(secs.toFixed(2)), ...manifest })}\n`)
