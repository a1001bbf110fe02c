import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerLocal, Warehouse } from "@ventureos/pipeline"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import { Effect, Layer, ManagedRuntime } from "effect"
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeIngestHandler } from "../src/IngestHandler"

const FIX = join(import.meta.dirname, "..", "..", "pipeline", "test", "fixtures")
const BUCKET = "ventureos-raw"
let dir: string
let server: S3rver
let endpoint: string
const events: Array<unknown> = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-s3e2e-"))
  server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: BUCKET, configs: [] }]
  })
  const addr = await server.run()
  endpoint = `http://127.0.0.1:${addr.port}`
  // s3rver emits S3-notification-shaped events for every write, like a bucket notification would
  ;(server as unknown as NodeJS.EventEmitter).on("event", (e: unknown) => events.push(e))
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

describe("ingest Lambda driven by real S3 events (s3rver)", () => {
  it("ingests uploads in any order, exactly once under redelivery", async () => {
    const clientConfig = {
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
    }
    const s3 = new S3Client(clientConfig)
    const rt = ManagedRuntime.make(layerLocal(join(dir, "warehouse")))
    const wh = await rt.runPromise(Warehouse)
    const handler = makeIngestHandler({
      registry: makeRegistry([oshaPlugin]),
      layer: Layer.mergeAll(archiveS3({ bucket: BUCKET, client: clientConfig }), Layer.succeed(Warehouse, wh))
    })
    // violations first, inspections second: the first event cannot be processed alone, the second completes it
    for (const name of ["osha_violation.csv", "osha_inspection.csv"]) {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `bronze/daily/osha/2026/01/02/${name}`,
          Body: await readFile(join(FIX, name))
        })
      )
    }
    expect(events.length).toBe(2)
    // both events are acknowledged: the violations-first one plans a batch with no inspections beside it yet
    // (not an error), the inspection upload then completes it
    for (const e of events) expect(await handler(e)).toEqual({ processed: 1 })
    const head = await Effect.runPromise(wh.silverHead("osha"))
    expect(head).not.toBeNull()
    const rows = await Effect.runPromise(wh.silverLookup("osha", ["osha:osha_violation:119948990-01005"]))
    expect(rows.get("osha:osha_violation:119948990-01005")?.company_name).toBe(
      "CALIF STATE DEPT CORRECTIONS PRISON IND. AUTHORITY"
    )
    // at-least-once delivery: every event again, in reverse order
    for (const e of [...events].reverse()) await handler(e)
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBe(head)
    const gold = await Effect.runPromise(wh.goldTotals("state", ["STATE#ca"]))
    const live = (await readFile(join(FIX, "osha_violation.csv"), "utf8"))
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.split(",")[2] !== "X").length
    expect(gold.find((g) => g.agency === "osha")?.violation_count).toBe(live)
    s3.destroy()
    await rt.dispose()
  })
})
