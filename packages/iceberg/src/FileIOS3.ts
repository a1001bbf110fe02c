import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand
} from "@aws-sdk/client-s3"
import { Effect, Layer } from "effect"
import { type FileInfo, FileIO, FileIOError, type FileIOShape, makeLocal, toLocalPath } from "./FileIO"

/** Options of the S3 FileIO. The SDK reads `AWS_REGION` and `AWS_ENDPOINT_URL_S3` itself. */
export interface S3FileIOOptions {
  readonly client?: S3Client
  readonly clientConfig?: S3ClientConfig
  /** Where downloaded files are cached for DuckDB (files are immutable, so the cache never goes stale). */
  readonly cacheDir?: string
  /** Uploads at least this large use multipart upload (default 16 MiB). */
  readonly multipartThresholdBytes?: number
  /** Multipart part size (default 8 MiB; S3 requires >= 5 MiB except the last part). */
  readonly partSizeBytes?: number
}

const parse = (uri: string): { bucket: string; key: string } | undefined => {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri)
  return m ? { bucket: m[1]!, key: m[2]! } : undefined
}

const status = (e: unknown): number | undefined =>
  (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode

const s3Error = (uri: string, e: unknown): FileIOError => {
  const code = status(e)
  const name = (e as { name?: string })?.name ?? ""
  const reason =
    code === 404 || name === "NoSuchKey" || name === "NotFound"
      ? "NotFound"
      : code === undefined ||
          code >= 500 ||
          code === 429 ||
          /Throttl|SlowDown|Timeout|ECONN|socket/i.test(name)
        ? "Unavailable"
        : "Io"
  return new FileIOError({ reason, path: uri, detail: `${name}: ${(e as Error)?.message ?? String(e)}` })
}

/** Make an S3 FileIO (`s3://bucket/key`); `file:` URIs are served by the local implementation. */
export const make = (options: S3FileIOOptions = {}): FileIOShape => {
  const client = options.client ?? new S3Client(options.clientConfig ?? {})
  const local = makeLocal()
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), "ventureos-s3-cache")
  const threshold = options.multipartThresholdBytes ?? 16 * 1024 * 1024
  const partSize = Math.max(5 * 1024 * 1024, options.partSizeBytes ?? 8 * 1024 * 1024)

  const withS3 = <A>(
    uri: string,
    f: (loc: { bucket: string; key: string }) => Promise<A>,
    fallback: () => Effect.Effect<A, FileIOError>
  ) => {
    const loc = parse(uri)
    if (loc === undefined) return fallback()
    return Effect.tryPromise({ try: () => f(loc), catch: (e) => s3Error(uri, e) })
  }

  const multipart = async (loc: { bucket: string; key: string }, file: string, size: number) => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key })
    )
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = []
      const fh = await fs.open(file, "r")
      try {
        for (let n = 1, off = 0; off < size; n++, off += partSize) {
          const len = Math.min(partSize, size - off)
          const buf = Buffer.alloc(len)
          await fh.read(buf, 0, len, off)
          const r = await client.send(
            new UploadPartCommand({ Bucket: loc.bucket, Key: loc.key, UploadId, PartNumber: n, Body: buf })
          )
          parts.push({ ETag: r.ETag!, PartNumber: n })
        }
      } finally {
        await fh.close()
      }
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: loc.bucket,
          Key: loc.key,
          UploadId,
          MultipartUpload: { Parts: parts }
        })
      )
    } catch (e) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId }))
        .catch(() => undefined)
      throw e
    }
  }

  return {
    read: (uri) =>
      withS3(
        uri,
        async (loc) => {
          const r = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }))
          return await r.Body!.transformToByteArray()
        },
        () => local.read(uri)
      ),
    write: (uri, bytes) =>
      withS3(
        uri,
        async (loc) =>
          void (await client.send(new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: bytes }))),
        () => local.write(uri, bytes)
      ),
    upload: (file, uri) =>
      withS3(
        uri,
        async (loc) => {
          const { size } = await fs.stat(file)
          if (size >= threshold) await multipart(loc, file, size)
          else
            await client.send(
              new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: await fs.readFile(file) })
            )
          await fs.rm(file, { force: true })
        },
        () => local.upload(file, uri)
      ),
    exists: (uri) =>
      withS3(
        uri,
        (loc) =>
          client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key })).then(
            () => true,
            (e) => (status(e) === 404 ? false : Promise.reject(e))
          ),
        () => local.exists(uri)
      ),
    delete: (uri) =>
      withS3(
        uri,
        async (loc) =>
          void (await client.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }))),
        () => local.delete(uri)
      ),
    list: (uri) =>
      withS3(
        uri,
        async (loc) => {
          const out: Array<FileInfo> = []
          const prefix = loc.key === "" || loc.key.endsWith("/") ? loc.key : `${loc.key}/`
          let token: string | undefined
          do {
            const r = await client.send(
              new ListObjectsV2Command({
                Bucket: loc.bucket,
                Prefix: prefix,
                ...(token ? { ContinuationToken: token } : {})
              })
            )
            for (const o of r.Contents ?? [])
              out.push({
                path: `s3://${loc.bucket}/${o.Key}`,
                size: o.Size ?? 0,
                lastModifiedMs: o.LastModified?.getTime() ?? 0
              })
            token = r.IsTruncated ? r.NextContinuationToken : undefined
          } while (token)
          return out
        },
        () => local.list(uri)
      ),
    localPath: (uri) =>
      withS3(
        uri,
        async (loc) => {
          const ext = path.extname(loc.key)
          const file = path.join(cacheDir, `${createHash("sha256").update(uri).digest("hex")}${ext}`)
          try {
            await fs.access(file)
            return file
          } catch {
            const r = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }))
            const bytes = await r.Body!.transformToByteArray()
            await fs.mkdir(cacheDir, { recursive: true })
            const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
            await fs.writeFile(tmp, bytes)
            await fs.rename(tmp, file)
            return file
          }
        },
        () => local.localPath(uri)
      ),
    localDirectory: (uri) => (parse(uri) === undefined ? toLocalPath(uri) : undefined)
  }
}

/** FileIO on S3 (and local files). */
export const layer = (options: S3FileIOOptions = {}): Layer.Layer<FileIO> =>
  Layer.sync(FileIO, () => make(options))
