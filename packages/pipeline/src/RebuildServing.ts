import type { ServingStore, ServingStoreError } from "@ventureos/serving"
import { Effect } from "effect"
import type { EntityKind } from "./Gold"
import { type ScoreKey, type ScoreSyncReport, syncScores } from "./Score"
import { type EntitySyncReport, syncEntities, syncTopLists } from "./SyncServing"
import { Warehouse, type WarehouseError } from "./Warehouse"

/** Where a rebuild is: which kind, how many of its entities are done. */
export interface RebuildProgress {
  readonly step: EntityKind | "top-lists"
  readonly done: number
  readonly total: number
}

/**
 * A rebuild's resume point: the last completed batch (entities are visited in key order, so everything up to
 * `lastKey` of `kind`, and every kind before it, is done).
 */
export interface RebuildCheckpoint {
  readonly kind: EntityKind
  readonly lastKey: string
}

/** What a rebuild wrote. */
export interface RebuildReport extends EntitySyncReport, ScoreSyncReport {
  readonly entities: { readonly company: number; readonly city: number; readonly state: number }
  readonly topListsWritten: number
  /** Entities skipped because a previous run had done them (resumed). */
  readonly resumedPast: number
}

const KINDS: ReadonlyArray<EntityKind> = ["company", "city", "state"]

/**
 * Rebuild the serving store from gold: stats, profiles, histories and search entries of every entity, then
 * every Top-N list (national, each state, each city; all agencies and each). Use it after a historical
 * backfill (which writes no serving data) or to repair serving after a failure. Entities go in batches of
 * `batchSize` in key order; `checkpoint` is called after each batch, and a run given `resume` skips what an
 * earlier run completed. Every write is absolute and compare-before-write, so running it twice writes
 * nothing the second time. Live feeds are not rebuilt: they hold daily uploads only.
 */
export const rebuildServing = (
  options: {
    readonly batchSize?: number
    readonly topLimit?: number
    /** The company mapping the offender score groups records by (default: the company slug). */
    readonly scoreKey?: ScoreKey
    readonly now?: string
    readonly resume?: RebuildCheckpoint
    readonly checkpoint?: (c: RebuildCheckpoint) => Effect.Effect<void>
    readonly onProgress?: (p: RebuildProgress) => void
  } = {}
): Effect.Effect<RebuildReport, WarehouseError | ServingStoreError, Warehouse | ServingStore> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const now = options.now ?? new Date().toISOString()
    const size = Math.max(1, options.batchSize ?? 500)
    const totals = {
      statsWritten: 0,
      statsUnchanged: 0,
      profilesWritten: 0,
      historiesWritten: 0,
      searchEntriesWritten: 0
    }
    const entities = { company: 0, city: 0, state: 0 }
    const agencies = new Set<string>()
    const scopes: Array<string> = []
    let resumedPast = 0
    const resumeAt = options.resume === undefined ? -1 : KINDS.indexOf(options.resume.kind)

    let snapshot = "none"
    for (const [i, kind] of KINDS.entries()) {
      const rows = yield* warehouse.goldTotals(kind)
      if (kind === "company") {
        // Stamp what the totals reflect as the incremental sync does: the silver heads (`osha:4.epa:2`).
        const agencyIds = [...new Set(rows.map((r) => r.agency).filter((a) => a !== "all"))].sort()
        const heads: Array<string> = []
        for (const a of agencyIds) {
          const head = yield* warehouse.silverHead(a)
          if (head !== null) heads.push(`${a}:${head}`)
        }
        if (heads.length > 0) snapshot = heads.join(".")
      }
      const keys = [...new Set(rows.filter((r) => r.agency === "all").map((r) => r.entity_key))].sort()
      for (const r of rows) if (r.agency !== "all") agencies.add(r.agency)
      entities[kind] = keys.length
      if (kind === "company" && keys.length > 0) scopes.push("national")
      if (kind === "state") for (const k of keys) scopes.push(`state:${k.slice(6).toUpperCase()}`)
      if (kind === "city") for (const k of keys) scopes.push(`city:${k.slice(5)}`)
      let start = 0
      if (i < resumeAt) start = keys.length
      else if (i === resumeAt && options.resume !== undefined) {
        const last = options.resume.lastKey
        start = keys.findIndex((k) => k > last)
        if (start === -1) start = keys.length
      }
      resumedPast += start
      options.onProgress?.({ step: kind, done: start, total: keys.length })
      for (let at = start; at < keys.length; at += size) {
        const batch = keys.slice(at, at + size)
        const rep = yield* syncEntities(kind, batch, { snapshot, now })
        totals.statsWritten += rep.statsWritten
        totals.statsUnchanged += rep.statsUnchanged
        totals.profilesWritten += rep.profilesWritten
        totals.historiesWritten += rep.historiesWritten
        totals.searchEntriesWritten += rep.searchEntriesWritten
        if (options.checkpoint !== undefined) yield* options.checkpoint({ kind, lastKey: batch.at(-1)! })
        options.onProgress?.({ step: kind, done: Math.min(at + size, keys.length), total: keys.length })
      }
    }

    // Top-N lists: in slices of scopes, so progress shows and one call never holds every list.
    let topListsWritten = 0
    const scopeSlice = 200
    options.onProgress?.({ step: "top-lists", done: 0, total: scopes.length })
    for (let at = 0; at < scopes.length; at += scopeSlice) {
      topListsWritten += yield* syncTopLists(
        scopes.slice(at, at + scopeSlice),
        ["all", ...[...agencies].sort()],
        {
          limit: options.topLimit ?? 10,
          now
        }
      )
      options.onProgress?.({
        step: "top-lists",
        done: Math.min(at + scopeSlice, scopes.length),
        total: scopes.length
      })
    }
    // Offender scores of every company (as of `now`) and the score leaderboards, from silver.
    const scores = yield* syncScores("all", {
      now,
      ...(options.scoreKey === undefined ? {} : { key: options.scoreKey })
    })
    return { ...totals, ...scores, entities, topListsWritten, resumedPast }
  })
