import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import { expect, it } from "vitest"
import {
  Catalog,
  CatalogFileSystem,
  commitChanges,
  type DataFile,
  expireSnapshots,
  FileIO,
  layerLocal,
  makeContext,
  partitionSpec,
  planScan,
  schemaFromColumns,
  tableId,
  toBinary,
  unpartitioned
} from "../src"

// The README example, run as written (console.log replaced by assertions).
it("the README example: create, append, upsert, scan, time travel, expire", async () => {
  const warehouse = await fs.mkdtemp(path.join(os.tmpdir(), "iceberg-readme-"))
  const id = tableId("demo.payments")
  const schema = schemaFromColumns(
    [
      { id: 1, name: "id", type: "string", required: true },
      { id: 2, name: "state", type: "string", required: true },
      { id: 3, name: "amount", type: "long", required: false }
    ],
    { identifier: ["id"] } // the upsert key: equality deletes name these field ids
  )

  // A Parquet file written by any writer (with Iceberg field ids in its schema), described with its stats.
  const parquet = (file: string, state: string, rows: number, bytes: number): DataFile => ({
    content: 0, // data
    filePath: `file://${warehouse}/demo/payments/data/${file}`,
    fileFormat: "PARQUET",
    partition: [state], // one value per partition field
    recordCount: BigInt(rows),
    fileSizeInBytes: BigInt(bytes),
    lowerBounds: new Map([[2, toBinary("string", state)]]), // field id -> single-value serialization
    upperBounds: new Map([[2, toBinary("string", state)]])
  })

  const program = Effect.gen(function* () {
    const ctx = makeContext(yield* Catalog, yield* FileIO)
    // 1. create: partitioned by state; equality deletes go under an unpartitioned spec (they span partitions)
    yield* ctx.catalog.createTable(id, {
      schema,
      specs: [partitionSpec(schema, [{ column: "state", transform: "identity" }], 0), unpartitioned(1)]
    })
    // 2. append
    const first = yield* commitChanges(ctx, id, {
      operation: "append",
      addedData: [parquet("tx-1.parquet", "TX", 100, 4096), parquet("ca-1.parquet", "CA", 50, 2048)],
      addedDeletes: [],
      removedPaths: new Set()
    })
    // 3. upsert: the new versions of some rows + an equality delete file holding their ids (field 1)
    yield* commitChanges(
      ctx,
      id,
      {
        operation: "overwrite",
        addedData: [parquet("tx-2.parquet", "TX", 3, 900)],
        addedDeletes: [
          {
            content: 2, // equality deletes
            filePath: `file://${warehouse}/demo/payments/data/tx-2-deletes.parquet`,
            fileFormat: "PARQUET",
            partition: [],
            recordCount: 3n,
            fileSizeInBytes: 400n,
            equalityIds: [1]
          }
        ],
        deleteSpecId: 1,
        removedPaths: new Set()
      },
      { source: { id: "upload-2026-11-30.csv" } } // exactly once: committing the same source again is a no-op
    )
    // 4. scan the current snapshot, pruned to TX: the data files and the delete files that apply to them
    const table = yield* ctx.catalog.loadTable(id)
    const now = yield* planScan(ctx, table, { filter: [{ column: "state", op: "=", value: "TX" }] })
    expect(now.dataFiles.map((f) => path.basename(f.dataFile.filePath)).sort()).toEqual([
      "tx-1.parquet",
      "tx-2.parquet"
    ])
    expect(now.deleteFiles.length).toBe(1)
    // 5. time travel: the first snapshot (or `asOfMs: Date.parse("2026-11-30T09:00:00Z")`)
    if (first._tag !== "Committed") throw new Error("first append not committed")
    const then = yield* planScan(ctx, table, { snapshotId: first.snapshotId })
    expect([then.dataFiles.length, then.deleteFiles.length]).toEqual([2, 0])
    // 6. expire every snapshot but the current one; files only they reached are deleted
    const expired = yield* expireSnapshots(ctx, id, { olderThanMs: Date.now(), retainLast: 1 })
    expect(expired.expiredSnapshots).toBe(1)
    expect((yield* ctx.catalog.loadTable(id)).metadata.snapshots.length).toBe(1)
  })

  await Effect.runPromise(
    program.pipe(Effect.provide(Layer.mergeAll(CatalogFileSystem.layer({ warehouse }), layerLocal)))
  )
  await fs.rm(warehouse, { recursive: true, force: true })
})
