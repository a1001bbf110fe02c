import { type Violation, violationColumnList } from "@ventureos/core"
import { CONTENT_HASH_PROPERTY, CONTENT_HASH_VERSION, contentHash } from "@ventureos/normalizers"
import { Lakehouse, type LakehouseError, silverTableNames, violationFromQuery } from "@ventureos/storage"
import { Effect } from "effect"
import {
  DERIVATION_VERSION,
  type DerivedTable,
  derivationVersionOf,
  type Failpoint,
  rebuildGold,
  rederiveSilver
} from "./MigrateDerivation"
import type { Warehouse, WarehouseError } from "./Warehouse"

/**
 * One-time migration of silver to the current content hash ({@link CONTENT_HASH_VERSION}): every row of a
 * table written by an older version gets the details and hash today's normalizers produce for the same raw
 * row (blank detail values dropped, md5 of the canonical JSON), so replaying a file already ingested finds
 * nothing changed. Gold is untouched: neither details nor hashes are counted.
 *
 * Per table: one overwrite snapshot (exactly once, by its source id), then the table's
 * `ventureos.content-hash-version` property. Resumable: a table already at the version is skipped; a run
 * killed after a table's rewrite committed only sets the property on the next run; one killed before that
 * committed nothing for the table and starts it again.
 *
 * Then the derived fields (`./MigrateDerivation`, derivation version {@link DERIVATION_VERSION}): each silver
 * table's records get `penalty_current` (OSHA) and `action_id` (EPA) re-derived from their details, and once
 * every silver table is at the version, gold is rebuilt from silver. Same exactly-once / resume rules.
 */

export interface MigratedTable {
  readonly table: string
  /** `current`: already at the version; `empty`: no rows (property set); `migrated`: rows rewritten now. */
  readonly status: "current" | "empty" | "migrated" | "absent"
  readonly from: string
  readonly to: string
  readonly rows: number
  /** Rows that had blank detail values (now dropped); every migrated row gets a new hash. */
  readonly leaner: number
  /** The table's re-derivation (absent tables: none). */
  readonly derivation?: DerivedTable
}

/** What a migration did: silver tables, then gold tables (rebuilt once every silver table is re-derived). */
export interface MigrateReport {
  readonly tables: ReadonlyArray<MigratedTable>
  readonly gold: ReadonlyArray<DerivedTable>
}

export interface MigrateOptions {
  /** Silver tables to migrate (default: `silver.osha`, `silver.epa`, `silver.faa`). */
  readonly tables?: ReadonlyArray<string>
  /** Rows read and rewritten per slice (bounded memory; default 50k, 10k for the re-derivation). */
  readonly sliceRows?: number
  readonly onProgress?: (table: string, rowsDone: number, rows: number) => void
  /** Tests: throw after a step committed, as if the process died there. */
  readonly failpoint?: Failpoint
}

/** The version a silver table's rows were written with (`1`: tables from before versions were recorded). */
export const contentHashVersionOf = (properties: Readonly<Record<string, string>>): string =>
  properties[CONTENT_HASH_PROPERTY] ?? "1"

/** Source id of a table's migration commit (its exactly-once key). */
export const migrationSourceId = `migrate:content-hash-v${CONTENT_HASH_VERSION}`

/** Silver columns as the record's JSON-safe values (decimals and dates as text, timestamps ISO). */
const selectRecord = (relation: string): string => `SELECT * REPLACE (
  CAST(event_date AS VARCHAR) AS event_date, CAST(opened_date AS VARCHAR) AS opened_date,
  CAST(closed_date AS VARCHAR) AS closed_date,
  CAST(penalty_initial AS VARCHAR) AS penalty_initial, CAST(penalty_current AS VARCHAR) AS penalty_current)
  FROM (${relation})`

/** A stored row as today's normalizers would write it: blank detail values dropped, hash recomputed. */
export const migrateRecord = (row: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const parsed = violationFromQuery(row)
  const out: Record<string, unknown> = {}
  for (const c of violationColumnList) out[c.name] = parsed[c.name] ?? null
  const details = (out.violation_details ?? {}) as Record<string, string | null>
  const lean: Record<string, string> = {}
  for (const [k, v] of Object.entries(details)) if (v !== null) lean[k] = v
  out.violation_details = lean
  out.content_hash = contentHash(out as unknown as Violation)
  return out
}

/** Migrate every silver table below the current content hash version (see the module comment). */
export const migrateLake = (
  options: MigrateOptions = {}
): Effect.Effect<MigrateReport, LakehouseError | WarehouseError, Lakehouse | Warehouse> =>
  Effect.gen(function* () {
    const lake = yield* Lakehouse
    const out: Array<MigratedTable> = []
    for (const name of options.tables ?? silverTableNames) {
      const loaded = yield* lake.loadTable(name).pipe(
        Effect.map((t) => t as typeof t | undefined),
        Effect.catchIf(
          (e) => e.reason === "NoSuchTable",
          () => Effect.succeed(undefined)
        )
      )
      const to = CONTENT_HASH_VERSION
      if (loaded === undefined) {
        out.push({ table: name, status: "absent", from: to, to, rows: 0, leaner: 0 })
        continue
      }
      const m = loaded.metadata
      const from = contentHashVersionOf(m.properties)
      if (from === to) {
        out.push({ table: name, status: "current", from, to, rows: 0, leaner: 0 })
        continue
      }
      const headId = m.refs.main?.["snapshot-id"] ?? m["current-snapshot-id"]
      const head = headId === undefined || headId < 0n ? null : headId
      const done = yield* lake.findSource(name, { id: migrationSourceId })
      let rows = 0
      let leaner = 0
      if (head !== null && done === undefined) {
        const scan = yield* lake.scanSql(name, { snapshotId: head })
        const [count] = yield* lake.query(`SELECT count(*)::BIGINT AS n FROM (${scan})`)
        const total = Number(count?.n ?? 0)
        const slices = Math.max(1, Math.ceil(total / (options.sliceRows ?? 50_000)))
        const read = (k: number) =>
          Effect.runPromise(
            lake.query(
              selectRecord(
                `SELECT * FROM (${scan}) WHERE ${slices === 1 ? "TRUE" : `hash(violation_id) % ${slices} = ${k}`}`
              )
            )
          )
        const migrated = (async function* () {
          for (let k = 0; k < slices; k++) {
            const batch = (await read(k)).map((r) => {
              if (typeof r.violation_details === "string" && r.violation_details.includes(":null")) leaner++
              return migrateRecord(r)
            })
            rows += batch.length
            options.onProgress?.(name, rows, total)
            yield batch
          }
        })()
        yield* lake.write(name, migrated, {
          mode: "overwrite",
          source: { id: migrationSourceId },
          expectedParent: head
        })
      }
      yield* lake.setProperties(name, { [CONTENT_HASH_PROPERTY]: to })
      out.push({
        table: name,
        status: head === null ? "empty" : "migrated",
        from,
        to,
        rows,
        leaner
      })
    }
    return yield* derive(out, { sliceRows: options.sliceRows, failpoint: options.failpoint })
  })

/** The derivation step of {@link migrateLake}: every present silver table, then gold once all are derived. */
const derive = (
  tables: ReadonlyArray<MigratedTable>,
  options: { readonly sliceRows?: number | undefined; readonly failpoint?: Failpoint | undefined }
) =>
  Effect.gen(function* () {
    const lake = yield* Lakehouse
    const out: Array<MigratedTable> = []
    for (const t of tables)
      out.push(t.status === "absent" ? t : { ...t, derivation: yield* rederiveSilver(t.table, options) })
    // gold counts every agency: rebuilt only from silver tables that are all re-derived
    let ready = true
    for (const name of silverTableNames) {
      const loaded = yield* lake.loadTable(name).pipe(
        Effect.map((t) => t as typeof t | undefined),
        Effect.catchIf(
          (e) => e.reason === "NoSuchTable",
          () => Effect.succeed(undefined)
        )
      )
      if (loaded !== undefined && derivationVersionOf(loaded.metadata.properties) !== DERIVATION_VERSION)
        ready = false
    }
    const gold = ready ? yield* rebuildGold(silverTableNames, options) : []
    return { tables: out, gold } satisfies MigrateReport
  })
