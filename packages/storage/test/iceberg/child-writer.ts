/**
 * A writer in its own process (for concurrency and crash tests):
 *   child-writer.ts <warehouse> <offset> <count> <source-id>
 * Prints "writing" right before the commit starts and "done <tag>" when finished.
 */
import { Effect, ManagedRuntime } from "effect"
import { Lakehouse } from "../../src/Lakehouse"
import { lakehouseLayer, makeViolations } from "./helpers"

const [warehouse, offset, count, source] = process.argv.slice(2)
const rt = ManagedRuntime.make(lakehouseLayer(warehouse!))
const records = makeViolations(Number(count), Number(offset), "osha")
const out = await rt.runPromise(
  Effect.gen(function* () {
    const lh = yield* Lakehouse
    yield* lh.ensureTable(
      "silver.osha",
      (yield* Effect.promise(() => import("../../src/Lakehouse"))).silverDefinition
    )
    process.stdout.write("writing\n")
    return yield* lh.write("silver.osha", records, { mode: "upsert", source: { id: source! } })
  })
)
process.stdout.write(`done ${out._tag}\n`)
await rt.dispose()
