import { join } from "node:path"
import { type Violation, ViolationTypes } from "@ventureos/core"
import {
  CatalogFileSystem,
  currentSchema,
  duckdbType,
  layerLocal as fileIOLocal,
  icebergTypeOf,
  type LoadedTable
} from "@ventureos/iceberg"
import { CONTENT_HASH_PROPERTY, CONTENT_HASH_VERSION } from "@ventureos/normalizers"
import {
  Lakehouse,
  type LakehouseError,
  type LakehouseShape,
  silverDefinition,
  type TableDefinition
} from "@ventureos/storage"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Effect, Layer, Option } from "effect"
import { type EntityKind, goldRowOf, type Ranked } from "./Gold"
import { contentHashVersionOf } from "./Migrate"
import { DERIVATION_PROPERTY, DERIVATION_VERSION } from "./MigrateDerivation"
import {
  type CompanyRollup,
  type GoldHistoryRow,
  type GoldTotalsRow,
  type LatestGroup,
  Warehouse,
  type WarehouseBulk,
  WarehouseError,
  type WarehouseShape
} from "./Warehouse"

/** Gold delta tables: one row per (entity, agency, event date, place) and batch. Field ids are stable. */
export const goldDefinition: TableDefinition = {
  columns: [
    { name: "entity_key", id: 1, type: "string", required: true },
    { name: "agency", id: 2, type: "string", required: true },
    { name: "event_date", id: 3, type: "date", required: false },
    { name: "state", id: 4, type: "string", required: false },
    { name: "city_slug", id: 5, type: "string", required: false },
    { name: "violation_count", id: 6, type: "long", required: true },
    { name: "open_count", id: 7, type: "long", required: true },
    { name: "closed_count", id: 8, type: "long", required: true },
    { name: "penalty_initial", id: 9, type: "decimal(18,2)", required: true },
    { name: "penalty_current", id: 10, type: "decimal(18,2)", required: true },
    ...ViolationTypes.map((t, i) => ({
      name: `count_${t}`,
      id: 11 + i,
      type: "long" as const,
      required: true
    })),
    { name: "entity_name", id: 30, type: "string", required: false },
    { name: "source_id", id: 31, type: "string", required: true },
    { name: "created_at", id: 32, type: "timestamptz", required: true },
    // added later (optional: tables written before it read it as null, counted as 0)
    { name: "penalty_current_unknown_count", id: 33, type: "long", required: false }
  ],
  // gold computed under today's rules (lake migrate rebuilds gold tables without it)
  properties: { [DERIVATION_PROPERTY]: DERIVATION_VERSION }
}

/** Silver tables as the pipeline creates them: with the content hash and derivation versions of their rows. */
const silverTable: TableDefinition = {
  ...silverDefinition,
  properties: {
    ...silverDefinition.properties,
    [CONTENT_HASH_PROPERTY]: CONTENT_HASH_VERSION,
    [DERIVATION_PROPERTY]: DERIVATION_VERSION
  }
}

export const goldTableOf = (kind: EntityKind): string => `gold.${kind}_stats`
const silverTableOf = (agency: string): string => `silver.${agency}`

const q = (s: string) => `'${s.replaceAll("'", "''")}'`
const inList = (vals: ReadonlyArray<string>) => (vals.length === 0 ? "(NULL)" : `(${vals.map(q).join(",")})`)
/**
 * `column BETWEEN <least id> AND <greatest id>` (UTF-8 byte order, as DuckDB compares text). A lookup of many
 * ids needs it next to its IN list: DuckDB skips Parquet row groups by min/max statistics for a constant range
 * but filters an IN list of hundreds of values only after reading every row (816 ids among 1M rows: 0.65 s of
 * CPU with the list alone, 0.15 s with the range; silver files are sorted by violation_id, so the range of a
 * daily file's ids covers few row groups).
 */
export const idRangeSql = (column: string, ids: ReadonlyArray<string>): string => {
  let lo = ids[0] ?? ""
  let hi = lo
  for (const v of ids) {
    if (Buffer.compare(Buffer.from(v), Buffer.from(lo)) < 0) lo = v
    if (Buffer.compare(Buffer.from(v), Buffer.from(hi)) > 0) hi = v
  }
  return `${column} BETWEEN ${q(lo)} AND ${q(hi)}`
}

const toCents = (v: unknown): bigint => {
  const s = String(v ?? "0")
  const neg = s.startsWith("-")
  const [w = "0", f = ""] = (neg ? s.slice(1) : s).split(".")
  const c = BigInt(w) * 100n + BigInt((f + "00").slice(0, 2))
  return neg ? -c : c
}

const lift =
  (op: string, table: string) =>
  (e: LakehouseError): WarehouseError =>
    new WarehouseError({
      op,
      table,
      reason:
        e.reason === "CommitConflict"
          ? "Conflict"
          : e.reason === "Unavailable"
            ? "Unavailable"
            : e.reason === "CommitStateUnknown"
              ? "CommitStateUnknown"
              : e.reason === "InvalidMetadata" || e.reason === "MissingFile" || e.reason === "CorruptFile"
                ? "Corrupt"
                : "Unknown",
      detail: e.message
    })

/** Silver rows come back from DuckDB as JSON-safe values: restore the record's exact shape. */
const SILVER_SELECT = `SELECT * REPLACE (
  CAST(event_date AS VARCHAR) AS event_date, CAST(opened_date AS VARCHAR) AS opened_date,
  CAST(closed_date AS VARCHAR) AS closed_date,
  CAST(penalty_initial AS VARCHAR) AS penalty_initial, CAST(penalty_current AS VARCHAR) AS penalty_current,
  strftime(ingested_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ingested_at,
  CAST(source_row AS DOUBLE) AS source_row)`

const toViolation = (row: Record<string, unknown>): Violation => {
  const details = row.violation_details
  return {
    ...row,
    violation_details: typeof details === "string" ? JSON.parse(details) : details
  } as unknown as Violation
}

/**
 * Silver rows are written in one content hash version (`CONTENT_HASH_VERSION`, a table property): a table
 * created now gets it, an empty one is marked, and one holding rows of an older version is refused (every
 * hash would differ: each replay would rewrite everything) until `ventureos lake migrate` rewrote it.
 * Checked once per table and process.
 */
const checkSilverVersion =
  (lake: LakehouseShape) =>
  (name: string, m: LoadedTable["metadata"]): Effect.Effect<void, LakehouseError | WarehouseError> => {
    const version = contentHashVersionOf(m.properties)
    if (version === CONTENT_HASH_VERSION) return Effect.void
    const headId = m.refs.main?.["snapshot-id"] ?? m["current-snapshot-id"]
    if (headId === undefined || headId < 0n)
      return Effect.asVoid(lake.setProperties(name, { [CONTENT_HASH_PROPERTY]: CONTENT_HASH_VERSION }))
    return Effect.fail(
      new WarehouseError({
        op: "ensure",
        table: name,
        reason: "Unknown",
        detail: `${name} holds rows of content hash version ${version}, this version writes ${CONTENT_HASH_VERSION}: run \`ventureos lake migrate\` once (it rewrites them; gold is unchanged)`
      })
    )
  }

/**
 * The warehouse over Iceberg tables (`silver.<agency>`, `gold.{company,city,state}_stats`) through the
 * Lakehouse port: upserts with equality deletes, exactly-once commits by source, time travel for recovery.
 */
/**
 * Company gold keyed by company under an entity map's roll-up: each variant's deltas count for its company,
 * named by the company's display name (gold itself is not rewritten).
 */
const rolledUpSql = (scan: string, r: CompanyRollup | undefined): string => {
  if (r === undefined || (r.aliases.size === 0 && r.names.size === 0)) return scan
  const rows = new Map<string, string>()
  for (const [variant, company] of r.aliases) rows.set(variant, company)
  for (const company of r.names.keys()) rows.set(company, company)
  const values = [...rows]
    .map(([v, c]) => `(${q(v)}, ${q(c)}, ${r.names.has(c) ? q(r.names.get(c)!) : "NULL"})`)
    .join(", ")
  return `SELECT d.* REPLACE (coalesce(m.company, d.entity_key) AS entity_key,
      CASE WHEN d.entity_name IS NULL THEN NULL ELSE coalesce(m.name, d.entity_name) END AS entity_name)
    FROM (${scan}) d LEFT JOIN (VALUES ${values}) m(variant, company, name) ON d.entity_key = m.variant`
}

export const makeIceberg = Effect.gen(function* () {
  const lake: LakehouseShape = yield* Lakehouse
  const silverVersion = checkSilverVersion(lake)
  const ensured = new Set<string>()
  /**
   * Create the table, or bring an existing one to the definition: optional columns added to the definition
   * after the table was created are added under their field ids (schema evolution; older data files read
   * them as null).
   */
  const ensure = (name: string, def: TableDefinition) =>
    ensured.has(name)
      ? Effect.void
      : Effect.gen(function* () {
          let t = yield* lake.ensureTable(name, def)
          const missing = def.columns
            .filter((c) => !currentSchema(t.metadata).fields.some((f) => f.id === c.id))
            .sort((a, b) => a.id - b.id)
          for (const c of missing) {
            if (c.required || t.metadata["last-column-id"] >= c.id)
              return yield* new WarehouseError({
                op: "ensure",
                table: name,
                reason: "Corrupt",
                detail: `column ${c.name} (field id ${c.id}) is missing and cannot be added: ${c.required ? "it is required" : `field id ${c.id} is already assigned`}`
              })
            t = yield* lake.addColumn(name, { name: c.name, type: icebergTypeOf(c.type) })
          }
          if (def === silverTable) yield* silverVersion(name, t.metadata)
          ensured.add(name)
        }).pipe(Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("ensure", name)(e) : e)))
  const head = (name: string) =>
    Effect.map(lake.loadTable(name), (t) => {
      const id = t.metadata.refs.main?.["snapshot-id"] ?? t.metadata["current-snapshot-id"]
      return id === undefined || id < 0n ? null : id.toString()
    })

  const bulk: WarehouseBulk = {
    sql: (text) => lake.query(text).pipe(Effect.mapError(lift("sql", "bulk"))),
    silverRelation: (agency, snapshot, ids) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        if (snapshot === null) {
          const cols = silverDefinition.columns
            .map((c) => `CAST(NULL AS ${duckdbType(icebergTypeOf(c.type))}) AS ${c.name}`)
            .join(", ")
          return `SELECT ${cols} WHERE false`
        }
        const scan = yield* lake.scanSql(name, {
          snapshotId: BigInt(snapshot),
          ...(ids === undefined
            ? {}
            : { filter: [{ column: "violation_id", op: "in" as const, value: ids }] })
        })
        return ids === undefined || ids.length === 0
          ? scan
          : `SELECT * FROM (${scan}) WHERE ${idRangeSql("violation_id", ids)}`
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("scan", silverTableOf(agency))(e) : e))
      ),
    silverWrite: (agency, source, expectedParent, rowsSql, replacedKeysSql) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const out = yield* lake.writeQuery(name, rowsSql, {
          mode: "upsert",
          source: { id: source.id },
          expectedParent: expectedParent === null ? null : BigInt(expectedParent),
          replacedKeysSql
        })
        if (out._tag === "NoChange")
          return { snapshotId: expectedParent ?? "", parentId: expectedParent, alreadyCommitted: false }
        if (out._tag === "AlreadyCommitted") {
          const snap = out.table.metadata.snapshots.find((x) => x["snapshot-id"] === out.snapshotId)
          return {
            snapshotId: out.snapshotId.toString(),
            parentId: snap?.["parent-snapshot-id"]?.toString() ?? null,
            alreadyCommitted: true
          }
        }
        return { snapshotId: out.snapshotId.toString(), parentId: expectedParent, alreadyCommitted: false }
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("commit", silverTableOf(agency))(e) : e))
      ),
    goldAppendSql: (kind, source, deltasSql) =>
      Effect.gen(function* () {
        const name = goldTableOf(kind)
        yield* ensure(name, goldDefinition)
        const out = yield* lake.writeQuery(
          name,
          `SELECT *, ${q(source.id)} AS source_id, now() AS created_at FROM (${deltasSql})`,
          { mode: "append", source: { id: source.id } }
        )
        return {
          snapshotId: out._tag === "NoChange" ? null : out.snapshotId.toString(),
          alreadyCommitted: out._tag === "AlreadyCommitted"
        }
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("append", goldTableOf(kind))(e) : e))
      ),
    readViolations: (sql) =>
      lake.query(`${SILVER_SELECT} FROM (${sql})`).pipe(
        Effect.map((rows) => rows.map(toViolation)),
        Effect.mapError(lift("read", "silver"))
      )
  }

  const shape: WarehouseShape = {
    bulk,
    silverHead: (agency) =>
      Effect.andThen(
        ensure(silverTableOf(agency), silverTable),
        head(silverTableOf(agency)).pipe(Effect.mapError(lift("head", silverTableOf(agency))))
      ),
    silverLookup: (agency, ids, at) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const snapshot = at === undefined ? yield* head(name) : at
        if (snapshot === null || ids.length === 0) return new Map<string, Violation>()
        const scan = yield* lake.scanSql(name, {
          snapshotId: BigInt(snapshot),
          filter: [{ column: "violation_id", op: "in", value: ids }]
        })
        const rows = yield* lake.query(
          `${SILVER_SELECT} FROM (${scan}) WHERE ${idRangeSql("violation_id", ids)} AND violation_id IN ${inList(ids)}`
        )
        return new Map(rows.map((r) => [String(r.violation_id), toViolation(r)] as const))
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("lookup", silverTableOf(agency))(e) : e))
      ),
    silverByAction: (agency, actionIds, at) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const snapshot = at === undefined ? yield* head(name) : at
        if (snapshot === null || actionIds.length === 0) return []
        const scan = yield* lake.scanSql(name, {
          snapshotId: BigInt(snapshot),
          filter: [{ column: "action_id", op: "in", value: actionIds }]
        })
        const rows = yield* lake.query(
          `${SILVER_SELECT} FROM (${scan}) WHERE action_id IN ${inList(actionIds)} ORDER BY violation_id`
        )
        return rows.map(toViolation)
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("lookup", silverTableOf(agency))(e) : e))
      ),
    silverLatest: (agency, where, n) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const snapshot = yield* head(name)
        if (snapshot === null) return []
        // The national feed (no `where`) reads the whole table: only after a deletion in it, and DuckDB keeps
        // a top-N heap rather than sorting everything.
        const scan = yield* lake.scanSql(name, {
          snapshotId: BigInt(snapshot),
          ...(where === null
            ? {}
            : { filter: [{ column: where.column, op: "=" as const, value: where.value }] })
        })
        const rows = yield* lake.query(
          `${SILVER_SELECT} FROM (${scan}) WHERE ${where === null ? "TRUE" : `${where.column} = ${q(where.value)}`}
             AND status <> 'deleted' AND coalesce(event_date, opened_date) IS NOT NULL
           ORDER BY coalesce(event_date, opened_date) DESC, violation_id DESC LIMIT ${Math.max(1, Math.floor(n))}`
        )
        return rows.map(toViolation)
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("latest", silverTableOf(agency))(e) : e))
      ),
    silverLatestMany: (agency, groups, n) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const snapshot = yield* head(name)
        if (snapshot === null || groups.length === 0) return groups.map(() => [])
        const limit = Math.max(1, Math.floor(n))
        const byColumn = new Map<LatestGroup["column"], Set<string>>()
        for (const g of groups) byColumn.set(g.column, (byColumn.get(g.column) ?? new Set()).add(g.value))
        const scan = yield* lake.scanSql(name, { snapshotId: BigInt(snapshot) })
        // Rank each entity's records on the few columns the order needs (one pass over the table, not one
        // per entity), then read the full rows of the winners by id (at most n per entity).
        const ranked = [...byColumn].map(
          ([column, values]) => `SELECT * FROM (
            SELECT ${q(column)} AS __column, ${column} AS __value, violation_id,
              row_number() OVER (PARTITION BY ${column} ORDER BY __day DESC, violation_id DESC) AS __rank
            FROM __live WHERE ${column} IN ${inList([...values])}) WHERE __rank <= ${limit}`
        )
        const winners = yield* lake.query(
          `WITH __live AS MATERIALIZED (
             SELECT violation_id, company_slug, city_slug, state, coalesce(event_date, opened_date) AS __day
             FROM (${scan}) WHERE status <> 'deleted' AND coalesce(event_date, opened_date) IS NOT NULL)
           ${ranked.join(" UNION ALL ")}`
        )
        const ids = [...new Set(winners.map((w) => String(w.violation_id)))]
        const rows = new Map<string, Violation>()
        if (ids.length > 0) {
          const byId = yield* lake.scanSql(name, {
            snapshotId: BigInt(snapshot),
            filter: [{ column: "violation_id", op: "in", value: ids }]
          })
          for (const r of yield* lake.query(
            `${SILVER_SELECT} FROM (${byId}) WHERE violation_id IN ${inList(ids)}`
          ))
            rows.set(String(r.violation_id), toViolation(r))
        }
        const out = new Map<string, Array<{ rank: number; v: Violation }>>()
        for (const w of winners) {
          const k = `${String(w.__column)}|${String(w.__value)}`
          const v = rows.get(String(w.violation_id))
          if (v !== undefined) out.set(k, [...(out.get(k) ?? []), { rank: Number(w.__rank), v }])
        }
        return groups.map((g) =>
          (out.get(`${g.column}|${g.value}`) ?? []).sort((a, b) => a.rank - b.rank).map((x) => x.v)
        )
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("latest", silverTableOf(agency))(e) : e))
      ),
    silverFindSource: (agency, sourceId) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        const s = yield* lake.findSource(name, { id: sourceId })
        if (s === undefined) return Option.none()
        return Option.some({
          snapshotId: s["snapshot-id"].toString(),
          parentId: s["parent-snapshot-id"] === undefined ? null : s["parent-snapshot-id"].toString()
        })
      }).pipe(
        Effect.mapError((e) =>
          e._tag === "LakehouseError" ? lift("find-source", silverTableOf(agency))(e) : e
        )
      ),
    silverCommit: (agency, source, expectedParent, changes) =>
      Effect.gen(function* () {
        const name = silverTableOf(agency)
        yield* ensure(name, silverTable)
        let written = 0
        const rows = (async function* () {
          for await (const batch of changes) {
            written += batch.length
            yield batch.map((c) => c.record as unknown as Record<string, unknown>)
          }
        })()
        const out = yield* lake.write(name, rows, {
          mode: "upsert",
          source: { id: source.id },
          expectedParent: expectedParent === null ? null : BigInt(expectedParent)
        })
        if (out._tag === "NoChange")
          return {
            snapshotId: expectedParent ?? "",
            parentId: expectedParent,
            written: 0,
            alreadyCommitted: false
          }
        if (out._tag === "AlreadyCommitted") {
          const s = out.table.metadata.snapshots.find((x) => x["snapshot-id"] === out.snapshotId)
          return {
            snapshotId: out.snapshotId.toString(),
            parentId: s?.["parent-snapshot-id"]?.toString() ?? null,
            written: 0,
            alreadyCommitted: true
          }
        }
        return {
          snapshotId: out.snapshotId.toString(),
          parentId: expectedParent,
          written,
          alreadyCommitted: false
        }
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("commit", silverTableOf(agency))(e) : e))
      ),
    goldAppend: (kind, source, deltas) =>
      Effect.gen(function* () {
        const name = goldTableOf(kind)
        yield* ensure(name, goldDefinition)
        const now = new Date().toISOString()
        const rows = deltas.map((d) => goldRowOf(d, source.id, now))
        const out = yield* lake.write(name, rows, { mode: "append", source: { id: source.id } })
        return {
          snapshotId: out._tag === "NoChange" ? null : out.snapshotId.toString(),
          alreadyCommitted: out._tag === "AlreadyCommitted"
        }
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("append", goldTableOf(kind))(e) : e))
      ),
    goldTotals: (kind, keys) =>
      Effect.gen(function* () {
        const name = goldTableOf(kind)
        yield* ensure(name, goldDefinition)
        if (keys !== undefined && keys.length === 0) return []
        const filter = keys === undefined ? [] : [{ column: "entity_key", op: "in" as const, value: keys }]
        const scan = yield* lake.scanSql(name, { filter })
        const where = keys === undefined ? "" : `WHERE entity_key IN ${inList(keys)}`
        const types = ViolationTypes.map((t) => `sum(count_${t})::BIGINT AS count_${t}`).join(", ")
        const sql = `
          WITH d AS (SELECT * FROM (${scan}) ${where}),
          expanded AS (SELECT * FROM d UNION ALL SELECT * REPLACE ('all' AS agency) FROM d),
          dates AS (
            SELECT entity_key, agency, min(event_date) AS first_date, max(event_date) AS last_date FROM (
              SELECT entity_key, agency, event_date FROM expanded WHERE event_date IS NOT NULL
              GROUP BY ALL HAVING sum(violation_count) > 0) GROUP BY ALL)
          SELECT e.entity_key, e.agency,
            arg_max(e.entity_name, (e.created_at, e.event_date, e.entity_name)) FILTER (WHERE e.entity_name IS NOT NULL) AS name,
            sum(violation_count)::BIGINT AS violation_count, sum(open_count)::BIGINT AS open_count,
            sum(closed_count)::BIGINT AS closed_count,
            CAST(sum(penalty_initial) AS VARCHAR) AS penalty_initial, CAST(sum(penalty_current) AS VARCHAR) AS penalty_current,
            coalesce(sum(penalty_current_unknown_count), 0)::BIGINT AS penalty_current_unknown_count,
            ${types},
            CAST(any_value(dt.first_date) AS VARCHAR) AS first_event_date, CAST(any_value(dt.last_date) AS VARCHAR) AS last_event_date
          FROM expanded e LEFT JOIN dates dt USING (entity_key, agency)
          GROUP BY e.entity_key, e.agency ORDER BY e.entity_key, e.agency`
        const rows = yield* lake.query(sql)
        return rows.map(
          (r): GoldTotalsRow => ({
            entity_key: String(r.entity_key),
            agency: String(r.agency),
            name: r.name == null ? null : String(r.name),
            violation_count: Number(r.violation_count),
            open_count: Number(r.open_count),
            closed_count: Number(r.closed_count),
            penalty_initial_cents: toCents(r.penalty_initial),
            penalty_current_cents: toCents(r.penalty_current),
            penalty_current_unknown_count: Number(r.penalty_current_unknown_count),
            by_type: Object.fromEntries(ViolationTypes.map((t) => [t, Number(r[`count_${t}`])])),
            first_event_date: r.first_event_date == null ? null : String(r.first_event_date),
            last_event_date: r.last_event_date == null ? null : String(r.last_event_date)
          })
        )
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("totals", goldTableOf(kind))(e) : e))
      ),
    goldHistory: (kind, keys) =>
      Effect.gen(function* () {
        const name = goldTableOf(kind)
        yield* ensure(name, goldDefinition)
        if (keys.length === 0) return []
        const scan = yield* lake.scanSql(name, { filter: [{ column: "entity_key", op: "in", value: keys }] })
        const rows = yield* lake.query(`
          SELECT entity_key, agency, CAST(year(event_date) AS INTEGER) AS year,
            sum(violation_count)::BIGINT AS c,
            CAST(sum(penalty_initial) AS VARCHAR) AS pi, CAST(sum(penalty_current) AS VARCHAR) AS pc
          FROM (${scan}) WHERE entity_key IN ${inList(keys)}
          GROUP BY entity_key, agency, year(event_date)
          HAVING sum(violation_count) <> 0 OR sum(penalty_initial) <> 0 OR sum(penalty_current) <> 0
          ORDER BY entity_key, agency, year`)
        return rows.map(
          (r): GoldHistoryRow => ({
            entity_key: String(r.entity_key),
            agency: String(r.agency),
            year: r.year == null ? null : Number(r.year),
            violation_count: Number(r.c),
            penalty_initial_cents: toCents(r.pi),
            penalty_current_cents: toCents(r.pc)
          })
        )
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("history", goldTableOf(kind))(e) : e))
      ),
    goldTop: (top) =>
      Effect.gen(function* () {
        const name = goldTableOf("company")
        yield* ensure(name, goldDefinition)
        const [kind, value] =
          top.scope === "national" ? ["national", ""] : (top.scope.split(":") as [string, string])
        const filter = [
          ...(top.agency === "all" ? [] : [{ column: "agency", op: "=" as const, value: top.agency }]),
          ...(kind === "state" ? [{ column: "state", op: "=" as const, value }] : []),
          ...(kind === "city" ? [{ column: "city_slug", op: "=" as const, value }] : [])
        ]
        const scan = rolledUpSql(yield* lake.scanSql(name, { filter }), top.rollup)
        const conds = [
          top.agency === "all" ? "TRUE" : `agency = ${q(top.agency)}`,
          kind === "state" ? `state = ${q(value)}` : "TRUE",
          kind === "city" ? `city_slug = ${q(value)}` : "TRUE"
        ].join(" AND ")
        const order = top.by === "count" ? "c DESC, p DESC" : "p DESC, c DESC"
        const rows = yield* lake.query(`
          SELECT entity_key, arg_max(entity_name, (created_at, event_date, entity_name)) FILTER (WHERE entity_name IS NOT NULL) AS name,
            sum(violation_count)::BIGINT AS c, sum(penalty_current) AS p_num, CAST(sum(penalty_current) AS VARCHAR) AS p
          FROM (${scan}) WHERE ${conds}
          GROUP BY entity_key HAVING sum(violation_count) > 0
          ORDER BY ${order.replace("p DESC", "p_num DESC")}, entity_key LIMIT ${Math.max(1, Math.floor(top.limit))}`)
        return rows.map((r) => ({
          entity_key: String(r.entity_key),
          name: r.name == null ? String(r.entity_key) : String(r.name),
          violation_count: Number(r.c),
          penalty_current_cents: toCents(r.p)
        }))
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("top", goldTableOf("company"))(e) : e))
      ),
    goldTopMany: (top) =>
      Effect.gen(function* () {
        const name = goldTableOf("company")
        yield* ensure(name, goldDefinition)
        const out = new Map<
          string,
          Array<{ entity_key: string; name: string; violation_count: number; penalty_current_cents: bigint }>
        >()
        for (const scope of top.scopes)
          for (const by of ["count", "penalties"])
            for (const a of top.agencies) out.set(`${scope}|${by}|${a}`, [])
        if (top.scopes.length === 0 || top.agencies.length === 0) return out
        const scan = rolledUpSql(yield* lake.scanSql(name), top.rollup)
        const limit = Math.max(1, Math.floor(top.limit))
        const per = (scopeExpr: string, group: string, where: string) => `
          SELECT ${scopeExpr} AS scope, agency, entity_key, sum(violation_count)::BIGINT AS c, sum(penalty_current) AS p,
            arg_max(entity_name, (created_at, event_date, entity_name)) FILTER (WHERE entity_name IS NOT NULL) AS name
          FROM x WHERE ${where} GROUP BY ${group}, agency, entity_key`
        const rows = yield* lake.query(`
          WITH d AS (${scan}),
          x AS (SELECT * FROM d UNION ALL SELECT * REPLACE ('all' AS agency) FROM d),
          agg AS (
            ${per("'national'", "ALL", "TRUE").replace("GROUP BY ALL, agency, entity_key", "GROUP BY agency, entity_key")}
            UNION ALL ${per("'state:' || state", "state", "state IS NOT NULL")}
            UNION ALL ${per("'city:' || city_slug", "city_slug", "city_slug IS NOT NULL")}
          ),
          ranked AS (
            SELECT *, row_number() OVER (PARTITION BY scope, agency ORDER BY c DESC, p DESC, entity_key) AS rc,
              row_number() OVER (PARTITION BY scope, agency ORDER BY p DESC, c DESC, entity_key) AS rp
            FROM agg WHERE c > 0 AND scope IN ${inList(top.scopes)} AND agency IN ${inList(top.agencies)}
          )
          SELECT scope, agency, entity_key, name, c, CAST(p AS VARCHAR) AS p, rc, rp FROM ranked
          WHERE rc <= ${limit} OR rp <= ${limit}`)
        const ranked = new Map<string, Array<{ rank: number; entry: Ranked }>>()
        const put = (k: string, rank: number, entry: Ranked) => {
          const l = ranked.get(k) ?? []
          l.push({ rank, entry })
          ranked.set(k, l)
        }
        for (const r of rows) {
          const entry: Ranked = {
            entity_key: String(r.entity_key),
            name: r.name == null ? String(r.entity_key) : String(r.name),
            violation_count: Number(r.c),
            penalty_current_cents: toCents(r.p)
          }
          if (Number(r.rc) <= limit) put(`${r.scope}|count|${r.agency}`, Number(r.rc), entry)
          if (Number(r.rp) <= limit) put(`${r.scope}|penalties|${r.agency}`, Number(r.rp), entry)
        }
        for (const [k, l] of ranked)
          out.set(
            k,
            l.sort((x, y) => x.rank - y.rank).map((x) => x.entry)
          )
        return out
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("top", goldTableOf("company"))(e) : e))
      ),
    goldCompact: (kind) =>
      Effect.gen(function* () {
        // Checkpoint: replace all deltas by their net sum per grain, in one overwrite snapshot. Totals are
        // unchanged (sums are associative); grains that net to zero disappear.
        const name = goldTableOf(kind)
        yield* ensure(name, goldDefinition)
        const headId = yield* head(name)
        if (headId === null) return
        const scan = yield* lake.scanSql(name, { snapshotId: BigInt(headId) })
        const sums = [
          "violation_count",
          "open_count",
          "closed_count",
          ...ViolationTypes.map((t) => `count_${t}`)
        ]
        const sql = `
          SELECT entity_key, agency, event_date, state, city_slug,
            ${sums.map((c) => `sum(${c})::BIGINT AS ${c}`).join(", ")},
            sum(penalty_initial) AS penalty_initial, sum(penalty_current) AS penalty_current,
            coalesce(sum(penalty_current_unknown_count), 0)::BIGINT AS penalty_current_unknown_count,
            arg_max(entity_name, (created_at, event_date, entity_name)) FILTER (WHERE entity_name IS NOT NULL) AS entity_name,
            ${q(`checkpoint@${headId}`)} AS source_id, max(created_at) AS created_at
          FROM (${scan})
          GROUP BY entity_key, agency, event_date, state, city_slug
          HAVING ${[...sums.map((c) => `sum(${c}) <> 0`), "sum(penalty_initial) <> 0", "sum(penalty_current) <> 0", "coalesce(sum(penalty_current_unknown_count), 0) <> 0"].join(" OR ")}`
        yield* lake.writeQuery(name, sql, { mode: "overwrite", source: { id: `checkpoint@${headId}` } })
      }).pipe(
        Effect.mapError((e) => (e._tag === "LakehouseError" ? lift("compact", goldTableOf(kind))(e) : e))
      )
  }
  return shape
})

/** Layer: the Iceberg warehouse (needs a Lakehouse). */
export const layerIceberg: Layer.Layer<Warehouse, never, Lakehouse> = Layer.effect(Warehouse, makeIceberg)

/**
 * The local default: Iceberg tables in a filesystem warehouse (`<dir>/silver/osha/...`), read and written
 * through an embedded DuckDB.
 */
export const layerLocal = (
  warehouse: string,
  options: LakehouseDuckDb.LakehouseDuckDbOptions = {}
): Layer.Layer<Warehouse | Lakehouse> => {
  const lakehouse = LakehouseDuckDb.layer(options).pipe(
    Layer.provide(Layer.mergeAll(CatalogFileSystem.layer({ warehouse }), fileIOLocal))
  )
  return Layer.provideMerge(layerIceberg, lakehouse)
}

/**
 * A whole local lake under one folder, the layout of the CLI's `$VENTUREOS_HOME`: the raw archive (bronze,
 * manifests, rejects) in `<home>/lake` and the Iceberg warehouse (silver, gold) in `<home>/warehouse`.
 * Everything `ingestFiles` and the Warehouse queries need, with no cloud account.
 */
export const layerLocalLake = (
  home: string,
  options: LakehouseDuckDb.LakehouseDuckDbOptions = {}
): Layer.Layer<RawArchive | Warehouse | Lakehouse> =>
  Layer.mergeAll(layerFileSystem(join(home, "lake")), layerLocal(join(home, "warehouse"), options))
