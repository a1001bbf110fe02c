import type { Violation } from "@ventureos/core"
import { Effect, Layer, Option } from "effect"
import { type EntityKind, foldDeltas, type GoldDelta, toEntityStats, topN } from "./Gold"
import {
  type CompanyRollup,
  type GoldHistoryRow,
  type Landed,
  Warehouse,
  WarehouseError,
  type WarehouseShape
} from "./Warehouse"

interface SilverTable {
  snapshots: Array<{ id: string; parent: string | null; rows: Map<string, Violation> }>
  sources: Map<string, Landed>
}

/** An in-memory warehouse with snapshot history: the reference the Iceberg implementation must match. */
export const makeMemory = (): WarehouseShape => {
  const silver = new Map<string, SilverTable>()
  const gold = new Map<EntityKind, { deltas: Array<GoldDelta>; sources: Set<string>; snapshots: number }>()
  let next = 1
  const table = (agency: string) => {
    let t = silver.get(agency)
    if (t === undefined) {
      t = { snapshots: [], sources: new Map() }
      silver.set(agency, t)
    }
    return t
  }
  const goldTable = (kind: EntityKind) => {
    let g = gold.get(kind)
    if (g === undefined) {
      g = { deltas: [], sources: new Set(), snapshots: 0 }
      gold.set(kind, g)
    }
    return g
  }
  const head = (t: SilverTable) => t.snapshots[t.snapshots.length - 1]
  const shape: WarehouseShape = {
    silverHead: (agency) => Effect.sync(() => head(table(agency))?.id ?? null),
    silverLookup: (agency, ids, at) =>
      Effect.suspend(() => {
        const t = table(agency)
        const snap =
          at === undefined ? head(t) : at === null ? undefined : t.snapshots.find((s) => s.id === at)
        if (at != null && snap === undefined) {
          return Effect.fail(
            new WarehouseError({
              op: "lookup",
              table: `silver.${agency}`,
              reason: "Unknown",
              detail: `no snapshot ${at}`
            })
          )
        }
        const out = new Map<string, Violation>()
        if (snap)
          for (const id of ids) {
            const r = snap.rows.get(id)
            if (r) out.set(id, r)
          }
        return Effect.succeed(out)
      }),
    silverByAction: (agency, actionIds, at) =>
      Effect.suspend(() => {
        const t = table(agency)
        const snap =
          at === undefined ? head(t) : at === null ? undefined : t.snapshots.find((s) => s.id === at)
        if (at != null && snap === undefined)
          return Effect.fail(
            new WarehouseError({
              op: "lookup",
              table: `silver.${agency}`,
              reason: "Unknown",
              detail: `no snapshot ${at}`
            })
          )
        const wanted = new Set(actionIds)
        return Effect.succeed(
          [...(snap?.rows.values() ?? [])].filter((r) => r.action_id !== null && wanted.has(r.action_id))
        )
      }),
    silverLatest: (agency, where, n) =>
      Effect.sync(() => {
        const rows = [...(head(table(agency))?.rows.values() ?? [])].filter(
          (r) =>
            r.status !== "deleted" &&
            (where === null || r[where.column] === where.value) &&
            (r.event_date ?? r.opened_date) !== null
        )
        const day = (r: Violation) => String(r.event_date ?? r.opened_date)
        return rows
          .sort((a, b) =>
            day(a) === day(b) ? (a.violation_id < b.violation_id ? 1 : -1) : day(a) < day(b) ? 1 : -1
          )
          .slice(0, n)
      }),
    silverLatestMany: (agency, groups, n) => Effect.forEach(groups, (g) => shape.silverLatest(agency, g, n)),
    silverFindSource: (agency, sourceId) =>
      Effect.sync(() => Option.fromNullishOr(table(agency).sources.get(sourceId))),
    silverCommit: (agency, source, expectedParent, changes) =>
      Effect.gen(function* () {
        const t = table(agency)
        const existing = t.sources.get(source.id)
        if (existing) return { ...existing, written: 0, alreadyCommitted: true }
        const parent = head(t)?.id ?? null
        if (parent !== expectedParent) {
          return yield* new WarehouseError({
            op: "commit",
            table: `silver.${agency}`,
            reason: "Conflict",
            detail: `head is ${parent}, expected ${expectedParent}`
          })
        }
        const rows = new Map(head(t)?.rows ?? [])
        let written = 0
        yield* Effect.promise(async () => {
          for await (const batch of changes) {
            for (const c of batch) {
              rows.set(c.record.violation_id, c.record)
              written++
            }
          }
        })
        const id = String(next++)
        t.snapshots.push({ id, parent, rows })
        const landed = { snapshotId: id, parentId: parent }
        t.sources.set(source.id, landed)
        return { ...landed, written, alreadyCommitted: false }
      }),
    goldAppend: (kind, source, deltas) =>
      Effect.sync(() => {
        const g = goldTable(kind)
        if (g.sources.has(source.id)) return { snapshotId: String(g.snapshots), alreadyCommitted: true }
        g.deltas.push(...deltas)
        g.sources.add(source.id)
        g.snapshots++
        return { snapshotId: String(g.snapshots), alreadyCommitted: false }
      }),
    goldTotals: (kind, keys) =>
      Effect.sync(() => {
        const wanted = keys ? new Set(keys) : undefined
        const totals = foldDeltas(goldTable(kind).deltas.filter((d) => !wanted || wanted.has(d.entity_key)))
        return [...totals.values()].map((t) => {
          const s = toEntityStats(t, null, new Date(0).toISOString())
          return {
            entity_key: t.entity_key,
            agency: t.agency,
            name: t.name,
            violation_count: t.violation_count,
            open_count: t.open_count,
            closed_count: t.closed_count,
            penalty_initial_cents: t.penalty_initial_cents,
            penalty_current_cents: t.penalty_current_cents,
            penalty_current_unknown_count: t.penalty_current_unknown_count,
            by_type: { ...t.by_type },
            first_event_date: s.first_event_date,
            last_event_date: s.last_event_date
          }
        })
      }),
    goldHistory: (kind, keys) =>
      Effect.sync(() => {
        const wanted = new Set(keys)
        const sums = new Map<string, { -readonly [K in keyof GoldHistoryRow]: GoldHistoryRow[K] }>()
        for (const d of goldTable(kind).deltas) {
          if (!wanted.has(d.entity_key)) continue
          const year = d.event_date === null ? null : Number(d.event_date.slice(0, 4))
          const k = `${d.entity_key}\u0000${d.agency}\u0000${year}`
          const row = sums.get(k) ?? {
            entity_key: d.entity_key,
            agency: d.agency,
            year,
            violation_count: 0,
            penalty_initial_cents: 0n,
            penalty_current_cents: 0n
          }
          row.violation_count += d.violation_count
          row.penalty_initial_cents += d.penalty_initial_cents
          row.penalty_current_cents += d.penalty_current_cents
          sums.set(k, row)
        }
        return [...sums.values()].filter(
          (r) => r.violation_count !== 0 || r.penalty_initial_cents !== 0n || r.penalty_current_cents !== 0n
        )
      }),
    goldTop: (q) => Effect.sync(() => topN(rolledUp(goldTable("company").deltas, q.rollup), q)),
    goldTopMany: (q) =>
      Effect.sync(() => {
        const out = new Map<string, ReturnType<typeof topN>>()
        const deltas = rolledUp(goldTable("company").deltas, q.rollup)
        for (const scope of q.scopes)
          for (const by of ["count", "penalties"] as const)
            for (const agency of q.agencies)
              out.set(`${scope}|${by}|${agency}`, topN(deltas, { scope, by, agency, limit: q.limit }))
        return out
      }),
    goldCompact: () => Effect.void
  }
  return shape
}

/** Company deltas keyed by company under an entity map's roll-up (display names from the map). */
const rolledUp = (
  deltas: ReadonlyArray<GoldDelta>,
  r: CompanyRollup | undefined
): ReadonlyArray<GoldDelta> =>
  r === undefined
    ? deltas
    : deltas.map((d) => {
        const key = r.aliases.get(d.entity_key) ?? d.entity_key
        const name = r.names.get(key)
        return key === d.entity_key && name === undefined
          ? d
          : { ...d, entity_key: key, entity_name: d.entity_name === null ? null : (name ?? d.entity_name) }
      })

/** Layer: a fresh in-memory warehouse. */
export const layerMemory: Layer.Layer<Warehouse> = Layer.sync(Warehouse, makeMemory)
