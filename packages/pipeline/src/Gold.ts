import {
  actionKey,
  cityKey,
  companyKey,
  type EntityStats,
  type IsoDate,
  type Money,
  mergeAction,
  moneyFromCents,
  moneyToCents,
  type Slug,
  stateKey,
  type UsState,
  type Violation,
  type ViolationType,
  ViolationTypes
} from "@ventureos/core"

/**
 * Gold keeps running totals as append-only deltas. The grain of a delta row is
 * (entity, agency, event date): every statistic, including first/last event date, is then exactly
 * invertible — a correction appends new minus old, a deletion appends the negative, and
 * first/last date = min/max of the dates whose net count is positive.
 *
 * What is counted is an enforcement action: the live silver records of one action group (`actionKey`:
 * records sharing an `action_id`, else the record alone) merged by `mergeAction`. A change to any member of a
 * group appends (new group contribution − old group contribution) (`actionDeltas`), which stays exactly
 * invertible under corrections, deletions and any arrival order: the sum of all deltas is always the sum
 * of the current groups' contributions (`goldFromSilver`).
 *
 * Penalties: totals sum the known amounts only; `penalty_current_unknown_count` counts the violations whose
 * current penalty is unknown (null in silver: OSHA's blank `current_penalty`), so a page can say
 * "current penalty unknown for N violations".
 */

/**
 * A current penalty is unknown when a penalty was proposed (initial known) but no current figure is
 * published. A record with no penalty figure at all (an EPA compliance order, an OSHA item with both cells
 * blank) carries no penalty: it is not counted as unknown (a page saying "unknown for 587" of Florida's EPA
 * orders, which assess none, misled).
 */
export const currentUnknown = (r: {
  readonly penalty_initial: unknown
  readonly penalty_current: unknown
}): boolean => r.penalty_current === null && r.penalty_initial !== null

/** The same rule as a DuckDB predicate over silver's columns. */
export const CURRENT_UNKNOWN_SQL = "(penalty_current IS NULL AND penalty_initial IS NOT NULL)"

export type EntityKind = "company" | "city" | "state"

/** One delta row (also the row shape of `gold.company_stats`, `gold.city_stats`, `gold.state_stats`). */
export interface GoldDelta {
  readonly entity_key: string
  readonly agency: string
  readonly event_date: IsoDate | null
  /** Where the violation happened: lets Top-N per state / city be answered from company deltas. */
  readonly state: string | null
  readonly city_slug: string | null
  readonly violation_count: number
  readonly open_count: number
  readonly closed_count: number
  /** Cents, exact. */
  readonly penalty_initial_cents: bigint
  readonly penalty_current_cents: bigint
  /** Violations whose current penalty is unknown (they add nothing to `penalty_current_cents`). */
  readonly penalty_current_unknown_count: number
  readonly by_type: Readonly<Record<ViolationType, number>>
  /** Display name carried by additions (the newest wins when totals are read). */
  readonly entity_name: string | null
}

/** A delta as a row of its gold table (`gold.<kind>_stats`): money as decimals, one `count_<type>` per type. */
export const goldRowOf = (d: GoldDelta, sourceId: string, createdAt: string): Record<string, unknown> => {
  const r: Record<string, unknown> = {
    entity_key: d.entity_key,
    agency: d.agency,
    event_date: d.event_date,
    state: d.state,
    city_slug: d.city_slug,
    violation_count: d.violation_count,
    open_count: d.open_count,
    closed_count: d.closed_count,
    penalty_initial: moneyFromCents(d.penalty_initial_cents),
    penalty_current: moneyFromCents(d.penalty_current_cents),
    penalty_current_unknown_count: d.penalty_current_unknown_count,
    entity_name: d.entity_name,
    source_id: sourceId,
    created_at: createdAt
  }
  for (const t of ViolationTypes) r[`count_${t}`] = d.by_type[t]
  return r
}

const zeroTypes = (): Record<ViolationType, number> =>
  Object.fromEntries(ViolationTypes.map((t) => [t, 0])) as Record<ViolationType, number>

/** Entity keys a record counts towards, by kind. */
export const entityKeysOf = (r: Violation): ReadonlyArray<readonly [EntityKind, string, string]> => {
  const out: Array<readonly [EntityKind, string, string]> = [
    ["company", companyKey(r.company_slug as Slug), r.company_name]
  ]
  if (r.city_slug !== null) out.push(["city", cityKey(r.city_slug as Slug), `${r.city}, ${r.state}`])
  if (r.state !== null) out.push(["state", stateKey(r.state as UsState), r.state])
  return out
}

const contribution = (r: Violation, sign: 1 | -1, key: string, name: string): GoldDelta | undefined => {
  // Deleted violations never count towards totals.
  if (r.status === "deleted") return undefined
  const by = zeroTypes()
  by[r.violation_type] = sign
  return {
    entity_key: key,
    agency: r.agency,
    event_date: r.event_date as IsoDate | null,
    state: r.state,
    city_slug: r.city_slug,
    violation_count: sign,
    open_count: r.status === "open" ? sign : 0,
    closed_count: r.status === "closed" ? sign : 0,
    penalty_initial_cents:
      r.penalty_initial === null ? 0n : BigInt(sign) * moneyToCents(r.penalty_initial as Money),
    penalty_current_cents:
      r.penalty_current === null ? 0n : BigInt(sign) * moneyToCents(r.penalty_current as Money),
    penalty_current_unknown_count: currentUnknown(r) ? sign : 0,
    by_type: by,
    entity_name: sign === 1 ? name : null
  }
}

/** `old`'s contribution taken away and `next`'s added (either may be absent), per entity kind. */
const replacement = (old: Violation | null, next: Violation | null): Record<EntityKind, Array<GoldDelta>> => {
  const out: Record<EntityKind, Array<GoldDelta>> = { company: [], city: [], state: [] }
  if (old !== null)
    for (const [kind, key, name] of entityKeysOf(old)) {
      const d = contribution(old, -1, key, name)
      if (d) out[kind].push(d)
    }
  if (next !== null)
    for (const [kind, key, name] of entityKeysOf(next)) {
      const d = contribution(next, 1, key, name)
      if (d) out[kind].push(d)
    }
  return out
}

/**
 * The deltas caused by replacing `old` with `next` (either may be absent: insert / delete) when each is an
 * action of its own (no `action_id`; see `actionDeltas` for shared actions). Unchanged content (same hash)
 * causes none. Returned per entity kind.
 */
export const deltasFor = (
  old: Violation | null,
  next: Violation | null
): Record<EntityKind, Array<GoldDelta>> => {
  if (old !== null && next !== null && old.content_hash === next.content_hash)
    return { company: [], city: [], state: [] }
  return replacement(old, next)
}

/**
 * The deltas caused by an action group going from the records `before` to the records `after` (all current
 * silver records of the group at each point; deleted ones are ignored): the merged action's contribution
 * after minus before. With one record on each side this is `deltasFor`.
 */
export const actionDeltas = (
  before: ReadonlyArray<Violation>,
  after: ReadonlyArray<Violation>
): Record<EntityKind, Array<GoldDelta>> => {
  return replacement(mergeAction(before), mergeAction(after))
}

/** Gold recomputed from silver (the reference gold must equal): every action group's contribution once. */
export const goldFromSilver = (records: Iterable<Violation>): Record<EntityKind, Array<GoldDelta>> => {
  const groups = new Map<string, Array<Violation>>()
  for (const r of records) {
    const k = actionKey(r)
    const g = groups.get(k)
    if (g === undefined) groups.set(k, [r])
    else g.push(r)
  }
  const out: Record<EntityKind, Array<GoldDelta>> = { company: [], city: [], state: [] }
  for (const g of groups.values()) {
    const ds = actionDeltas([], g)
    for (const kind of ["company", "city", "state"] as const) out[kind].push(...ds[kind])
  }
  return out
}

/** Running totals for one (entity, agency). */
export interface Totals {
  entity_key: string
  agency: string
  name: string | null
  violation_count: number
  open_count: number
  closed_count: number
  penalty_initial_cents: bigint
  penalty_current_cents: bigint
  penalty_current_unknown_count: number
  by_type: Record<ViolationType, number>
  /** Net count per event date ("" for no date), for first/last. */
  dates: Map<string, number>
}

const emptyTotals = (entity_key: string, agency: string): Totals => ({
  entity_key,
  agency,
  name: null,
  violation_count: 0,
  open_count: 0,
  closed_count: 0,
  penalty_initial_cents: 0n,
  penalty_current_cents: 0n,
  penalty_current_unknown_count: 0,
  by_type: zeroTypes(),
  dates: new Map()
})

/** Fold deltas (in append order) into totals per (entity, agency) and per (entity, `all`). */
export const foldDeltas = (
  deltas: Iterable<GoldDelta>,
  into = new Map<string, Totals>()
): Map<string, Totals> => {
  for (const d of deltas) {
    for (const agency of [d.agency, "all"]) {
      const k = `${d.entity_key}\u0000${agency}`
      let t = into.get(k)
      if (t === undefined) {
        t = emptyTotals(d.entity_key, agency)
        into.set(k, t)
      }
      t.violation_count += d.violation_count
      t.open_count += d.open_count
      t.closed_count += d.closed_count
      t.penalty_initial_cents += d.penalty_initial_cents
      t.penalty_current_cents += d.penalty_current_cents
      t.penalty_current_unknown_count += d.penalty_current_unknown_count
      for (const ty of ViolationTypes) t.by_type[ty] += d.by_type[ty]
      const dk = d.event_date ?? ""
      const n = (t.dates.get(dk) ?? 0) + d.violation_count
      if (n === 0) t.dates.delete(dk)
      else t.dates.set(dk, n)
      if (d.entity_name !== null) t.name = d.entity_name
    }
  }
  return into
}

/** Totals -> the serving contract. Entities whose net count is zero still report zeros (they had history). */
export const toEntityStats = (t: Totals, sourceSnapshot: string | null, updatedAt: string): EntityStats => {
  const dates = [...t.dates.entries()]
    .filter(([d, n]) => d !== "" && n > 0)
    .map(([d]) => d)
    .sort()
  return {
    entity_key: t.entity_key,
    agency: t.agency,
    violation_count: t.violation_count,
    counts_by_type: { ...t.by_type },
    penalty_initial_total: moneyFromCents(t.penalty_initial_cents),
    penalty_current_total: moneyFromCents(t.penalty_current_cents),
    penalty_current_unknown_count: t.penalty_current_unknown_count,
    open_count: t.open_count,
    closed_count: t.closed_count,
    first_event_date: (dates[0] ?? null) as IsoDate | null,
    last_event_date: (dates[dates.length - 1] ?? null) as IsoDate | null,
    source_snapshot: sourceSnapshot,
    updated_at: updatedAt
  } as EntityStats
}

/** A Top-N query: scope `national`, `state:TX` or `city:austin-tx`; by count or current penalties. */
export interface TopQuery {
  readonly scope: string
  readonly by: "count" | "penalties"
  readonly agency: string
  readonly limit: number
}

export interface Ranked {
  readonly entity_key: string
  readonly name: string
  readonly violation_count: number
  readonly penalty_current_cents: bigint
}

/**
 * Reference Top-N over company deltas (the SQL version in `GoldStore` must agree; both are property
 * tested against recomputation from silver). Ties break on the other measure, then on the key, so lists
 * are deterministic. Companies with no live violations in scope are not ranked.
 */
export const topN = (companyDeltas: Iterable<GoldDelta>, q: TopQuery): Array<Ranked> => {
  const [kind, value] = q.scope === "national" ? ["national", ""] : (q.scope.split(":") as [string, string])
  const acc = new Map<string, { name: string | null; c: number; p: bigint }>()
  for (const d of companyDeltas) {
    if (q.agency !== "all" && d.agency !== q.agency) continue
    if (kind === "state" && d.state !== value) continue
    if (kind === "city" && d.city_slug !== value) continue
    const a = acc.get(d.entity_key) ?? { name: null, c: 0, p: 0n }
    a.c += d.violation_count
    a.p += d.penalty_current_cents
    if (d.entity_name !== null) a.name = d.entity_name
    acc.set(d.entity_key, a)
  }
  return [...acc.entries()]
    .filter(([, a]) => a.c > 0)
    .map(([k, a]) => ({ entity_key: k, name: a.name ?? k, violation_count: a.c, penalty_current_cents: a.p }))
    .sort((x, y) => {
      const byCount = y.violation_count - x.violation_count
      const byPen =
        y.penalty_current_cents > x.penalty_current_cents
          ? 1
          : y.penalty_current_cents < x.penalty_current_cents
            ? -1
            : 0
      const primary = q.by === "count" ? byCount || byPen : byPen || byCount
      return primary || (x.entity_key < y.entity_key ? -1 : x.entity_key > y.entity_key ? 1 : 0)
    })
    .slice(0, q.limit)
}
