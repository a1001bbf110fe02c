import { join } from "node:path"
import type { NormalizerPlugin } from "@ventureos/normalizers"
import { makeRegistry } from "@ventureos/normalizers"
import { layerFileSystem, RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { expect } from "vitest"
import type { BatchResult } from "../src/Ingest"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"

/**
 * Parity of the vectorized (SQL) ingest with the row-at-a-time reference for one agency: the same files are
 * ingested into two lakes, one per path, and everything observable is compared (counts, silver rows with
 * their content hashes, rejections, gold totals, the feed).
 */

const INGESTED_AT = "2026-11-28T12:00:00.000Z"

/** A CSV cell as a file quotes it (only when it holds a quote, comma or line break). */
export const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)

/** A CSV file's text: the header, then each row's cells in header order (missing = blank), `eol` after each. */
export const csv = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<Readonly<Record<string, string>>>,
  eol = "\n"
) => [header.join(","), ...rows.map((r) => header.map((h) => csvCell(r[h] ?? "")).join(","))].join(eol) + eol

/** One lake and the path that fills it. */
export interface Side {
  readonly rt: ManagedRuntime.ManagedRuntime<Warehouse | RawArchive, never>
  readonly vectorized: boolean
}

export const side = (dir: string, name: string, vectorized: boolean): Side => ({
  vectorized,
  rt: ManagedRuntime.make(
    Layer.mergeAll(layerLocal(join(dir, name, "warehouse")), layerFileSystem(join(dir, name, "lake")))
  )
})

/** `bulkSliceRows`: tiny slices make the vectorized side's sliced steps (slugs, fallback, joins, merges) run in parts. */
export const parity = (plugin: NormalizerPlugin, options: { readonly bulkSliceRows?: number } = {}) => {
  const registry = makeRegistry([plugin])
  const ingest = (s: Side, files: ReadonlyArray<string>, mode: "daily" | "historical", date: string) =>
    s.rt.runPromise(
      ingestFiles(files, {
        registry,
        mode,
        date,
        ingestedAt: INGESTED_AT,
        vectorized: s.vectorized,
        ...(s.vectorized && options.bulkSliceRows !== undefined
          ? { bulkSliceRows: options.bulkSliceRows }
          : {})
      })
    )

  const silver = (s: Side) =>
    s.rt.runPromise(
      Effect.gen(function* () {
        const wh = yield* Warehouse
        const head = yield* wh.silverHead(plugin.agency)
        const rel = yield* wh.bulk!.silverRelation(plugin.agency, head)
        const rows = yield* wh.bulk!.readViolations(`SELECT * FROM (${rel})`)
        return [...rows].sort((a, b) => (a.violation_id < b.violation_id ? -1 : 1))
      })
    )

  const gold = (s: Side) =>
    s.rt.runPromise(
      Effect.gen(function* () {
        const wh = yield* Warehouse
        return {
          company: yield* wh.goldTotals("company"),
          city: yield* wh.goldTotals("city"),
          state: yield* wh.goldTotals("state")
        }
      })
    )

  const rejects = (s: Side, r: BatchResult) =>
    r.rejectsKey === null
      ? []
      : s.rt.runPromise(Effect.flatMap(RawArchive, (a) => a.getText(r.rejectsKey!))).then((t) =>
          Option.getOrElse(t, () => "")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as { file: string; row: number })
            .sort((a, b) => a.file.localeCompare(b.file) || a.row - b.row)
        )

  const comparable = (r: BatchResult) => ({
    ...r,
    // snapshot ids are random; whether a snapshot was made is compared
    silverSnapshot: r.silverSnapshot === null ? null : "a snapshot",
    decided: undefined,
    touched: {
      company: [...r.touched.company].sort(),
      city: [...r.touched.city].sort(),
      state: [...r.touched.state].sort()
    },
    changed: r.changed.map((v) => [v.violation_id, v.content_hash]),
    previous: r.previous.map((v) => [v.violation_id, v.content_hash])
  })

  /**
   * Ingest the same files on both sides and compare everything observable: every batch's result (the files of
   * one dataset make a batch of their own), its rejections, then silver and gold. The vectorized side's
   * results, one per batch.
   */
  const sameBatches = async (
    sql: Side,
    js: Side,
    files: ReadonlyArray<string>,
    mode: "daily" | "historical",
    date: string
  ): Promise<ReadonlyArray<BatchResult>> => {
    const as = await ingest(sql, files, mode, date)
    const bs = await ingest(js, files, mode, date)
    expect(as.length).toBe(bs.length)
    for (const [i, a] of as.entries()) {
      const b = bs[i]!
      // staged rows (all but the malformed ones) are decided once, by SQL or by JavaScript; a replayed batch
      // is answered from its recorded result and normalizes nothing
      if (a.decided !== undefined) {
        expect(a.decided.sql + a.decided.js).toBeLessThanOrEqual(a.rows)
        expect(a.decided.sql + a.decided.js).toBeGreaterThanOrEqual(a.accepted + a.skipped)
      }
      expect(b.decided).toBeUndefined()
      expect(comparable(a)).toEqual(comparable(b))
      expect(await rejects(sql, a)).toEqual(await rejects(js, b))
    }
    const [sa, sb] = [await silver(sql), await silver(js)]
    expect(sa.length).toBe(sb.length)
    for (let i = 0; i < sa.length; i++) expect(sa[i], sb[i]!.violation_id).toEqual(sb[i])
    expect(await gold(sql)).toEqual(await gold(js))
    return as
  }

  /** {@link sameBatches} for files that make one batch: its vectorized result. */
  const same = async (
    sql: Side,
    js: Side,
    files: ReadonlyArray<string>,
    mode: "daily" | "historical",
    date: string
  ): Promise<BatchResult> => {
    const [a] = await sameBatches(sql, js, files, mode, date)
    expect(a!.decided).toBeDefined()
    return a!
  }

  return { same, sameBatches, silver, gold }
}
