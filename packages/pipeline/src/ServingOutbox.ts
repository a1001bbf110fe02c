import { createHash } from "node:crypto"
import { Violation } from "@ventureos/core"
import type { ServingStore, ServingStoreError } from "@ventureos/serving"
import { RawArchive, type RawArchiveError } from "@ventureos/storage/archive"
import { Effect, Schema } from "effect"
import type { BatchResult } from "./Ingest"
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
  version: Schema.Literal(1),
  batchId: Schema.String,
  sourceId: Schema.String,
  key: Schema.String,
  agency: Schema.String,
  silverSnapshot: Schema.NullOr(Schema.String),
  /** Records the batch inserted or updated (for the live feed) and the versions they replaced. */
  changed: Schema.Array(Violation),
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
      version: 1,
      batchId: r.manifestKey,
      sourceId: r.sourceId,
      key: r.key,
      agency: r.agency,
      silverSnapshot: r.silverSnapshot,
      changed: r.changed,
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
    // The feed gets each violation's current silver version (a later batch may have changed it again).
    const current = new Map<string, Violation>()
    const byAgency = new Map<string, Set<string>>()
    for (const { rec } of records) {
      const ids = byAgency.get(rec.agency) ?? new Set()
      for (const v of rec.changed) ids.add(v.violation_id)
      byAgency.set(rec.agency, ids)
    }
    for (const [agency, ids] of byAgency) {
      if (ids.size === 0) continue
      for (const [id, v] of yield* warehouse.silverLookup(agency, [...ids])) current.set(id, v)
    }
    const seen = new Set<string>()
    const results: Array<BatchResult> = []
    // Newest first when de-duplicating, so a violation changed by several pending batches is fed once.
    for (const { rec } of [...records].reverse()) {
      const changed = rec.changed
        .filter((v) => !seen.has(v.violation_id))
        .map((v) => current.get(v.violation_id) ?? v)
      for (const v of changed) seen.add(v.violation_id)
      results.unshift({
        key: rec.key,
        keys: [rec.key],
        mode: "daily",
        agency: rec.agency,
        sourceId: rec.sourceId,
        status: "ingested",
        rows: 0,
        accepted: 0,
        rejected: 0,
        skipped: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        silverSnapshot: rec.silverSnapshot,
        goldDeltas: 0,
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
