import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import {
  layerLocal,
  makeMemory,
  pendingServing,
  totalsToStats,
  Warehouse,
  type WarehouseShape
} from "@ventureos/pipeline"
import { ServingStore, type ServingStoreShape } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { RawArchive } from "@ventureos/storage/archive"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import { Effect, Exit, Layer, ManagedRuntime, Option, Scope } from "effect"
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeIngestHandler } from "../src/IngestHandler"

/**
 * The ingest Lambda finishes the serving work after the lake commits (the outbox), on real components:
 * s3rver for the raw bucket, a filesystem Iceberg warehouse, dynalite for the serving tables, whose names
 * come from `VENTUREOS_TABLE_PREFIX` as the CDK stack sets it. Also: each event source's key encoding.
 */
const FIX = join(import.meta.dirname, "..", "..", "pipeline", "test", "fixtures")
const registry = makeRegistry([oshaPlugin])
const QUEUE = "arn:aws:sqs:us-east-1:111122223333:ventureos-dev-ingest.fifo"
const scope = Effect.runSync(Scope.make())
const saved = { ...process.env }
let dir: string
let s3rver: S3rver
let endpoint: string
let dynamoEndpoint: string
/** S3-notification-shaped events s3rver emits per write (its keys are not URL-encoded, unlike AWS's). */
const written: Array<{ Records: Array<{ s3: { bucket: { name: string }; object: { key: string } } }> }> = []

const clientConfig = () => ({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
})

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-lambda-serving-"))
  s3rver = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: ["raw-sync", "raw-fault", "raw-keys"].map((name) => ({ name, configs: [] }))
  })
  endpoint = `http://127.0.0.1:${(await s3rver.run()).port}`
  ;(s3rver as unknown as NodeJS.EventEmitter).on("event", (e: (typeof written)[number]) => written.push(e))
  const server = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  dynamoEndpoint = server.endpoint
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"]) delete process.env[k]
  process.env.AWS_ENDPOINT_URL_DYNAMODB = server.endpoint
  process.env.AWS_REGION = "us-east-1"
}, 60_000)
afterAll(async () => {
  process.env = saved
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await s3rver.close()
  await rm(dir, { recursive: true, force: true })
})

const upload = async (bucket: string, key: string, file: string) => {
  const s3 = new S3Client(clientConfig())
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(join(FIX, file)) }))
  s3.destroy()
  return written.at(-1)!
}
const sqs = (messages: ReadonlyArray<[string, unknown]>) => ({
  Records: messages.map(([messageId, body]) => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: "1", MessageGroupId: "osha" },
    messageAttributes: {},
    md5OfBody: "x",
    eventSource: "aws:sqs",
    eventSourceARN: QUEUE,
    awsRegion: "us-east-1"
  }))
})
const run = <A, E>(rt: ManagedRuntime.ManagedRuntime<never, never>, e: Effect.Effect<A, E>) =>
  rt.runPromise(e)
const noRuntime = ManagedRuntime.make(Layer.empty)
const pendingIn = (bucket: string) =>
  run(noRuntime, pendingServing.pipe(Effect.provide(archiveS3({ bucket, client: clientConfig() }))))

/** Every gold total (state, city, company; per agency) is the serving store's stats item, field by field. */
const expectStatsEqualGold = async (wh: WarehouseShape, store: ServingStoreShape) => {
  let compared = 0
  for (const kind of ["state", "city", "company"] as const) {
    const rows = (await Effect.runPromise(wh.goldTotals(kind))).filter((r) => r.violation_count > 0)
    expect(rows.length, kind).toBeGreaterThan(0)
    for (const r of rows) {
      const { source_snapshot: _s, updated_at: _u, ...want } = totalsToStats(r, "", "")
      const got = await Effect.runPromise(store.getStats(r.entity_key, r.agency))
      expect(Option.getOrUndefined(got), `${r.entity_key} ${r.agency}`).toMatchObject(want)
      compared++
    }
  }
  return compared
}

const V = "osha_violation.csv"
const I = "osha_inspection.csv"

describe("ingest Lambda: serving sync after the lake commits", () => {
  it("an ingest event leaves serving equal to gold (tables named by VENTUREOS_TABLE_PREFIX)", async () => {
    process.env.VENTUREOS_TABLE_PREFIX = "LambdaSync"
    const checker = ManagedRuntime.make(ServingStoreDynamo.layerConfig({ setup: true }))
    const store = await checker.runPromise(ServingStore)
    const rt = ManagedRuntime.make(layerLocal(join(dir, "wh-sync")))
    const wh = await rt.runPromise(Warehouse)
    const handler = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(
        archiveS3({ bucket: "raw-sync", client: clientConfig() }),
        Layer.succeed(Warehouse, wh)
      ),
      // exactly what the deployed handler (src/ingest.ts) uses
      serving: ServingStoreDynamo.layerConfig()
    })
    const folder = "bronze/daily/osha/2026/01/02/"
    const ev = [await upload("raw-sync", folder + V, V), await upload("raw-sync", folder + I, I)]
    expect(
      await handler(
        sqs([
          ["m1", ev[0]],
          ["m2", ev[1]]
        ])
      )
    ).toEqual({ batchItemFailures: [] })
    expect(await pendingIn("raw-sync")).toEqual([])
    expect(await expectStatsEqualGold(wh, store)).toBeGreaterThan(10)
    const top = await checker.runPromise(store.getTopList("national", "count"))
    expect(Option.getOrThrow(top).entries.length).toBeGreaterThan(0)
    expect((await checker.runPromise(store.getRecent("osha", 5))).length).toBe(5)
    // the state's history (per agency and year) and the search find what gold holds
    const [ca] = await Effect.runPromise(wh.goldTotals("state", ["STATE#ca"]))
    const history = Option.getOrThrow(await checker.runPromise(store.getHistory("STATE#ca")))
    expect(history.points.reduce((n, p) => n + p.violation_count, 0)).toBe(ca!.violation_count)
    const hits = await checker.runPromise(store.search("corrections"))
    expect(hits.map((h) => h.entity_key)).toContain(
      "COMPANY#calif-state-dept-corrections-prison-ind-authority"
    )
    const tables = await new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" }
    }).send(new ListTablesCommand({}))
    expect(tables.TableNames?.filter((t) => t.startsWith("LambdaSync-")).length).toBe(4)
    // a redelivery: the batch is a no-op and nothing is pending
    expect(await handler(sqs([["m3", ev[1]]]))).toEqual({ batchItemFailures: [] })
    await rt.dispose()
    await checker.dispose()
  }, 120_000)

  it("a failed serving sync fails the SQS record (and the FIFO rest of the batch), keeps the work pending, and the retry finishes it", async () => {
    // DynamoDB answering 500 to every write while `down`; reads and table setup pass
    const down = { on: true, refused: 0 }
    const client = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1
    })
    const send = client.send.bind(client) as (c: unknown, o?: unknown) => Promise<unknown>
    ;(client as unknown as { send: typeof send }).send = (command, options) => {
      const name = (command as { constructor: { name: string } }).constructor.name
      if (
        down.on &&
        /^(BatchWriteItem|PutItem|UpdateItem|DeleteItem|TransactWriteItems)Command$/.test(name)
      ) {
        down.refused++
        return Promise.reject(
          Object.assign(new Error("Internal server error"), {
            name: "InternalServerError",
            $fault: "server",
            $metadata: { httpStatusCode: 500 }
          })
        )
      }
      return send(command, options)
    }
    const servingLayer = ServingStoreDynamo.layer({ client, tablePrefix: "LambdaFault", setup: true })
    const checker = ManagedRuntime.make(ServingStoreDynamo.layer({ client, tablePrefix: "LambdaFault" }))
    const rt = ManagedRuntime.make(layerLocal(join(dir, "wh-fault")))
    const wh = await rt.runPromise(Warehouse)
    const handler = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(
        archiveS3({ bucket: "raw-fault", client: clientConfig() }),
        Layer.succeed(Warehouse, wh)
      ),
      serving: servingLayer
    })
    const folder = "bronze/daily/osha/2026/01/03/"
    // inspections alone: nothing to ingest yet (and nothing pending to sync)
    const evI = await upload("raw-fault", folder + I, I)
    expect(await handler(sqs([["m1", evI]]))).toEqual({ batchItemFailures: [] })
    const evV = await upload("raw-fault", folder + V, V)
    const errors: Array<string> = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((s: string) => {
      errors.push(String(s))
      return true
    }) as typeof process.stderr.write
    let r: unknown
    try {
      // m2: the batch commits, its sync fails; m3 is behind it in the FIFO group: not processed, failed too
      r = await handler(
        sqs([
          ["m2", evV],
          ["m3", evI]
        ])
      )
    } finally {
      process.stderr.write = write
    }
    expect(r).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m3" }] })
    expect(down.refused).toBeGreaterThan(0)
    // one JSON line naming the store's error and the pending work; no stack
    const line = errors.find((e) => e.includes("serving sync failed"))!
    expect(JSON.parse(line)).toMatchObject({ level: "error", pending: 1 })
    expect(line).toContain("InternalServerError")
    expect(line).not.toMatch(/\n\s+at /)
    // the lake is committed; serving has nothing of it; the work is pending
    expect(await Effect.runPromise(wh.silverHead("osha"))).not.toBeNull()
    expect(await pendingIn("raw-fault")).toHaveLength(1)
    const store = await checker.runPromise(ServingStore)
    expect(Option.isNone(await checker.runPromise(store.getStats("STATE#ca", "osha")))).toBe(true)

    // SQS redelivers m2: the ingest is a no-op, the sync finishes the pending work
    down.on = false
    const head = await Effect.runPromise(wh.silverHead("osha"))
    expect(await handler(sqs([["m2", evV]]))).toEqual({ batchItemFailures: [] })
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBe(head)
    expect(await pendingIn("raw-fault")).toEqual([])
    expect(await expectStatsEqualGold(wh, store)).toBeGreaterThan(10)
    client.destroy()
    await rt.dispose()
    await checker.dispose()
  }, 120_000)
})

describe("ingest Lambda: object keys as each event source encodes them", () => {
  // a space, a '+' and a '%' in one file name (S3 allows them; the archive must read exactly this key)
  const file = "osha violation+v2 100%.csv"
  /** What S3 notifications carry (documented: URL-encoded as a form, spaces as '+'; '/' left as is). */
  const formEncoded = (k: string) => encodeURIComponent(k).replace(/%20/g, "+").replace(/%2F/g, "/")
  /** A fresh day folder holding the inspections and the oddly named violations file (a completed batch is a no-op). */
  const stage = async (day: string) => {
    const folder = `bronze/daily/osha/2026/01/${day}/`
    await upload("raw-keys", `${folder}${I}`, I)
    await upload("raw-keys", `${folder}${file}`, V)
    return `${folder}${file}`
  }
  const ingestWith = async (event: unknown) => {
    const wh = makeMemory()
    const handler = makeIngestHandler({
      registry,
      layer: Layer.mergeAll(
        archiveS3({ bucket: "raw-keys", client: clientConfig() }),
        Layer.succeed(Warehouse, wh)
      )
    })
    const r = await handler(event)
    const rows = await Effect.runPromise(wh.silverLookup("osha", ["osha:osha_violation:119948990-01005"]))
    return { r, rows: rows.size }
  }
  const notification = async (key: string) => {
    const n = JSON.parse(await readFile(join(import.meta.dirname, "events", "s3-put.json"), "utf8"))
    n.Records[0].s3.bucket.name = "raw-keys"
    n.Records[0].s3.object.key = formEncoded(key)
    return n
  }
  const eventBridge = async (key: string) => {
    const e = JSON.parse(
      await readFile(join(import.meta.dirname, "events", "eventbridge-object-created.json"), "utf8")
    )
    e.detail.bucket.name = "raw-keys"
    e.detail.object.key = key
    return e
  }

  it("an S3 notification's URL-encoded key is decoded once: the object with space, '+' and '%' is ingested", async () => {
    expect(formEncoded("bronze/daily/osha/2026/01/04/osha violation+v2 100%.csv")).toBe(
      "bronze/daily/osha/2026/01/04/osha+violation%2Bv2+100%25.csv"
    )
    const direct = await stage("04")
    expect(await ingestWith(await notification(direct))).toEqual({ r: { processed: 1 }, rows: 1 })
    const queued = await stage("05")
    expect(await ingestWith(sqs([["n1", await notification(queued)]]))).toEqual({
      r: { batchItemFailures: [] },
      rows: 1
    })
    // the manifest names the object's real key
    const manifests = await run(
      noRuntime,
      Effect.flatMap(RawArchive, (a) => a.list("manifests/daily/osha/2026/01/04/")).pipe(
        Effect.provide(archiveS3({ bucket: "raw-keys", client: clientConfig() }))
      )
    )
    expect(manifests.map((m) => m.key)).toContain(
      "manifests/daily/osha/2026/01/04/osha violation+v2 100%.csv.manifest.json"
    )
  })

  it("an EventBridge Object Created event's key is used as is (directly and through SQS)", async () => {
    const direct = await stage("06")
    expect(await ingestWith(await eventBridge(direct))).toEqual({ r: { processed: 1 }, rows: 1 })
    const queued = await stage("07")
    expect(await ingestWith(sqs([["e1", await eventBridge(queued)]]))).toEqual({
      r: { batchItemFailures: [] },
      rows: 1
    })
  })
})
