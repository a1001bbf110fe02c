import {
  actionKey,
  type Money,
  moneyToCents,
  parseMoney,
  type Violation,
  violationColumnList
} from "@ventureos/core"
import { contentHash } from "@ventureos/normalizers"
import { Lakehouse, type LakehouseError, violationFromQuery } from "@ventureos/storage"
import { Effect } from "effect"
import { actionDeltas, type EntityKind, goldRowOf } from "./Gold"
import { Warehouse, type WarehouseError } from "./Warehouse"

/**
 * Re-derivation of a lake written before issue 12's decisions 1-2 (derivation version 1: tables without
 * {@link DERIVATION_PROPERTY}):
 * - OSHA: a blank published `current_penalty` was stored as `penalty_current = penalty_initial`; it is unknown
 *   (null). The published cell is in the record's details (`current_penalty`; absent or null when blank).
 * - EPA: records had no `action_id`; NPDES formal actions get their `ENF_IDENTIFIER`, ECHO cases their
 *   `CaseNumber` (details `enf_identifier` / `casenumber`), so a shared action is counted once.
 * Changed records get today's content hash (the normalizers' `contentHash`), so a replay of their files is a
 * no-op. Gold cannot be corrected by deltas alone (gold written before `penalty_current_unknown_count`
 * existed reads it as 0 whatever the record), so each gold table is rebuilt from silver (`goldFromSilver`'s
 * contributions, the reference gold must equal).
 *
 * Exactly once and resumable: per silver table one upsert snapshot of the changed records (source
 * {@link derivationSourceId}), then the table's property; once every silver table is re-derived, per gold
 * table one overwrite snapshot (same source id), then its property. A run killed between any two steps
 * finds the committed ones by their source id or property and does only the rest.
 */

/** Version of how silver's derived fields are computed (`2`: decisions 1-2 of issue 12). */
export const DERIVATION_VERSION = "2"
/** The table property (silver and gold tables) holding {@link DERIVATION_VERSION}. */
export const DERIVATION_PROPERTY = "ventureos.derivation-version"
/** Source id of the re-derivation commits (their exactly-once key). */
export const derivationSourceId = `migrate:derivation-v${DERIVATION_VERSION}`

/** The version a table's rows were derived with (`1`: tables from before versions were recorded). */
export const derivationVersionOf = (properties: Readonly<Record<string, string>>): string =>
  properties[DERIVATION_PROPERTY] ?? "1"

/** A detail cell as `RowReader.text` reads it: trimmed, inner whitespace collapsed, null when blank. */
const text = (v: string | null | undefined): string | null => {
  const t = (v ?? "").trim()
  return t === "" ? null : t.replace(/\s+/g, " ")
}

/** A record whose stored derived field cannot be re-derived from its details (names record, field, value). */
export class DerivationError extends Error {
  constructor(
    readonly table: string,
    readonly violationId: string,
    readonly field: string,
    readonly value: string
  ) {
    super(
      `${table}: record ${violationId}: details field ${field} = ${JSON.stringify(value)} is not an amount (expected a decimal such as 1250.00); the record cannot be re-derived`
    )
  }
}

/**
 * A stored record as today's normalizers derive it: `penalty_current` (OSHA violations) and `action_id`
 * (EPA) from its details, the content hash recomputed when either changed. `undefined` when unchanged.
 */
export const rederive = (table: string, r: Violation): Violation | undefined => {
  const details = (r.violation_details ?? {}) as Record<string, string | null>
  let penalty = r.penalty_current
  let action = r.action_id ?? null
  if (r.source_dataset === "osha_violation") {
    const raw = details.current_penalty
    const parsed = parseMoney(raw)
    if (parsed._tag === "error")
      throw new DerivationError(table, r.violation_id, "current_penalty", raw ?? "")
    penalty = parsed.value
  } else if (r.source_dataset === "epa_npdes_formal_action") action = text(details.enf_identifier)
  else if (r.source_dataset === "epa_echo_case") action = text(details.casenumber)
  const samePenalty =
    penalty === r.penalty_current ||
    (penalty !== null &&
      r.penalty_current !== null &&
      moneyToCents(penalty) === moneyToCents(r.penalty_current as Money))
  if (samePenalty && action === (r.action_id ?? null)) return undefined
  const next = { ...r, penalty_current: penalty, action_id: action } as Violation
  return { ...next, content_hash: contentHash(next) }
}

/** Silver columns as the record's JSON-safe values (decimals and dates as text). */
const selectRecord = (relation: string): string => `SELECT * REPLACE (
  CAST(event_date AS VARCHAR) AS event_date, CAST(opened_date AS VARCHAR) AS opened_date,
  CAST(closed_date AS VARCHAR) AS closed_date,
  CAST(penalty_initial AS VARCHAR) AS penalty_initial, CAST(penalty_current AS VARCHAR) AS penalty_current)
  FROM (${relation})`

const headOf = (m: {
  readonly refs: Readonly<Record<string, { readonly "snapshot-id": bigint }>>
  readonly "current-snapshot-id"?: bigint | null
}): bigint | null => {
  const id = m.refs.main?.["snapshot-id"] ?? m["current-snapshot-id"] ?? undefined
  return id === undefined || id === null || id < 0n ? null : id
}

const rowOf = (v: Violation): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const c of violationColumnList) out[c.name] = (v as unknown as Record<string, unknown>)[c.name] ?? null
  return out
}

/** Where a table's re-derivation is. */
export interface DerivedTable {
  readonly table: string
  /** `current`: already at the version; `derived`: done now (`changed` records rewritten). */
  readonly status: "current" | "derived" | "absent"
  readonly from: string
  readonly to: string
  /** Records whose derived fields changed (silver) / delta rows written (gold). */
  readonly changed: number
}

/** Test hook: throw to simulate a process killed after a step committed. */
export type Failpoint = (step: "silver-derived" | "gold-rebuilt", table: string) => void

/**
 * Records per slice unless told: a slice of OSHA records held as objects costs ~25 KB a record at the peak
 * (100k generated rows: 1.5 GB peak RSS in slices of 50k, 0.7 GB in slices of 10k, same time).
 */
const DEFAULT_SLICE_ROWS = 10_000

/** A table at a snapshot, read a slice at a time (bounded memory). */
interface Sliced {
  readonly scan: string
  readonly slices: number
}

const sliced = (
  lake: typeof Lakehouse.Service,
  name: string,
  snapshotId: bigint,
  sliceRows: number
): Effect.Effect<Sliced, LakehouseError> =>
  Effect.gen(function* () {
    const scan = yield* lake.scanSql(name, { snapshotId })
    const [count] = yield* lake.query(`SELECT count(*)::BIGINT AS n FROM (${scan})`)
    return { scan, slices: Math.max(1, Math.ceil(Number(count?.n ?? 0) / sliceRows)) }
  })

/**
 * The records of slice `k`: `key` (SQL over silver columns) decides the slice, so records with the same key
 * are always read together.
 */
const readSlice = (lake: typeof Lakehouse.Service, t: Sliced, key: string, k: number) =>
  Effect.runPromise(
    lake.query(
      selectRecord(
        `SELECT * FROM (${t.scan}) WHERE ${t.slices === 1 ? "TRUE" : `hash(${key}) % ${t.slices} = ${k}`} ORDER BY violation_id`
      )
    )
  ).then((rows) => rows.map((r) => violationFromQuery(r) as unknown as Violation))

/** An action group's key in SQL (`actionKey`): its action id, else the record itself. */
const actionKeySql = `CASE WHEN action_id IS NULL THEN 'record:' || violation_id ELSE 'action:' || action_id END`

/**
 * Re-derive one silver table (see the module comment). The table must be at content hash version 2. Read a
 * slice of `sliceRows` at a time; the changed records stream into the upsert.
 */
export const rederiveSilver = (
  name: string,
  options: { readonly sliceRows?: number | undefined; readonly failpoint?: Failpoint | undefined } = {}
): Effect.Effect<DerivedTable, LakehouseError | WarehouseError, Lakehouse | Warehouse> =>
  Effect.gen(function* () {
    const lake = yield* Lakehouse
    const wh = yield* Warehouse
    const to = DERIVATION_VERSION
    // brings the table to today's definition (adds `action_id`, field 30, to a table created before it)
    yield* wh.silverHead(name.replace(/^silver\./, ""))
    const loaded = yield* lake.loadTable(name)
    const from = derivationVersionOf(loaded.metadata.properties)
    if (from === to) return { table: name, status: "current", from, to, changed: 0 } as const
    let changed = 0
    const done = yield* lake.findSource(name, { id: derivationSourceId })
    const head = headOf(loaded.metadata)
    if (done === undefined && head !== null) {
      const t = yield* sliced(lake, name, head, options.sliceRows ?? DEFAULT_SLICE_ROWS)
      // a record that cannot be re-derived throws: the write fails with its message, nothing is committed
      const next = (async function* () {
        for (let k = 0; k < t.slices; k++) {
          const out: Array<Record<string, unknown>> = []
          for (const r of await readSlice(lake, t, "violation_id", k)) {
            const d = rederive(name, r)
            if (d !== undefined) out.push(rowOf(d))
          }
          changed += out.length
          yield out
        }
      })()
      yield* lake.write(name, next, {
        mode: "upsert",
        source: { id: derivationSourceId },
        expectedParent: head
      })
    }
    options.failpoint?.("silver-derived", name)
    yield* lake.setProperties(name, { [DERIVATION_PROPERTY]: to })
    return { table: name, status: "derived", from, to, changed } as const
  })

/**
 * Rebuild every gold table below the derivation version from the given silver tables (all of them
 * re-derived): one overwrite snapshot per table holding `goldFromSilver` of silver at its head, then the
 * table's property. Refuses (Conflict) if another writer appended to a gold table meanwhile.
 */
export const rebuildGold = (
  silverTables: ReadonlyArray<string>,
  options: { readonly sliceRows?: number | undefined; readonly failpoint?: Failpoint | undefined } = {}
): Effect.Effect<ReadonlyArray<DerivedTable>, LakehouseError | WarehouseError, Lakehouse | Warehouse> =>
  Effect.gen(function* () {
    const lake = yield* Lakehouse
    const wh = yield* Warehouse
    const to = DERIVATION_VERSION
    const { failpoint, sliceRows = DEFAULT_SLICE_ROWS } = options
    const kinds: ReadonlyArray<EntityKind> = ["company", "city", "state"]
    const pending: Array<{ kind: EntityKind; name: string; from: string; head: bigint | null }> = []
    const out: Array<DerivedTable> = []
    for (const kind of kinds) {
      const name = `gold.${kind}_stats`
      // creates the table, or adds columns it lacks (`penalty_current_unknown_count`, field 33)
      yield* wh.goldTotals(kind, [])
      const t = yield* lake.loadTable(name)
      const from = derivationVersionOf(t.metadata.properties)
      if (from === to) out.push({ table: name, status: "current", from, to, changed: 0 })
      else pending.push({ kind, name, from, head: headOf(t.metadata) })
    }
    if (pending.length === 0) return out
    // silver at its heads, read after the gold heads (an ingest landing in between makes the overwrite conflict)
    const tables: Array<Sliced> = []
    for (const s of silverTables) {
      const t = yield* lake.loadTable(s).pipe(
        Effect.map((x) => x as typeof x | undefined),
        Effect.catchIf(
          (e) => e.reason === "NoSuchTable",
          () => Effect.succeed(undefined)
        )
      )
      const head = t === undefined ? null : headOf(t.metadata)
      if (head !== null) tables.push(yield* sliced(lake, s, head, sliceRows))
    }
    // goldFromSilver's contributions, a slice of whole action groups at a time; each group's rows are dated
    // when its newest member was ingested, so the display name (the newest row's) is the one ingests left
    const epoch = new Date(0).toISOString()
    const rowsOf = async function* (kind: EntityKind) {
      for (const t of tables)
        for (let k = 0; k < t.slices; k++) {
          const groups = new Map<string, Array<Violation>>()
          for (const r of await readSlice(lake, t, actionKeySql, k)) {
            const key = actionKey(r)
            const g = groups.get(key)
            if (g === undefined) groups.set(key, [r])
            else g.push(r)
          }
          const out: Array<Record<string, unknown>> = []
          for (const g of groups.values()) {
            let at = epoch
            for (const r of g)
              if (r.ingested_at !== null && String(r.ingested_at) > at) at = String(r.ingested_at)
            for (const d of actionDeltas([], g)[kind]) out.push(goldRowOf(d, derivationSourceId, at))
          }
          written += out.length
          yield out
        }
    }
    let written = 0
    for (const p of pending) {
      const done = yield* lake.findSource(p.name, { id: derivationSourceId })
      written = 0
      if (done === undefined)
        yield* lake.write(p.name, rowsOf(p.kind), {
          mode: "overwrite",
          source: { id: derivationSourceId },
          expectedParent: p.head
        })
      failpoint?.("gold-rebuilt", p.name)
      yield* lake.setProperties(p.name, { [DERIVATION_PROPERTY]: to })
      out.push({ table: p.name, status: "derived", from: p.from, to, changed: written })
    }
    return out
  })
