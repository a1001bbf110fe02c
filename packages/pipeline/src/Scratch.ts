import { mkdtemp, readdir, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Prefixes of the scratch folders VentureOS makes in the temp directory (each followed by `<pid>-`). */
export const SCRATCH_PREFIXES = ["ventureos-ingest-", "ventureos-rows-", "ventureos-duckdb-spill-"] as const

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * A fresh scratch folder `<tmp>/<prefix><pid>-XXXXXX`: the pid in the name lets a later run tell the
 * leftovers of a process that died (kill -9, out of memory) from a live one's.
 */
export const makeScratchDir = (prefix: string): Promise<string> =>
  mkdtemp(join(tmpdir(), `${prefix}${process.pid}-`))

/**
 * Remove the scratch folders of processes that are gone (never a live process's, never this one's).
 * Returns the folders removed. Folders without a pid in their name (older versions) are left alone.
 */
export const sweepStaleScratch = async (
  prefixes: ReadonlyArray<string> = SCRATCH_PREFIXES
): Promise<ReadonlyArray<string>> => {
  const dir = tmpdir()
  let entries: Array<string>
  try {
    entries = await readdir(dir)
  } catch {
    return []
  }
  const removed: Array<string> = []
  for (const name of entries) {
    const prefix = prefixes.find((p) => name.startsWith(p))
    if (prefix === undefined) continue
    const m = /^(\d+)-/.exec(name.slice(prefix.length))
    if (m === null) continue
    const pid = Number(m[1])
    if (pid === process.pid || alive(pid)) continue
    await rm(join(dir, name), { recursive: true, force: true })
    removed.push(join(dir, name))
  }
  return removed
}

let swept: Promise<ReadonlyArray<string>> | undefined

/** {@link sweepStaleScratch} once per process (the first ingest of a run cleans up after dead ones). */
export const sweepStaleScratchOnce = (): Promise<ReadonlyArray<string>> => {
  swept ??= sweepStaleScratch().catch(() => [])
  return swept
}
