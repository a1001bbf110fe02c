import { violationColumnList } from "@ventureos/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { CatalogShape, TableIdentifier } from "../../src/Catalog"
import { partitionSpec, type Snapshot, schemaFromColumns, unpartitioned } from "../../src/spec"

/** The Catalog contract, run against every implementation. */
export const catalogSuite = (
  name: string,
  make: () => Promise<{ catalog: CatalogShape; close: () => Promise<void> }>
) =>
  describe(`Catalog contract: ${name}`, () => {
    let catalog: CatalogShape
    let close: () => Promise<void>
    beforeAll(async () => {
      ;({ catalog, close } = await make())
    })
    afterAll(() => close())
    const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
    const fail = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(e))
    const id: TableIdentifier = { namespace: ["silver"], name: "contract" }
    const schema = schemaFromColumns(violationColumnList, { identifier: ["violation_id"] })
    const specs = [
      partitionSpec(schema, [
        { column: "agency", transform: "identity" },
        { column: "event_date", transform: "year" }
      ]),
      unpartitioned(1)
    ]
    const big = (1n << 62n) + 12345n
    const snap = (sid: bigint, seq: bigint, parent?: bigint): Snapshot => ({
      "snapshot-id": sid,
      ...(parent === undefined ? {} : { "parent-snapshot-id": parent }),
      "sequence-number": seq,
      "timestamp-ms": Date.now(),
      "manifest-list": "file:///nowhere/snap.avro",
      summary: { operation: "append" }
    })

    it("creates, loads and lists a table; a second create is AlreadyExists", async () => {
      const t = await run(catalog.createTable(id, { schema, specs }))
      expect(t.metadata.schemas[0]?.fields).toHaveLength(violationColumnList.length)
      expect(t.metadata["partition-specs"].some((s) => s.fields.length === 0)).toBe(true)
      expect((await run(catalog.loadTable(id))).metadata["table-uuid"]).toBe(t.metadata["table-uuid"])
      expect(await run(catalog.tableExists(id))).toBe(true)
      expect((await run(catalog.listTables(["silver"]))).map((x) => x.name)).toContain("contract")
      expect((await fail(catalog.createTable(id, { schema, specs }))).reason).toBe("AlreadyExists")
    })

    it("a missing table is NoSuchTable", async () => {
      const e = await fail(catalog.loadTable({ namespace: ["silver"], name: "missing" }))
      expect(e.reason).toBe("NoSuchTable")
      expect(await run(catalog.tableExists({ namespace: ["silver"], name: "missing" }))).toBe(false)
    })

    it("commits under requirements; a stale assert-ref-snapshot-id is a retryable CommitConflict", async () => {
      const t = await run(catalog.loadTable(id))
      const ok = await run(
        catalog.commitTable(id, {
          requirements: [
            { type: "assert-table-uuid", uuid: t.metadata["table-uuid"] },
            { type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": null }
          ],
          updates: [
            { action: "add-snapshot", snapshot: snap(big, 1n) },
            { action: "set-snapshot-ref", "ref-name": "main", type: "branch", "snapshot-id": big }
          ]
        })
      )
      // ids beyond 2^53 survive the round trip exactly
      expect(ok.metadata["current-snapshot-id"]).toBe(big)
      expect((await run(catalog.loadTable(id))).metadata.refs.main?.["snapshot-id"]).toBe(big)
      const stale = await fail(
        catalog.commitTable(id, {
          requirements: [{ type: "assert-ref-snapshot-id", ref: "main", "snapshot-id": null }],
          updates: [
            { action: "add-snapshot", snapshot: snap(7n, 2n) },
            { action: "set-snapshot-ref", "ref-name": "main", type: "branch", "snapshot-id": 7n }
          ]
        })
      )
      expect(stale.reason).toBe("CommitConflict")
      expect(stale.isRetryable).toBe(true)
      expect((await run(catalog.loadTable(id))).metadata.snapshots).toHaveLength(1)
    })

    it("drops a table", async () => {
      await run(catalog.dropTable(id))
      expect(await run(catalog.tableExists(id))).toBe(false)
    })
  })
