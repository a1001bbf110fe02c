import { migrateLake } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import { Effect, type Layer } from "effect"
import { type Args, emit, UsageError } from "../Args"
import { count } from "../Format"

/**
 * `ventureos lake migrate`: bring the silver tables to the current row format (content hash version) once.
 * Safe to run again and to resume after an interruption: tables already migrated are skipped.
 */
export const runLake = async (args: Args, layer: Layer.Layer<Lakehouse>): Promise<number> => {
  const [sub] = args.positionals
  if (sub !== "migrate") throw new UsageError(`lake needs migrate, got "${sub ?? ""}"`)
  let lastReport = 0
  const tables = await Effect.runPromise(
    migrateLake({
      onProgress: (table, done, total) => {
        const now = Date.now()
        if (now - lastReport < 2000 && done < total) return
        lastReport = now
        process.stderr.write(
          `${table}: ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows\n`
        )
      }
    }).pipe(Effect.provide(layer))
  )
  for (const t of tables)
    process.stderr.write(
      t.status === "migrated"
        ? `${t.table}: content hash v${t.from} -> v${t.to}, ${count(t.rows, "row")} rewritten (${count(t.leaner, "row")} had blank details)\n`
        : t.status === "absent"
          ? `${t.table}: no such table\n`
          : `${t.table}: already at content hash v${t.to}${t.status === "empty" ? " (empty)" : ""}\n`
    )
  emit({ tables })
  return 0
}
