import { once } from "node:events"
import { createWriteStream, type WriteStream } from "node:fs"
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import { UnusableFileError } from "@ventureos/core"
import {
  CsvFileError,
  type NormalizeSummary,
  type Outcome,
  PluginInputError,
  planNormalize,
  type Registry
} from "@ventureos/normalizers"
import { Effect } from "effect"

export interface NormalizeToFilesOptions {
  readonly registry: Registry
  readonly agency?: string
  /** JSON Lines of accepted records. */
  readonly out: string
  /** JSON Lines of rejected rows (file, line, field, value, reason). Default: `<out>.rejects.jsonl`. */
  readonly rejectsOut?: string
  readonly ingestedAt?: string
  /** Called after each batch with running counts (for progress output). */
  readonly onProgress?: (s: NormalizeSummary) => void
}

export interface NormalizeToFilesResult extends NormalizeSummary {
  readonly out: string
  readonly rejectsFile: string
}

const write = async (ws: WriteStream, s: string) => {
  if (!ws.write(s)) await once(ws, "drain")
}
const close = (ws: WriteStream) =>
  new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())))

/** Map the normalizers' file-level errors to the domain error; anything else is a defect. */
export const toUnusable = (e: unknown): UnusableFileError | undefined =>
  e instanceof CsvFileError || e instanceof PluginInputError
    ? new UnusableFileError({ file: e.file, reason: e.reason, expected: e.expected })
    : undefined

/**
 * Normalize raw agency files into unified records (JSON Lines) and a rejects file. Every input row ends
 * as accepted, rejected or skipped; the summary's counts reconcile.
 */
export const normalizeToFiles = (
  paths: ReadonlyArray<string>,
  options: NormalizeToFilesOptions
): Effect.Effect<NormalizeToFilesResult, UnusableFileError> =>
  Effect.tryPromise({
    try: async () => {
      const rejectsFile = options.rejectsOut ?? `${options.out.replace(/\.jsonl$/, "")}.rejects.jsonl`
      const run = await planNormalize(paths, {
        registry: options.registry,
        ...(options.agency !== undefined ? { agency: options.agency } : {}),
        ...(options.ingestedAt !== undefined ? { ingestedAt: options.ingestedAt } : {})
      })
      await mkdir(dirname(options.out), { recursive: true })
      await mkdir(dirname(rejectsFile), { recursive: true })
      const out = createWriteStream(options.out)
      const rej = createWriteStream(rejectsFile)
      try {
        for await (const batch of run.outcomes()) {
          let recs = ""
          let rejs = ""
          for (const o of batch as ReadonlyArray<Outcome>) {
            if (o._tag === "accepted") recs += `${JSON.stringify(o.record)}\n`
            else if (o._tag === "rejected") rejs += `${JSON.stringify(o.rejection)}\n`
          }
          if (recs !== "") await write(out, recs)
          if (rejs !== "") await write(rej, rejs)
          options.onProgress?.(run.summary)
        }
      } finally {
        await close(out)
        await close(rej)
      }
      return { ...run.summary, out: options.out, rejectsFile }
    },
    catch: (e) => {
      const u = toUnusable(e)
      if (u !== undefined) return u
      throw e
    }
  })
