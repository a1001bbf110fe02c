import { createHash } from "node:crypto"
import { type BigIntStats, createReadStream } from "node:fs"
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"

/**
 * Remembered sha256 of files, so that bytes already hashed are not read again (a replay of a 200 MB file read
 * it twice: its archived copy and the input, ~1.2 s of a ~2 s replay). An entry is trusted only while the
 * file's identity (device, inode, size, mtime and ctime in nanoseconds) is the one it recorded, and only if
 * that identity was already in the past when the hash was taken: a file written in the same clock tick as
 * its stat can change again without its timestamps moving (git's "racily clean" entries). Any unreadable,
 * corrupt or mismatched entry is a miss (the file is hashed again), never an error and never a hit.
 */

/** A file's identity as stat reports it (nanosecond timestamps: `stat(p, { bigint: true })`). */
export interface FileIdentity {
  readonly dev: bigint
  readonly ino: bigint
  readonly size: bigint
  readonly mtimeNs: bigint
  readonly ctimeNs: bigint
}

/** What was seen of a file: its identity and the wall clock just before it was taken. */
export interface Observation {
  readonly path: string
  readonly at: bigint
  readonly id: FileIdentity
}

/**
 * How far in the past a file's mtime and ctime must be, before the moment its hash was taken, for the hash to
 * be remembered. File timestamps come from a coarse kernel clock (one tick, 1-10 ms, behind the wall clock)
 * and some file systems keep whole seconds or two (FAT, ext3, HFS+): a write after the hash began always
 * gets a timestamp after `at - RACY_MARGIN_NS`, so it moves the identity away from a remembered one.
 */
export const RACY_MARGIN_NS = 3_000_000_000n

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n

export const identityOf = (s: BigIntStats): FileIdentity => ({
  dev: s.dev,
  ino: s.ino,
  size: s.size,
  mtimeNs: s.mtimeNs,
  ctimeNs: s.ctimeNs
})

/** The clock, then the file's identity (in that order: see {@link settled}). */
export const observe = async (path: string): Promise<Observation> => {
  const at = nowNs()
  return { path: resolve(path), at, id: identityOf(await stat(path, { bigint: true })) }
}

export const sameIdentity = (a: FileIdentity, b: FileIdentity, compareCtime = true): boolean =>
  a.dev === b.dev &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeNs === b.mtimeNs &&
  (!compareCtime || a.ctimeNs === b.ctimeNs)

/**
 * True when the observed identity was already in the past when it was observed (not racily clean): a later
 * write moves mtime, and a later `touch -d` back to the old mtime moves ctime, beyond what was recorded.
 * `compareCtime` false: mtime alone (as {@link sameIdentity}'s flag, for files whose ctime moves untouched).
 */
export const settled = (
  o: Pick<Observation, "at" | "id">,
  marginNs = RACY_MARGIN_NS,
  compareCtime = true
): boolean => o.id.mtimeNs + marginNs < o.at && (!compareCtime || o.id.ctimeNs + marginNs < o.at)

/** sha256 of a local file, streamed in 1 MiB reads (64 KiB reads cost ~0.1 s more per 200 MB in GC). */
export const sha256File = (path: string): Promise<string> =>
  new Promise((res, rej) => {
    const h = createHash("sha256")
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (c) => h.update(c))
      .on("error", rej)
      .on("end", () => res(h.digest("hex")))
  })

/** One remembered hash as stored (bigints as decimal strings). */
interface Entry {
  readonly v: 1
  readonly path: string
  readonly dev: string
  readonly ino: string
  readonly size: string
  readonly mtimeNs: string
  readonly ctimeNs: string
  readonly at: string
  readonly sha256: string
}

const DIGITS = /^\d{1,30}$/
const SHA256 = /^[0-9a-f]{64}$/

/** The entry's observation and hash, or undefined when the text is not a well-formed entry for `path`. */
export const parseEntry = (
  text: string,
  path: string
): { readonly o: Observation; readonly sha256: string } | undefined => {
  let e: Partial<Entry>
  try {
    e = JSON.parse(text) as Partial<Entry>
  } catch {
    return undefined
  }
  if (e === null || typeof e !== "object" || e.v !== 1 || e.path !== path) return undefined
  const nums = [e.dev, e.ino, e.size, e.mtimeNs, e.ctimeNs, e.at]
  if (!nums.every((n) => typeof n === "string" && DIGITS.test(n))) return undefined
  if (typeof e.sha256 !== "string" || !SHA256.test(e.sha256)) return undefined
  const [dev, ino, size, mtimeNs, ctimeNs, at] = nums.map((n) => BigInt(n as string)) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint
  ]
  return { o: { path, at, id: { dev, ino, size, mtimeNs, ctimeNs } }, sha256: e.sha256 }
}

export const formatEntry = (o: Observation, sha256: string): string =>
  JSON.stringify({
    v: 1,
    path: o.path,
    dev: String(o.id.dev),
    ino: String(o.id.ino),
    size: String(o.id.size),
    mtimeNs: String(o.id.mtimeNs),
    ctimeNs: String(o.id.ctimeNs),
    at: String(o.at),
    sha256
  } satisfies Entry)

/** Write `text` to `file` atomically (a reader sees the old entry or the new one, never half of one). */
export const writeAtomic = async (file: string, text: string): Promise<void> => {
  await mkdir(dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    await writeFile(tmp, text)
    await rename(tmp, file)
  } finally {
    await rm(tmp, { force: true })
  }
}

/** The text of a file, or undefined when it cannot be read (missing, a folder, no permission). */
export const readIfAny = (file: string): Promise<string | undefined> =>
  readFile(file, "utf8").catch(() => undefined)

/** A persistent cache of local files' sha256 (the inputs of `ingest`), by absolute path. */
export interface FileHashCache {
  /** The file's sha256: remembered when its identity is unchanged, else read, hashed and remembered. */
  readonly sha256: (path: string) => Promise<string>
  /** The remembered sha256 of the file as it is now, without reading it; undefined on any miss. */
  readonly lookup: (path: string) => Promise<string | undefined>
  /**
   * Remember `sha256` as the hash of the bytes the file held at `before` (e.g. hashed while they were
   * copied): kept only if the file still has that identity now and it was settled then.
   */
  readonly remember: (before: Observation, sha256: string) => Promise<void>
}

export interface FileHashCacheOptions {
  /** See {@link RACY_MARGIN_NS} (tests shorten it instead of waiting seconds). */
  readonly racyMarginNs?: bigint
}

/** A cache of input hashes in `dir` (one small JSON file per absolute path, named by its hash). */
export const makeFileHashCache = (dir: string, options: FileHashCacheOptions = {}): FileHashCache => {
  const margin = options.racyMarginNs ?? RACY_MARGIN_NS
  const entryFile = (path: string) =>
    join(dir, `${createHash("sha256").update(path).digest("hex").slice(0, 40)}.json`)
  const lookup = async (p: string): Promise<string | undefined> => {
    try {
      const path = resolve(p)
      const current = identityOf(await stat(path, { bigint: true }))
      const text = await readIfAny(entryFile(path))
      const e = text === undefined ? undefined : parseEntry(text, path)
      return e !== undefined && settled(e.o, margin) && sameIdentity(e.o.id, current) ? e.sha256 : undefined
    } catch {
      return undefined
    }
  }
  const remember = async (before: Observation, sha256: string): Promise<void> => {
    try {
      if (!settled(before, margin)) return
      const now = identityOf(await stat(before.path, { bigint: true }))
      // changed while it was read: the hash may mix two versions
      if (!sameIdentity(before.id, now)) return
      await writeAtomic(entryFile(before.path), formatEntry(before, sha256))
    } catch {
      // a cache that cannot be written is only slower
    }
  }
  return {
    sha256: async (p) => {
      const known = await lookup(p)
      if (known !== undefined) return known
      const before = await observe(p)
      const sha = await sha256File(before.path)
      await remember(before, sha)
      return sha
    },
    lookup,
    remember: (before, sha256) => remember({ ...before, path: resolve(before.path) }, sha256)
  }
}
