import type { Violation } from "@ventureos/core"
import { Context, Effect, Layer, Option, Schedule, Schema } from "effect"
import type { EntityKind, GoldDelta } from "./Gold"

/** Where a commit's rows came from; committing the same source twice is a no-op. */
export interface CommitSource {
  /** e.g. `bronze/daily/osha/2026/01/02/file.csv#<sha256>` or `silver:osha:<snapshot id>`. */
  readonly id: string
  readonly batchId: string
}

/** A snapshot that a source landed in, with its parent (the state the source was applied to). */
export interface Landed {
  readonly snapshotId: string
  readonly parentId: string | null
}

/** A silver row to write; `replaces` when a previous version of the same violation id exists. */
export interface SilverChange {
  readonly record: Violation
  readonly replaces: boolean
}

/** Failure of the warehouse (the lakehouse tables). */
export class WarehouseError extends Schema.TaggedError<WarehouseError>()("WarehouseError", {
  op: Schema.String,
  table: Schema.String,
  reason: Schema.Literals(["Conflict", "Unavailable", "CommitStateUnknown", "Corrupt", "Unknown"]),
  detail: Schema.String
}) {
  /** Conflicts and unavailability are retried; an unknown commit state must be reconciled first. */
  get isRetryable(): boolean {
    return this.reason === "Conflict" || this.reason === "Unavailable"
  }
  override get message() {
    return `warehouse ${this.op} ${this.table}: ${this.reason}: ${this.detail}`
  }
}

/** Retry conflicts and unavailability (jittered exponential backoff, 5 times); other failures pass through. */
export const retryTransient = <A, R>(
  e: Effect.Effect<A, WarehouseError, R>
): Effect.Effect<A, WarehouseError, R> =>
  Effect.retry(e, {
    while: (err) => err.isRetryable,
    times: 5,
    schedule: Schedule.exponential("50 millis").pipe(Schedule.jittered)
  })

/**
 * Re-run a whole batch when another writer committed to its table first (Conflict): a batch classifies its
 * records against the silver head it read, so only a fresh run (new head, new classification) can commit;
 * exactly-once makes the re-run safe. Up to 8 attempts, jittered exponential backoff from 100 ms.
 */
export const retryOnConflict = <A, E, R>(e: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.retry(e, {
    while: (err) => err instanceof WarehouseError && err.reason === "Conflict",
    times: 8,
    schedule: Schedule.exponential("100 millis").pipe(Schedule.jittered)
  })

/**
 * Company gold rolled up by the entity map (gold itself stays per published name variant): `aliases` maps a
 * variant's key to its company's key (`COMPANY#a` -> `COMPANY#b`), `names` gives companies their display name.
 */
export interface CompanyRollup {
  readonly aliases: ReadonlyMap<string, string>
  readonly names: ReadonlyMap<string, string>
}

/** Totals read back from gold, per (entity, agency) including `all`. */
export interface GoldTotalsRow {
  readonly entity_key: string
  readonly agency: string
  readonly name: string | null
  readonly violation_count: number
  readonly open_count: number
  readonly closed_count: number
  readonly penalty_initial_cents: bigint
  readonly penalty_current_cents: bigint
  /** Violations whose current penalty is unknown (0 for gold written before the column existed). */
  readonly penalty_current_unknown_count: number
  readonly by_type: Readonly<Record<string, number>>
  readonly first_event_date: string | null
  readonly last_event_date: string | null
}

/** Gold summed per (entity, agency, year of the event date), read back for an entity's history. */
export interface GoldHistoryRow {
  readonly entity_key: string
  readonly agency: string
  /** null for violations without an event date. */
  readonly year: number | null
  readonly violation_count: number
  readonly penalty_initial_cents: bigint
  readonly penalty_current_cents: bigint
}

/** One entity's live feed in silver: the records whose `column` equals `value`. */
export interface LatestGroup {
  readonly column: "company_slug" | "city_slug" | "state"
  readonly value: string
}

/**
 * What the pipeline needs from the lakehouse: silver tables per agency (upsert by violation id, lookups,
 * time travel by snapshot) and the gold delta tables. Implemented over Iceberg (`WarehouseIceberg`) and in
 * memory (`layerMemory`, for tests of the use cases).
 */
export interface WarehouseShape {
  /** Current snapshot id of an agency's silver table (null when empty). */
  readonly silverHead: (agency: string) => Effect.Effect<string | null, WarehouseError>
  /** Current versions of the given ids, at the head or at a given snapshot. */
  readonly silverLookup: (
    agency: string,
    ids: ReadonlyArray<string>,
    at?: string | null
  ) => Effect.Effect<ReadonlyMap<string, Violation>, WarehouseError>
  /**
   * Every version current at a snapshot (the head when `at` is omitted, none when null) of the records
   * whose `action_id` is one of `actionIds`: the members of those action groups, for their gold deltas.
   */
  readonly silverByAction: (
    agency: string,
    actionIds: ReadonlyArray<string>,
    at?: string | null
  ) => Effect.Effect<ReadonlyArray<Violation>, WarehouseError>
  /**
   * The `n` newest live (not deleted) violations of one entity (or of the whole table when `where` is
   * null: the national feed) in an agency's silver table, newest first by event date (else opened date),
   * then violation id: used to refill a live feed after deletions.
   */
  readonly silverLatest: (
    agency: string,
    where: LatestGroup | null,
    n: number
  ) => Effect.Effect<ReadonlyArray<Violation>, WarehouseError>
  /**
   * {@link silverLatest} of many entities at once, in the order of `groups`: one read of the table instead of
   * one per entity (a daily batch's corrections leave hundreds of feeds short, and each read of an unsorted
   * table costs the whole history).
   */
  readonly silverLatestMany: (
    agency: string,
    groups: ReadonlyArray<LatestGroup>,
    n: number
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<Violation>>, WarehouseError>
  /** The snapshot a source landed in, if it did. */
  readonly silverFindSource: (
    agency: string,
    sourceId: string
  ) => Effect.Effect<Option.Option<Landed>, WarehouseError>
  /**
   * Commit changes as one snapshot on top of `expectedParent` (fails with Conflict if the head moved).
   * Returns the landed snapshot; a source already committed returns its snapshot without writing.
   */
  readonly silverCommit: (
    agency: string,
    source: CommitSource,
    expectedParent: string | null,
    changes: AsyncIterable<ReadonlyArray<SilverChange>>
  ) => Effect.Effect<
    Landed & { readonly written: number; readonly alreadyCommitted: boolean },
    WarehouseError
  >
  /** Append gold deltas exactly once per source. */
  readonly goldAppend: (
    kind: EntityKind,
    source: CommitSource,
    deltas: ReadonlyArray<GoldDelta>
  ) => Effect.Effect<
    { readonly snapshotId: string | null; readonly alreadyCommitted: boolean },
    WarehouseError
  >
  /** Current totals for entities (all when `keys` is omitted). */
  readonly goldTotals: (
    kind: EntityKind,
    keys?: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<GoldTotalsRow>, WarehouseError>
  /**
   * Gold summed per (entity, agency, year of the event date) for these entities; only groups with a
   * non-zero sum (an entity's live violations per year).
   */
  readonly goldHistory: (
    kind: EntityKind,
    keys: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<GoldHistoryRow>, WarehouseError>
  /** All live company deltas matching a Top-N scope (aggregation happens in the caller or in SQL). */
  readonly goldTop: (q: {
    readonly scope: string
    readonly by: "count" | "penalties"
    readonly agency: string
    readonly limit: number
    /** Rank companies as the entity map groups variants (see {@link CompanyRollup}). */
    readonly rollup?: CompanyRollup
  }) => Effect.Effect<
    ReadonlyArray<{
      entity_key: string
      name: string
      violation_count: number
      penalty_current_cents: bigint
    }>,
    WarehouseError
  >
  /**
   * Many Top-N lists at once (every scope x by x agency combination), in one pass over company gold.
   * Keys of the result: `${scope}|${by}|${agency}`.
   */
  readonly goldTopMany: (q: {
    readonly scopes: ReadonlyArray<string>
    readonly agencies: ReadonlyArray<string>
    readonly limit: number
    readonly rollup?: CompanyRollup
  }) => Effect.Effect<
    ReadonlyMap<
      string,
      ReadonlyArray<{
        entity_key: string
        name: string
        violation_count: number
        penalty_current_cents: bigint
      }>
    >,
    WarehouseError
  >
  /** Collapse a gold table's deltas into a checkpoint (same totals, fewer rows). */
  readonly goldCompact: (kind: EntityKind) => Effect.Effect<void, WarehouseError>
  /** SQL-level access for vectorized (bulk) ingest; absent when the warehouse has no SQL engine. */
  readonly bulk?: WarehouseBulk
}

/**
 * The warehouse as a SQL engine (DuckDB for the Iceberg warehouse): bulk ingest stages, classifies and
 * aggregates millions of rows there instead of in JavaScript. Tables created with `sql` live until dropped.
 */
export interface WarehouseBulk {
  /** Run one SQL statement; result rows as JSON-safe values. */
  readonly sql: (text: string) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, WarehouseError>
  /**
   * A SQL relation over an agency's silver table at a snapshot (null: the empty table); `ids` (when few)
   * lets the scan skip data files that cannot hold them.
   */
  readonly silverRelation: (
    agency: string,
    snapshot: string | null,
    ids?: ReadonlyArray<string>
  ) => Effect.Effect<string, WarehouseError>
  /**
   * Commit the rows of `rowsSql` (silver columns) as one upsert snapshot on top of `expectedParent`;
   * `replacedKeysSql` selects the `violation_id`s whose earlier versions the rows replace.
   */
  readonly silverWrite: (
    agency: string,
    source: CommitSource,
    expectedParent: string | null,
    rowsSql: string,
    replacedKeysSql: string
  ) => Effect.Effect<Landed & { readonly alreadyCommitted: boolean }, WarehouseError>
  /** Append the gold delta rows of `deltasSql` (gold columns but `source_id` / `created_at`) exactly once. */
  readonly goldAppendSql: (
    kind: EntityKind,
    source: CommitSource,
    deltasSql: string
  ) => Effect.Effect<
    { readonly snapshotId: string | null; readonly alreadyCommitted: boolean },
    WarehouseError
  >
  /** Silver rows selected by `sql` (all silver columns) as records. */
  readonly readViolations: (sql: string) => Effect.Effect<ReadonlyArray<Violation>, WarehouseError>
}

export class Warehouse extends Context.Service<Warehouse, WarehouseShape>()(
  "@ventureos/pipeline/Warehouse"
) {}

export { Option }
export const layer = (shape: WarehouseShape): Layer.Layer<Warehouse> => Layer.succeed(Warehouse, shape)
