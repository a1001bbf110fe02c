import { createReadStream } from "node:fs"
import { mkdir, stat } from "node:fs/promises"
import { dirname } from "node:path"
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig
} from "@aws-sdk/client-s3"
import { Effect, Layer, Option } from "effect"
import { sha256File } from "./FileHashes"
import { copyHashing, RawArchive, RawArchiveError, type RawArchiveShape, type RawObject } from "./RawArchive"

export interface RawArchiveS3Options {
  readonly bucket: string
  /** Optional key prefix inside the bucket (no trailing slash). */
  readonly prefix?: string
  /** S3 client config; endpoint/region come from the standard AWS_* variables when omitted. */
  readonly client?: S3ClientConfig
}

const SHA_META = "sha256"

const s3fail = (op: string, key: string, e: unknown) => {
  const name = (e as { name?: string })?.name ?? ""
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0
  return new RawArchiveError({
    op,
    key,
    reason:
      name === "NoSuchKey" || name === "NotFound" || status === 404
        ? "NotFound"
        : status >= 500 ||
            status === 429 ||
            /SlowDown|Throttl|Timeout|ECONN|socket/i.test(`${name} ${String(e)}`)
          ? "Unavailable"
          : "Unknown",
    detail: e instanceof Error ? e.message : String(e)
  })
}

/** The S3 archive. Objects carry their sha256 as user metadata so heads are cheap. */
export const makeS3 = (options: RawArchiveS3Options): RawArchiveShape => {
  const client = new S3Client({ forcePathStyle: true, ...options.client })
  const full = (key: string) => (options.prefix ? `${options.prefix}/${key}` : key)
  const strip = (k: string) =>
    options.prefix && k.startsWith(`${options.prefix}/`) ? k.slice(options.prefix.length + 1) : k
  const head = async (key: string): Promise<Option.Option<RawObject>> => {
    try {
      const h = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: full(key) }))
      const etag = (h.ETag ?? "").replaceAll('"', "")
      return Option.some({ key, size: h.ContentLength ?? 0, etag, sha256: h.Metadata?.[SHA_META] ?? "" })
    } catch (e) {
      const err = s3fail("head", key, e)
      if (err.reason === "NotFound") return Option.none()
      throw e
    }
  }
  /** Upload a local file with its sha256 in the metadata; `once`: refuse to replace an existing object. */
  const uploadFile = async (key: string, localPath: string, once: boolean) => {
    const [sha, s] = await Promise.all([sha256File(localPath), stat(localPath)])
    const r = await client.send(
      new PutObjectCommand({
        Bucket: options.bucket,
        Key: full(key),
        Body: createReadStream(localPath),
        ContentLength: s.size,
        Metadata: { [SHA_META]: sha },
        // S3 refuses to replace an existing object (412); s3rver ignores the header (putFileOnce heads first)
        ...(once ? { IfNoneMatch: "*" } : {})
      })
    )
    return { key, size: s.size, etag: (r.ETag ?? "").replaceAll('"', ""), sha256: sha }
  }
  return {
    putFile: (key, localPath) =>
      Effect.tryPromise({
        try: () => uploadFile(key, localPath, false),
        catch: (e) => s3fail("put", key, e)
      }),
    putFileOnce: (key, localPath) =>
      Effect.tryPromise({
        try: async () => {
          const existing = await head(key)
          if (Option.isSome(existing)) return { object: existing.value, created: false }
          try {
            return { object: await uploadFile(key, localPath, true), created: true }
          } catch (e) {
            const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
            if (status !== 412 && status !== 409) throw e
            const now = await head(key)
            if (Option.isNone(now)) throw e
            return { object: now.value, created: false }
          }
        },
        catch: (e) => s3fail("put", key, e)
      }),
    putText: (key, text) =>
      Effect.tryPromise({
        try: async () => {
          const { createHash } = await import("node:crypto")
          const sha = createHash("sha256").update(text).digest("hex")
          const r = await client.send(
            new PutObjectCommand({
              Bucket: options.bucket,
              Key: full(key),
              Body: text,
              Metadata: { [SHA_META]: sha }
            })
          )
          return { key, size: Buffer.byteLength(text), etag: (r.ETag ?? "").replaceAll('"', ""), sha256: sha }
        },
        catch: (e) => s3fail("put", key, e)
      }),
    getText: (key) =>
      Effect.tryPromise({
        try: async () => {
          try {
            const r = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: full(key) }))
            return Option.some(await r.Body!.transformToString("utf8"))
          } catch (e) {
            if (s3fail("get", key, e).reason === "NotFound") return Option.none()
            throw e
          }
        },
        catch: (e) => s3fail("get", key, e)
      }),
    download: (key, localPath) =>
      Effect.tryPromise({
        try: async () => {
          const r = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: full(key) }))
          await mkdir(dirname(localPath), { recursive: true })
          // written and hashed in one pass
          const { sha256: sha } = await copyHashing(r.Body as NodeJS.ReadableStream, localPath)
          return { key, size: r.ContentLength ?? 0, etag: (r.ETag ?? "").replaceAll('"', ""), sha256: sha }
        },
        catch: (e) => s3fail("get", key, e)
      }),
    head: (key) => Effect.tryPromise({ try: () => head(key), catch: (e) => s3fail("head", key, e) }),
    readStart: (key, bytes) =>
      Effect.tryPromise({
        try: async () => {
          const r = await client.send(
            new GetObjectCommand({
              Bucket: options.bucket,
              Key: full(key),
              Range: `bytes=0-${Math.max(bytes - 1, 0)}`
            })
          )
          return await r.Body!.transformToByteArray()
        },
        catch: (e) => s3fail("get", key, e)
      }),
    list: (prefix) =>
      Effect.tryPromise({
        try: async () => {
          const out: Array<RawObject> = []
          let token: string | undefined
          do {
            const r = await client.send(
              new ListObjectsV2Command({
                Bucket: options.bucket,
                Prefix: full(prefix),
                ContinuationToken: token
              })
            )
            for (const o of r.Contents ?? []) {
              out.push({
                key: strip(o.Key ?? ""),
                size: o.Size ?? 0,
                etag: (o.ETag ?? "").replaceAll('"', ""),
                sha256: ""
              })
            }
            token = r.IsTruncated ? r.NextContinuationToken : undefined
          } while (token !== undefined)
          return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        },
        catch: (e) => s3fail("list", prefix, e)
      }),
    remove: (key) =>
      Effect.tryPromise({
        try: async () => {
          await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: full(key) }))
        },
        catch: (e) => s3fail("remove", key, e)
      })
  }
}

/** Layer: the S3 archive. */
export const layer = (options: RawArchiveS3Options): Layer.Layer<RawArchive> =>
  Layer.succeed(RawArchive, makeS3(options))

/**
 * S3 lifecycle for the raw archive: bronze objects move to Intelligent-Tiering at once (raw files are
 * read on ingest and rarely after), incomplete multipart uploads are cleaned up, rejects expire.
 */
export const bronzeLifecycleConfiguration = (prefix = "") => {
  const p = prefix ? `${prefix}/` : ""
  return {
    Rules: [
      {
        ID: "bronze-intelligent-tiering",
        Status: "Enabled",
        Filter: { Prefix: `${p}bronze/` },
        Transitions: [{ Days: 0, StorageClass: "INTELLIGENT_TIERING" }],
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }
      },
      {
        ID: "rejects-expire",
        Status: "Enabled",
        Filter: { Prefix: `${p}rejects/` },
        Expiration: { Days: 365 }
      }
    ]
  }
}

/** Intelligent-Tiering archive tiers for bronze (objects untouched for 90/180 days move to archive tiers). */
export const bronzeIntelligentTieringConfiguration = (prefix = "") => ({
  Id: "bronze-archive-tiers",
  Status: "Enabled",
  Filter: { Prefix: `${prefix ? `${prefix}/` : ""}bronze/` },
  Tierings: [
    { Days: 90, AccessTier: "ARCHIVE_ACCESS" },
    { Days: 180, AccessTier: "DEEP_ARCHIVE_ACCESS" }
  ]
})

/**
 * Apply the bronze lifecycle and Intelligent-Tiering configurations to a bucket (the `ventureos bronze
 * lifecycle --apply` setup step). Idempotent: S3 replaces both configurations.
 */
export const applyBronzeLifecycle = async (options: RawArchiveS3Options): Promise<void> => {
  const { PutBucketLifecycleConfigurationCommand, PutBucketIntelligentTieringConfigurationCommand } =
    await import("@aws-sdk/client-s3")
  const client = new S3Client({ forcePathStyle: true, ...options.client })
  try {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: options.bucket,
        LifecycleConfiguration: bronzeLifecycleConfiguration(options.prefix) as never
      })
    )
    const tiering = bronzeIntelligentTieringConfiguration(options.prefix)
    await client.send(
      new PutBucketIntelligentTieringConfigurationCommand({
        Bucket: options.bucket,
        Id: tiering.Id,
        IntelligentTieringConfiguration: tiering as never
      })
    )
  } finally {
    client.destroy()
  }
}
