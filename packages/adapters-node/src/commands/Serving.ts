import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { parseEntityKey } from "@ventureos/core"
import type { EntityMap } from "@ventureos/entities"
import {
  companyScoreKey,
  type EntityServingReport,
  EntityStore,
  type PendingSyncReport,
  pendingServing,
  type RebuildCheckpoint,
  type RebuildReport,
  rebuildServing,
  syncEntityServing,
  syncPendingServing,
  type Warehouse
} from "@ventureos/pipeline"
import { BrandConfig, ServingStore, tableDefinitions } from "@ventureos/serving"
import type { RawArchive } from "@ventureos/storage/archive"
import { Cause, Effect, type Layer, Option, Schema } from "effect"
import { type Args, emit, UsageError } from "../Args"
import { fit, money } from "../Format"
import { entityStoreLayer, ventureosHome } from "../Layers"
import { makeProgress } from "../Progress"

/**
 * The offender score's company mapping from the stored entity map (scores roll up by company as gold does),
 * or none while no name has been merged into another.
 */
export const loadScoreKey = async (): Promise<ReturnType<typeof companyScoreKey> | undefined> => {
  const entityMap = await Effect.runPromise(
    Effect.flatMap(EntityStore, (st) => st.load).pipe(
      Effect.provide(entityStoreLayer())
    ) as Effect.Effect<EntityMap>
  )
  const merged = Object.entries(entityMap.variants).some(([k, e]) => e.company !== k)
  return merged ? companyScoreKey(entityMap) : undefined
}

/** `ventureos serving setup|sync|feed <key>|entity <key>|brand get|put|delete|list|import`. */
export const runServing = async (
  args: Args,
  servingLayer: Layer.Layer<ServingStore, unknown>,
  warehouseLayer: () => Layer.Layer<Warehouse | RawArchive>
): Promise<number> => {
  const [sub, ...rest] = args.positionals
  const run = <A>(e: Effect.Effect<A, unknown, ServingStore>) =>
    Effect.runPromise(e.pipe(Effect.provide(servingLayer)) as Effect.Effect<A>)
  switch (sub) {
    case "setup": {
      await run(Effect.flatMap(ServingStore, (s) => s.setup))
      process.stderr.write("serving tables ready\n")
      emit({ setup: true, tables: tableDefinitions().map((t) => t.TableName) })
      return 0
    }
    case "tables": {
      // infrastructure-as-code export
      emit({ tables: tableDefinitions() })
      return 0
    }
    case "sync":
    case "rebuild": {
      try {
        // First the daily batches whose serving work is pending (live feeds included: gold has no feed),
        // then everything in gold -> serving (absolute values: re-running it writes nothing new), resumable.
        const scoreKey = await loadScoreKey()
        const pending = await Effect.runPromise(
          syncPendingServing(scoreKey === undefined ? {} : { scoreKey }).pipe(
            Effect.provide(servingLayer),
            Effect.provide(warehouseLayer())
          ) as Effect.Effect<PendingSyncReport>
        )
        if (pending.batches > 0)
          process.stderr.write(
            `serving: finished the pending serving work of ${pending.batches} batch(es) (${pending.feedWrites} feed writes)\n`
          )
        const file = join(ventureosHome(), "serving-rebuild.json")
        let resume: RebuildCheckpoint | undefined
        if (args.flags.has("restart")) rmSync(file, { force: true })
        else if (existsSync(file)) {
          resume = JSON.parse(readFileSync(file, "utf8")) as RebuildCheckpoint
          process.stderr.write(
            `resuming an interrupted rebuild after ${resume.kind} ${resume.lastKey} (--restart starts over)\n`
          )
        }
        const bars = new Map<string, ReturnType<typeof makeProgress>>()
        const report = await Effect.runPromise(
          rebuildServing({
            ...(resume === undefined ? {} : { resume }),
            ...(scoreKey === undefined ? {} : { scoreKey }),
            checkpoint: (c) => Effect.sync(() => writeFileSync(file, `${JSON.stringify(c)}\n`)),
            onProgress: (p) => {
              const label = `rebuild ${p.step === "top-lists" ? "top lists (scopes)" : p.step}`
              let bar = bars.get(label)
              if (bar === undefined) {
                bar = makeProgress(label, p.total, p.step === "top-lists" ? "scopes" : "entities")
                bars.set(label, bar)
              }
              if (p.done >= p.total) bar.done(p.done)
              else bar.update(p.done)
            }
          }).pipe(
            Effect.provide(servingLayer),
            Effect.provide(warehouseLayer())
          ) as Effect.Effect<RebuildReport>
        )
        rmSync(file, { force: true })
        process.stderr.write(
          `serving rebuilt from gold: ${report.entities.company.toLocaleString("en-US")} companies, ${report.entities.city.toLocaleString("en-US")} cities, ${report.entities.state.toLocaleString("en-US")} states; ${report.statsWritten.toLocaleString("en-US")} stats items written (${report.statsUnchanged.toLocaleString("en-US")} unchanged), ${report.topListsWritten.toLocaleString("en-US")} top lists\n`
        )
        // entity resolution: old keys of merged names answer as their company, merged profiles list them
        const entities = await Effect.runPromise(
          syncEntityServing().pipe(
            Effect.provide(servingLayer),
            Effect.provide(entityStoreLayer())
          ) as Effect.Effect<EntityServingReport>
        )
        process.stderr.write(
          `entities: ${entities.aliasesWritten.toLocaleString("en-US")} aliases, ${entities.profilesWritten.toLocaleString("en-US")} merged profiles written\n`
        )
        emit({ rebuild: true, ...report, pendingBatches: pending.batches, entityServing: entities })
        return 0
      } catch (e) {
        // One line and a JSON answer; pending batches stay recorded for the next run.
        const error = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300)
        const pending = await Effect.runPromise(
          pendingServing.pipe(
            Effect.map((p) => p.length),
            Effect.orElseSucceed(() => -1),
            Effect.provide(warehouseLayer())
          )
        )
        process.stderr.write(
          `ventureos: serving ${sub} failed: ${error}; ${pending} batch(es) still pending: run ventureos serving sync again\n`
        )
        emit({ ok: false, error, servingPending: pending })
        return 1
      }
    }
    case "feed":
    case "entity": {
      const key = rest[0]
      if (key === undefined)
        throw new UsageError(`serving ${sub} needs an entity key such as COMPANY#walmart-stores`)
      if (parseEntityKey(key) === undefined)
        throw new UsageError(
          `${JSON.stringify(key)} is not an entity key: expected COMPANY#<slug>, CITY#<city>-<st> or STATE#<st>, e.g. COMPANY#walmart-stores`
        )
      if (sub === "feed") {
        const items = await run(Effect.flatMap(ServingStore, (s) => s.getFeed(key)))
        for (const i of items)
          process.stderr.write(
            `  ${i.date} ${i.agency.padEnd(4)} ${fit(i.company_name, 40)} ${money(i.penalty_current).padStart(14)}  ${i.violation_id}\n`
          )
        emit({ entity: key, items })
        return 0
      }
      const view = await run(Effect.flatMap(ServingStore, (s) => s.getEntity(key)))
      if (Option.isNone(view)) {
        process.stderr.write(`ventureos: no entity ${key} in the serving store\n`)
        emit({ entity: key, found: false })
        return 1
      }
      emit({ entity: key, found: true, ...view.value })
      return 0
    }
    case "brand": {
      const [op, arg] = rest
      if (op === "list") {
        emit({ brands: await run(Effect.flatMap(ServingStore, (s) => s.listBrands)) })
        return 0
      }
      if (op === "get" || op === "delete") {
        if (arg === undefined) throw new UsageError(`serving brand ${op} needs a brand id`)
        if (op === "delete") {
          emit({ brand: arg, deleted: await run(Effect.flatMap(ServingStore, (s) => s.deleteBrand(arg))) })
          return 0
        }
        const b = await run(Effect.flatMap(ServingStore, (s) => s.getBrand(arg)))
        if (Option.isNone(b)) {
          process.stderr.write(`ventureos: no brand ${arg}\n`)
          emit({ brand: arg, found: false })
          return 1
        }
        emit({ brand: arg, found: true, config: b.value })
        return 0
      }
      if (op === "put" || op === "import") {
        if (arg === undefined) throw new UsageError(`serving brand ${op} needs a file`)
        const text = await readFile(arg, "utf8")
        if (op === "import") {
          const report = await run(Effect.flatMap(ServingStore, (s) => s.importLegacyBrands(text)))
          for (const p of report.problems) process.stderr.write(`  not mapped: ${JSON.stringify(p)}\n`)
          emit(report)
          return report.problems.length > 0 ? 1 : 0
        }
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch (e) {
          process.stderr.write(`ventureos: ${arg}: not JSON: ${(e as Error).message}\n`)
          return 2
        }
        const decoded = Schema.decodeUnknownExit(BrandConfig)(json)
        if (decoded._tag === "Failure") {
          const issue = String(Cause.squash(decoded.cause))
            .replace(/^SchemaError:\s*/, "")
            .replaceAll("\n", " ")
          process.stderr.write(
            `ventureos: ${arg}: not a valid brand config: ${issue} (fields: id, name, domain, colors {primary, secondary, accent, background, text}, layout dashboard|feed|leaderboard|map, navigation [{label, href}], agencies, updated_at)\n`
          )
          return 2
        }
        await run(Effect.flatMap(ServingStore, (s) => s.putBrand(decoded.value)))
        emit({ brand: decoded.value.id, put: true })
        return 0
      }
      throw new UsageError("serving brand needs get|put|delete|list|import")
    }
    default:
      throw new UsageError(`serving needs setup|tables|rebuild|sync|feed|entity|brand, got "${sub ?? ""}"`)
  }
}
