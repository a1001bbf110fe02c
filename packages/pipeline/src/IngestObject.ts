import { UnusableFileError } from "@ventureos/core"
import { CsvParser, describeDatasets, detect, type Registry } from "@ventureos/normalizers"
import { RawArchive, type RawArchiveError } from "@ventureos/storage/archive"
import { Effect } from "effect"
import { parseBronzeKey } from "./Gatekeeper"
import { type BatchResult, IngestInputError, type IngestOptions, ingestBatch } from "./Ingest"
import { retryOnConflict, type Warehouse, type WarehouseError } from "./Warehouse"

const headerOf = (bytes: Uint8Array): ReadonlyArray<string> | undefined => {
  const text = new TextDecoder("utf-8").decode(bytes)
  const p = new CsvParser()
  const row = p.push(text)[0]
  return row?.cells.map((c) => c.trim())
}

/** What the gatekeeper does with one uploaded object. */
export type ObjectPlan =
  | { readonly _tag: "batches"; readonly batches: ReadonlyArray<ReadonlyArray<string>> }
  | { readonly _tag: "ignored"; readonly reason: string }

/**
 * Decide the batches an uploaded bronze object triggers. A records file is one batch with the lookup files
 * beside it (same folder, same plugin); a lookup file (OSHA inspections) re-triggers the records files
 * beside it, so upload order does not matter; an object outside the bronze layout is ignored with a reason.
 */
export const planObject = (
  key: string,
  registry: Registry
): Effect.Effect<ObjectPlan, UnusableFileError | RawArchiveError, RawArchive> =>
  Effect.gen(function* () {
    const archive = yield* RawArchive
    const b = parseBronzeKey(key)
    if (b === undefined) {
      return {
        _tag: "ignored",
        reason: "not under bronze/{daily|historical}/{agency}/{yyyy}/{mm}/{dd}/"
      } as const
    }
    if (/\.(rejects\.jsonl|manifest\.json)$/.test(b.file) || b.file.startsWith(".")) {
      return { _tag: "ignored", reason: "not a raw agency file" } as const
    }
    const folder = b.key.slice(0, b.key.length - b.file.length)
    const roleOf = (k: string) =>
      Effect.map(archive.readStart(k, 64 * 1024), (bytes) => {
        const h = headerOf(bytes)
        return h === undefined ? undefined : detect(registry, h, b.agency === "auto" ? "auto" : b.agency)
      })
    const own = yield* roleOf(b.key)
    if (own === undefined) {
      return yield* new UnusableFileError({
        file: b.key,
        reason: "unrecognised or missing header",
        expected: `a header of ${describeDatasets(registry, b.agency === "auto" ? "auto" : b.agency)}`
      })
    }
    const siblings = (yield* archive.list(folder)).filter(
      (o) => o.key !== b.key && !o.key.slice(folder.length).includes("/")
    )
    const sameLookup: Array<string> = []
    const sameRecords: Array<string> = []
    for (const s of siblings) {
      const d = yield* roleOf(s.key)
      if (d === undefined || d.plugin.id !== own.plugin.id) continue
      if (d.dataset.role === "lookup") sameLookup.push(s.key)
      else sameRecords.push(s.key)
    }
    if (own.dataset.role === "records") return { _tag: "batches", batches: [[b.key, ...sameLookup]] } as const
    if (sameRecords.length === 0) {
      return { _tag: "ignored", reason: "lookup file stored; no records file beside it yet" } as const
    }
    return { _tag: "batches", batches: sameRecords.map((r) => [r, b.key, ...sameLookup]) } as const
  })

/** Run the gatekeeper for one uploaded object and ingest the batches it triggers. */
export const ingestObject = (
  key: string,
  options: IngestOptions
): Effect.Effect<
  { readonly plan: ObjectPlan; readonly results: ReadonlyArray<BatchResult> },
  UnusableFileError | IngestInputError | WarehouseError | RawArchiveError,
  RawArchive | Warehouse
> =>
  Effect.gen(function* () {
    const plan = yield* planObject(key, options.registry)
    if (plan._tag === "ignored") return { plan, results: [] }
    const results: Array<BatchResult> = []
    for (const batch of plan.batches) results.push(yield* retryOnConflict(ingestBatch(batch, options)))
    return { plan, results }
  })

export { IngestInputError }
