/**
 * Runnable example: normalize the bundled MSHA sample with the built-in plugins plus this one.
 * `pnpm --filter @ventureos/example-plugin-msha start [file.csv...]`
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { makeRegistry, oshaPlugin, planNormalize } from "@ventureos/normalizers"
import { mshaPlugin } from "./index"

const sample = join(dirname(fileURLToPath(import.meta.url)), "..", "data", "msha_violations.csv")
const files = process.argv.length > 2 ? process.argv.slice(2) : [sample]

const run = await planNormalize(files, { registry: makeRegistry([oshaPlugin, mshaPlugin]) })
for await (const batch of run.outcomes()) {
  for (const o of batch) {
    if (o._tag === "accepted")
      process.stderr.write(`${o.record.violation_id} ${o.record.company_slug} ${o.record.violation_type}\n`)
    else if (o._tag === "rejected")
      process.stderr.write(`rejected ${o.rejection.file}:${o.rejection.line} ${o.rejection.reason}\n`)
  }
}
const { rows, accepted, rejected, skipped } = run.summary
process.stdout.write(
  `${JSON.stringify({ agency: run.summary.agencies, rows, accepted, rejected, skipped })}\n`
)
