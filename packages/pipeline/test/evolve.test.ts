import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { moneyFromCents, type Violation } from "@ventureos/core"
import { currentSchema } from "@ventureos/iceberg"
import {
  CONTENT_HASH_PROPERTY,
  CONTENT_HASH_VERSION,
  contentHash,
  epaPlugin,
  makeRegistry,
  type Outcome,
  planNormalize
} from "@ventureos/normalizers"
import { Lakehouse, silverDefinition, type TableDefinition } from "@ventureos/storage"
import { layerFileSystem } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { deltasFor, foldDeltas, goldFromSilver, goldRowOf, toEntityStats } from "../src/Gold"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse } from "../src/Warehouse"
import { goldDefinition, layerLocal } from "../src/WarehouseIceberg"

/**
 * A lake written before `action_id` (silver field 30) and `penalty_current_unknown_count` (gold field 33)
 * existed: opening it adds the columns under those field ids (schema evolution), old data files read the
 * new columns as null (counted as 0), and re-ingesting the EPA files links the old records to their actions
 * (their content changed: an `action_id`), after which gold equals its recomputation from silver.
 */

const SAMPLES = join(import.meta.dirname, "..", "..", "adapters-node", "samples")
const registry = makeRegistry([epaPlugin])
const without = (def: TableDefinition, name: string): TableDefinition => ({
  ...def,
  columns: def.columns.filter((c) => c.name !== name)
})

let dir: string
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

/** One shared action of the sample: its NPDES rows (two permits) and its case row, as two small files. */
const files = async (d: string) => {
  const pick = async (file: string, id: string) => {
    const [header, ...rows] = (await readFile(join(SAMPLES, file), "utf8")).split(/\r?\n/)
    return `${[header, ...rows.filter((l) => l.includes(id))].join("\n")}\n`
  }
  await mkdir(d, { recursive: true })
  const npdes = join(d, "npdes_formal_actions_FL.csv")
  const echo = join(d, "echo_cases_FL.csv")
  await writeFile(npdes, await pick("npdes_formal_actions_FL.csv", "FL-18-0093"))
  await writeFile(echo, await pick("echo_cases_FL.csv", "FL-18-0093"))
  return { npdes, echo }
}

const normalized = async (paths: ReadonlyArray<string>) => {
  const run = await planNormalize(paths, { registry, agency: "auto" })
  const out: Array<Violation> = []
  for await (const b of run.outcomes())
    for (const o of b as ReadonlyArray<Outcome>) if (o._tag === "accepted") out.push(o.record)
  return out
}

describe("a lake written before action_id and penalty_current_unknown_count", () => {
  it("is evolved on open, reads the missing columns as null / 0, and re-ingesting links its actions", async () => {
    dir = await mkdtemp(join(tmpdir(), "vos-evolve-"))
    const { npdes, echo } = await files(join(dir, "in"))
    // the old lake: NPDES records without action_id, gold as the per-record rule wrote it (old columns only)
    // (its content hash is what the old code computed: no action_id in the content)
    const old = (await normalized([npdes])).map((r) => {
      const o = { ...r, action_id: null } as Violation
      return { ...o, content_hash: contentHash(o) } as Violation
    })
    expect(old).toHaveLength(2)
    const layer = layerLocal(join(dir, "warehouse"))
    const out = await Effect.runPromise(
      Effect.gen(function* () {
        const lake = yield* Lakehouse
        // (rows already in content hash version 2, which the table says: see lake migrate for older ones)
        yield* lake.ensureTable("silver.epa", {
          ...without(silverDefinition, "action_id"),
          properties: { [CONTENT_HASH_PROPERTY]: CONTENT_HASH_VERSION }
        })
        yield* lake.write("silver.epa", old as unknown as ReadonlyArray<Record<string, unknown>>, {
          mode: "upsert"
        })
        yield* lake.ensureTable(
          "gold.company_stats",
          without(goldDefinition, "penalty_current_unknown_count")
        )
        const rows = old.flatMap((r) =>
          deltasFor(null, r).company.map((d) => {
            // the old gold table has no penalty_current_unknown_count column
            const { penalty_current_unknown_count: _, ...row } = goldRowOf(
              d,
              "old-code",
              "2025-01-01T00:00:00.000Z"
            )
            return row
          })
        )
        yield* lake.write("gold.company_stats", rows, { mode: "append" })
        const before = currentSchema((yield* lake.loadTable("gold.company_stats")).metadata).fields.map(
          (f) => f.id
        )
        expect(before).not.toContain(33)

        // today's code opens it
        const wh = yield* Warehouse
        const totals = yield* wh.goldTotals("company")
        const silverIds = old.map((r) => r.violation_id)
        const silver = yield* wh.silverLookup("epa", silverIds)
        const goldIds = currentSchema((yield* lake.loadTable("gold.company_stats")).metadata).fields
        const silverFields = currentSchema((yield* lake.loadTable("silver.epa")).metadata).fields
        // re-ingest both files: the NPDES records gain their action id, the case joins the action
        yield* ingestFiles([npdes], { registry, mode: "historical", date: "2026-01-01" })
        yield* ingestFiles([echo], { registry, mode: "historical", date: "2026-01-02" })
        const all = [...(yield* normalized2([npdes, echo]))].map((r) => r.violation_id)
        const after = yield* wh.silverLookup("epa", all)
        const gold = yield* wh.goldTotals("company")
        return { totals, silver, goldIds, silverFields, after, gold }
      }).pipe(Effect.provide(Layer.mergeAll(layer, layerFileSystem(join(dir, "lake")))))
    )
    expect(out.goldIds.find((f) => f.id === 33)?.name).toBe("penalty_current_unknown_count")
    expect(out.silverFields.find((f) => f.id === 30)?.name).toBe("action_id")
    // old data files: the missing column reads as 0 / null
    const epa = out.totals.filter((t) => t.agency === "epa")
    expect(epa.reduce((n, t) => n + t.violation_count, 0)).toBe(2)
    expect(epa.every((t) => t.penalty_current_unknown_count === 0)).toBe(true)
    expect([...out.silver.values()].map((r) => r.action_id)).toEqual([null, null])
    // after the re-ingest: three records, one action, gold == recompute(silver)
    expect(out.after.size).toBe(3)
    expect(new Set([...out.after.values()].map((r) => r.action_id))).toEqual(new Set(["FL-18-0093"]))
    const expected = [...foldDeltas(goldFromSilver(out.after.values()).company).values()]
      .map((t) => toEntityStats(t, null, "x"))
      .filter((s) => s.violation_count !== 0)
      .map((s) => [s.entity_key, s.agency, s.violation_count, s.penalty_current_total])
    const got = out.gold
      .filter((t) => t.violation_count !== 0)
      .map((t) => [t.entity_key, t.agency, t.violation_count, moneyFromCents(t.penalty_current_cents)])
    expect(got).toEqual(expect.arrayContaining(expected))
    expect(got).toHaveLength(expected.length)
    expect(got.filter((g) => g[1] === "epa").reduce((n, g) => n + Number(g[2]), 0)).toBe(1)
  }, 120_000)
})

const normalized2 = (paths: ReadonlyArray<string>) => Effect.promise(() => normalized(paths))
