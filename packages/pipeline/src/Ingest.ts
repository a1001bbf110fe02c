import { createHash } from "node:crypto"
import { rm } from "node:fs/promises"
import { basename, join } from "node:path"
import { UnusableFileError, type Violation } from "@ventureos/core"
import { type Outcome, planNormalize, type Registry } from "@ventureos/normalizers"
import { RawArchive, RawArchiveError, type RawObject } from "@ventureos/storage/archive"
import { Effect, Option, Schema } from "effect"
import { type BronzeKey, manifestKey, parseBronzeKey, rejectsKey, route } from "./Gatekeeper"
import { actionDeltas, deltasFor, type EntityKind, type GoldDelta } from "./Gold"
import { type BatchCore, ingestVectorized } from "./IngestVectorized"
import { toUnusable } from "./Normalize"
import { makeScratchDir, sweepStaleScratchOnce } from "./Scratch"
import { recordPendingServing } from "./ServingOutbox"
import {
  type CommitSource,
  type Landed,
  retryTransient,
  type SilverChange,
  Warehouse,
  type WarehouseError
} from "./Warehouse"

/** The outcome of one batch (a records file with the lookup files it needs). */
export interface BatchResult {
  readonly key: string
  readonly keys: ReadonlyArray<string>
  readonly mode: "daily" | "historical"
  readonly agency: string
  readonly sourceId: string
  /** `ingested`, or `replayed` when the batch had already completed (a re-delivery: nothing done). */
  readonly status: "ingested" | "replayed"
  readonly rows: number
  readonly accepted: number
  readonly rejected: number
  readonly skipped: number
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly silverSnapshot: string | null
  readonly goldDeltas: number
  readonly feed: boolean
  readonly rejectsKey: string | null
  readonly manifestKey: string
  /** Records that changed (inserted or updated), for the live feed; only kept for daily batches. */
  readonly changed: ReadonlyArray<Violation>
  /** The replaced versions of updated records (daily batches only): feeds they sat in are cleaned. */
  readonly previous: ReadonlyArray<Violation>
  /** Vectorized batches: records rows decided in SQL vs handed to the plugin's JavaScript normalizer. */
  readonly decided?: { readonly sql: number; readonly js: number }
  /** Entity keys whose gold totals changed, per kind (for the serving sync). */
  readonly touched: Readonly<Record<EntityKind, ReadonlyArray<string>>>
}

/** The counts of a batch that did no work (a replay; a pending serving record finished later). */
export const NO_WORK = {
  rows: 0,
  accepted: 0,
  rejected: 0,
  skipped: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  goldDeltas: 0
} as const satisfies Partial<BatchResult>

/** Not a bronze key, or a batch that cannot be processed as given (retrying will not help). */
export class IngestInputError extends Schema.TaggedError<IngestInputError>()("IngestInputError", {
  key: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.key}: ${this.reason}`
  }
}

export interface IngestOptions {
  readonly registry: Registry
  /** Rows looked up and staged per chunk (bounded memory). */
  readonly chunkSize?: number
  readonly onProgress?: (rowsDone: number) => void
  readonly ingestedAt?: string
  /**
   * Use the plugin's vectorized (SQL) form when it has one and the warehouse has a SQL engine (default true).
   * `false` forces the row-at-a-time path (the reference the vectorized one is tested against).
   */
  readonly vectorized?: boolean
  /** Vectorized path: values per slice of its JavaScript work (for tests of the slicing; defaults are fine). */
  readonly bulkSliceRows?: number
}

interface Manifest {
  readonly status: "complete"
  readonly sourceId: string
  readonly keys: ReadonlyArray<{ key: string; sha256: string; etag: string; size: number }>
  readonly counts: Record<string, number>
  readonly silverSnapshot: string | null
  readonly goldDeltas: number
  readonly completedAt: string
  /**
   * Earlier completed sources under the same records key (the same records bytes with other lookup files),
   * so re-delivering one of them is still recognised as a replay after a later batch took the manifest.
   */
  readonly previousSources?: ReadonlyArray<string>
}

/**
 * The version of an object a batch is about: its sha256, or, for an object uploaded to S3 by someone else
 * (no sha256 metadata), its ETag, so a new upload under the same key is a new batch, never a replay.
 */
const versionOf = (o: RawObject): string => (o.sha256 !== "" ? o.sha256 : `etag:${o.etag}`)

const sourceIdOf = (objs: ReadonlyArray<RawObject>): string => {
  if (objs.length === 1) return `${objs[0]!.key}#${versionOf(objs[0]!)}`
  const h = createHash("sha256")
  for (const o of [...objs].sort((a, b) => (a.key < b.key ? -1 : 1))) h.update(`${o.key}#${versionOf(o)}\n`)
  return `${objs[0]!.key}+${objs.length - 1}#${h.digest("hex")}`
}

/** Aggregate deltas of one batch by their full grain (far fewer rows than records). */
const addDelta = (acc: Map<string, GoldDelta>, d: GoldDelta) => {
  const k = `${d.entity_key}\u0000${d.agency}\u0000${d.event_date ?? ""}\u0000${d.state ?? ""}\u0000${d.city_slug ?? ""}`
  const prev = acc.get(k)
  if (prev === undefined) {
    acc.set(k, { ...d, by_type: { ...d.by_type } })
    return
  }
  const by = { ...prev.by_type }
  for (const t of Object.keys(by) as Array<keyof typeof by>) by[t] += d.by_type[t]
  acc.set(k, {
    ...prev,
    violation_count: prev.violation_count + d.violation_count,
    open_count: prev.open_count + d.open_count,
    closed_count: prev.closed_count + d.closed_count,
    penalty_initial_cents: prev.penalty_initial_cents + d.penalty_initial_cents,
    penalty_current_cents: prev.penalty_current_cents + d.penalty_current_cents,
    penalty_current_unknown_count: prev.penalty_current_unknown_count + d.penalty_current_unknown_count,
    by_type: by,
    entity_name: d.entity_name ?? prev.entity_name
  })
}

const isZero = (d: GoldDelta) =>
  d.violation_count === 0 &&
  d.open_count === 0 &&
  d.closed_count === 0 &&
  d.penalty_initial_cents === 0n &&
  d.penalty_current_cents === 0n &&
  d.penalty_current_unknown_count === 0 &&
  Object.values(d.by_type).every((v) => v === 0)

/**
 * What the ledger says of a batch: its bronze objects (by `head`), its source id (keys + sha256s) and the
 * manifest under its records key; `replayed` when that manifest completed these same bytes (a redelivery).
 * Reads the raw archive only (no warehouse): the CLI answers a replay from it before opening the lake.
 */
const batchLedger = (keys: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const parsed: Array<BronzeKey> = []
    for (const k of keys) {
      const b = parseBronzeKey(k)
      if (b === undefined)
        return yield* new IngestInputError({
          key: k,
          reason: "not a bronze key: expected bronze/{daily|historical}/{agency}/{yyyy}/{mm}/{dd}/{file}"
        })
      parsed.push(b)
    }
    const main = parsed[0]!
    const r = route(main)
    const objs: Array<RawObject> = []
    for (const k of keys) {
      const h = yield* archive.head(k)
      if (Option.isNone(h))
        return yield* new IngestInputError({ key: k, reason: "object not found in the raw archive" })
      objs.push(h.value)
    }
    const sourceId = sourceIdOf(objs)
    const mKey = manifestKey(main)
    const prior = yield* archive.getText(mKey)
    const priorManifest = Option.isSome(prior) ? (JSON.parse(prior.value) as Manifest) : undefined
    const m = priorManifest
    const replayed: BatchResult | undefined =
      m !== undefined &&
      m.status === "complete" &&
      (m.sourceId === sourceId || (m.previousSources ?? []).includes(sourceId))
        ? {
            // A redelivery of bytes already ingested: nothing is read or written, nothing reported as done.
            key: main.key,
            keys,
            mode: main.mode,
            agency: main.agency,
            sourceId,
            status: "replayed",
            ...NO_WORK,
            silverSnapshot: m.silverSnapshot,
            feed: r.feed,
            rejectsKey: null,
            manifestKey: mKey,
            changed: [],
            previous: [],
            touched: { company: [], city: [], state: [] }
          }
        : undefined
    return { main, r, objs, sourceId, mKey, priorManifest, replayed }
  })

/**
 * The batch's result when it is a replay (its bytes already completed: see {@link ingestBatch}), from the raw
 * archive alone; none when it has work to do (then `ingestBatch` does it, and checks the ledger again).
 */
export const replayedBatch = (
  keys: ReadonlyArray<string>
): Effect.Effect<Option.Option<BatchResult>, IngestInputError | RawArchiveError, RawArchive> =>
  Effect.map(batchLedger(keys), (l) => Option.fromUndefinedOr(l.replayed))

/**
 * Ingest one batch of archived bronze objects: the first key is the batch's identity; all keys are
 * normalized together (OSHA violations need their inspection file). Exactly-once: a completed batch
 * (manifest present for the same bytes) is a no-op; a batch interrupted after its silver commit is
 * finished from silver history (deltas = the commit's parent vs. the commit) instead of re-applied.
 */
export const ingestBatch = (
  keys: ReadonlyArray<string>,
  options: IngestOptions
): Effect.Effect<
  BatchResult,
  UnusableFileError | IngestInputError | WarehouseError | RawArchiveError,
  RawArchive | Warehouse
> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const warehouse = yield* Warehouse
    const ledger = yield* batchLedger(keys)
    if (ledger.replayed !== undefined) return ledger.replayed
    const { main, r, objs, sourceId, mKey, priorManifest } = ledger

    // Staging of processes killed mid-batch is removed by the next run; this batch's own is removed below.
    yield* Effect.promise(() => sweepStaleScratchOnce())
    const dir = yield* Effect.promise(() => makeScratchDir("ventureos-ingest-"))
    return yield* Effect.ensuring(
      Effect.gen(function* () {
        const local: Array<string> = []
        for (const [i, k] of keys.entries()) {
          const p = join(dir, `${i}-${basename(k)}`)
          const got = yield* archive.download(k, p)
          const want = objs[i]!
          // The bytes processed must be the version the batch is named after (an S3 key can be overwritten).
          if (want.etag !== "" && got.etag !== "" && got.etag !== want.etag)
            return yield* new RawArchiveError({
              op: "get",
              key: k,
              reason: "Unavailable",
              detail: `the object changed while it was being ingested (ETag ${want.etag} became ${got.etag}); retry: the new version is a new batch`
            })
          // The manifest names the sha256 of exactly the bytes processed.
          if (want.sha256 === "") objs[i] = { ...want, sha256: got.sha256 }
          local.push(p)
        }
        const agencyOpt = main.agency === "auto" ? "auto" : main.agency
        const run = yield* Effect.tryPromise({
          try: () =>
            planNormalize(local, {
              registry: options.registry,
              agency: agencyOpt,
              ...(options.ingestedAt !== undefined ? { ingestedAt: options.ingestedAt } : {})
            }),
          catch: (e) =>
            toUnusable(e) ??
            new UnusableFileError({ file: main.key, reason: String(e), expected: "a readable agency file" })
        })
        const agencies = run.summary.agencies
        if (agencies.length !== 1) {
          return yield* new IngestInputError({
            key: main.key,
            reason: `a batch must hold one agency, found ${agencies.join(", ")}`
          })
        }
        /** The row-at-a-time path: every outcome through JavaScript, chunked silver lookups. */
        const rowAtATime = (
          agency: string,
          head: string | null,
          landedBefore: Option.Option<Landed>
        ): Effect.Effect<BatchCore, WarehouseError> =>
          Effect.gen(function* () {
            const chunkSize = options.chunkSize ?? 20_000
            const touched: Record<EntityKind, Set<string>> = {
              company: new Set(),
              city: new Set(),
              state: new Set()
            }
            const deltasByKind: Record<EntityKind, Map<string, GoldDelta>> = {
              company: new Map(),
              city: new Map(),
              state: new Map()
            }
            const changed: Array<Violation> = []
            const previous: Array<Violation> = []
            let inserted = 0
            let updated = 0
            let unchanged = 0
            let rejectLines = ""
            let done = 0
            /** Action ids of changed records (old and new versions): their groups' deltas come after silver. */
            const actions = new Set<string>()
            const addDeltas = (ds: Record<EntityKind, ReadonlyArray<GoldDelta>>) => {
              for (const kind of ["company", "city", "state"] as const) {
                for (const d of ds[kind]) {
                  addDelta(deltasByKind[kind], d)
                  touched[kind].add(d.entity_key)
                }
              }
            }

            // Old versions come from the commit's parent when finishing an interrupted batch, else from the head.
            const baseSnapshot = Option.isSome(landedBefore) ? landedBefore.value.parentId : head
            const newSnapshot = Option.isSome(landedBefore) ? landedBefore.value.snapshotId : undefined

            const classify = (
              olds: ReadonlyMap<string, Violation>,
              news: ReadonlyArray<Violation>
            ): Array<SilverChange> => {
              const out: Array<SilverChange> = []
              for (const rec of news) {
                const old = olds.get(rec.violation_id) ?? null
                if (old !== null && old.content_hash === rec.content_hash) {
                  unchanged++
                  continue
                }
                if (old === null) inserted++
                else updated++
                // a version in an action group counts through its group (below), one of its own here
                if (old?.action_id != null) actions.add(old.action_id)
                if (rec.action_id !== null) actions.add(rec.action_id)
                addDeltas(
                  deltasFor(old?.action_id === null ? old : null, rec.action_id === null ? rec : null)
                )
                if (r.feed) {
                  changed.push(rec)
                  if (old !== null) previous.push(old)
                }
                out.push({ record: rec, replaces: old !== null })
              }
              return out
            }

            // Pull outcomes chunk by chunk: rejects are collected, accepted records are looked up and classified.
            const chunks = async function* (
              lookup: (ids: ReadonlyArray<string>) => Promise<ReadonlyMap<string, Violation>>,
              newer?: (ids: ReadonlyArray<string>) => Promise<ReadonlyMap<string, Violation>>
            ): AsyncGenerator<ReadonlyArray<SilverChange>> {
              let pending: Array<Violation> = []
              const flush = async () => {
                const ids = pending.map((p) => p.violation_id)
                const olds = await lookup(ids)
                let news: ReadonlyArray<Violation> = pending
                if (newer) {
                  const landed = await newer(ids)
                  news = pending.map((p) => landed.get(p.violation_id) ?? p)
                }
                pending = []
                return classify(olds, news)
              }
              for await (const batch of run.outcomes()) {
                for (const o of batch as ReadonlyArray<Outcome>) {
                  done++
                  if (o._tag === "accepted") pending.push(o.record)
                  else if (o._tag === "rejected") rejectLines += `${JSON.stringify(o.rejection)}\n`
                }
                options.onProgress?.(done)
                if (pending.length >= chunkSize) {
                  const c = await flush()
                  if (c.length > 0) yield c
                }
              }
              if (pending.length > 0) {
                const c = await flush()
                if (c.length > 0) yield c
              }
            }

            const runP = <A>(e: Effect.Effect<A, WarehouseError>) => Effect.runPromise(e)
            let silverSnapshot: string | null = newSnapshot ?? head
            if (newSnapshot !== undefined) {
              // Interrupted earlier after the silver commit: recompute its deltas from history, write nothing.
              yield* Effect.promise(async () => {
                for await (const _ of chunks(
                  (ids) => runP(warehouse.silverLookup(agency, ids, baseSnapshot)),
                  (ids) => runP(warehouse.silverLookup(agency, ids, newSnapshot))
                )) {
                  // consumed for its side effects (deltas, counts)
                }
              })
            } else {
              // Stage changes into one silver commit. If there is nothing to write, no snapshot is made.
              const iter = chunks((ids) => runP(warehouse.silverLookup(agency, ids, head)))
              const first = yield* Effect.promise(() => iter.next())
              if (!first.done) {
                const all = (async function* () {
                  yield first.value
                  yield* iter
                })()
                const landed = yield* warehouse.silverCommit(
                  agency,
                  { id: sourceId, batchId: mKey },
                  head,
                  all
                )
                silverSnapshot = landed.snapshotId
              }
            }
            // Action groups: the group's merged contribution after the commit minus before it, for every group a
            // changed record left or joined (the whole group is read: members outside this batch count too).
            // Groups are independent: read a slice of action ids at a time (bounded lookups and memory).
            const allActions = silverSnapshot !== baseSnapshot ? [...actions] : []
            for (let i = 0; i < allActions.length; i += chunkSize) {
              const ids = allActions.slice(i, i + chunkSize)
              const members = (at: string | null) =>
                Effect.map(warehouse.silverByAction(agency, ids, at), (rows) => {
                  const by = new Map<string, Array<Violation>>()
                  for (const r of rows) {
                    const g = by.get(r.action_id!)
                    if (g === undefined) by.set(r.action_id!, [r])
                    else g.push(r)
                  }
                  return by
                })
              const before = yield* members(baseSnapshot)
              const after = yield* members(silverSnapshot)
              for (const id of ids) addDeltas(actionDeltas(before.get(id) ?? [], after.get(id) ?? []))
            }
            // Gold: one append per table, exactly once per source.
            let goldDeltas = 0
            for (const kind of ["company", "city", "state"] as const) {
              const ds = [...deltasByKind[kind].values()].filter((d) => !isZero(d))
              if (ds.length === 0) continue
              const source: CommitSource = { id: sourceId, batchId: mKey }
              yield* warehouse.goldAppend(kind, source, ds).pipe(retryTransient)
              goldDeltas += ds.length
            }
            return {
              inserted,
              updated,
              unchanged,
              silverSnapshot,
              goldDeltas,
              changed,
              previous,
              touched: { company: [...touched.company], city: [...touched.city], state: [...touched.state] },
              rejectLines
            } satisfies BatchCore
          })

        /** Rejects and the manifest (the batch's completion mark), then the result. */
        const finishBatch = (core: BatchCore) =>
          Effect.gen(function* () {
            const { rejectLines, ...outcome } = core
            const { inserted, updated, unchanged } = outcome
            const s = run.summary
            let rKey: string | null = null
            if (rejectLines !== "") {
              rKey = rejectsKey(main)
              yield* archive.putText(rKey, rejectLines)
            }
            const manifest: Manifest = {
              status: "complete",
              sourceId,
              keys: objs.map((o) => ({ key: o.key, sha256: o.sha256, etag: o.etag, size: o.size })),
              counts: {
                rows: s.rows,
                accepted: s.accepted,
                rejected: s.rejected,
                skipped: s.skipped,
                lookupRejected: s.lookupRejected,
                inserted,
                updated,
                unchanged
              },
              silverSnapshot: outcome.silverSnapshot,
              goldDeltas: outcome.goldDeltas,
              completedAt: new Date().toISOString(),
              previousSources: [
                ...new Set([
                  ...(priorManifest?.previousSources ?? []),
                  ...(priorManifest !== undefined && priorManifest.sourceId !== sourceId
                    ? [priorManifest.sourceId]
                    : [])
                ])
              ]
            }
            // A daily batch's serving work is recorded before its completion mark: if the serving sync fails
            // or the process dies after this, the next run or `serving sync` finishes it (the outbox).
            const { touched, changed, previous } = outcome
            const work = changed.length + previous.length + touched.company.length + touched.city.length
            if (r.feed && work + touched.state.length > 0)
              yield* recordPendingServing({ ...outcome, manifestKey: mKey, sourceId, key: main.key, agency })
            yield* archive.putText(mKey, `${JSON.stringify(manifest, null, 2)}\n`)
            return {
              key: main.key,
              keys,
              mode: main.mode,
              agency,
              sourceId,
              status: "ingested",
              rows: s.rows,
              accepted: s.accepted,
              rejected: s.rejected,
              skipped: s.skipped,
              ...outcome,
              feed: r.feed,
              rejectsKey: rKey,
              manifestKey: mKey
            } satisfies BatchResult
          })

        const agency = agencies[0]!
        const landedBefore = yield* warehouse.silverFindSource(agency, sourceId)
        const head = yield* warehouse.silverHead(agency)
        const plugin = run.groups[0]?.plugin
        const vectorized = options.vectorized === false ? undefined : plugin?.vectorized
        const core =
          vectorized !== undefined && warehouse.bulk !== undefined && plugin !== undefined
            ? yield* ingestVectorized({
                run,
                plugin,
                vectorized,
                bulk: warehouse.bulk,
                agency,
                source: { id: sourceId, batchId: mKey },
                head,
                landed: Option.isSome(landedBefore) ? landedBefore.value : undefined,
                feed: r.feed,
                dir,
                ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
                ...(options.bulkSliceRows === undefined
                  ? {}
                  : { sliceRows: options.bulkSliceRows, sqlSliceRows: options.bulkSliceRows })
              })
            : yield* rowAtATime(agency, head, landedBefore)
        return yield* finishBatch(core)
      }),
      Effect.promise(() => rm(dir, { recursive: true, force: true }))
    )
  })
