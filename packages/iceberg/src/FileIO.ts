import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Context, Effect, Layer, Schema } from "effect"

/** Why a file operation failed. `Unavailable` (throttling, 5xx, network) is worth retrying. */
export const FileIOFailure = Schema.Literals([
  "NotFound",
  "AlreadyExists",
  "Io",
  "Unavailable",
  "Unsupported"
])
export type FileIOFailure = typeof FileIOFailure.Type

/** The one error of the FileIO port. */
export class FileIOError extends Schema.TaggedError<FileIOError>()("FileIOError", {
  reason: FileIOFailure,
  path: Schema.String,
  detail: Schema.String
}) {
  /** Retry policy in one line: `Effect.retry({ while: (e) => e.isRetryable })`. */
  get isRetryable(): boolean {
    return this.reason === "Unavailable"
  }
  override get message(): string {
    return `${this.path}: ${this.reason}: ${this.detail}`
  }
}

/** A file listed under a prefix. */
export interface FileInfo {
  readonly path: string
  readonly size: number
  readonly lastModifiedMs: number
}

/** Byte storage for table files, addressed by URI (`file:///…`, `s3://bucket/key`). */
export interface FileIOShape {
  readonly read: (path: string) => Effect.Effect<Uint8Array, FileIOError>
  /** Write a whole object (overwrites). */
  readonly write: (path: string, bytes: Uint8Array) => Effect.Effect<void, FileIOError>
  /** Move a local file (e.g. written by DuckDB) to `path`; the local file may be consumed. */
  readonly upload: (localFile: string, path: string) => Effect.Effect<void, FileIOError>
  readonly exists: (path: string) => Effect.Effect<boolean, FileIOError>
  /** Delete; a missing file is not an error. */
  readonly delete: (path: string) => Effect.Effect<void, FileIOError>
  /** Every file below a directory/prefix URI. */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<FileInfo>, FileIOError>
  /** A local filesystem path holding the file's bytes (downloaded and cached for remote stores). */
  readonly localPath: (path: string) => Effect.Effect<string, FileIOError>
  /** The local directory behind a location, when the store is the local filesystem (DuckDB writes there). */
  readonly localDirectory: (location: string) => string | undefined
}

/** Byte storage port. */
export class FileIO extends Context.Service<FileIO, FileIOShape>()("@ventureos/iceberg/FileIO") {}

/** Local path of a `file:` URI or plain absolute path; undefined for other schemes. */
export const toLocalPath = (uri: string): string | undefined => {
  if (uri.startsWith("file:"))
    return fileURLToPath(uri.startsWith("file://") ? uri : `file://${uri.slice(5)}`)
  if (uri.startsWith("/")) return uri
  return undefined
}

/** `file:///abs` URI of a local path. */
export const toFileUri = (p: string): string => pathToFileURL(path.resolve(p)).href

const codeOf = (e: unknown): string | undefined => (e as { code?: string } | null)?.code

/** Map a Node fs error to a FileIOError naming the file. */
export const fsError = (p: string, e: unknown): FileIOError =>
  new FileIOError({
    reason:
      codeOf(e) === "ENOENT"
        ? "NotFound"
        : codeOf(e) === "EEXIST"
          ? "AlreadyExists"
          : codeOf(e) === "EMFILE" || codeOf(e) === "EAGAIN" || codeOf(e) === "EBUSY"
            ? "Unavailable"
            : "Io",
    path: p,
    detail: (e as Error)?.message ?? String(e)
  })

const local = (uri: string): Effect.Effect<string, FileIOError> => {
  const p = toLocalPath(uri)
  return p === undefined
    ? Effect.fail(new FileIOError({ reason: "Unsupported", path: uri, detail: "not a local file URI" }))
    : Effect.succeed(p)
}

const tryFs = <A>(p: string, f: () => Promise<A>): Effect.Effect<A, FileIOError> =>
  Effect.tryPromise({ try: f, catch: (e) => fsError(p, e) })

/** Write bytes atomically (temp file + rename) so a crash never leaves a torn file. */
export const writeFileAtomic = async (p: string, bytes: Uint8Array | string): Promise<void> => {
  await fs.mkdir(path.dirname(p), { recursive: true })
  const tmp = path.join(path.dirname(p), `.${path.basename(p)}.${randomUUID()}.tmp`)
  await fs.writeFile(tmp, bytes)
  await fs.rename(tmp, p)
}

const walk = async (dir: string, out: Array<FileInfo>): Promise<void> => {
  let entries: Array<import("node:fs").Dirent>
  try {
    entries = await fs.readdir(dir, { withFileTypes: true })
  } catch (e) {
    if (codeOf(e) === "ENOENT") return
    throw e
  }
  for (const e of entries) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) await walk(p, out)
    else if (e.isFile()) {
      const st = await fs.stat(p)
      out.push({ path: toFileUri(p), size: st.size, lastModifiedMs: st.mtimeMs })
    }
  }
}

/** The local filesystem implementation (accepts `file:` URIs and absolute paths). */
export const makeLocal = (): FileIOShape => ({
  read: (uri) =>
    Effect.flatMap(local(uri), (p) => tryFs(p, () => fs.readFile(p).then((b) => new Uint8Array(b)))),
  write: (uri, bytes) => Effect.flatMap(local(uri), (p) => tryFs(p, () => writeFileAtomic(p, bytes))),
  upload: (file, uri) =>
    Effect.flatMap(local(uri), (p) =>
      tryFs(p, async () => {
        if (path.resolve(file) === path.resolve(p)) return
        await fs.mkdir(path.dirname(p), { recursive: true })
        await fs.rename(file, p).catch(async (e) => {
          if (codeOf(e) !== "EXDEV") throw e
          await fs.copyFile(file, p)
        })
      })
    ),
  exists: (uri) =>
    Effect.flatMap(local(uri), (p) =>
      tryFs(p, () =>
        fs.stat(p).then(
          () => true,
          (e) => (codeOf(e) === "ENOENT" ? false : Promise.reject(e))
        )
      )
    ),
  delete: (uri) =>
    Effect.flatMap(local(uri), (p) =>
      tryFs(p, () => fs.rm(p, { force: true }).then(() => removeEmptyParents(p)))
    ),
  list: (uri) =>
    Effect.flatMap(local(uri), (p) =>
      tryFs(p, async () => {
        const out: Array<FileInfo> = []
        await walk(p, out)
        return out
      })
    ),
  localPath: (uri) => local(uri),
  localDirectory: (uri) => toLocalPath(uri)
})

const removeEmptyParents = async (p: string): Promise<void> => {
  // keep data directories tidy after orphan cleanup; stop at the first non-empty directory
  let dir = path.dirname(p)
  for (let i = 0; i < 3; i++) {
    try {
      await fs.rmdir(dir)
    } catch {
      return
    }
    dir = path.dirname(dir)
  }
}

/** FileIO over the local filesystem (the default for a local warehouse). */
export const layerLocal: Layer.Layer<FileIO> = Layer.succeed(FileIO, makeLocal())
