import { createHash } from "node:crypto"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { makeRegistry, type NormalizerPlugin, type Outcome, planNormalize } from "@ventureos/normalizers"
import { afterAll, beforeAll, expect } from "vitest"

/** Shared by the generator tests: a scratch folder, file hashes, determinism, line endings, normalizing. */

/** A temporary folder made before the file's tests and removed after them; returns a path inside it. */
export const tempDir = (prefix: string): ((...parts: ReadonlyArray<string>) => string) => {
  let dir = ""
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))
  return (...parts) => join(dir, ...parts)
}

export const sha = async (path: string): Promise<string> =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex")

/**
 * The same seed writes the same bytes (every file and the manifest) and returns the same manifest; another
 * seed writes other bytes of `changed`. Returns the other seed's manifest.
 */
export const expectDeterministic = async <M>(
  generate: (seed: number, out: string) => Promise<M>,
  at: (...parts: ReadonlyArray<string>) => string,
  files: (m: M) => ReadonlyArray<string>,
  changed: (m: M) => string
): Promise<M> => {
  const [a, b, c] = await Promise.all([generate(7, "a"), generate(7, "b"), generate(8, "c")])
  expect(b).toEqual(a)
  for (const f of [...files(a), "manifest.json"]) expect(await sha(at("b", f))).toBe(await sha(at("a", f)))
  expect(await sha(at("c", changed(c)))).not.toBe(await sha(at("a", changed(a))))
  return c
}

/** The share of a text's line ends that are a bare LF (the rest CRLF). */
export const lfShare = (text: string): number => {
  const crlf = text.split("\r\n").length - 1
  const lf = text.split("\n").length - 1 - crlf
  return lf / (crlf + lf)
}

/** Every outcome of normalizing these files with one plugin, the accepted records and the run's summary. */
export const normalizeAll = async (paths: ReadonlyArray<string>, plugin: NormalizerPlugin) => {
  const run = await planNormalize(paths, { registry: makeRegistry([plugin]) })
  const outcomes: Array<Outcome> = []
  for await (const b of run.outcomes()) outcomes.push(...b)
  const records: Array<Violation> = outcomes.flatMap((o) => (o._tag === "accepted" ? [o.record] : []))
  return { outcomes, records, summary: run.summary }
}
