import { createHash } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import {
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile
} from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
import { type Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Context, Effect, Layer, Option, Schema } from "effect"
import {
  type FileIdentity,
  formatEntry,
  identityOf,
  nowNs,
  type Observation,
  parseEntry,
  RACY_MARGIN_NS,
  readIfAny,
  sameIdentity,
  settled,
  sha256File,
  writeAtomic
} from "./FileHashes"

/** An object in the raw archive: stored unchanged, identified by key and content hash. */
export interface RawObject {
  readonly key: string
  readonly size: number
  /** Entity tag: the S3 ETag, or the sha256 for the local archive. */
  readonly etag: string
  /** sha256 of the bytes, hex. */
  readonly sha256: string
}

/** Failure of the archive itself (not of the data in it). */
export class RawArchiveError extends Schema.TaggedError<RawArchiveError>()("RawArchiveError", {
  op: Schema.String,
  key: Schema.String,
  reason: Schema.Literals(["NotFound", "Unavailable", "InvalidKey", "Unknown"]),
  detail: Schema.String
}) {
  get isRetryable(): boolean {
    return this.reason === "Unavailable"
  }
  override get message() {
    return `raw archive ${this.op} ${this.key}: ${this.reason}: ${this.detail}`
  }
}

export interface RawArchiveShape {
  /** Store the file at `localPath` unchanged under `key`. Idempotent for identical bytes. */
  readonly putFile: (key: string, localPath: string) => Effect.Effect<RawObject, RawArchiveError>
  /**
   * Store the file under `key` only if nothing is there yet (bronze is write-once): atomic on the local
   * archive (link of a complete temporary file) and on S3 (`If-None-Match: *`). `created` false: the key
   * already held an object (its `head` is returned; nothing was written).
   */
  readonly putFileOnce: (
    key: string,
    localPath: string
  ) => Effect.Effect<{ readonly object: RawObject; readonly created: boolean }, RawArchiveError>
  /** Store small text (rejects, manifests). */
  readonly putText: (key: string, text: string) => Effect.Effect<RawObject, RawArchiveError>
  readonly getText: (key: string) => Effect.Effect<Option.Option<string>, RawArchiveError>
  /** Copy an archived object to a local file (for processing). */
  readonly download: (key: string, localPath: string) => Effect.Effect<RawObject, RawArchiveError>
  readonly head: (key: string) => Effect.Effect<Option.Option<RawObject>, RawArchiveError>
  /** The first `bytes` bytes of an object (to read a CSV header without downloading the file). */
  readonly readStart: (key: string, bytes: number) => Effect.Effect<Uint8Array, RawArchiveError>
  /** Objects under a prefix, sorted by key (size only: `sha256`/`etag` may be empty; `head` has them). */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<RawObject>, RawArchiveError>
  /** Delete one object (bookkeeping such as a finished pending-sync record; never bronze). Missing is fine. */
  readonly remove: (key: string) => Effect.Effect<void, RawArchiveError>
}

/** The raw (bronze) archive: local folder by default, S3 in production (`RawArchiveS3`). */
export class RawArchive extends Context.Service<RawArchive, RawArchiveShape>()(
  "@ventureos/storage/RawArchive"
) {}

/**
 * The local archive's folder of hash records (`<root>/.sha256/<key>.json`), outside the key space: no key
 * starts with it and `list` does not walk it.
 */
const HASHES = ".sha256"

const validKey = (key: string): boolean =>
  key.length > 0 &&
  key.length <= 1024 &&
  !key.startsWith("/") &&
  !key.startsWith(`${HASHES}/`) &&
  key !== HASHES &&
  !key.split("/").some((p) => p === ".." || p === "." || p === "")

/**
 * Write a stream to `dest` and hash it in the same pass (the bronze copy used to be a copy, then a second
 * read of the whole file for its sha256). Returns the sha256 (hex) and the byte count.
 */
export const copyHashing = async (
  source: Readable | NodeJS.ReadableStream,
  dest: string
): Promise<{ readonly sha256: string; readonly size: number }> => {
  const h = createHash("sha256")
  let size = 0
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      h.update(chunk)
      size += chunk.length
      done(null, chunk)
    }
  })
  await pipeline(source, hashing, createWriteStream(dest))
  return { sha256: h.digest("hex"), size }
}

/** Files smaller than this get no hash record (manifests, rejects: hashing them costs less than the record). */
const RECORD_MIN_BYTES = 1n << 20n

/**
 * A hash record is trusted while the file keeps the device, inode, size and mtime it recorded, and only if
 * that mtime was already in the past when the hash was taken (not racily clean: see FileHashes). ctime is
 * recorded but not compared: the archive's own `download` hard-links the file (and the ingest removes that
 * link), which moves ctime without touching a byte. What keeps this safe for bronze: the archive sets a new
 * object's mtime to before its copy began (below), so any later write, which sets mtime to the time of the
 * write, moves it; and a stale record could never turn other input bytes into a replay, because the input
 * is hashed (or looked up) on its own and compared with it.
 */
const trustedRecord = (e: { readonly o: Observation }, current: FileIdentity, marginNs: bigint): boolean =>
  sameIdentity(e.o.id, current, false) && settled(e.o, marginNs, false)

const fail = (op: string, key: string, e: unknown) =>
  new RawArchiveError({
    op,
    key,
    reason: (e as NodeJS.ErrnoException)?.code === "ENOENT" ? "NotFound" : "Unknown",
    detail: e instanceof Error ? e.message : String(e)
  })

/**
 * The local-folder archive (keys map to paths under `root`; writes are atomic via rename). Hashes of large
 * objects are recorded under `<root>/.sha256` (see `trustedRecord`), so another process (a replay) does not
 * read a 200 MB object again to learn its sha256.
 */
export const makeFileSystem = (
  root: string,
  options: { readonly racyMarginNs?: bigint } = {}
): RawArchiveShape => {
  const margin = options.racyMarginNs ?? RACY_MARGIN_NS
  /**
   * The sha256 of files this archive wrote or hashed, by path, trusted while the file's identity is unchanged
   * (archive writes replace files by rename, never in place): a batch's `head` and `download` after `putFile`
   * do not hash the whole file again, nor read its record.
   */
  const knownHashes = new Map<string, { readonly id: FileIdentity; readonly sha256: string }>()
  const rememberHash = (p: string, id: FileIdentity, sha256: string) => {
    if (knownHashes.size >= 10_000) knownHashes.clear()
    knownHashes.set(p, { id, sha256 })
  }
  const knownHash = (p: string, id: FileIdentity): string | undefined => {
    const k = knownHashes.get(p)
    return k !== undefined && sameIdentity(k.id, id, false) ? k.sha256 : undefined
  }
  const pathOf = (op: string, key: string) =>
    validKey(key)
      ? Effect.succeed(join(root, ...key.split("/")))
      : Effect.fail(
          new RawArchiveError({
            op,
            key,
            reason: "InvalidKey",
            detail: "keys are relative, '/'-separated, without '.' or '..' parts"
          })
        )
  const recordOf = (p: string) => join(root, HASHES, `${relative(root, p)}.json`)
  /** Remember the hash in this process and, for a large file, in its record. */
  const record = async (o: Observation, sha256: string) => {
    rememberHash(o.path, o.id, sha256)
    if (o.id.size >= RECORD_MIN_BYTES)
      await writeAtomic(recordOf(o.path), formatEntry(o, sha256)).catch(() => undefined)
  }
  const objectAt = async (key: string, p: string): Promise<RawObject> => {
    // the clock before the stat: a hash taken after it is of bytes at least this new (see `settled`)
    const at = nowNs()
    const id = identityOf(await stat(p, { bigint: true }))
    let sha = knownHash(p, id)
    if (sha === undefined && id.size >= RECORD_MIN_BYTES) {
      const text = await readIfAny(recordOf(p))
      const e = text === undefined ? undefined : parseEntry(text, p)
      if (e !== undefined && trustedRecord(e, id, margin)) {
        sha = e.sha256
        rememberHash(p, id, sha)
      }
    }
    if (sha === undefined) {
      sha = await sha256File(p)
      const after = identityOf(await stat(p, { bigint: true }))
      // remembered only when the bytes did not change while they were read; recorded for other processes
      // only when they were already settled then
      if (sameIdentity(id, after)) {
        if (settled({ at, id }, margin, false)) await record({ path: p, at, id }, sha)
        else rememberHash(p, id, sha)
      }
    }
    return { key, size: Number(id.size), etag: sha, sha256: sha }
  }
  /**
   * Copy `localPath` to the private temporary file `tmp` and hash it in the same pass; then set its mtime to
   * before the copy began, so that any write after this one moves it (the hash record needs no racy-clean
   * wait). Returns the observation to record once `tmp` is published under its key.
   */
  const copyPrivate = async (localPath: string, tmp: string) => {
    const at = nowNs()
    const { sha256 } = await copyHashing(createReadStream(localPath, { highWaterMark: 1 << 20 }), tmp)
    const past = Number(at - 2n * margin - 1_000_000_000n) / 1e9
    // a file system that refuses to set times only costs the record (the next process hashes the object)
    const backdated = await utimes(tmp, past, past).then(
      () => true,
      () => false
    )
    return { at, sha256, backdated }
  }
  const publish = async (p: string, copied: { at: bigint; sha256: string; backdated: boolean }) => {
    const o = { path: p, at: copied.at, id: identityOf(await stat(p, { bigint: true })) }
    if (copied.backdated) await record(o, copied.sha256)
    else rememberHash(p, o.id, copied.sha256)
  }
  const atomicWrite = async (p: string, write: (tmp: string) => Promise<void>) => {
    await mkdir(dirname(p), { recursive: true })
    const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
    await write(tmp)
    await rename(tmp, p)
  }
  return {
    putFile: (key, localPath) =>
      Effect.flatMap(pathOf("put", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            let copied = { at: 0n, sha256: "", backdated: false }
            await atomicWrite(p, async (tmp) => {
              copied = await copyPrivate(localPath, tmp)
            })
            await publish(p, copied)
            return objectAt(key, p)
          },
          catch: (e) => fail("put", key, e)
        })
      ),
    putFileOnce: (key, localPath) =>
      Effect.flatMap(pathOf("put", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(p), { recursive: true })
            // a taken key is answered without copying the file first (a replay of a 200 MB file)
            if ((await stat(p).catch(() => undefined)) !== undefined)
              return { object: await objectAt(key, p), created: false }
            const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
            try {
              // copied and hashed in one pass
              const copied = await copyPrivate(localPath, tmp)
              // link fails with EEXIST when the key is taken, and never shows a half-written file
              await link(tmp, p)
              await publish(p, copied)
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
              return { object: await objectAt(key, p), created: false }
            } finally {
              await rm(tmp, { force: true })
            }
            return { object: await objectAt(key, p), created: true }
          },
          catch: (e) => fail("put", key, e)
        })
      ),
    putText: (key, text) =>
      Effect.flatMap(pathOf("put", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            await atomicWrite(p, (tmp) => writeFile(tmp, text))
            return objectAt(key, p)
          },
          catch: (e) => fail("put", key, e)
        })
      ),
    getText: (key) =>
      Effect.flatMap(pathOf("get", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            try {
              return Option.some(await readFile(p, "utf8"))
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOENT") return Option.none()
              throw e
            }
          },
          catch: (e) => fail("get", key, e)
        })
      ),
    download: (key, localPath) =>
      Effect.flatMap(pathOf("get", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(localPath), { recursive: true })
            // a hard link when the archive shares the file system: no second copy of a large file on the
            // scratch disk (archive files are replaced by rename, never changed in place); a copy otherwise
            await rm(localPath, { force: true })
            await link(p, localPath).catch(() => copyFile(p, localPath))
            return objectAt(key, p)
          },
          catch: (e) => fail("get", key, e)
        })
      ),
    head: (key) =>
      Effect.flatMap(pathOf("head", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            try {
              return Option.some(await objectAt(key, p))
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOENT") return Option.none()
              throw e
            }
          },
          catch: (e) => fail("head", key, e)
        })
      ),
    readStart: (key, bytes) =>
      Effect.flatMap(pathOf("get", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            const fh = await open(p, "r")
            try {
              const buf = Buffer.alloc(bytes)
              const { bytesRead } = await fh.read(buf, 0, bytes, 0)
              return new Uint8Array(buf.subarray(0, bytesRead))
            } finally {
              await fh.close()
            }
          },
          catch: (e) => fail("get", key, e)
        })
      ),
    list: (prefix) =>
      Effect.tryPromise({
        try: async () => {
          const out: Array<RawObject> = []
          const walk = async (dir: string): Promise<void> => {
            let entries: Array<import("node:fs").Dirent>
            try {
              entries = await readdir(dir, { withFileTypes: true })
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOENT") return
              throw e
            }
            for (const ent of entries) {
              const p = join(dir, ent.name)
              if (dir === root && ent.name === HASHES) continue
              if (ent.isDirectory()) await walk(p)
              else if (!ent.name.includes(".tmp-")) {
                const key = relative(root, p).split(sep).join("/")
                // listing stats files but does not hash them (as S3's list): `head` gives the sha256
                if (key.startsWith(prefix))
                  out.push({ key, size: (await stat(p)).size, etag: "", sha256: "" })
              }
            }
          }
          // start at the deepest folder the prefix names, not at the archive root
          const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : ""
          await walk(validKey(folder) ? join(root, ...folder.split("/")) : root)
          return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        },
        catch: (e) => fail("list", prefix, e)
      }),
    remove: (key) =>
      Effect.flatMap(pathOf("remove", key), (p) =>
        Effect.tryPromise({
          try: async () => {
            await rm(p, { force: true })
            await rm(recordOf(p), { force: true })
          },
          catch: (e) => fail("remove", key, e)
        })
      )
  }
}

/** Layer: the local-folder archive rooted at `root`. */
export const layerFileSystem = (root: string): Layer.Layer<RawArchive> =>
  Layer.succeed(RawArchive, makeFileSystem(root))
