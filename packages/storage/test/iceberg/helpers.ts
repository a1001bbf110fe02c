import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Violation } from "@ventureos/core"
import { CatalogFileSystem, layerLocal } from "@ventureos/iceberg"
import { Effect, Layer, type ManagedRuntime } from "effect"
import { Lakehouse } from "../../src/Lakehouse"
import * as LakehouseDuckDb from "../../src/LakehouseDuckDb"

/** A fresh temp directory. */
export const tempDir = (prefix: string) => fs.mkdtemp(path.join(os.tmpdir(), `vos-${prefix}-`))

/** Lakehouse over a filesystem warehouse. */
export const lakehouseLayer = (warehouse: string) =>
  // staging inside the warehouse root (not a table location): a killed writer's leftovers go with the test dir
  LakehouseDuckDb.layer({ threads: 2, tempDir: path.join(warehouse, ".staging") }).pipe(
    Layer.provide(Layer.mergeAll(CatalogFileSystem.layer({ warehouse }), layerLocal))
  )

export type LakehouseRuntime = ManagedRuntime.ManagedRuntime<Lakehouse, never>

/** Install a `file:` fetch shim once: icebird reads through globalThis.fetch. */
export const installFileFetch = () => {
  const g = globalThis as { __fileFetch?: boolean; fetch: typeof fetch }
  if (g.__fileFetch) return
  const real = g.fetch
  g.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith("file:")) return real(input, init)
    try {
      const bytes = await fs.readFile(fileURLToPath(url))
      return new Response(bytes, { status: 200 })
    } catch {
      return new Response(null, { status: 404, statusText: "Not Found" })
    }
  }) as typeof fetch
  g.__fileFetch = true
}

/** Read a table with icebird (independent reader), normalised for comparison. */
export const icebirdRows = async (tableUrl: string): Promise<Array<Record<string, unknown>>> => {
  installFileFetch()
  const { icebergRead } = await import("icebird")
  const rows = await icebergRead({ tableUrl })
  return rows.map(normalize)
}

const iso = (v: unknown) =>
  v instanceof Date ? v.toISOString().slice(0, 10) : v == null ? null : String(v).slice(0, 10)
const num = (v: unknown) => (v == null ? null : Number(v))

/** Normalise a row from DuckDB JSON or icebird into comparable values. */
export const normalize = (r: Record<string, unknown>): Record<string, unknown> => ({
  violation_id: r.violation_id,
  agency: r.agency,
  company_name: r.company_name,
  status: r.status,
  penalty_current: num(r.penalty_current),
  event_date: iso(r.event_date),
  source_row: num(r.source_row),
  violation_details:
    typeof r.violation_details === "string" ? JSON.parse(r.violation_details) : (r.violation_details ?? null)
})

export const sortById = (rows: ReadonlyArray<Record<string, unknown>>) =>
  [...rows].sort((a, b) => String(a.violation_id).localeCompare(String(b.violation_id)))

const agencies = ["osha", "epa", "faa"] as const

/** Synthetic silver records. */
export const makeViolations = (n: number, offset = 0, agency?: (typeof agencies)[number]): Array<Violation> =>
  Array.from({ length: n }, (_, k) => {
    const i = k + offset
    const a = agency ?? agencies[i % 3]!
    const year = 2000 + (i % 7)
    return {
      violation_id: `${a}:${a}_violation:${i}`,
      agency: a,
      source_dataset: `${a}_violation`,
      source_record_id: String(i),
      company_name: `ACME ${i % 11} INC`,
      company_slug: `acme-${i % 11}-inc`,
      address: i % 4 === 0 ? null : `${i} MAIN ST`,
      city: "SPRINGFIELD",
      state: "IL",
      zip: "62701",
      naics: "236220",
      sic: null,
      event_date: i % 13 === 0 ? null : `${year}-0${1 + (i % 9)}-1${i % 10}`,
      opened_date: null,
      closed_date: null,
      penalty_initial: `${1000 + i}.50`,
      penalty_current: i % 5 === 0 ? null : `${900 + i}.25`,
      violation_type: "serious",
      violation_type_code: "S",
      status: "open",
      description:
        i % 2 === 0 ? `a fairly long description of violation number ${i} that exceeds sixteen chars` : null,
      violation_details: { standard: `1910.${i}`, note: null },
      city_slug: "springfield-il",
      content_hash: `h${i}`,
      source_file: "x.csv",
      source_row: i + 2,
      normalizer_id: a,
      normalizer_version: "1.0.0",
      ingested_at: "2026-11-28T00:00:00.000Z"
    } as unknown as Violation
  })

/** Run an effect needing the Lakehouse. */
export const run = <A, E>(rt: LakehouseRuntime, eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)

export { Effect, Lakehouse }
