import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  makeRegistry,
  type NormalizerPlugin,
  type NormalizeSummary,
  type Outcome,
  oshaPlugin,
  planNormalize
} from "../../src/index"

/** Fixed lineage timestamp so outputs can be compared byte for byte. */
export const INGESTED_AT = "2026-01-01T00:00:00.000Z"

export interface RunResult {
  readonly summary: NormalizeSummary
  readonly outcomes: ReadonlyArray<Outcome>
}

/** Plan and drain a normalization run, collecting every outcome. */
export const normalizeAll = async (
  paths: ReadonlyArray<string>,
  options: { readonly agency?: string; readonly plugins?: ReadonlyArray<NormalizerPlugin> } = {}
): Promise<RunResult> => {
  const run = await planNormalize(paths, {
    registry: makeRegistry(options.plugins ?? [oshaPlugin]),
    ingestedAt: INGESTED_AT,
    ...(options.agency !== undefined ? { agency: options.agency } : {})
  })
  const outcomes: Array<Outcome> = []
  for await (const batch of run.outcomes()) outcomes.push(...batch)
  return { summary: run.summary, outcomes }
}

/** rows = accepted + rejected + skipped, for the run and for every records file. */
export const reconciles = (s: NormalizeSummary): boolean =>
  s.rows === s.accepted + s.rejected + s.skipped &&
  s.files.every((f) => f.role !== "records" || f.rows === f.accepted + f.rejected + f.skipped)

/** A scratch directory removed by the returned cleanup. */
export const scratch = async (): Promise<{
  readonly dir: string
  readonly write: (name: string, content: string | Uint8Array) => Promise<string>
  readonly cleanup: () => Promise<void>
}> => {
  const dir = await mkdtemp(join(tmpdir(), "ventureos-test-"))
  return {
    dir,
    write: async (name, content) => {
      const p = join(dir, name)
      await writeFile(p, content)
      return p
    },
    cleanup: () => rm(dir, { recursive: true, force: true })
  }
}
