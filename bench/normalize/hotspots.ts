/**
 * Per-row cost of the pieces of OSHA normalization, on records from generated files.
 *   pnpm exec tsx bench/normalize/hotspots.ts [dir]   (dir from run.ts or bench/generator/osha.ts)
 */
import { join } from "node:path"
import { Schema } from "../../packages/core/node_modules/effect/dist/index.js"
// bench/ is not a workspace package: reach the packages (and core's own `effect`) by path
import { companySlug, Violation } from "../../packages/core/src/index"
import {
  contentHash,
  isViolation as fastIsViolation,
  makeRegistry,
  oshaPlugin,
  planNormalize,
  readCsvRows
} from "../../packages/normalizers/src/index"

const dir = process.argv[2] ?? "bench/out/osha-100000-s1"
const N = 50_000

const time = (label: string, n: number, f: () => void) => {
  f() // warm up
  const t = performance.now()
  f()
  const us = ((performance.now() - t) * 1000) / n
  process.stderr.write(`${label.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/row\n`)
  return us
}

const run = await planNormalize([join(dir, "osha_inspection.csv"), join(dir, "osha_violation.csv")], {
  registry: makeRegistry([oshaPlugin])
})
const records: Array<Violation> = []
for await (const b of run.outcomes()) {
  for (const o of b) if (o._tag === "accepted" && records.length < N) records.push(o.record)
}
const n = records.length
const isViolation = Schema.is(Violation)
const result: Record<string, number> = {}
result.schemaIs = time("Schema.is(Violation)", n, () => {
  for (const r of records) if (!isViolation(r)) throw new Error("invalid")
})
result.isViolation = time("isViolation (split check used by finish)", n, () => {
  for (const r of records) if (!fastIsViolation(r)) throw new Error("invalid")
})
result.contentHash = time("contentHash (stable JSON + sha256)", n, () => {
  for (const r of records) contentHash(r)
})
result.jsonStringify = time("JSON.stringify(record) (JSONL output)", n, () => {
  for (const r of records) JSON.stringify(r)
})
result.companySlug = time("companySlug(name)", n, () => {
  for (const r of records) companySlug(r.company_name)
})
let rows = 0
const t = performance.now()
for await (const b of readCsvRows(join(dir, "osha_violation.csv"))) rows += b.length
result.csv = ((performance.now() - t) * 1000) / rows
process.stderr.write(
  `${"CSV reader (violation file)".padEnd(44)} ${result.csv.toFixed(2).padStart(8)} µs/row\n`
)
process.stdout.write(`${JSON.stringify(result)}\n`)
