import { createHash } from "node:crypto"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { ingestObject, makeMemory, Warehouse } from "@ventureos/pipeline"
import { RawArchive } from "@ventureos/storage/archive"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import { Effect, Layer, Option } from "effect"
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * Issue 15 #2 on the S3 event path: objects uploaded to the raw bucket by someone else carry no sha256
 * metadata, so a batch is named after their ETag. A new upload under the same key (a correction) is a new
 * batch, never a replay of the old one; the redelivered event of the same upload is a replay with zero counts;
 * the manifest names the sha256 of the bytes processed.
 */
const FIX = join(import.meta.dirname, "..", "..", "pipeline", "test", "fixtures")
const BUCKET = "raw"
const KEY = "bronze/daily/osha/2026/01/02/osha_violation.csv"
let dir: string
let server: S3rver
let client: S3Client
let layer: Layer.Layer<RawArchive | Warehouse>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-replay-s3-"))
  server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: BUCKET, configs: [] }]
  })
  const config = {
    endpoint: `http://127.0.0.1:${(await server.run()).port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
  }
  client = new S3Client(config)
  layer = Layer.merge(archiveS3({ bucket: BUCKET, client: config }), Layer.succeed(Warehouse, makeMemory()))
})
afterAll(async () => {
  client.destroy()
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const upload = (key: string, body: Buffer) =>
  client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
const ingest = (key: string) =>
  Effect.runPromise(
    ingestObject(key, { registry: makeRegistry([oshaPlugin]) }).pipe(Effect.provide(layer))
  ).then((r) => r.results[0]!)

describe("uploads by others to the raw bucket (no sha256 metadata)", () => {
  it("a corrected upload under the same key is a new batch; its redelivery is a replay with zero counts", async () => {
    const v1 = await readFile(join(FIX, "osha_violation.csv"))
    const [header, first, ...rest] = v1.toString("utf8").split("\n")
    const v2 = Buffer.from([header, first!.replace(",X,150,150,", ",X,999,150,"), ...rest].join("\n"))
    await upload(
      "bronze/daily/osha/2026/01/02/osha_inspection.csv",
      await readFile(join(FIX, "osha_inspection.csv"))
    )
    await upload(KEY, v1)
    expect(await ingest(KEY)).toMatchObject({ status: "ingested", inserted: 40 })
    await upload(KEY, v2)
    const corrected = await ingest(KEY)
    expect(corrected, "a new upload is not a replay").toMatchObject({
      status: "ingested",
      updated: 1,
      inserted: 0
    })
    const again = await ingest(KEY)
    expect(again).toMatchObject({
      status: "replayed",
      rows: 0,
      accepted: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0
    })
    const manifest = await Effect.runPromise(
      Effect.flatMap(RawArchive, (a) => a.getText(corrected.manifestKey)).pipe(Effect.provide(layer))
    )
    const m = JSON.parse(Option.getOrThrow(manifest)) as { keys: Array<{ key: string; sha256: string }> }
    expect(m.keys.find((k) => k.key === KEY)?.sha256).toBe(createHash("sha256").update(v2).digest("hex"))
  })
})
