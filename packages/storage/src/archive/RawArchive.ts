import { createHash } from "node:crypto"
import { createReadStream, createWriteStream, type Stats } from "node:fs"
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
import { type Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { Context, Effect, Layer, Option, Schema } from "effect"

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

const validKey = (key: string): boolean =>
  key.length > 0 &&
  key.length <= 1024 &&
  !key.startsWith("/") &&
  !key.split("/").some((p) => p === ".." || p === "." || p === "")

/** sha256 of a local file, streamed. */
export const sha256File = (path: string): Promise<string> =>
  new Promise((res, rej) => {
    const h = createHash("sha256")
    createReadStream(path)
      .on("data", (c) => h.update(c))
      .on("error", rej)
      .on("end", () => res(h.digest("hex")))
  })

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

/**
 * The sha256 of archive files this process wrote or hashed, by path, trusted while the file's size, mtime and
 * inode are unchanged (archive writes replace files by rename, never in place): a batch's `head` and
 * `download` after `putFile` no longer hash the whole file again.
 */
const knownHashes = new Map<
  string,
  { readonly size: number; readonly mtimeMs: number; readonly ino: number; readonly sha256: string }
>()
const rememberHash = (p: string, s: Stats, sha256: string) => {
  if (knownHashes.size >= 10_000) knownHashes.clear()
  knownHashes.set(p, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, sha256 })
}
const knownHash = (p: string, s: Stats): string | undefined => {
  const k = knownHashes.get(p)
  return k !== undefined && k.size === s.size && k.mtimeMs === s.mtimeMs && k.ino === s.ino
    ? k.sha256
    : undefined
}

const fail = (op: string, key: string, e: unknown) =>
  new RawArchiveError({
    op,
    key,
    reason: (e as NodeJS.ErrnoException)?.code === "ENOENT" ? "NotFound" : "Unknown",
    detail: e instanceof Error ? e.message : String(e)
  })

/** The local-folder archive (keys map to paths under `root`; writes are atomic via rename). */
export const makeFileSystem = (root: string): RawArchiveShape => {
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
  const objectAt = async (key: string, p: string): Promise<RawObject> => {
    const s = await stat(p)
    let sha = knownHash(p, s)
    if (sha === undefined) {
      sha = await sha256File(p)
      rememberHash(p, s, sha)
    }
    return { key, size: s.size, etag: sha, sha256: sha }
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
            let sha = ""
            await atomicWrite(p, async (tmp) => {
              sha = (await copyHashing(createReadStream(localPath, { highWaterMark: 1 << 20 }), tmp)).sha256
            })
            rememberHash(p, await stat(p), sha)
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
              const { sha256 } = await copyHashing(
                createReadStream(localPath, { highWaterMark: 1 << 20 }),
                tmp
              )
              // link fails with EEXIST when the key is taken, and never shows a half-written file
              await link(tmp, p)
              rememberHash(p, await stat(p), sha256)
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
        Effect.tryPromise({ try: () => rm(p, { force: true }), catch: (e) => fail("remove", key, e) })
      )
  }
}

/** Layer: the local-folder archive rooted at `root`. */
export const layerFileSystem = (root: string): Layer.Layer<RawArchive> =>
  Layer.succeed(RawArchive, makeFileSystem(root))
