import { migrateLake, type Warehouse } from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import { Effect, type Layer } from "effect"
import { type Args, emit, UsageError } from "../Args"
import { count } from "../Format"

/**
 * `ventureos lake migrate`: bring the silver tables to the current row format (content hash version) and
 * derivation (issue 12 decisions 1-2), then gold to a recomputation from silver, once. Safe to run again and
 * to resume after an interruption: tables already migrated are skipped.
 */
export const runLake = async (args: Args, layer: Layer.Layer<Lakehouse | Warehouse>): Promise<number> => {
  const [sub] = args.positionals
  if (sub !== "migrate") throw new UsageError(`lake needs migrate, got "${sub ?? ""}"`)
  let lastReport = 0
  const report = await Effect.runPromise(
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
  for (const t of report.tables) {
    process.stderr.write(
      t.status === "migrated"
        ? `${t.table}: content hash v${t.from} -> v${t.to}, ${count(t.rows, "row")} rewritten (${count(t.leaner, "row")} had blank details)\n`
        : t.status === "absent"
          ? `${t.table}: no such table\n`
          : `${t.table}: already at content hash v${t.to}${t.status === "empty" ? " (empty)" : ""}\n`
    )
    const d = t.derivation
    if (d !== undefined)
      process.stderr.write(
        d.status === "derived"
          ? `${t.table}: derivation v${d.from} -> v${d.to}, ${count(d.changed, "record")} re-derived (OSHA current penalty, EPA action id)\n`
          : `${t.table}: already at derivation v${d.to}\n`
      )
  }
  for (const g of report.gold)
    process.stderr.write(
      g.status === "derived"
        ? `${g.table}: rebuilt from silver (derivation v${g.from} -> v${g.to}, ${count(g.changed, "delta row")})\n`
        : `${g.table}: already at derivation v${g.to}\n`
    )
  if (report.gold.some((g) => g.status === "derived"))
    process.stderr.write(
      "serving: not updated by a migration; run `ventureos serving rebuild` to show the rebuilt totals in the API and the dashboards\n"
    )
  emit({ tables: report.tables, gold: report.gold })
  return 0
}
