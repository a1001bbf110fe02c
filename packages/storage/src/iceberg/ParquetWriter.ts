import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { BIGINT, type DuckDBConnection, DuckDBScalarFunction, INTEGER, VARCHAR } from "@duckdb/node-api"
import {
  applyTransform,
  type BoundPartitionField,
  type DataFile,
  duckdbType,
  type FileIOShape,
  fromText,
  type IcebergSchema,
  type IcebergValue,
  type NestedField,
  parseTransform,
  sqlIdent,
  sqlString,
  toBinary,
  toFileUri,
  transformSql,
  truncateLower,
  truncateUpper
} from "@ventureos/iceberg"
import { Effect, Schema } from "effect"
import { fromFileIO, LakehouseError } from "../LakehouseError"

/** Run a statement, mapping DuckDB errors to LakehouseError. */
export const runSql = (conn: DuckDBConnection, table: string, sql: string) =>
  Effect.tryPromise({
    try: () => conn.runAndReadAll(sql),
    catch: (e) =>
      new LakehouseError({
        reason: "Query",
        table,
        detail: `${(e as Error).message}\n  in: ${sql.slice(0, 400)}`
      })
  })

const withBucketFunctions = new WeakSet<DuckDBConnection>()

/** Register Iceberg's bucket[N] (murmur3) as DuckDB scalar functions on a connection. */
export const registerBucketFunctions = (conn: DuckDBConnection): void => {
  if (withBucketFunctions.has(conn)) return
  const fn = (name: string, type: typeof VARCHAR | typeof BIGINT, source: "string" | "long") =>
    DuckDBScalarFunction.create({
      name,
      returnType: INTEGER,
      parameterTypes: [type, INTEGER],
      mainFunction: (_info, input, output) => {
        const values = input.getColumnVector(0)
        const ns = input.getColumnVector(1)
        for (let i = 0; i < input.rowCount; i++) {
          const v = values.getItem(i)
          const n = ns.getItem(i)
          output.setItem(
            i,
            v === null || n === null
              ? null
              : (applyTransform(parseTransform(`bucket[${n}]`), source, v as string | bigint) as number)
          )
        }
        output.flush()
      }
    })
  conn.registerScalarFunction(fn("__iceberg_bucket_string", VARCHAR, "string"))
  conn.registerScalarFunction(fn("__iceberg_bucket_long", BIGINT, "long"))
  withBucketFunctions.add(conn)
}

/** What to write. */
export interface WriteRequest {
  readonly conn: DuckDBConnection
  readonly io: FileIOShape
  readonly table: string
  /** Table location URI; files go under `<location>/data/`. */
  readonly location: string
  readonly schema: IcebergSchema
  /** Bound partition fields of the spec the files are written under (empty = unpartitioned). */
  readonly partition: ReadonlyArray<BoundPartitionField>
  /** A SELECT whose columns are matched to the schema by name (missing optional columns become NULL). */
  readonly sourceSql: string
  readonly targetFileSizeBytes: number
  /** Estimated compressed bytes per row, to roll files at the target size. */
  readonly bytesPerRow: number
  /** Local staging directory for remote tables (default: the OS temp directory). */
  readonly tempDir?: string
  /** Equality delete files: the key field ids (the file holds only those columns). */
  readonly equalityIds?: ReadonlyArray<number>
  /** Data files: columns to sort the rows by (the table's sort order); default unsorted. */
  readonly sortBy?: ReadonlyArray<string>
}

/**
 * Rows per row group of sorted data files: small enough that a lookup of a few keys reads a small part of
 * a year's file (min/max statistics skip the others), large enough that zstd still has whole pages of
 * similar text. Unsorted files keep DuckDB's default (122,880 rows), capped at `ROW_GROUP_BYTES`.
 */
export const SORTED_ROW_GROUP_ROWS = 4096

/** Bytes per row group (before compression); see `writeFiles`. */
export const ROW_GROUP_BYTES = "8MB"

/**
 * Writes of more rows than this are not sorted: DuckDB sorts whole rows (silver's are ~2 KB with their
 * details), so sorting a bulk load of millions spilled about its own size to the scratch disk (1M rows: the
 * temporary directory's peak went from 644 to 864 MB). Daily batches, the row path's batches and most
 * compactions are far below it; a bulk load's files keep DuckDB's write order.
 */
export const SORT_MAX_ROWS = 200_000

const KeyValue = Schema.Struct({ key: Schema.String, value: Schema.NullOr(Schema.String) })

/** A row of DuckDB's `COPY … RETURN_STATS` result (JSON form), decoded at the boundary. */
const StatsRow = Schema.Struct({
  filename: Schema.String,
  count: Schema.String,
  file_size_bytes: Schema.String,
  column_statistics: Schema.NullOr(
    Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.Array(KeyValue) }))
  ),
  partition_keys: Schema.NullOr(Schema.Array(KeyValue))
})

const unquote = (s: string) =>
  s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s

/** Iceberg bounds of one column from DuckDB's min/max text (strings truncated to 16 code points). */
const bound = (f: NestedField, text: string, upper: boolean): Uint8Array | undefined => {
  try {
    if (f.type === "string") {
      const v = upper ? truncateUpper(text) : truncateLower(text)
      return v === undefined ? undefined : toBinary("string", v)
    }
    if (f.type === "binary" || f.type === "float" || f.type === "double") return undefined
    return toBinary(f.type, fromText(f.type, text))
  } catch {
    return undefined
  }
}

/**
 * Write Parquet files through DuckDB `COPY … (PARTITION_BY, FIELD_IDS, RETURN_STATS)` and describe them as
 * Iceberg data files. Partition values are computed as extra columns that DuckDB uses for the directory
 * layout and drops from the files (`WRITE_PARTITION_COLUMNS false`), so files hold exactly the schema
 * columns. Files roll at the target size by adding a per-partition chunk number to the partition key.
 */
export const writeFiles = (req: WriteRequest): Effect.Effect<ReadonlyArray<DataFile>, LakehouseError> =>
  Effect.gen(function* () {
    const { conn, table } = req
    const fields =
      req.equalityIds === undefined
        ? req.schema.fields
        : req.equalityIds.map((id) => {
            const f = req.schema.fields.find((x) => x.id === id)
            if (f === undefined) throw new Error(`equality field ${id} not in schema`)
            return f
          })
    if (req.partition.some((b) => b.transform._tag === "bucket")) registerBucketFunctions(conn)
    const probe = yield* runSql(conn, table, `SELECT * FROM (${req.sourceSql}) LIMIT 0`)
    const have = new Set(probe.columnNames())
    for (const f of fields)
      if (f.required && !have.has(f.name))
        return yield* new LakehouseError({
          reason: "InvalidInput",
          table,
          detail: `required column ${f.name} is missing`
        })
    const proj = fields
      .map((f) =>
        have.has(f.name)
          ? `CAST(${sqlIdent(f.name)} AS ${duckdbType(f.type)}) AS ${sqlIdent(f.name)}`
          : `CAST(NULL AS ${duckdbType(f.type)}) AS ${sqlIdent(f.name)}`
      )
      .join(", ")
    const names = new Set(fields.map((f) => f.name))
    const part = req.partition.map((b) => {
      let alias = b.field.name
      while (names.has(alias)) alias = `${alias}_part`
      names.add(alias)
      return { b, alias }
    })
    const rowsPerFile = Math.max(1000, Math.floor(req.targetFileSizeBytes / Math.max(1, req.bytesPerRow)))
    let sortBy = req.equalityIds === undefined ? (req.sortBy ?? []) : []
    for (const c of sortBy)
      if (!fields.some((f) => f.name === c))
        return yield* new LakehouseError({
          reason: "InvalidInput",
          table,
          detail: `sort column ${c} is not in the schema`
        })
    let chunk = "0"
    if (req.equalityIds === undefined) {
      // Rows in all, and in the largest partition: files roll only where one partition outgrows the target
      // size. A window numbering the rows of each partition materialises every (~2 KB) row first, and a
      // first 5M-row silver write (no size history: ~120 bytes a row assumed) took that path with ~150k rows
      // a year: it spilled 5 GB to the scratch disk and took 69 s instead of ~15.
      const keys = part.map((p) => transformSql(p.b, sqlIdent(p.b.sourceName)))
      const cnt = yield* runSql(
        conn,
        table,
        keys.length === 0
          ? `SELECT count(*)::BIGINT AS n, count(*)::BIGINT AS largest FROM (${req.sourceSql})`
          : `SELECT sum(c)::BIGINT AS n, max(c)::BIGINT AS largest FROM (SELECT count(*) AS c FROM (SELECT ${proj} FROM (${req.sourceSql})) GROUP BY ${keys.join(", ")})`
      )
      const counted = cnt.getRowObjectsJson()[0]
      const n = Number(counted?.n ?? 0)
      if (n === 0) return []
      if (n > SORT_MAX_ROWS) sortBy = []
      if (Number(counted?.largest ?? 0) > rowsPerFile) {
        const by = part.map((p) => sqlIdent(p.alias)).join(", ")
        const within = sortBy.length === 0 ? "" : ` ORDER BY ${sortBy.map(sqlIdent).join(", ")}`
        // sorted: each file of a partition holds a contiguous range of keys (its bounds prune whole files)
        chunk = `(row_number() OVER (${by === "" ? "" : `PARTITION BY ${by}`}${within}) - 1) // ${rowsPerFile}`
      }
    }
    const local = req.io.localDirectory(req.location)
    const target =
      local === undefined
        ? path.join(req.tempDir ?? os.tmpdir(), `ventureos-stage-${randomUUID()}`)
        : path.join(local, "data")
    const partSelect = part.map(
      (p) => `${transformSql(p.b, sqlIdent(p.b.sourceName))} AS ${sqlIdent(p.alias)}`
    )
    const inner = `SELECT *${partSelect.length ? `, ${partSelect.join(", ")}` : ""} FROM (SELECT ${proj} FROM (${req.sourceSql}))`
    const distinct = req.equalityIds === undefined ? inner : `SELECT DISTINCT * FROM (${inner})`
    const fieldIds = `{${fields.map((f) => `${sqlString(f.name)}: ${f.id}`).join(", ")}}`
    // partition keys only when needed: a single-file COPY is the fastest path DuckDB has
    const keys = [...part.map((p) => sqlIdent(p.alias)), ...(chunk === "0" ? [] : ['"__chunk"'])]
    // zstd level 1: same size as the default level 3 on these tables (wide JSON text), ~15% faster to write
    // row groups capped in bytes: a partitioned COPY holds an open row group per partition until it is full,
    // and a year of silver (~30k rows of ~2 KB per 1M) never filled a 64 MB one, so a 1M-row write buffered
    // all of its rows and spilled ~450 MB to the scratch disk (peak 566-657 MB, now 248 MB; 12.2 -> 7.7 s of
    // CPU; files +2%). 8 MB: the open row groups of ~35 partitions stay well under the memory limit.
    const order = sortBy.map(sqlIdent).join(", ")
    const common = `FORMAT parquet, FIELD_IDS ${fieldIds}, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE_BYTES '${ROW_GROUP_BYTES}'${order === "" ? "" : `, ROW_GROUP_SIZE ${SORTED_ROW_GROUP_ROWS}`}, RETURN_STATS`
    // Sorted by partition, then the sort columns. The files do not claim a sort order id: DuckDB's
    // partitioned COPY gives no ordering guarantee (in a write past its flush threshold the sorted runs of its
    // threads may follow each other out of order; each still covers a narrow key range, which is what min/max
    // pruning needs).
    const sorted = (body: string, extra: ReadonlyArray<string>) =>
      order === "" ? body : `${body} ORDER BY ${[...extra, order].join(", ")}`
    const copy =
      keys.length === 0
        ? `COPY (${sorted(`SELECT * FROM (${distinct})`, [])}) TO ${sqlString(path.join(target, `${randomUUID()}.parquet`))} (${common})`
        : `COPY (${sorted(`SELECT *${chunk === "0" ? "" : `, ${chunk} AS "__chunk"`} FROM (${distinct})`, keys)}) TO ${sqlString(target)} (${common}, PARTITION_BY (${keys.join(", ")}), WRITE_PARTITION_COLUMNS false, FILENAME_PATTERN '{uuid}', OVERWRITE_OR_IGNORE)`
    if (keys.length === 0) yield* Effect.promise(() => fs.mkdir(target, { recursive: true }))
    const result = yield* runSql(conn, table, copy)
    const rows = yield* Schema.decodeUnknownEffect(Schema.Array(StatsRow))(result.getRowObjectsJson()).pipe(
      Effect.mapError(
        (e) =>
          new LakehouseError({
            reason: "Query",
            table,
            detail: `unexpected COPY RETURN_STATS result: ${e.message}`
          })
      )
    )
    const byName = new Map(fields.map((f) => [f.name, f]))
    const written: Array<{ local: string; file: DataFile }> = []
    const empty = rows.filter((r) => Number(r.count) === 0).map((r) => r.filename)
    yield* Effect.promise(() => Promise.all(empty.map((f) => fs.rm(f, { force: true }))))
    for (const r of rows) {
      if (Number(r.count) === 0) continue
      const columnSizes = new Map<number, bigint>()
      const valueCounts = new Map<number, bigint>()
      const nullValueCounts = new Map<number, bigint>()
      const lowerBounds = new Map<number, Uint8Array>()
      const upperBounds = new Map<number, Uint8Array>()
      for (const c of r.column_statistics ?? []) {
        const f = byName.get(unquote(c.key))
        if (f === undefined) continue
        const st = new Map(c.value.map((x) => [x.key, x.value]))
        const size = st.get("column_size_bytes")
        if (size != null) columnSizes.set(f.id, BigInt(size))
        const nv = st.get("num_values")
        if (nv != null) valueCounts.set(f.id, BigInt(nv))
        const nc = st.get("null_count")
        if (nc != null) nullValueCounts.set(f.id, BigInt(nc))
        const min = st.get("min")
        const max = st.get("max")
        if (min != null) {
          const b = bound(f, min, false)
          if (b) lowerBounds.set(f.id, b)
        }
        if (max != null) {
          const b = bound(f, max, true)
          if (b) upperBounds.set(f.id, b)
        }
      }
      const keys = new Map((r.partition_keys ?? []).map((k) => [k.key, k.value]))
      const partition = part.map(({ b, alias }): IcebergValue | null => {
        const v = keys.get(alias)
        if (v === null || v === undefined || v === "__HIVE_DEFAULT_PARTITION__") return null
        return b.transform._tag === "identity" || b.transform._tag === "truncate"
          ? fromText(b.resultType, v)
          : Number.parseInt(v, 10)
      })
      const rel = path.relative(target, r.filename)
      const filePath =
        local === undefined ? `${req.location}/data/${rel.split(path.sep).join("/")}` : toFileUri(r.filename)
      written.push({
        local: r.filename,
        file: {
          content: req.equalityIds === undefined ? 0 : 2,
          filePath,
          fileFormat: "PARQUET",
          partition,
          recordCount: BigInt(r.count),
          fileSizeInBytes: BigInt(r.file_size_bytes),
          columnSizes,
          valueCounts,
          nullValueCounts,
          lowerBounds,
          upperBounds,
          ...(req.equalityIds === undefined ? {} : { equalityIds: req.equalityIds })
        }
      })
    }
    const cleanup = Effect.promise(async () => {
      for (const w of written) await fs.rm(w.local, { force: true })
      if (local === undefined) await fs.rm(target, { recursive: true, force: true })
    })
    // required columns must not hold nulls (DuckDB writes every column as optional)
    const bad = fields.find(
      (f) => f.required && written.some((w) => (w.file.nullValueCounts?.get(f.id) ?? 0n) > 0n)
    )
    if (bad !== undefined) {
      yield* cleanup
      return yield* new LakehouseError({
        reason: "InvalidInput",
        table,
        detail: `required column ${bad.name} has nulls`
      })
    }
    if (local === undefined) {
      yield* Effect.forEach(
        written,
        (w) => req.io.upload(w.local, w.file.filePath).pipe(Effect.mapError((e) => fromFileIO(table, e))),
        { concurrency: 4 }
      ).pipe(Effect.ensuring(Effect.promise(() => fs.rm(target, { recursive: true, force: true }))))
    }
    return written.map((w) => w.file)
  })
