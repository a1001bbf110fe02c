import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { type DuckDBConnection, DuckDBInstance, DuckDBTypeId } from "@duckdb/node-api"
import {
  addColumn as addSchemaColumn,
  bindSpec,
  scanSql as buildScanSql,
  Catalog,
  CatalogFileSystem,
  type CommitOutcome,
  currentSchema,
  currentSnapshot,
  type DataFile,
  dedupKeyOf,
  defaultSpec,
  duckdbType,
  FileIO,
  findCommitted,
  type IcebergSchema,
  commitChanges as icebergCommitChanges,
  expireSnapshots as icebergExpireSnapshots,
  planScan as icebergPlanScan,
  removeOrphanFiles as icebergRemoveOrphanFiles,
  type LoadedTable,
  layerLocal,
  makeContext,
  Properties,
  partitionSpec,
  type ScanOptions,
  type ScanPlan,
  type SortField,
  type SortOrder,
  schemaFromColumns,
  showTableId,
  sqlIdent,
  sqlString,
  type TableContext,
  type TableIdentifier,
  type TableMetadata,
  tableId,
  unpartitioned
} from "@ventureos/iceberg"
import { Effect, Layer, ManagedRuntime } from "effect"
import { writeFiles } from "./iceberg/ParquetWriter"
import {
  Lakehouse,
  type LakehouseShape,
  type Rows,
  silverDefinition,
  type TableDefinition,
  type WriteOptions
} from "./Lakehouse"
import { fromCatalog, fromFileIO, fromIceberg, LakehouseError } from "./LakehouseError"

// The Iceberg library's table operations fail with IcebergError; the Lakehouse port speaks LakehouseError
// (same reason, table, file and message), mapped here at the edge.
const planScan = (...args: Parameters<typeof icebergPlanScan>) =>
  icebergPlanScan(...args).pipe(Effect.mapError(fromIceberg))
const commitChanges = (...args: Parameters<typeof icebergCommitChanges>) =>
  icebergCommitChanges(...args).pipe(Effect.mapError(fromIceberg))
const expireSnapshots = (...args: Parameters<typeof icebergExpireSnapshots>) =>
  icebergExpireSnapshots(...args).pipe(Effect.mapError(fromIceberg))
const removeOrphanFiles = (...args: Parameters<typeof icebergRemoveOrphanFiles>) =>
  icebergRemoveOrphanFiles(...args).pipe(Effect.mapError(fromIceberg))

/** DuckDB numeric types whose JSON form is a string (64/128-bit integers, decimals). */
const NUMERIC_TYPES = new Set<number>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL
])

/**
 * A DuckDB integer or decimal (as its exact string) as a JSON number when that loses nothing: integers within
 * ±2^53, decimals of at most 15 significant digits; otherwise the string is kept.
 */
export const losslessNumber = (s: string): number | string => {
  if (/^-?\d+$/.test(s)) return Number.isSafeInteger(Number(s)) ? Number(s) : s
  if (!/^-?\d+\.\d+$/.test(s)) return s
  const significant = s.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "")
  return significant.length <= 15 ? Number(s) : s
}

/** Options of the DuckDB-backed lakehouse. */
export interface LakehouseDuckDbOptions {
  /** DuckDB database file; default in-memory (views are rebuilt from the catalog anyway). */
  readonly duckdbPath?: string
  /** DuckDB worker threads (default: DuckDB's choice). */
  readonly threads?: number
  /** DuckDB memory limit (default `VENTUREOS_DUCKDB_MEMORY` or 768MB); past it, DuckDB spills to `tempDirectory`. */
  readonly memoryLimit?: string
  /** Where DuckDB spills (default `<tmp>/ventureos-duckdb-spill-<pid>-<random>`, one per instance, removed on close). */
  readonly tempDirectory?: string
  /** Default target data file size (default 128 MiB). */
  readonly targetFileSizeBytes?: number
  /** Where rows are staged before DuckDB reads them (default: the OS temp directory; /tmp in Lambda). */
  readonly tempDir?: string
}

const DEFAULT_TARGET = 128 * 1024 * 1024
// Lambda-sized: a bulk ingest's Node side takes ~500 MB, and the whole process should stay under 1.5 GB
const DEFAULT_MEMORY_LIMIT = process.env.VENTUREOS_DUCKDB_MEMORY ?? "768MB"

const parseId = (name: string): Effect.Effect<TableIdentifier, LakehouseError> =>
  Effect.try({
    try: () => tableId(name),
    catch: (e) => new LakehouseError({ reason: "InvalidInput", table: name, detail: String(e) })
  })

/** JSON-friendly value for staging rows: JSON documents as text, bigints as strings. */
const stageValue = (v: unknown): unknown => {
  if (v === undefined || v === null) return null
  if (typeof v === "bigint") return v.toString()
  if (v instanceof Date) return v.toISOString()
  if (typeof v === "object") return JSON.stringify(v)
  return v
}

const isAsync = (rows: Rows): rows is AsyncIterable<ReadonlyArray<Readonly<Record<string, unknown>>>> =>
  typeof (rows as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"

/** Estimated compressed bytes per row from the table's history (for file rolling). */
const bytesPerRow = (m: TableMetadata): number => {
  const s = currentSnapshot(m)?.summary
  const size = Number(s?.["total-files-size"] ?? 0)
  const rows = Number(s?.["total-records"] ?? 0)
  return rows > 1000 && size > 0 ? Math.max(8, size / rows) : 120
}

/**
 * The columns of the table's default sort order, when it is plain ascending columns (the only orders this
 * writer produces); otherwise none: files are then written in no particular order.
 */
export const sortColumns = (m: TableMetadata): ReadonlyArray<string> => {
  const order = m["sort-orders"].find((o) => o["order-id"] === m["default-sort-order-id"])
  const schema = currentSchema(m)
  const names: Array<string> = []
  for (const raw of order?.fields ?? []) {
    const f = raw as Partial<SortField>
    const col = schema.fields.find((x) => x.id === f["source-id"])
    if (col === undefined || f.transform !== "identity" || f.direction !== "asc") return []
    names.push(col.name)
  }
  return names
}

/** The definition's `sortBy` as an Iceberg sort order (ascending identity fields), or undefined. */
const sortOrderOf = (
  schema: IcebergSchema,
  def: TableDefinition,
  orderId: number
): SortOrder | string | undefined => {
  if (def.sortBy === undefined || def.sortBy.length === 0) return undefined
  const fields: Array<SortField> = []
  for (const c of def.sortBy) {
    const f = schema.fields.find((x) => x.name === c)
    if (f === undefined) return `sort column ${c} is not in the schema`
    fields.push({ transform: "identity", "source-id": f.id, direction: "asc", "null-order": "nulls-first" })
  }
  return { "order-id": orderId, fields }
}

/** Build the DuckDB lakehouse over a Catalog and FileIO. */
export const make = (options: LakehouseDuckDbOptions = {}) =>
  Effect.gen(function* () {
    const catalog = yield* Catalog
    const io = yield* FileIO
    const ctx: TableContext = makeContext(catalog, io)
    // DuckDB names its spill files the same in every instance (`duckdb_temp_storage_DEFAULT-0.tmp`): two
    // processes (a backfill's workers, concurrent ingests) or two lakes in one process sharing a directory read
    // each other's blocks ("Could not read enough bytes"). Each instance gets its own, removed when it closes;
    // the pid in the name lets the scratch sweeper (pipeline `Scratch.ts`) remove those of killed processes.
    const spill =
      options.tempDirectory ??
      path.join(os.tmpdir(), `ventureos-duckdb-spill-${process.pid}-${randomUUID().slice(0, 8)}`)
    const instance = yield* Effect.acquireRelease(
      Effect.promise(() =>
        DuckDBInstance.create(options.duckdbPath ?? ":memory:", {
          ...(options.threads === undefined ? {} : { threads: String(options.threads) }),
          // DuckDB defaults to 80% of the machine's RAM; a writer must stay Lambda-sized and spill instead
          memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
          // a partitioned COPY buffers up to this many rows per thread before writing: DuckDB's default
          // (524288) is a gigabyte of silver rows (~2 KB each with their details) and ran out of memory
          partitioned_write_flush_threshold: "131072",
          // give freed memory back to the OS sooner (peak RSS, not speed)
          allocator_flush_threshold: "32MB",
          temp_directory: spill
        })
      ),
      (i) =>
        Effect.promise(async () => {
          i.closeSync()
          if (options.tempDirectory === undefined) await fs.rm(spill, { recursive: true, force: true })
        })
    )
    const withConn = <A, E>(f: (c: DuckDBConnection) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.acquireUseRelease(
        Effect.promise(async () => {
          const c = await instance.connect()
          // statistics and timestamptz text must be UTC (bounds are derived from it)
          await c.run("SET TimeZone = 'UTC'")
          // files carry no order guarantee; letting DuckDB write out of order makes COPY markedly faster
          await c.run("SET preserve_insertion_order = false")
          return c
        }),
        f,
        (c) => Effect.sync(() => c.closeSync())
      )
    const sql = (c: DuckDBConnection, table: string, text: string) =>
      Effect.tryPromise({
        try: () => c.runAndReadAll(text),
        catch: (e) => new LakehouseError({ reason: "Query", table, detail: (e as Error).message })
      })
    const load = (name: string) =>
      Effect.flatMap(parseId(name), (id) => catalog.loadTable(id).pipe(Effect.mapError(fromCatalog)))
    const target = (m: TableMetadata) =>
      Number(m.properties[Properties.targetFileSize] ?? options.targetFileSizeBytes ?? DEFAULT_TARGET)

    const createTable = (name: string, def: TableDefinition) =>
      Effect.gen(function* () {
        const id = yield* parseId(name)
        const made = yield* Effect.try({
          try: () => {
            const schema = schemaFromColumns(
              def.columns,
              def.identifier === undefined ? {} : { identifier: def.identifier }
            )
            const spec = partitionSpec(schema, def.partitionBy ?? [], 0)
            // equality deletes are stored under an unpartitioned spec: they apply across partitions, because a
            // re-published record may move (e.g. its event date changed)
            const specs = spec.fields.length > 0 ? [spec, unpartitioned(1)] : [spec]
            const sortOrder = sortOrderOf(schema, def, 1)
            if (typeof sortOrder === "string") throw new Error(sortOrder)
            return { schema, specs, sortOrder }
          },
          catch: (e) => new LakehouseError({ reason: "InvalidInput", table: name, detail: String(e) })
        })
        return yield* catalog
          .createTable(id, {
            schema: made.schema,
            specs: made.specs,
            ...(made.sortOrder === undefined ? {} : { sortOrder: made.sortOrder }),
            properties: {
              "write.format.default": "parquet",
              "write.parquet.compression-codec": "zstd",
              // keep the metadata directory bounded: the last 100 versions stay (time travel by file)
              "write.metadata.delete-after-commit.enabled": "true",
              "write.metadata.previous-versions-max": "100",
              ...def.properties
            }
          })
          .pipe(Effect.mapError(fromCatalog))
      })

    /**
     * A table created before its definition had `sortBy` gets it as its default sort order on its next
     * `ensureTable` (writers read the order from the metadata, like any Iceberg writer would).
     */
    const withSortOrder = (
      name: string,
      t: LoadedTable,
      def: TableDefinition
    ): Effect.Effect<LoadedTable, LakehouseError> =>
      Effect.gen(function* () {
        const m = t.metadata
        if (def.sortBy === undefined || sortColumns(m).join(",") === def.sortBy.join(",")) return t
        const orderId = Math.max(0, ...m["sort-orders"].map((o) => o["order-id"])) + 1
        const order = sortOrderOf(currentSchema(m), def, orderId)
        if (order === undefined) return t
        if (typeof order === "string")
          return yield* new LakehouseError({ reason: "InvalidInput", table: name, detail: order })
        const id = yield* parseId(name)
        return yield* catalog
          .commitTable(id, {
            requirements: [
              { type: "assert-table-uuid", uuid: m["table-uuid"] },
              { type: "assert-default-sort-order-id", "default-sort-order-id": m["default-sort-order-id"] }
            ],
            updates: [
              { action: "add-sort-order", "sort-order": order },
              { action: "set-default-sort-order", "sort-order-id": orderId }
            ]
          })
          .pipe(
            Effect.mapError(fromCatalog),
            // another process recorded it first
            Effect.catchIf(
              (e) => e.reason === "CommitConflict",
              () => load(name)
            )
          )
      })

    const ensureTable = (name: string, def: TableDefinition) =>
      createTable(name, def).pipe(
        Effect.catchIf(
          (e) => e.reason === "AlreadyExists",
          () => Effect.flatMap(load(name), (t) => withSortOrder(name, t, def))
        )
      )

    const cleanupFiles = (table: string, paths: ReadonlyArray<string>) =>
      Effect.forEach(paths, (p) => io.delete(p).pipe(Effect.mapError((e) => fromFileIO(table, e))), {
        discard: true
      }).pipe(Effect.ignore)

    /**
     * Write the rows of `sourceSql` as data files in the table's location (and, for an upsert, equality delete
     * files for the keys they replace) without committing them: the files are invisible until a commit lists
     * them.
     */
    const writeTableFiles = (
      c: DuckDBConnection,
      name: string,
      m: TableMetadata,
      sourceSql: string,
      opts: { readonly upsert: boolean; readonly deleteOnly?: boolean; readonly replacedKeysSql?: string }
    ) =>
      Effect.gen(function* () {
        const schema = currentSchema(m)
        const spec = defaultSpec(m)
        const keyIds = schema["identifier-field-ids"] ?? []
        if (opts.upsert && keyIds.length === 0)
          return yield* new LakehouseError({
            reason: "InvalidInput",
            table: name,
            detail: "upsert/delete needs identifier columns"
          })
        const base = {
          conn: c,
          io,
          ...(options.tempDir === undefined ? {} : { tempDir: options.tempDir }),
          table: name,
          location: m.location,
          schema,
          sourceSql,
          targetFileSizeBytes: target(m),
          bytesPerRow: bytesPerRow(m)
        }
        const addedData = opts.deleteOnly
          ? []
          : yield* writeFiles({ ...base, partition: bindSpec(spec, schema), sortBy: sortColumns(m) })
        const unpart = m["partition-specs"].find((s) => s.fields.length === 0)
        const addedDeletes = opts.upsert
          ? yield* writeFiles({
              ...base,
              ...(opts.replacedKeysSql === undefined || opts.deleteOnly
                ? {}
                : { sourceSql: opts.replacedKeysSql }),
              partition: [],
              equalityIds: keyIds
            })
          : []
        return { addedData, addedDeletes, deleteSpecId: unpart?.["spec-id"] }
      })

    /** Write the result of `sourceSql` (run on `c`) into the table as one snapshot. */
    const writeSource = (
      c: DuckDBConnection,
      name: string,
      sourceSql: string,
      opts: WriteOptions & { readonly deleteOnly?: boolean }
    ): Effect.Effect<CommitOutcome, LakehouseError> =>
      Effect.gen(function* () {
        const id = yield* parseId(name)
        const table = yield* load(name)
        const m = table.metadata
        if (opts.source !== undefined) {
          const done = findCommitted(m, dedupKeyOf(opts.source))
          if (done !== undefined)
            return { _tag: "AlreadyCommitted", snapshotId: done["snapshot-id"], table } as const
        }
        const head = currentSnapshot(m)?.["snapshot-id"] ?? null
        if (opts.expectedParent !== undefined && opts.expectedParent !== head)
          return yield* new LakehouseError({
            reason: "CommitConflict",
            table: name,
            detail: `head is ${head ?? "none"}, expected ${opts.expectedParent ?? "none"}`
          })
        const upsert = opts.mode === "upsert" || opts.deleteOnly === true
        const { addedData, addedDeletes, deleteSpecId } = yield* writeTableFiles(c, name, m, sourceSql, {
          upsert,
          ...(opts.deleteOnly === undefined ? {} : { deleteOnly: opts.deleteOnly }),
          ...(opts.replacedKeysSql === undefined ? {} : { replacedKeysSql: opts.replacedKeysSql })
        })
        // overwrite: every file live at the head is removed in the same commit
        const replaced =
          opts.mode === "overwrite" && head !== null
            ? yield* Effect.map(planScan(ctx, table, { snapshotId: head }), (p) =>
                [...p.dataFiles, ...p.deleteFiles].map((d) => d.dataFile.filePath)
              )
            : []
        if (addedData.length === 0 && addedDeletes.length === 0 && replaced.length === 0)
          return { _tag: "NoChange", table } as const
        const written = [...addedData, ...addedDeletes].map((f) => f.filePath)
        return yield* commitChanges(
          ctx,
          id,
          {
            operation: opts.deleteOnly
              ? "delete"
              : upsert || opts.mode === "overwrite"
                ? "overwrite"
                : "append",
            addedData,
            addedDeletes,
            ...(deleteSpecId === undefined ? {} : { deleteSpecId }),
            removedPaths: new Set(replaced),
            ...(opts.expectedParent !== undefined
              ? { requireBaseSnapshot: opts.expectedParent }
              : opts.mode === "overwrite"
                ? { requireBaseSnapshot: head }
                : {})
          },
          opts.source === undefined ? {} : { source: opts.source }
        ).pipe(
          Effect.tapError((e) =>
            e.reason === "CommitStateUnknown" ? Effect.void : cleanupFiles(name, written)
          )
        )
      })

    /** Stage JS rows as NDJSON files DuckDB reads with the table's column types. */
    const withStagedRows = <A>(
      name: string,
      rows: Rows,
      dedupe: boolean,
      use: (c: DuckDBConnection, sourceSql: string) => Effect.Effect<A, LakehouseError>
    ) =>
      Effect.gen(function* () {
        const table = yield* load(name)
        const schema = currentSchema(table.metadata)
        // `<pid>-` in the name: a later run removes the leftovers of a killed process (pipeline Scratch.ts)
        const dir = path.join(options.tempDir ?? os.tmpdir(), `ventureos-rows-${process.pid}-${randomUUID()}`)
        const files = yield* Effect.tryPromise({
          try: async () => {
            await fs.mkdir(dir, { recursive: true })
            const out: Array<string> = []
            let ord = 0
            const put = async (batch: ReadonlyArray<Readonly<Record<string, unknown>>>) => {
              if (batch.length === 0) return
              const lines: Array<string> = []
              for (const r of batch) {
                const o: Record<string, unknown> = { __ord: ord++ }
                for (const f of schema.fields) o[f.name] = stageValue(r[f.name])
                lines.push(JSON.stringify(o))
              }
              const file = path.join(dir, `part-${out.length}.ndjson`)
              await fs.writeFile(file, `${lines.join("\n")}\n`)
              out.push(file)
            }
            if (isAsync(rows)) for await (const b of rows) await put(b)
            else await put(rows)
            return out
          },
          catch: (e) =>
            new LakehouseError({
              reason: "InvalidInput",
              table: name,
              detail: `cannot stage rows: ${String(e)}`
            })
        })
        const columns = `{__ord: 'BIGINT', ${schema.fields
          .map((f) => `${sqlString(f.name)}: ${sqlString(duckdbType(f.type))}`)
          .join(", ")}}`
        const keys = (schema["identifier-field-ids"] ?? [])
          .map((i) => schema.fields.find((f) => f.id === i)?.name)
          .filter((n): n is string => n !== undefined)
        const read =
          files.length === 0
            ? `SELECT ${schema.fields.map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${sqlIdent(f.name)}`).join(", ")} WHERE false`
            : `SELECT * FROM read_json([${files.map(sqlString).join(", ")}], format = 'newline_delimited', columns = ${columns})`
        // within one batch the last version of a key wins
        const source =
          files.length === 0
            ? read
            : dedupe && keys.length > 0
              ? // the winning __ord per key is a narrow aggregate; a window over whole rows would have to
                // materialize every (wide) row in memory at once
                `SELECT * EXCLUDE (__ord) FROM (${read}) WHERE __ord IN (SELECT max(__ord) FROM (${read}) GROUP BY ${keys.map(sqlIdent).join(", ")})`
              : `SELECT * EXCLUDE (__ord) FROM (${read})`
        return yield* withConn((c) => use(c, source)).pipe(
          Effect.ensuring(Effect.promise(() => fs.rm(dir, { recursive: true, force: true })))
        )
      })

    const localPathMap = (plan: ScanPlan, table: string) =>
      Effect.gen(function* () {
        const map = new Map<string, string>()
        const all = [...plan.dataFiles, ...plan.deleteFiles]
        const locals = yield* Effect.forEach(
          all,
          (e) => io.localPath(e.dataFile.filePath).pipe(Effect.mapError((err) => fromFileIO(table, err))),
          { concurrency: 8 }
        )
        for (const [i, e] of all.entries()) map.set(e.dataFile.filePath, locals[i]!)
        return map
      })

    const plan = (name: string, scan: ScanOptions = {}) =>
      Effect.flatMap(load(name), (t) => planScan(ctx, t, scan))

    const sqlOfPlan = (name: string, p: ScanPlan, schema?: IcebergSchema) =>
      Effect.map(localPathMap(p, name), (map) =>
        buildScanSql({
          schema: schema ?? p.schema,
          dataFiles: p.dataFiles,
          deleteFiles: p.deleteFiles,
          localPath: (x) => map.get(x) ?? x
        })
      )

    const scanSql = (name: string, scan: ScanOptions = {}) =>
      Effect.flatMap(plan(name, scan), (p) => sqlOfPlan(name, p))

    const query = (text: string) =>
      withConn((c) =>
        Effect.map(
          sql(c, "query", text),
          (r) => r.getRowObjectsJson() as unknown as ReadonlyArray<Record<string, unknown>>
        )
      )

    const queryJson = (text: string) =>
      withConn((c) =>
        Effect.map(sql(c, "query", text), (r) => {
          const names = r.columnNames()
          const numeric = r.columnTypes().map((t) => NUMERIC_TYPES.has(t.typeId))
          return (r.getRowObjectsJson() as Array<Record<string, unknown>>).map((row) => {
            for (let i = 0; i < names.length; i++) {
              const name = names[i]!
              const v = row[name]
              if (numeric[i] === true && typeof v === "string") row[name] = losslessNumber(v)
            }
            return row
          })
        })
      )

    const refreshViews = Effect.gen(function* () {
      const defined: Array<string> = []
      const statements: Array<string> = []
      for (const ns of ["silver", "gold"]) {
        const ids = yield* catalog.listTables([ns]).pipe(Effect.mapError(fromCatalog))
        statements.push(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(ns)}`)
        for (const id of ids) {
          if (ns === "silver" && id.name === "violations") continue
          const name = showTableId(id)
          const text = yield* scanSql(name)
          statements.push(`CREATE OR REPLACE VIEW ${sqlIdent(ns)}.${sqlIdent(id.name)} AS ${text}`)
          defined.push(name)
        }
      }
      const silver = defined.filter((n) => n.startsWith("silver."))
      if (silver.length > 0) {
        statements.push(
          `CREATE OR REPLACE VIEW silver.violations AS ${silver
            .map((n) => `SELECT * FROM silver.${sqlIdent(n.slice("silver.".length))}`)
            .join(" UNION ALL BY NAME ")}`
        )
        defined.push("silver.violations")
      }
      yield* withConn((c) => Effect.forEach(statements, (s) => sql(c, "views", s), { discard: true }))
      return defined
    })

    const compact: LakehouseShape["compact"] = (name, copts = {}) =>
      Effect.gen(function* () {
        const id = yield* parseId(name)
        for (let attempt = 1; ; attempt++) {
          const table = yield* load(name)
          const m = table.metadata
          const p = yield* planScan(ctx, table, {})
          const goal = copts.targetFileSizeBytes ?? target(m)
          const minFiles = copts.minInputFiles ?? 2
          let chosen = p.dataFiles
          let removeDeletes = p.deleteFiles
          if (p.deleteFiles.length === 0) {
            const groups = new Map<string, Array<(typeof p.dataFiles)[number]>>()
            for (const d of p.dataFiles) {
              if (Number(d.dataFile.fileSizeInBytes) >= goal * 0.75) continue
              const k = `${d.specId}|${JSON.stringify(d.dataFile.partition, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`
              groups.set(k, [...(groups.get(k) ?? []), d])
            }
            chosen = [...groups.values()].filter((g) => g.length >= minFiles).flat()
            removeDeletes = []
          }
          if (chosen.length === 0 && removeDeletes.length === 0) return { _tag: "NoChange", table } as const
          // one write per partition: each stays small enough to be sorted (`SORT_MAX_ROWS`) where the whole
          // table rewritten at once (a compaction that applies deletes) would be too big to sort
          const byPartition = new Map<string, Array<(typeof p.dataFiles)[number]>>()
          for (const d of chosen) {
            const k = `${d.specId}|${JSON.stringify(d.dataFile.partition, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`
            byPartition.set(k, [...(byPartition.get(k) ?? []), d])
          }
          const schema = currentSchema(m)
          const result = yield* withConn((c) =>
            Effect.gen(function* () {
              const addedData: Array<DataFile> = []
              yield* Effect.forEach(
                byPartition.values(),
                (files) =>
                  Effect.gen(function* () {
                    const source = yield* sqlOfPlan(name, { ...p, dataFiles: files })
                    const out = yield* writeFiles({
                      conn: c,
                      io,
                      ...(options.tempDir === undefined ? {} : { tempDir: options.tempDir }),
                      table: name,
                      location: m.location,
                      schema,
                      partition: bindSpec(defaultSpec(m), schema),
                      // compacted files stay sorted (the rows of several sorted files, sorted again)
                      sortBy: sortColumns(m),
                      sourceSql: source,
                      targetFileSizeBytes: goal,
                      bytesPerRow: bytesPerRow(m)
                    })
                    addedData.push(...out)
                  }),
                { discard: true }
              ).pipe(
                Effect.tapError(() =>
                  cleanupFiles(
                    name,
                    addedData.map((f) => f.filePath)
                  )
                )
              )
              return yield* commitChanges(ctx, id, {
                operation: "replace",
                addedData,
                addedDeletes: [],
                removedPaths: new Set([...chosen, ...removeDeletes].map((d) => d.dataFile.filePath)),
                requireBaseSnapshot: p.snapshot?.["snapshot-id"] ?? null
              }).pipe(
                Effect.tapError(() =>
                  cleanupFiles(
                    name,
                    addedData.map((f) => f.filePath)
                  )
                )
              )
            })
          ).pipe(Effect.result)
          if (result._tag === "Success") return result.success
          if (result.failure.reason === "CommitConflict" && attempt < 5) continue
          return yield* result.failure
        }
      })

    const shape: LakehouseShape = {
      createTable,
      ensureTable,
      ensureSilverTables: Effect.forEach(["osha", "epa", "faa"], (a) =>
        ensureTable(`silver.${a}`, silverDefinition)
      ),
      loadTable: load,
      write: (name, rows, opts = {}) =>
        withStagedRows(name, rows, opts.mode === "upsert", (c, src) => writeSource(c, name, src, opts)),
      writeQuery: (name, text, opts = {}) => withConn((c) => writeSource(c, name, text, opts)),
      writeDataFiles: (name, text, opts = {}) =>
        withConn((c) =>
          Effect.gen(function* () {
            const table = yield* load(name)
            const upsert = opts.replacedKeysSql !== undefined
            const out = yield* writeTableFiles(c, name, table.metadata, text, {
              upsert,
              ...(upsert ? { replacedKeysSql: opts.replacedKeysSql } : {})
            })
            return { data: out.addedData, deletes: out.addedDeletes }
          })
        ),
      commitFiles: (name, files, opts = {}) =>
        Effect.gen(function* () {
          const id = yield* parseId(name)
          const table = yield* load(name)
          const m = table.metadata
          if (opts.source !== undefined) {
            const done = findCommitted(m, dedupKeyOf(opts.source))
            if (done !== undefined)
              return { _tag: "AlreadyCommitted", snapshotId: done["snapshot-id"], table } as const
          }
          if (files.data.length === 0 && files.deletes.length === 0)
            return { _tag: "NoChange", table } as const
          const unpart = m["partition-specs"].find((x) => x.fields.length === 0)
          return yield* commitChanges(
            ctx,
            id,
            {
              operation: files.deletes.length > 0 ? "overwrite" : "append",
              addedData: files.data,
              addedDeletes: files.deletes,
              ...(unpart === undefined ? {} : { deleteSpecId: unpart["spec-id"] }),
              removedPaths: new Set(),
              ...(opts.expectedParent === undefined ? {} : { requireBaseSnapshot: opts.expectedParent }),
              ...(opts.summary === undefined ? {} : { summary: opts.summary })
            },
            opts.source === undefined ? {} : { source: opts.source }
          )
        }),
      writeViolations: (records, opts) =>
        Effect.gen(function* () {
          const byAgency = new Map<string, Array<Readonly<Record<string, unknown>>>>()
          for (const r of records) byAgency.set(r.agency, [...(byAgency.get(r.agency) ?? []), r])
          const out = new Map<string, CommitOutcome>()
          for (const [agency, rows] of byAgency) {
            const name = `silver.${agency}`
            yield* ensureTable(name, silverDefinition)
            const o = yield* withStagedRows(name, rows, true, (c, src) =>
              writeSource(c, name, src, {
                mode: "upsert",
                ...(opts.source === undefined ? {} : { source: opts.source })
              })
            )
            out.set(name, o)
          }
          return out
        }),
      deleteKeys: (name, keys, opts = {}) =>
        withStagedRows(name, keys, false, (c, src) =>
          writeSource(c, name, src, { ...opts, deleteOnly: true })
        ),
      plan,
      scanSql,
      query,
      queryJson,
      refreshViews,
      findSource: (name, source) =>
        Effect.map(load(name), (t) => findCommitted(t.metadata, dedupKeyOf(source))),
      history: (name) => Effect.map(load(name), (t) => t.metadata.snapshots),
      setProperties: (name, updates) =>
        Effect.gen(function* () {
          const id = yield* parseId(name)
          const t = yield* load(name)
          return yield* catalog
            .commitTable(id, {
              requirements: [{ type: "assert-table-uuid", uuid: t.metadata["table-uuid"] }],
              updates: [{ action: "set-properties", updates }]
            })
            .pipe(Effect.mapError(fromCatalog))
        }),
      addColumn: (name, column) =>
        Effect.gen(function* () {
          const id = yield* parseId(name)
          const t = yield* load(name)
          const m = t.metadata
          const next = yield* Effect.try({
            try: () =>
              addSchemaColumn(
                { ...currentSchema(m), "schema-id": Math.max(...m.schemas.map((s) => s["schema-id"])) },
                m["last-column-id"],
                column
              ),
            catch: (e) => new LakehouseError({ reason: "InvalidInput", table: name, detail: String(e) })
          })
          return yield* catalog
            .commitTable(id, {
              requirements: [
                { type: "assert-current-schema-id", "current-schema-id": m["current-schema-id"] },
                { type: "assert-last-assigned-field-id", "last-assigned-field-id": m["last-column-id"] }
              ],
              updates: [
                { action: "add-schema", schema: next, "last-column-id": next.fields.at(-1)!.id },
                { action: "set-current-schema", "schema-id": -1 }
              ]
            })
            .pipe(Effect.mapError(fromCatalog))
        }),
      expireSnapshots: (name, o) => Effect.flatMap(parseId(name), (id) => expireSnapshots(ctx, id, o)),
      removeOrphanFiles: (name, o) => Effect.flatMap(parseId(name), (id) => removeOrphanFiles(ctx, id, o)),
      compact
    }
    return traced("Lakehouse", shape)
  })

/** Give every method of a service a span named `<service>.<method>` (tracing for free). */
const traced = <S extends object>(service: string, shape: S): S =>
  Object.fromEntries(
    Object.entries(shape).map(([k, v]) => [
      k,
      typeof v === "function"
        ? (...args: Array<unknown>) =>
            Effect.withSpan(
              (v as (...a: Array<unknown>) => Effect.Effect<unknown>)(...args),
              `${service}.${k}`
            )
        : Effect.isEffect(v)
          ? Effect.withSpan(v, `${service}.${k}`)
          : v
    ])
  ) as S

/** The DuckDB lakehouse layer (needs a Catalog and a FileIO). */
export const layer = (
  options: LakehouseDuckDbOptions = {}
): Layer.Layer<Lakehouse, never, Catalog | FileIO> => Layer.effect(Lakehouse, make(options))

/** A lakehouse opened outside an Effect program (scripts, benchmarks, REPL). */
export interface OpenLakehouse {
  readonly lakehouse: LakehouseShape
  /** Run one of the lakehouse's effects. */
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<A>
  readonly close: () => Promise<void>
}

/** Open a lakehouse on a local filesystem warehouse (filesystem catalog + local FileIO). */
export const open = async (
  options: LakehouseDuckDbOptions & { readonly warehouse: string }
): Promise<OpenLakehouse> => {
  const rt = ManagedRuntime.make(
    layer(options).pipe(
      Layer.provide(Layer.mergeAll(CatalogFileSystem.layer({ warehouse: options.warehouse }), layerLocal))
    )
  )
  const lakehouse = await rt.runPromise(Lakehouse.use(Effect.succeed))
  return { lakehouse, run: (effect) => rt.runPromise(effect), close: () => rt.dispose() }
}

export type { LoadedTable }
