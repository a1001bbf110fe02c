/**
 * One measured normalization task, run in its own process so that peak RSS belongs to it alone.
 *   node --import tsx bench/normalize/once.ts <csv|plan|lookup> <dir with the generated files>
 * (The `cli` mode of run.ts runs the real `ventureos normalize` instead.)
 * Prints one JSON line: rows, seconds, rows/s, peak RSS (process.resourceUsage), heap figures.
 */
import { join } from "node:path"
import { makeRegistry, oshaPlugin, planNormalize, readCsvRows } from "../../packages/normalizers/src/index"

const [mode = "plan", dir = "bench/out/osha-1m"] = process.argv.slice(2)
const inspections = join(dir, "osha_inspection.csv")
const violations = join(dir, "osha_violation.csv")
const registry = makeRegistry([oshaPlugin])
const mb = (b: number) => Math.round(b / 1048576)
const gc = (globalThis as { gc?: () => void }).gc

const started = performance.now()
let rows = 0
const extra: Record<string, unknown> = {}

if (mode === "csv") {
  // the CSV reader alone, over both files
  for (const f of [inspections, violations]) for await (const b of readCsvRows(f)) rows += b.length
} else if (mode === "plan") {
  // the normalizer: every outcome produced and dropped (no output IO)
  const run = await planNormalize([inspections, violations], { registry })
  for await (const b of run.outcomes()) rows += b.length
  Object.assign(extra, {
    accepted: run.summary.accepted,
    rejected: run.summary.rejected,
    skipped: run.summary.skipped
  })
} else if (mode === "lookup") {
  // heap held by the OSHA inspection lookup: pause the run right after the first violation batch,
  // when the Map of every inspection is built and alive
  if (gc === undefined) throw new Error("run with --expose-gc")
  gc()
  const before = process.memoryUsage().heapUsed
  const run = await planNormalize([inspections, violations], { registry })
  const it = run.outcomes()[Symbol.asyncIterator]()
  await it.next()
  gc()
  const after = process.memoryUsage().heapUsed
  const n = run.summary.files.find((f) => f.dataset === "osha_inspection")!.rows
  Object.assign(extra, {
    inspections: n,
    heapMB: mb(after - before),
    bytesPerInspection: Math.round((after - before) / n)
  })
  await it.return?.()
}

const seconds = (performance.now() - started) / 1000
process.stdout.write(
  `${JSON.stringify({
    mode,
    rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSec: Math.round(rows / seconds),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...extra
  })}\n`
)
