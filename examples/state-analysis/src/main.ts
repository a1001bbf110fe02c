/**
 * `pnpm --filter @ventureos/example-state-analysis start [--state CA] [--by count|penalties]
 * [--agency all|osha|epa|faa] [--limit 10]`: ingest the bundled rows into `$VENTUREOS_HOME` (default
 * `./.ventureos`), then rank the state's companies with SQL over silver. Table on stderr, JSON on stdout.
 */
import { resolve } from "node:path"
import { parseArgs } from "node:util"
import { UsState } from "@ventureos/core"
import { Effect, ManagedRuntime, Schema } from "effect"
import { ingestFixtures, lakeLayer } from "./Lake"
import { renderTable } from "./Table"
import { type TopQuery, topOffenders } from "./TopOffenders"

const { values } = parseArgs({
  options: {
    state: { type: "string", default: "CA" },
    by: { type: "string", default: "count" },
    agency: { type: "string", default: "all" },
    limit: { type: "string", default: "10" }
  }
})
function usage(message: string): never {
  process.stderr.write(`state-analysis: ${message}\n`)
  process.exit(2)
}
const state = values.state.toUpperCase()
if (!Schema.is(UsState)(state)) usage(`--state must be a US state code such as CA, got "${values.state}"`)
const by =
  values.by === "count" || values.by === "penalties" ? values.by : usage("--by must be count or penalties")
const limit = Number(values.limit)
if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
  usage(`--limit must be 1..1000, got "${values.limit}"`)
const query: TopQuery = { state, by, agency: values.agency, limit }

const runtime = ManagedRuntime.make(lakeLayer(resolve(process.env.VENTUREOS_HOME ?? ".ventureos")))
try {
  const { batches, top } = await runtime.runPromise(
    Effect.all({ batches: ingestFixtures, top: topOffenders(query) })
  )
  for (const b of batches) process.stderr.write(`${b.key}: ${b.status}, ${b.accepted} records\n`)
  const title = `Top ${query.limit} companies in ${query.state} by ${query.by} (agency ${query.agency}), from silver:`
  process.stderr.write(`\n${renderTable(title, top)}\n\n`)
  process.stdout.write(`${JSON.stringify({ ...query, top })}\n`)
} finally {
  await runtime.dispose()
}
