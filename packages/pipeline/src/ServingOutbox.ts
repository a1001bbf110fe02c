import { createHash } from "node:crypto"
import { Violation } from "@ventureos/core"
import type { ServingStore, ServingStoreError } from "@ventureos/serving"
import { RawArchive, type RawArchiveError } from "@ventureos/storage/archive"
import { Effect, Schema } from "effect"
import { type BatchResult, NO_WORK } from "./Ingest"
import type { ScoreKey } from "./Score"
import { type ServingSyncReport, type SyncStep, syncServing } from "./SyncServing"
import { Warehouse, type WarehouseError } from "./Warehouse"

/** Where pending serving work lives in the raw archive (the lake home locally, the raw bucket in AWS). */
export const OUTBOX_PREFIX = "outbox/serving/"

/**
 * A daily batch's serving work, written before the batch's manifest: if the process dies or the serving
 * store fails after the lake commits, the next run (or `ventureos serving sync`) finishes it. Keyed by the
 * batch's source (bronze keys + content hashes), so a batch finished after a crash rewrites its own record.
 */
const PendingServing = Schema.Struct({
  /** 1: `changed` holds the records (written by the first version); 2: `changedIds` their ids only. */
  version: Schema.Literals([1, 2]),
  batchId: Schema.String,
  sourceId: Schema.String,
  key: Schema.String,
  agency: Schema.String,
  silverSnapshot: Schema.NullOr(Schema.String),
  /**
   * Ids of the records the batch inserted or updated (for the live feed: their current versions are read
   * from silver when the work is finished, so the record stays small for large daily files), and the full
   * versions they replaced (their old feed placements are cleaned).
   */
  changedIds: Schema.optionalKey(Schema.Array(Schema.String)),
  changed: Schema.optionalKey(Schema.Array(Violation)),
  previous: Schema.Array(Violation),
  touched: Schema.Struct({
    company: Schema.Array(Schema.String),
    city: Schema.Array(Schema.String),
    state: Schema.Array(Schema.String)
  }),
  createdAt: Schema.String
})
type PendingServing = typeof PendingServing.Type

/** The pending-sync record's key for a batch source. */
export const outboxKey = (sourceId: string): string =>
  `${OUTBOX_PREFIX}${createHash("sha256").update(sourceId).digest("hex").slice(0, 32)}.json`

/** Record a completed-in-the-lake batch's serving work (daily batches; called before the manifest). */
export const recordPendingServing = (
  r: Pick<
    BatchResult,
    "manifestKey" | "sourceId" | "key" | "agency" | "silverSnapshot" | "changed" | "previous" | "touched"
  >
): Effect.Effect<string, RawArchiveError, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const key = outboxKey(r.sourceId)
    const rec: PendingServing = {
      version: 2,
      batchId: r.manifestKey,
      sourceId: r.sourceId,
      key: r.key,
      agency: r.agency,
      silverSnapshot: r.silverSnapshot,
      changedIds: r.changed.map((v) => v.violation_id),
      previous: r.previous,
      touched: r.touched,
      createdAt: new Date().toISOString()
    }
    yield* archive.putText(key, JSON.stringify(Schema.encodeSync(PendingServing)(rec)))
    return key
  })

/** Keys of the batches whose serving work is still pending. */
export const pendingServing: Effect.Effect<ReadonlyArray<string>, RawArchiveError, RawArchive> = Effect.map(
  Effect.flatMap(RawArchive, (a) => a.list(OUTBOX_PREFIX)),
  (objs) => objs.map((o) => o.key).filter((k) => k.endsWith(".json"))
)

/** A pending-sync record that cannot be read (truncated by hand, another version): named, not fatal to others. */
export class PendingServingError extends Schema.TaggedError<PendingServingError>()("PendingServingError", {
  key: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.key}: ${this.reason} (delete it and run ventureos serving rebuild to repair serving from gold)`
  }
}

/** What {@link syncPendingServing} did. */
export interface PendingSyncReport extends ServingSyncReport {
  /** Batches whose serving work was finished (0: nothing was pending). */
  readonly batches: number
}

/**
 * Finish every batch's pending serving work, oldest first: the live feeds (with each record's current
 * silver version, so a batch finished late never puts back an older version than a later batch wrote),
 * stats, profiles, histories, search entries and Top-N lists, then drop the records. Every serving write
 * is absolute or idempotent, so a sync that fails half-way is simply run again.
 */
export const syncPendingServing = (
  options: {
    readonly topLimit?: number
    readonly now?: string
    readonly onStep?: (step: SyncStep) => void
    /**
     * This run's own batch results: their changed records are current (nothing newer can be pending), so
     * they are used as they are instead of being read back from silver.
     */
    readonly fresh?: ReadonlyArray<BatchResult>
    /** The company mapping offender scores group records by (see `syncServing`). */
    readonly scoreKey?: ScoreKey
    /** Companies whose names the entity map moved in this run (see `syncServing`). */
    readonly rescore?: ReadonlyArray<string>
  } = {}
): Effect.Effect<
  PendingSyncReport,
  WarehouseError | ServingStoreError | RawArchiveError | PendingServingError,
  RawArchive | Warehouse | ServingStore
> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const keys = yield* pendingServing
    const records: Array<{ key: string; rec: PendingServing }> = []
    for (const key of keys) {
      const text = yield* archive.getText(key)
      if (text._tag === "None") continue // finished meanwhile by another process
      const parsed = yield* Effect.try({
        try: () => Schema.decodeUnknownSync(PendingServing)(JSON.parse(text.value)),
        catch: (e) =>
          new PendingServingError({
            key,
            reason: `not a pending-sync record: ${String(e).split("\n")[0]}`
          })
      })
      records.push({ key, rec: parsed })
    }
    records.sort((a, b) =>
      a.rec.createdAt < b.rec.createdAt ? -1 : a.rec.createdAt > b.rec.createdAt ? 1 : 0
    )
    // The feed gets each violation's current silver version (a later batch may have changed it again);
    // this run's own batches are current as they are.
    const fresh = new Map<string, ReadonlyArray<Violation>>()
    for (const r of options.fresh ?? []) if (r.status === "ingested") fresh.set(r.sourceId, r.changed)
    const idsOf = (rec: PendingServing): ReadonlyArray<string> =>
      rec.changedIds ?? (rec.changed ?? []).map((v) => v.violation_id)
    const current = new Map<string, Violation>()
    const byAgency = new Map<string, Set<string>>()
    for (const { rec } of records) {
      const known = fresh.get(rec.sourceId)
      if (known !== undefined) {
        for (const v of known) current.set(v.violation_id, v)
        continue
      }
      const ids = byAgency.get(rec.agency) ?? new Set()
      for (const id of idsOf(rec)) ids.add(id)
      byAgency.set(rec.agency, ids)
    }
    for (const [agency, ids] of byAgency) {
      const wanted = [...ids].filter((id) => !current.has(id))
      if (wanted.length === 0) continue
      for (const [id, v] of yield* warehouse.silverLookup(agency, wanted)) current.set(id, v)
    }
    const seen = new Set<string>()
    const results: Array<BatchResult> = []
    // Newest first when de-duplicating, so a violation changed by several pending batches is fed once.
    for (const { rec } of [...records].reverse()) {
      const changed: Array<Violation> = []
      for (const id of idsOf(rec)) {
        const v = current.get(id)
        if (v === undefined || seen.has(id)) continue
        seen.add(id)
        changed.push(v)
      }
      results.unshift({
        key: rec.key,
        keys: [rec.key],
        mode: "daily",
        agency: rec.agency,
        sourceId: rec.sourceId,
        status: "ingested",
        ...NO_WORK,
        silverSnapshot: rec.silverSnapshot,
        feed: true,
        rejectsKey: null,
        manifestKey: rec.batchId,
        changed,
        previous: rec.previous,
        touched: rec.touched
      })
    }
    const report = yield* syncServing(results, options)
    for (const { key } of records) yield* archive.remove(key)
    return { ...report, batches: records.length }
  })
