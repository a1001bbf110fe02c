// A consumer of the published packages (run by scripts/consumer-test.ts in a project outside the
// workspace, with the packed tarballs installed by npm): ingest the fixture OSHA files into a filesystem
// lake and read a company's totals back from gold. Prints one JSON object on stdout.
//
//   node ingest.mjs <folder with osha_inspection.csv + osha_violation.csv> <lake folder>
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestFiles, layerLocal, Warehouse } from "@ventureos/pipeline"
import { layerFileSystem } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"

const [fixtures, home] = process.argv.slice(2)
if (fixtures === undefined || home === undefined) throw new Error("usage: node ingest.mjs <fixtures> <home>")

const lake = Layer.mergeAll(layerFileSystem(join(home, "lake")), layerLocal(join(home, "warehouse")))
const company = "COMPANY#calif-state-dept-corrections-prison-ind-authority"

const program = Effect.gen(function* () {
  const results = yield* ingestFiles(
    [join(fixtures, "osha_violation.csv"), join(fixtures, "osha_inspection.csv")],
    { registry: makeRegistry([oshaPlugin]), mode: "historical", date: "2024-01-02" }
  )
  const warehouse = yield* Warehouse
  const totals = yield* warehouse.goldTotals("company", [company])
  return { results, totals }
})

const { results, totals } = await Effect.runPromise(program.pipe(Effect.provide(lake)))
const all = totals.find((t) => t.agency === "all")
process.stdout.write(
  `${JSON.stringify({
    accepted: results.reduce((n, r) => n + r.accepted, 0),
    rejected: results.reduce((n, r) => n + r.rejected, 0),
    company,
    name: all?.name ?? null,
    violation_count: all?.violation_count ?? null,
    closed_count: all?.closed_count ?? null,
    penalty_initial_cents: all === undefined ? null : String(all.penalty_initial_cents),
    penalty_current_cents: all === undefined ? null : String(all.penalty_current_cents),
    first_event_date: all?.first_event_date ?? null,
    last_event_date: all?.last_event_date ?? null
  })}\n`
)
