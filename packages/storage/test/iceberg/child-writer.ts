/**
 * A writer in its own process (for concurrency and crash tests):
 *   child-writer.ts <warehouse> <offset> <count> <source-id> [crash-point]
 * Prints "writing" right before the write starts and "done <tag>" when finished. With a crash point the
 * process SIGKILLs itself when the catalog publishes the next metadata version: `before-publish` (files,
 * manifests and manifest list written, metadata not yet linked) or `after-publish` (linked, hint not updated).
 */
import fsp from "node:fs/promises"
import { syncBuiltinESMExports } from "node:module"
import { Effect, ManagedRuntime } from "effect"
import { Lakehouse } from "../../src/Lakehouse"
import { lakehouseLayer, makeViolations } from "./helpers"

const [warehouse, offset, count, source, crashAt] = process.argv.slice(2)
if (crashAt !== undefined) {
  const link = fsp.link
  fsp.link = async (from, to) => {
    if (crashAt === "before-publish") process.kill(process.pid, "SIGKILL")
    await link(from, to)
    if (crashAt === "after-publish") process.kill(process.pid, "SIGKILL")
  }
  syncBuiltinESMExports()
}
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
