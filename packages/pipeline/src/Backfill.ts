import { createHash } from "node:crypto"
import { mkdir, rm } from "node:fs/promises"
import { basename, join } from "node:path"
import type { UnusableFileError } from "@ventureos/core"
import { type DataFile, DataFileJson, dataFileFromJson, dataFileToJson } from "@ventureos/iceberg"
import { planNormalize, type Registry, readHeader, sqlStr, stageCsv } from "@ventureos/normalizers"
import { Lakehouse, type LakehouseError } from "@ventureos/storage"
import { RawArchive, type RawArchiveError, type RawObject } from "@ventureos/storage/archive"
import { Effect, Option, Schema } from "effect"
import { parseBronzeKey, rejectsKey } from "./Gatekeeper"
import type { EntityKind } from "./Gold"
import { type FileBatch, planBatches } from "./IngestFiles"
import { ingestVectorized } from "./IngestVectorized"
import { toUnusable } from "./Normalize"
import { makeScratchDir, sweepStaleScratchOnce } from "./Scratch"
import { Warehouse, type WarehouseBulk, WarehouseError } from "./Warehouse"

/**
 * Distributed backfill: a planner splits the raw files into work items (row ranges of the records files),
 * workers (child processes locally, Lambdas in AWS) each normalize one item with the vectorized normalizer and
 * write Parquet data files into the silver table's location WITHOUT committing, returning only the files'
 * metadata and partial gold aggregates; one committer then commits all files of a silver table as ONE Iceberg
 * snapshot and appends the merged gold deltas. Everything between the steps travels through the raw archive
 * (`backfill/<run id>/…`: the lake bucket in AWS), so a killed worker or committer is resumed by running again.
 *
 * Semantics (vs `ingestFiles`, the single-process reference it is tested against):
 * - Lookups travel whole: every item of an OSHA violations file stages the whole inspections file (a lookup
 *   may be joined by any row); lookup rejects are counted once (by the batch's first item).
 * - Records already in the lake: every worker classifies its rows against the silver head recorded in the
 *   plan (the base): unchanged rows write nothing, changed ones write the new version plus an equality delete
 *   of the old one, exactly as an ingest would. The commit requires the head to still be the base; if another
 *   writer committed meanwhile (Conflict), the agency's items are re-planned on the new head and run again.
 * - Duplicates: within an item (the rows of one split) as in an ingest (first row wins; same content:
 *   skipped, different content: rejected). An id written by two items of one records file (a duplicate that
 *   straddles a split) is found by the committer before anything is visible: the items it spans are merged
 *   into one and the agency runs again (a new attempt), so first-row-wins applies exactly as in an ingest.
 *   The same id in two records files is refused (an ingest applies such files one after the other): use
 *   `ingestFiles` for them.
 * - Exactly once: the run id is a hash of the archived files' bytes and the split size; every silver commit
 *   records it (`source backfill:<run id>`), every gold append `backfill:<run id>:<agency>`, so a rerun after
 *   a completed run, or after a committer that died anywhere, commits nothing twice.
 * - Bronze: the raw files are archived once (`bronze/historical/…`) by the planner, before anything else.
 */

const ITEM_ROWS_DEFAULT = 250_000

/** A work item: a row range of one records file, with the batch's lookup files. */
export const BackfillItem = Schema.Struct({
  index: Schema.Number,
  batch: Schema.Number,
  agency: Schema.String,
  /** Bronze keys: the records file first, then the lookups (as in an ingest batch). */
  keys: Schema.Array(Schema.String),
  from: Schema.Number,
  to: Schema.Number,
  /** The batch's first item also reports the lookup files' rejects (counted once). */
  first: Schema.Boolean
})
export type BackfillItem = typeof BackfillItem.Type

/** The plan: written once to `backfill/<run id>/plan.json`, updated only when an agency is re-planned. */
export const BackfillPlan = Schema.Struct({
  version: Schema.Literal(1),
  runId: Schema.String,
  createdAt: Schema.String,
  ingestedAt: Schema.String,
  splitRows: Schema.Number,
  batches: Schema.Array(
    Schema.Struct({ agency: Schema.String, keys: Schema.Array(Schema.String), rows: Schema.Number })
  ),
  items: Schema.Array(BackfillItem),
  /** Per agency: the silver head the items are classified against, and the attempt it belongs to. */
  bases: Schema.Record(
    Schema.String,
    Schema.Struct({ attempt: Schema.Number, snapshot: Schema.NullOr(Schema.String) })
  )
})
export type BackfillPlan = typeof BackfillPlan.Type

const Counts = Schema.Struct({
  rows: Schema.Number,
  accepted: Schema.Number,
  rejected: Schema.Number,
  skipped: Schema.Number,
  lookupRejected: Schema.Number,
  inserted: Schema.Number,
  updated: Schema.Number,
  unchanged: Schema.Number
})
export type BackfillCounts = typeof Counts.Type

/** What a worker returns (and stores as its item's completion mark): file metadata and archive keys only. */
export const BackfillItemResult = Schema.Struct({
  runId: Schema.String,
  item: Schema.Number,
  attempt: Schema.Number,
  agency: Schema.String,
  data: Schema.Array(DataFileJson),
  deletes: Schema.Array(DataFileJson),
  /** Partial gold deltas per entity kind (Parquet in the archive), null when the item has none. */
  gold: Schema.Struct({
    company: Schema.NullOr(Schema.String),
    city: Schema.NullOr(Schema.String),
    state: Schema.NullOr(Schema.String)
  }),
  /** The ids the item writes (Parquet: violation_id, source_file, source_row), to find cross-item duplicates. */
  ids: Schema.NullOr(Schema.String),
  rejects: Schema.NullOr(Schema.String),
  counts: Counts,
  decided: Schema.Struct({ sql: Schema.Number, js: Schema.Number }),
  ms: Schema.Number
})
export type BackfillItemResult = typeof BackfillItemResult.Type

/** A backfill that cannot go on as asked (cross-item duplicates, a missing item, an unusable plan). */
export class BackfillError extends Schema.TaggedError<BackfillError>()("BackfillError", {
  runId: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `backfill ${this.runId}: ${this.reason}`
  }
}

export type BackfillFailure =
  | BackfillError
  | UnusableFileError
  | WarehouseError
  | RawArchiveError
  | LakehouseError

const planKey = (runId: string) => `backfill/${runId}/plan.json`
const doneKey = (runId: string) => `backfill/${runId}/done.json`
/** The work items as a JSON array of `{ runId, item }`: the input of the AWS Distributed Map's item reader. */
export const itemsKey = (runId: string) => `backfill/${runId}/items.json`
const attemptPrefix = (plan: BackfillPlan, agency: string) =>
  `backfill/${plan.runId}/${agency}-a${plan.bases[agency]?.attempt ?? 1}`
const itemKey = (plan: BackfillPlan, item: BackfillItem) =>
  `${attemptPrefix(plan, item.agency)}/items/${item.index}.json`

const decodeJson =
  <S extends Schema.Top>(schema: S, runId: string, what: string) =>
  (text: string): Effect.Effect<S["Type"], BackfillError, S["DecodingServices"]> =>
    Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => new BackfillError({ runId, reason: `${what} is not JSON: ${String(e)}` })
    }).pipe(
      Effect.flatMap((u) => Schema.decodeUnknownEffect(schema)(u)),
      Effect.mapError((e) =>
        e._tag === "BackfillError" ? e : new BackfillError({ runId, reason: `${what}: ${e.message}` })
      )
    )

export interface BackfillOptions {
  readonly registry: Registry
  readonly agency?: string
  /** Archive date (yyyy-mm-dd) of the bronze keys; default today (UTC). */
  readonly date?: string
  /** Data rows per work item (default 250,000). */
  readonly splitRows?: number
  /** `ingested_at` of every record (default: the plan's creation time, kept on resume). */
  readonly ingestedAt?: string
}

/** The run id: the archived files' bytes (key + sha256) and the split size. */
const runIdOf = (objs: ReadonlyArray<RawObject>, splitRows: number): string => {
  const h = createHash("sha256")
  h.update(`v1 ${splitRows}\n`)
  for (const o of [...objs].sort((a, b) => (a.key < b.key ? -1 : 1))) h.update(`${o.key}#${o.sha256}\n`)
  return h.digest("hex").slice(0, 24)
}

/**
 * Plan a backfill of local files: archive them in bronze (once), then {@link planArchived}. An existing plan for
 * the same files and split size (a resumed run) is returned as it is.
 */
export const planBackfill = (
  paths: ReadonlyArray<string>,
  options: BackfillOptions
): Effect.Effect<BackfillPlan, BackfillFailure, RawArchive | Warehouse> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const date = options.date ?? new Date().toISOString().slice(0, 10)
    const batches = yield* planBatches(paths, options.registry, "historical", date, options.agency ?? "auto")
    const objs = new Map<string, RawObject>()
    for (const b of batches)
      for (const [i, p] of b.paths.entries()) {
        const key = b.keys[i]!
        if (!objs.has(key)) objs.set(key, yield* archive.putFile(key, p))
      }
    return yield* planArchived(batches, [...objs.values()], options)
  })

/**
 * Plan a backfill of files already in the raw archive (bronze keys: the AWS planner Lambda's input). The files
 * are downloaded to scratch to recognise them and count their rows.
 */
export const planBackfillKeys = (
  keys: ReadonlyArray<string>,
  options: Omit<BackfillOptions, "date">
): Effect.Effect<BackfillPlan, BackfillFailure, RawArchive | Warehouse> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const dir = yield* Effect.promise(() => makeScratchDir("ventureos-ingest-"))
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        const keyOf = new Map<string, string>()
        const objs: Array<RawObject> = []
        for (const [i, k] of keys.entries()) {
          if (parseBronzeKey(k) === undefined)
            return yield* new BackfillError({ runId: "(planning)", reason: `${k} is not a bronze key` })
          const p = join(dir, String(i), basename(k))
          yield* Effect.promise(() => mkdir(join(dir, String(i)), { recursive: true }))
          objs.push(yield* archive.download(k, p))
          keyOf.set(p, k)
        }
        const batches = yield* planBatches(
          [...keyOf.keys()],
          options.registry,
          "historical",
          "2000-01-01",
          options.agency ?? "auto"
        )
        return yield* planArchived(
          batches.map((b) => ({ ...b, keys: b.paths.map((p) => keyOf.get(p)!) })),
          objs,
          options
        )
      }),
      Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
  })

/**
 * Plan archived batches: count the records files' rows (local copies in `batches[].paths`) and split them into
 * items of `splitRows`, record each agency's silver head as the base; write the plan and the item list
 * (`items.json`, what a Step Functions Distributed Map reads). A run planned before is returned as it is.
 */
const planArchived = (
  batches: ReadonlyArray<FileBatch>,
  objs: ReadonlyArray<RawObject>,
  options: Pick<BackfillOptions, "splitRows" | "ingestedAt">
): Effect.Effect<BackfillPlan, BackfillFailure, RawArchive | Warehouse> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const splitRows = Math.max(1, Math.floor(options.splitRows ?? ITEM_ROWS_DEFAULT))
    const runId = runIdOf(objs, splitRows)
    const prior = yield* archive.getText(planKey(runId))
    if (Option.isSome(prior)) return yield* decodeJson(BackfillPlan, runId, planKey(runId))(prior.value)
    const items: Array<BackfillItem> = []
    const planned: Array<BackfillPlan["batches"][number]> = []
    for (const [bi, b] of batches.entries()) {
      const path = b.paths[0]!
      const counted = yield* Effect.tryPromise({
        try: async () => {
          const header = await readHeader(path)
          const far = Number.MAX_SAFE_INTEGER
          return (await stageCsv(path, "/dev/null", header.length, { from: far, to: far })).seen
        },
        catch: (e) => new BackfillError({ runId, reason: `${path}: cannot count its rows: ${String(e)}` })
      })
      planned.push({ agency: b.agency, keys: b.keys, rows: counted })
      for (let from = 1, k = 0; k === 0 || from <= counted; from += splitRows, k++)
        items.push({
          index: items.length,
          batch: bi,
          agency: b.agency,
          keys: b.keys,
          from,
          to: Math.min(from + splitRows, counted + 1),
          first: k === 0
        })
    }
    const bases: Record<string, { attempt: number; snapshot: string | null }> = {}
    for (const b of batches)
      if (bases[b.agency] === undefined)
        bases[b.agency] = { attempt: 1, snapshot: yield* warehouse.silverHead(b.agency) }
    const createdAt = new Date().toISOString()
    const plan: BackfillPlan = {
      version: 1,
      runId,
      createdAt,
      ingestedAt: options.ingestedAt ?? createdAt,
      splitRows,
      batches: planned,
      items,
      bases
    }
    yield* archive.putText(
      itemsKey(runId),
      `${JSON.stringify(items.map((i) => ({ runId, item: i.index })))}\n`
    )
    yield* archive.putText(planKey(runId), `${JSON.stringify(plan, null, 2)}\n`)
    return plan
  })

/** Read a run's plan (workers get only the run id and their item number). */
export const loadBackfillPlan = (runId: string): Effect.Effect<BackfillPlan, BackfillFailure, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const text = yield* archive.getText(planKey(runId))
    if (Option.isNone(text)) return yield* new BackfillError({ runId, reason: "no plan in the archive" })
    return yield* decodeJson(BackfillPlan, runId, planKey(runId))(text.value)
  })

/** The stored result of an item for the agency's current attempt, if it completed. */
export const itemResult = (
  plan: BackfillPlan,
  item: BackfillItem
): Effect.Effect<Option.Option<BackfillItemResult>, BackfillFailure, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const text = yield* archive.getText(itemKey(plan, item))
    if (Option.isNone(text)) return Option.none()
    return Option.some(yield* decodeJson(BackfillItemResult, plan.runId, itemKey(plan, item))(text.value))
  })

/** Items of the plan without a result for their agency's current attempt. */
export const pendingItems = (
  plan: BackfillPlan
): Effect.Effect<ReadonlyArray<BackfillItem>, BackfillFailure, RawArchive> =>
  Effect.filter(plan.items, (i) => Effect.map(itemResult(plan, i), Option.isNone))

const fail = (runId: string, op: string) => (e: unknown) =>
  new BackfillError({ runId, reason: `${op}: ${e instanceof Error ? e.message : String(e)}` })

/**
 * Run one work item: normalize its rows with the vectorized normalizer (classified against the plan's base),
 * write the silver data files into the table's location (uncommitted), store the partial gold deltas, the
 * written ids and the rejects in the archive, and record the result (the item's completion mark). Running
 * a completed item again returns its stored result.
 */
export const runBackfillItem = (
  plan: BackfillPlan,
  index: number,
  options: { readonly registry: Registry }
): Effect.Effect<BackfillItemResult, BackfillFailure, RawArchive | Warehouse | Lakehouse> =>
  Effect.gen(function* () {
    const started = performance.now()
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const lake = yield* Lakehouse
    const runId = plan.runId
    const item = plan.items[index]
    if (item === undefined)
      return yield* new BackfillError({
        runId,
        reason: `no item ${index} (the plan has ${plan.items.length})`
      })
    const done = yield* itemResult(plan, item)
    if (Option.isSome(done)) return done.value
    const bulk = warehouse.bulk
    if (bulk === undefined)
      return yield* new BackfillError({
        runId,
        reason: "the warehouse has no SQL engine (backfill needs DuckDB)"
      })
    const base = plan.bases[item.agency]!
    const prefix = attemptPrefix(plan, item.agency)
    yield* Effect.promise(() => sweepStaleScratchOnce())
    const dir = yield* Effect.promise(() => makeScratchDir("ventureos-ingest-"))
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        // the same local names as an ingest batch: `source_file` is the same in both
        const local: Array<string> = []
        for (const [i, k] of item.keys.entries()) {
          const p = join(dir, `${i}-${basename(k)}`)
          yield* archive.download(k, p)
          local.push(p)
        }
        const run = yield* Effect.tryPromise({
          try: () =>
            planNormalize(local, {
              registry: options.registry,
              agency: item.agency,
              ingestedAt: plan.ingestedAt
            }),
          catch: (e) => toUnusable(e) ?? fail(runId, "normalize")(e)
        })
        const group = run.groups[0]
        const vectorized = group?.plugin.vectorized
        if (group === undefined || vectorized === undefined)
          return yield* new BackfillError({
            runId,
            reason: `${item.keys[0]}: the ${item.agency} plugin has no vectorized form; use ingest for it`
          })
        const records = local[0]!
        let files: { data: ReadonlyArray<DataFile>; deletes: ReadonlyArray<DataFile> } = {
          data: [],
          deletes: []
        }
        let ids: string | null = null
        const gold: Record<EntityKind, string | null> = { company: null, city: null, state: null }
        // The ingest's own steps, with its two writes redirected: silver rows become uncommitted data files,
        // gold deltas a partial aggregate for the committer to merge.
        const workerBulk: WarehouseBulk = {
          ...bulk,
          silverWrite: (agency, _source, expectedParent, rowsSql, replacedKeysSql) =>
            Effect.gen(function* () {
              // Records grouped into actions count in gold through their whole group, which may span items:
              // a partial aggregate cannot express that, so such records are refused rather than miscounted.
              const cols = (yield* bulk.sql(`DESCRIBE SELECT * FROM (${rowsSql})`)).map((r) =>
                String(r.column_name)
              )
              if (cols.includes("action_id")) {
                const [g] = yield* bulk.sql(
                  `SELECT count(*)::BIGINT AS n FROM (${rowsSql}) WHERE action_id IS NOT NULL`
                )
                if (Number(g?.n ?? 0) > 0)
                  return yield* new WarehouseError({
                    op: "backfill",
                    table: `silver.${agency}`,
                    reason: "Unknown",
                    detail: `${g?.n} records of ${item.keys[0]} belong to action groups (action_id), which a split cannot aggregate: ingest this file with \`ventureos ingest\``
                  })
              }
              const idsPath = join(dir, "ids.parquet")
              yield* bulk.sql(
                `COPY (SELECT violation_id, source_file, source_row, ${item.index} AS __item FROM (${rowsSql})) TO ${sqlStr(idsPath)} (FORMAT parquet)`
              )
              ids = `${prefix}/ids-${item.index}.parquet`
              yield* archive.putFile(ids, idsPath).pipe(Effect.mapError(asWarehouse("store ids", ids)))
              files = yield* lake.writeDataFiles(`silver.${agency}`, rowsSql, { replacedKeysSql }).pipe(
                Effect.mapError(
                  (e) =>
                    new WarehouseError({
                      op: "write",
                      table: `silver.${agency}`,
                      reason: "Unknown",
                      detail: e.message
                    })
                )
              )
              return { snapshotId: expectedParent ?? "", parentId: expectedParent, alreadyCommitted: false }
            }),
          goldAppendSql: (kind, _source, deltasSql) =>
            Effect.gen(function* () {
              const path = join(dir, `gold-${kind}.parquet`)
              yield* bulk.sql(
                `COPY (SELECT *, ${item.index} AS __item FROM (${deltasSql})) TO ${sqlStr(path)} (FORMAT parquet)`
              )
              const key = `${prefix}/gold-${kind}-${item.index}.parquet`
              yield* archive.putFile(key, path).pipe(Effect.mapError(asWarehouse("store gold", key)))
              gold[kind] = key
              return { snapshotId: null, alreadyCommitted: false }
            })
        }
        const core = yield* ingestVectorized({
          run,
          plugin: group.plugin,
          vectorized,
          bulk: workerBulk,
          agency: item.agency,
          source: { id: `backfill:${runId}`, batchId: `item-${item.index}` },
          head: base.snapshot,
          landed: undefined,
          feed: false,
          dir,
          rowRange: (f) => (f.path === records ? { from: item.from, to: item.to } : undefined)
        })
        // lookup rows are in every item: their rejects are reported by the batch's first item only
        const lookupNames = new Set(run.summary.files.filter((f) => f.role === "lookup").map((f) => f.file))
        const rejectLines = core.rejectLines
          .split("\n")
          .filter(
            (l) => l !== "" && (item.first || !lookupNames.has((JSON.parse(l) as { file: string }).file))
          )
        let rejects: string | null = null
        if (rejectLines.length > 0) {
          rejects = `${prefix}/rejects-${item.index}.jsonl`
          yield* archive.putText(rejects, `${rejectLines.join("\n")}\n`)
        }
        const s = run.summary
        const result: BackfillItemResult = {
          runId,
          item: item.index,
          attempt: base.attempt,
          agency: item.agency,
          data: files.data.map(dataFileToJson),
          deletes: files.deletes.map(dataFileToJson),
          gold,
          ids,
          rejects,
          counts: {
            rows: s.rows,
            accepted: s.accepted,
            rejected: s.rejected,
            skipped: s.skipped,
            lookupRejected: item.first ? s.lookupRejected : 0,
            inserted: core.inserted,
            updated: core.updated,
            unchanged: core.unchanged
          },
          decided: core.decided ?? { sql: 0, js: 0 },
          ms: Math.round(performance.now() - started)
        }
        yield* archive.putText(itemKey(plan, item), `${JSON.stringify(result)}\n`)
        return result
      }),
      Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
  })

/** A failure inside the ingest's write hooks, in the ingest's error type. */
const asWarehouse =
  (op: string, table: string) =>
  (e: { readonly message: string }): WarehouseError =>
    new WarehouseError({ op, table, reason: "Unknown", detail: e.message })

/** Gold columns summed when partial deltas are merged. */
const GOLD_SUMS = (cols: ReadonlyArray<string>) =>
  cols.filter((c) => c === "violation_count" || c.endsWith("_count") || c.startsWith("count_"))

/** What a committed run did, per agency and in total. */
export interface BackfillSummary {
  readonly runId: string
  readonly status: "committed" | "replayed"
  readonly items: number
  readonly counts: BackfillCounts
  readonly silverSnapshots: Record<string, string | null>
  readonly dataFiles: number
  readonly deleteFiles: number
  readonly goldDeltas: number
  /** Milliseconds of the silver commits (all agencies). */
  readonly commitMs: number
}

const zero: BackfillCounts = {
  rows: 0,
  accepted: 0,
  rejected: 0,
  skipped: 0,
  lookupRejected: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0
}
const addCounts = (a: BackfillCounts, b: BackfillCounts): BackfillCounts => ({
  rows: a.rows + b.rows,
  accepted: a.accepted + b.accepted,
  rejected: a.rejected + b.rejected,
  skipped: a.skipped + b.skipped,
  lookupRejected: a.lookupRejected + b.lookupRejected,
  inserted: a.inserted + b.inserted,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged
})

/** The outcome of committing one agency: done, or the head moved (the agency must be re-planned). */
type AgencyCommit =
  | {
      readonly _tag: "Committed"
      readonly snapshot: string | null
      readonly data: number
      readonly deletes: number
      readonly goldDeltas: number
      readonly ms: number
    }
  | { readonly _tag: "Conflict"; readonly detail: string }
  /** Duplicate ids straddle these item ranges of one records file: run each range as one item. */
  | { readonly _tag: "Merge"; readonly ranges: ReadonlyArray<readonly [number, number]> }

/**
 * Commit one agency's items: refuse ids written by two items, commit every data and delete file as ONE silver
 * snapshot on top of the plan's base (exactly once per run), then append the merged gold deltas (exactly
 * once per run and agency) and the batches' rejects.
 */
export const commitBackfillAgency = (
  plan: BackfillPlan,
  agency: string
): Effect.Effect<AgencyCommit, BackfillFailure, RawArchive | Warehouse | Lakehouse> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const lake = yield* Lakehouse
    const runId = plan.runId
    const bulk = warehouse.bulk
    if (bulk === undefined)
      return yield* new BackfillError({
        runId,
        reason: "the warehouse has no SQL engine (backfill needs DuckDB)"
      })
    const items = plan.items.filter((i) => i.agency === agency)
    const results: Array<BackfillItemResult> = []
    const missing: Array<number> = []
    for (const i of items) {
      const r = yield* itemResult(plan, i)
      if (Option.isSome(r)) results.push(r.value)
      else missing.push(i.index)
    }
    if (missing.length > 0)
      return yield* new BackfillError({
        runId,
        reason: `items ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""} of ${agency} have no result: run the backfill again to finish them`
      })
    const dir = yield* Effect.promise(() => makeScratchDir("ventureos-ingest-"))
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        const fetch = (key: string) =>
          Effect.gen(function* () {
            const p = join(dir, key.replaceAll("/", "_"))
            yield* archive.download(key, p)
            return p
          })
        // 1. The same id written by two items would be two live rows: refuse before anything is visible.
        const idFiles = yield* Effect.forEach(
          results.flatMap((r) => (r.ids === null ? [] : [r.ids])),
          fetch
        )
        if (idFiles.length > 1) {
          // ids only first (a spillable count per id: millions of ids stay within the engine's memory), then
          // the rows of the few duplicates for the message
          const ids = `read_parquet([${idFiles.map(sqlStr).join(", ")}])`
          const dupIds = (yield* bulk.sql(
            `SELECT violation_id FROM ${ids} GROUP BY violation_id HAVING count(*) > 1 ORDER BY violation_id LIMIT 3`
          )).map((d) => String(d.violation_id))
          if (dupIds.length > 0) {
            // the items each duplicated id spans; within one records file, those items run again as one
            // (the ingest's first-row-wins then applies across the former split), across files refused
            const spans = yield* bulk.sql(
              `SELECT min(__item)::BIGINT AS lo, max(__item)::BIGINT AS hi FROM ${ids}
               WHERE violation_id IN (SELECT violation_id FROM ${ids} GROUP BY violation_id HAVING count(*) > 1)
               GROUP BY violation_id`
            )
            const ranges = spans.map((r) => [Number(r.lo), Number(r.hi)] as const)
            if (ranges.every(([lo, hi]) => plan.items[lo]?.batch === plan.items[hi]?.batch))
              return { _tag: "Merge", ranges } as const
            const dups = yield* bulk.sql(
              `SELECT violation_id, string_agg(source_file || ' row ' || source_row, ' and ' ORDER BY __item, source_row) AS rows
               FROM ${ids} WHERE violation_id IN (${dupIds.map(sqlStr).join(", ")}) GROUP BY violation_id ORDER BY violation_id`
            )
            return yield* new BackfillError({
              runId,
              reason: `violation id ${dups.map((d) => `${d.violation_id} (${d.rows})`).join(", ")} is written by two records files; nothing was committed: ingest these files with \`ventureos ingest\`, which applies them one after the other`
            })
          }
        }
        // 2. Silver: every worker's files in one snapshot, exactly once per run.
        const data = yield* Effect.forEach(
          results.flatMap((r) => r.data),
          (j) => dataFileFromJson(j).pipe(Effect.mapError(fail(runId, "decode data file")))
        )
        const deletes = yield* Effect.forEach(
          results.flatMap((r) => r.deletes),
          (j) => dataFileFromJson(j).pipe(Effect.mapError(fail(runId, "decode delete file")))
        )
        const base = plan.bases[agency]!
        const t0 = performance.now()
        const committed = yield* lake
          .commitFiles(
            `silver.${agency}`,
            { data, deletes },
            {
              source: { id: `backfill:${runId}` },
              expectedParent: base.snapshot === null ? null : BigInt(base.snapshot),
              summary: {
                "ventureos.backfill-run": runId,
                "ventureos.backfill-items": String(results.length)
              }
            }
          )
          .pipe(Effect.result)
        const ms = Math.round(performance.now() - t0)
        if (committed._tag === "Failure") {
          if (committed.failure.reason === "CommitConflict")
            return { _tag: "Conflict", detail: committed.failure.message } as const
          return yield* committed.failure
        }
        const out = committed.success
        const snapshot = out._tag === "NoChange" ? base.snapshot : out.snapshotId.toString()
        // 3. Gold: the partial aggregates merged per grain (sums; the name of the latest item that has one,
        //    as the ingest's arg_max by row order), appended once per kind.
        let goldDeltas = 0
        for (const kind of ["company", "city", "state"] as const) {
          const keys = results.flatMap((r) => (r.gold[kind] === null ? [] : [r.gold[kind]]))
          if (keys.length === 0) continue
          const paths = yield* Effect.forEach(keys, fetch)
          const rel = `read_parquet([${paths.map(sqlStr).join(", ")}])`
          const cols = (yield* bulk.sql(`DESCRIBE SELECT * FROM ${rel}`)).map((r) => String(r.column_name))
          const sums = GOLD_SUMS(cols)
          const measures = [...sums, "penalty_initial", "penalty_current"]
          const [rows] = yield* bulk.sql(`SELECT count(*)::BIGINT AS n FROM ${rel}`)
          // merged a slice of entities at a time (the grain includes the entity, so slices are independent),
          // each into a table, as the ingest aggregates a big batch: bounded memory for millions of deltas
          const slices = Math.max(1, Math.ceil(Number(rows?.n ?? 0) / 1_000_000))
          const tag = `__bf${runId.slice(0, 8)}_${agency}_${kind}`
          const merged = (j: number) => `SELECT * FROM (
              SELECT entity_key, agency, event_date, state, city_slug,
                ${sums.map((c) => `sum(${c})::BIGINT AS ${c}`).join(", ")},
                CAST(sum(penalty_initial) AS DECIMAL(18,2)) AS penalty_initial,
                CAST(sum(penalty_current) AS DECIMAL(18,2)) AS penalty_current,
                arg_max(entity_name, __item) FILTER (WHERE entity_name IS NOT NULL) AS entity_name
              FROM ${rel} WHERE ${slices === 1 ? "TRUE" : `hash(entity_key) % ${slices} = ${j}`}
              GROUP BY entity_key, agency, event_date, state, city_slug)
            WHERE ${measures.map((c) => `${c} <> 0`).join(" OR ")}`
          const tables = Array.from({ length: slices }, (_v, j) => `${tag}_${j}`)
          yield* Effect.ensuring(
            Effect.gen(function* () {
              for (const [j, t] of tables.entries())
                yield* bulk.sql(`CREATE OR REPLACE TABLE ${t} AS ${merged(j)}`)
              const all = tables.map((t) => `SELECT * FROM ${t}`).join(" UNION ALL ")
              const [n] = yield* bulk.sql(`SELECT count(*)::BIGINT AS n FROM (${all})`)
              yield* bulk.goldAppendSql(kind, { id: `backfill:${runId}:${agency}`, batchId: agency }, all)
              goldDeltas += Number(n?.n ?? 0)
            }),
            Effect.forEach(tables, (t) => Effect.ignore(bulk.sql(`DROP TABLE IF EXISTS ${t}`)), {
              discard: true
            })
          )
        }
        // 4. Rejects of each batch, in row order, where an ingest of the batch puts them.
        for (const [bi, b] of plan.batches.entries()) {
          if (b.agency !== agency) continue
          const texts: Array<string> = []
          for (const r of results)
            if (plan.items[r.item]?.batch === bi && r.rejects !== null) {
              const t = yield* archive.getText(r.rejects)
              if (Option.isSome(t)) texts.push(t.value)
            }
          const main = parseBronzeKey(b.keys[0]!)
          if (texts.length > 0 && main !== undefined) yield* archive.putText(rejectsKey(main), texts.join(""))
        }
        return {
          _tag: "Committed",
          snapshot,
          data: data.length,
          deletes: deletes.length,
          goldDeltas,
          ms
        } as const
      }),
      Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
  })

/** How the items of a plan are run: in this process, or by worker processes / Lambdas. */
export type BackfillRunner = (
  plan: BackfillPlan,
  items: ReadonlyArray<BackfillItem>
) => Effect.Effect<void, BackfillFailure, RawArchive | Warehouse | Lakehouse>

/** Run items in this process, `workers` at a time (tests; a single machine without child processes). */
export const inProcessRunner =
  (workers: number, options: { readonly registry: Registry }): BackfillRunner =>
  (plan, items) =>
    Effect.forEach(items, (i) => runBackfillItem(plan, i.index, options), {
      concurrency: Math.max(1, workers),
      discard: true
    })

/** Items with each of `ranges` (inclusive item indices, within one batch) merged into one; re-indexed. */
const mergeItems = (
  items: ReadonlyArray<BackfillItem>,
  ranges: ReadonlyArray<readonly [number, number]>
): Array<BackfillItem> => {
  // union of overlapping ranges, as "item k joins its successor"
  const joins = new Set<number>()
  for (const [lo, hi] of ranges) for (let k = lo; k < hi; k++) joins.add(k)
  const out: Array<BackfillItem> = []
  for (const it of items) {
    const last = out.at(-1)
    if (last !== undefined && joins.has(it.index - 1)) out[out.length - 1] = { ...last, to: it.to }
    else out.push({ ...it, index: out.length })
  }
  return out
}

/**
 * Commit every agency of a run whose items are all done: each agency's silver snapshot and gold deltas (exactly
 * once, so committing again is harmless). An agency whose silver head moved since its plan (another writer) is
 * re-planned on the new head: its items must run again, and `summary` is undefined. When every agency is
 * committed, the run's summary is stored (`done.json`) and returned.
 */
export const commitBackfill = (
  plan: BackfillPlan
): Effect.Effect<
  { readonly plan: BackfillPlan; readonly summary: BackfillSummary | undefined },
  BackfillFailure,
  RawArchive | Warehouse | Lakehouse
> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const agencies = [...new Set(plan.batches.map((b) => b.agency))]
    const commits = new Map<string, Extract<AgencyCommit, { _tag: "Committed" }>>()
    let next = plan
    for (const agency of agencies) {
      const c = yield* commitBackfillAgency(plan, agency)
      if (c._tag === "Committed") {
        commits.set(agency, c)
        continue
      }
      const prev = plan.bases[agency]!
      if (prev.attempt >= 3)
        return yield* new BackfillError({
          runId: plan.runId,
          reason:
            c._tag === "Conflict"
              ? `silver.${agency} kept changing: ${c.detail}`
              : `${agency}: duplicate ids still span work items after ${prev.attempt} attempts`
        })
      // another writer committed since the plan: the agency's items classify again against the new head;
      // duplicates across splits: the items they span become one (a new attempt runs every item again)
      const head = c._tag === "Conflict" ? yield* warehouse.silverHead(agency) : prev.snapshot
      next = {
        ...next,
        ...(c._tag === "Merge" ? { items: mergeItems(next.items, c.ranges) } : {}),
        bases: { ...next.bases, [agency]: { attempt: prev.attempt + 1, snapshot: head } }
      }
    }
    if (next !== plan) {
      yield* archive.putText(
        itemsKey(plan.runId),
        `${JSON.stringify(next.items.map((i) => ({ runId: plan.runId, item: i.index })))}\n`
      )
      yield* archive.putText(planKey(plan.runId), `${JSON.stringify(next, null, 2)}\n`)
      return { plan: next, summary: undefined }
    }
    let counts = zero
    for (const i of plan.items) {
      const r = yield* itemResult(plan, i)
      if (Option.isSome(r)) counts = addCounts(counts, r.value.counts)
    }
    const summary: BackfillSummary = {
      runId: plan.runId,
      status: "committed",
      items: plan.items.length,
      counts,
      silverSnapshots: Object.fromEntries([...commits].map(([a, c]) => [a, c.snapshot])),
      dataFiles: [...commits.values()].reduce((n, c) => n + c.data, 0),
      deleteFiles: [...commits.values()].reduce((n, c) => n + c.deletes, 0),
      goldDeltas: [...commits.values()].reduce((n, c) => n + c.goldDeltas, 0),
      commitMs: [...commits.values()].reduce((n, c) => n + c.ms, 0)
    }
    yield* archive.putText(doneKey(plan.runId), `${JSON.stringify(summary, null, 2)}\n`)
    return { plan, summary }
  })

/** A completed run's stored summary (`replayed`), if the run completed. */
export const finishedBackfill = (
  runId: string
): Effect.Effect<Option.Option<BackfillSummary>, BackfillFailure, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const finished = yield* archive.getText(doneKey(runId))
    if (Option.isNone(finished)) return Option.none()
    const prior = yield* decodeJson(BackfillSummaryJson, runId, doneKey(runId))(finished.value)
    return Option.some({ ...prior, status: "replayed" } satisfies BackfillSummary)
  })

/**
 * The whole backfill of local files: plan (or resume), run the pending items, commit; an agency re-planned by
 * the commit (its head moved) runs again, up to 3 attempts. A completed run is a no-op (`replayed`).
 */
export const runBackfill = (
  paths: ReadonlyArray<string>,
  options: BackfillOptions & {
    readonly runner: BackfillRunner
    readonly onPlan?: (plan: BackfillPlan, pending: number) => void
  }
): Effect.Effect<BackfillSummary, BackfillFailure, RawArchive | Warehouse | Lakehouse> =>
  Effect.gen(function* () {
    let plan = yield* planBackfill(paths, options)
    const finished = yield* finishedBackfill(plan.runId)
    if (Option.isSome(finished)) return finished.value
    for (;;) {
      const pending = yield* pendingItems(plan)
      options.onPlan?.(plan, pending.length)
      yield* options.runner(plan, pending)
      const c = yield* commitBackfill(plan)
      if (c.summary !== undefined) return c.summary
      plan = c.plan
    }
  })

const BackfillSummaryJson = Schema.Struct({
  runId: Schema.String,
  status: Schema.Literals(["committed", "replayed"]),
  items: Schema.Number,
  counts: Counts,
  silverSnapshots: Schema.Record(Schema.String, Schema.NullOr(Schema.String)),
  dataFiles: Schema.Number,
  deleteFiles: Schema.Number,
  goldDeltas: Schema.Number,
  commitMs: Schema.Number
})
