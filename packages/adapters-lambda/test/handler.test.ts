import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { makeMemory, Warehouse, WarehouseError, type WarehouseShape } from "@ventureos/pipeline"
import { layerFileSystem, makeFileSystem } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeIngestHandler } from "../src/IngestHandler"

const FIX = join(import.meta.dirname, "..", "..", "pipeline", "test", "fixtures")
const registry = makeRegistry([oshaPlugin])
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-lambda-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const s3Event = async (key: string) => {
  const e = JSON.parse(await readFile(join(import.meta.dirname, "events", "s3-put.json"), "utf8"))
  e.Records[0].s3.object.key = key
  return e
}
const sqs = (bodies: ReadonlyArray<[string, unknown]>) => ({
  Records: bodies.map(([id, body]) => ({
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "1767355200000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1767355200001"
    },
    messageAttributes: {},
    md5OfBody: "x",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:ventureos-ingest",
    awsRegion: "us-east-1"
  }))
})

const V = "bronze/daily/osha/2026/01/02/osha_violation.csv"
const I = "bronze/daily/osha/2026/01/02/osha_inspection.csv"

const seed = async (lake: string) => {
  const a = makeFileSystem(lake)
  await Effect.runPromise(a.putFile(I, join(FIX, "osha_inspection.csv")))
  await Effect.runPromise(a.putFile(V, join(FIX, "osha_violation.csv")))
}

describe("ingest Lambda handler", () => {
  it("processes S3 events through SQS, is a no-op on redelivery, and reports partial batch failures", async () => {
    const lake = join(dir, "lake")
    await seed(lake)
    const wh = makeMemory()
    let failing = false
    const flaky: WarehouseShape = {
      ...wh,
      silverHead: (a) =>
        failing
          ? Effect.fail(
              new WarehouseError({ op: "head", table: a, reason: "Unavailable", detail: "throttled" })
            )
          : wh.silverHead(a)
    }
    const handler = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(layerFileSystem(lake), Layer.succeed(Warehouse, flaky))
    })
    // keys arrive URL-encoded; a space-free key is unchanged
    const r1 = await handler(
      sqs([
        ["m1", await s3Event(V)],
        ["m2", await s3Event(V)],
        ["m3", "not json"],
        ["m4", { Event: "s3:TestEvent", Bucket: "b" }]
      ])
    )
    expect(r1).toEqual({ batchItemFailures: [] })
    expect(
      await Effect.runPromise(wh.silverLookup("osha", ["osha:osha_violation:119948990-01005"]))
    ).toHaveProperty("size", 1)
    const head = await Effect.runPromise(wh.silverHead("osha"))
    // the inspection file arriving (again) re-triggers its records batch: already complete, nothing written
    await handler(sqs([["m5", await s3Event(I)]]))
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBe(head)

    failing = true
    const r2 = await handler(sqs([["m6", await s3Event(V.replace("01/02", "01/03"))]]))
    // the object does not exist under that key: not retryable, acknowledged
    expect(r2).toEqual({ batchItemFailures: [] })
    await Effect.runPromise(
      makeFileSystem(lake).putFile(V.replace("01/02", "01/05"), join(FIX, "osha_violation.csv"))
    )
    await Effect.runPromise(
      makeFileSystem(lake).putFile(I.replace("01/02", "01/05"), join(FIX, "osha_inspection.csv"))
    )
    const r3 = await handler(sqs([["m7", await s3Event(V.replace("01/02", "01/05"))]]))
    expect(r3).toEqual({ batchItemFailures: [{ itemIdentifier: "m7" }] })
  })

  it("handles a direct S3 invocation and throws on infrastructure failure so Lambda retries", async () => {
    const lake = join(dir, "lake")
    await seed(lake)
    const wh = makeMemory()
    const down: WarehouseShape = {
      ...makeMemory(),
      silverCommit: () =>
        Effect.fail(
          new WarehouseError({ op: "commit", table: "silver.osha", reason: "Unavailable", detail: "503" })
        )
    }
    const ok = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(layerFileSystem(lake), Layer.succeed(Warehouse, wh))
    })
    expect(await ok(await s3Event(V))).toEqual({ processed: 1 })
    const bad = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(layerFileSystem(join(dir, "lake2")), Layer.succeed(Warehouse, down))
    })
    await seed(join(dir, "lake2"))
    await expect(bad(await s3Event(V))).rejects.toThrow(/ingest of .* failed/)
    await expect(ok({ hello: "world" })).rejects.toThrow(/unsupported event/)
  })
})
