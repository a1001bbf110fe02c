import type { Registry } from "@ventureos/normalizers"
import {
  commitBackfill,
  finishedBackfill,
  itemsKey,
  loadBackfillPlan,
  pendingItems,
  planBackfillKeys,
  runBackfillItem,
  type Warehouse
} from "@ventureos/pipeline"
import type { Lakehouse } from "@ventureos/storage"
import type { RawArchive } from "@ventureos/storage/archive"
import { Effect, type Layer, ManagedRuntime, Option, Schema } from "effect"

/** Planner input: bronze keys already in the raw bucket (records files with their lookups). */
export const BackfillPlanEvent = Schema.Struct({
  keys: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  splitRows: Schema.optional(Schema.Number)
})
/** One work item of the Distributed Map (what the planner's `items.json` lists). */
export const BackfillItemEvent = Schema.Struct({ runId: Schema.String, item: Schema.Number })
/** Committer input. */
export const BackfillCommitEvent = Schema.Struct({ runId: Schema.String })

export interface BackfillHandlerOptions {
  readonly registry: Registry
  /** The raw archive (the raw bucket), the warehouse and the lakehouse (S3 Tables through the REST catalog). */
  readonly layer: Layer.Layer<RawArchive | Warehouse | Lakehouse>
}

const log = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ level: "info", ...o })}\n`)

/**
 * The three Lambdas of the AWS backfill (a Step Functions Distributed Map: plan → map(work) → commit, looping
 * back to the map while the committer re-planned an agency). Each returns a few small fields only: everything
 * else (the plan, the workers' data-file metadata, partial gold) lives in the raw bucket under `backfill/`.
 * Failures throw, so the state machine's retries apply; every step is idempotent.
 */
export const makeBackfillHandlers = (options: BackfillHandlerOptions) => {
  const runtime = ManagedRuntime.make(options.layer)
  const run = <A, E>(e: Effect.Effect<A, E, RawArchive | Warehouse | Lakehouse>) =>
    runtime.runPromise(
      e.pipe(
        Effect.mapError((err) => new Error(err instanceof Error ? err.message : String(err))),
        Effect.orDie
      )
    )
  return {
    /** `{ keys, splitRows? }` → `{ runId, itemsKey, items }` (the Map reads `itemsKey` from the raw bucket). */
    plan: (event: unknown) =>
      run(
        Effect.gen(function* () {
          const e = yield* Schema.decodeUnknownEffect(BackfillPlanEvent)(event)
          const plan = yield* planBackfillKeys(e.keys, {
            registry: options.registry,
            ...(e.splitRows === undefined ? {} : { splitRows: e.splitRows })
          })
          log({ msg: "backfill planned", runId: plan.runId, items: plan.items.length })
          return { runId: plan.runId, itemsKey: itemsKey(plan.runId), items: plan.items.length }
        })
      ),
    /** `{ runId, item }` → `{ runId, item, dataFiles, ms }`; a finished item returns its stored result. */
    work: (event: unknown) =>
      run(
        Effect.gen(function* () {
          const e = yield* Schema.decodeUnknownEffect(BackfillItemEvent)(event)
          const plan = yield* loadBackfillPlan(e.runId)
          const r = yield* runBackfillItem(plan, e.item, { registry: options.registry })
          log({ msg: "backfill item", runId: e.runId, item: e.item, rows: r.counts.rows, ms: r.ms })
          return { runId: e.runId, item: e.item, dataFiles: r.data.length, ms: r.ms }
        })
      ),
    /**
     * `{ runId }` → `{ runId, done }`: done when every agency is committed; false when an agency was re-planned
     * (another writer moved its head) and its items must go through the map again.
     */
    commit: (event: unknown) =>
      run(
        Effect.gen(function* () {
          const e = yield* Schema.decodeUnknownEffect(BackfillCommitEvent)(event)
          const finished = yield* finishedBackfill(e.runId)
          if (Option.isSome(finished)) return { runId: e.runId, done: true, summary: finished.value }
          const plan = yield* loadBackfillPlan(e.runId)
          const pending = yield* pendingItems(plan)
          if (pending.length > 0)
            return yield* Effect.fail(
              new Error(
                `backfill ${e.runId}: ${pending.length} items have no result (e.g. ${pending[0]!.index}); run the map again`
              )
            )
          const c = yield* commitBackfill(plan)
          log({ msg: "backfill commit", runId: e.runId, done: c.summary !== undefined })
          return { runId: e.runId, done: c.summary !== undefined, summary: c.summary ?? null }
        })
      )
  }
}
