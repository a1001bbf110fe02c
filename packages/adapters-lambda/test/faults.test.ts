import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { createServer, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import {
  ingestFiles,
  layerLocalLake,
  makeMemory as makeWarehouse,
  pendingServing,
  syncPendingServing,
  Warehouse
} from "@ventureos/pipeline"
import { ServingStore, ServingStoreError } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { layerFileSystem, makeFileSystem, RawArchive, RawArchiveError } from "@ventureos/storage/archive"
import { layer as archiveS3 } from "@ventureos/storage/archive/s3"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * Faults injected at the ports (issue 15 fault suite), each with its outcome: S3 answering 503 or slowly
 * (an HTTP proxy in front of s3rver), DynamoDB throttling (ProvisionedThroughputExceededException thrown
 * around a real client on dynalite), a full disk while staging (ENOSPC at the archive's download), a corrupt
 * Iceberg metadata file. Bedrock throttling and timeouts are in packages/api/test/providers.test.ts.
 */
const registry = makeRegistry([oshaPlugin])
const FIX = join(import.meta.dirname, "..", "..", "pipeline", "test", "fixtures")
const files = [join(FIX, "osha_violation.csv"), join(FIX, "osha_inspection.csv")]
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-port-faults-"))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const failureOf = <E>(exit: Exit.Exit<unknown, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

describe("S3 (s3rver behind a fault-injecting proxy)", () => {
  let s3: S3rver
  let proxy: Server
  let endpoint: string
  /** What the proxy does to GETs of raw objects: pass, answer 503 SlowDown `n` times, or delay them. */
  const fault = { errors: 0, delayMs: 0, injected: 0 }
  beforeAll(async () => {
    s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: join(dir, "s3"),
      configureBuckets: [{ name: "raw", configs: [] }]
    })
    const upstream = (await s3.run()).port
    proxy = createServer((req, res) => {
      const forward = () => {
        const up = request(
          { host: "127.0.0.1", port: upstream, method: req.method, path: req.url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers)
            r.pipe(res)
          }
        )
        req.pipe(up)
      }
      const rawGet = req.method === "GET" && (req.url ?? "").includes("/bronze/")
      if (rawGet && fault.errors > 0) {
        fault.errors--
        fault.injected++
        req.resume()
        res.writeHead(503, { "content-type": "application/xml" })
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
        )
        return
      }
      if (rawGet && fault.delayMs > 0) setTimeout(forward, fault.delayMs)
      else forward()
    })
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", () => ok()))
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((ok) => proxy.close(ok))
    await s3.close()
  })
  const layerFor = (prefix: string) =>
    Layer.merge(
      archiveS3({
        bucket: "raw",
        prefix,
        client: {
          endpoint,
          region: "us-east-1",
          requestChecksumCalculation: "WHEN_REQUIRED",
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
        }
      }),
      Layer.succeed(Warehouse, makeWarehouse())
    )
  const ingest = (layer: ReturnType<typeof layerFor>) =>
    Effect.runPromiseExit(
      ingestFiles(files, { registry, mode: "historical", date: "2026-02-01" }).pipe(Effect.provide(layer))
    )

  it("slow responses and a few 503s: the SDK's retries absorb them and the ingest completes", async () => {
    fault.delayMs = 400
    fault.errors = 2
    fault.injected = 0
    const started = Date.now()
    const exit = await ingest(layerFor("slow"))
    fault.delayMs = 0
    expect(exit._tag, String(failureOf(exit))).toBe("Success")
    expect(fault.injected).toBe(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
  }, 60_000)

  it("S3 down for good: the ingest fails as Unavailable (retryable) with nothing committed; a re-run completes", async () => {
    const layer = layerFor("down")
    fault.errors = 1_000
    const exit = await ingest(layer)
    fault.errors = 0
    const e = failureOf(exit)
    expect(e).toBeInstanceOf(RawArchiveError)
    expect((e as RawArchiveError).reason).toBe("Unavailable")
    expect((e as RawArchiveError).isRetryable).toBe(true)
    expect((e as RawArchiveError).message).toMatch(
      /^raw archive get bronze\/historical\/osha\/2026\/02\/01\//
    )
    const again = await ingest(layer)
    expect(again._tag, String(failureOf(again))).toBe("Success")
    if (again._tag === "Success") expect(again.value[0]).toMatchObject({ status: "ingested", inserted: 40 })
  }, 60_000)
})

describe("DynamoDB throttling (ProvisionedThroughputExceededException around a real client on dynalite)", () => {
  /** A real DynamoDB client whose writes are throttled while `throttle.on`, every `every`-th one. */
  const throttledClient = (endpointUrl: string, throttle: { on: boolean; every: number; count: number }) => {
    const client = new DynamoDBClient({
      endpoint: endpointUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1
    })
    const send = client.send.bind(client) as (c: unknown, o?: unknown) => Promise<unknown>
    ;(client as unknown as { send: typeof send }).send = (command, options) => {
      const name = (command as { constructor: { name: string } }).constructor.name
      if (throttle.on && /^(BatchWriteItem|PutItem|UpdateItem|DeleteItem)Command$/.test(name)) {
        throttle.count++
        if (throttle.count % throttle.every === 0)
          return Promise.reject(
            Object.assign(
              new Error("The level of configured provisioned throughput for the table was exceeded."),
              {
                name: "ProvisionedThroughputExceededException",
                $fault: "client",
                $metadata: { httpStatusCode: 400 }
              }
            )
          )
      }
      return send(command, options)
    }
    return client
  }

  it("occasional throttling is retried by the driver; persistent throttling leaves the work pending for the next sync", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* startDynalite({})
          const throttle = { on: false, every: 3, count: 0 }
          const client = throttledClient(server.endpoint, throttle)
          const lake = Layer.merge(
            layerFileSystem(join(dir, "dyn-lake")),
            Layer.succeed(Warehouse, makeWarehouse())
          )
          const store = ServingStoreDynamo.layer({ client, setup: true })
          const run = <A, E>(e: Effect.Effect<A, E, RawArchive | Warehouse | ServingStore>) =>
            Effect.runPromiseExit(e.pipe(Effect.provide(Layer.merge(lake, store))))
          yield* Effect.promise(() =>
            run(ingestFiles(files, { registry, mode: "daily", date: "2026-02-02" }))
          )
          // every write throttled: the driver gives up after its retry budget, the batch stays pending
          throttle.on = true
          throttle.every = 1
          const failed = yield* Effect.promise(() => run(syncPendingServing()))
          const e = failureOf(failed)
          expect(e).toBeInstanceOf(ServingStoreError)
          expect((e as ServingStoreError).reason).toBe("Throttled")
          expect(yield* Effect.promise(() => run(pendingServing))).toMatchObject({
            _tag: "Success",
            value: [expect.any(String)]
          })
          // one write in three throttled: absorbed by the driver's retries
          throttle.every = 3
          throttle.count = 0
          const ok = yield* Effect.promise(() => run(syncPendingServing()))
          expect(ok._tag, String(failureOf(ok))).toBe("Success")
          expect(throttle.count).toBeGreaterThan(3)
          const stats = yield* Effect.promise(() =>
            run(Effect.flatMap(ServingStore, (s) => s.getStats("STATE#ca")))
          )
          expect(stats._tag === "Success" && Option.isSome(stats.value)).toBe(true)
          client.destroy()
        })
      )
    )
  }, 120_000)
})

describe("a full disk while staging (ENOSPC at the archive's download)", () => {
  it("fails the batch with the disk error, commits nothing, leaves no staging; a re-run completes", async () => {
    const root = join(dir, "enospc-lake")
    const real = makeFileSystem(root)
    let full = true
    const archive = {
      ...real,
      download: (key: string, localPath: string) =>
        full
          ? Effect.fail(
              new RawArchiveError({
                op: "get",
                key,
                reason: "Unknown",
                detail: `ENOSPC: no space left on device, write '${localPath}'`
              })
            )
          : real.download(key, localPath)
    }
    const wh = makeWarehouse()
    const layer = Layer.merge(Layer.succeed(RawArchive, archive), Layer.succeed(Warehouse, wh))
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith(`ventureos-ingest-${process.pid}-`))
    const exit = await Effect.runPromiseExit(
      ingestFiles(files, { registry, mode: "historical", date: "2026-02-03" }).pipe(Effect.provide(layer))
    )
    const e = failureOf(exit)
    expect(e).toBeInstanceOf(RawArchiveError)
    expect((e as RawArchiveError).message).toContain("ENOSPC: no space left on device")
    expect(await Effect.runPromise(wh.silverHead("osha"))).toBeNull()
    expect((await readdir(tmpdir())).filter((n) => n.startsWith(`ventureos-ingest-${process.pid}-`))).toEqual(
      before
    )
    full = false
    const again = await Effect.runPromise(
      ingestFiles(files, { registry, mode: "historical", date: "2026-02-03" }).pipe(Effect.provide(layer))
    )
    expect(again[0]).toMatchObject({ status: "ingested", inserted: 40 })
  })
})

describe("a corrupt Iceberg metadata file", () => {
  it("stops that table with an error naming the file (reason Corrupt, not retried); nothing else is written", async () => {
    const home = join(dir, "corrupt")
    const layer = layerLocalLake(home)
    const ingest = (date: string) =>
      Effect.runPromiseExit(
        ingestFiles(files, { registry, mode: "historical", date }).pipe(Effect.provide(layer))
      )
    const first = await ingest("2026-02-04")
    expect(first._tag, String(failureOf(first))).toBe("Success")
    const meta = join(home, "warehouse", "silver", "osha", "metadata")
    const current = (await readdir(meta))
      .filter((f) => f.endsWith(".metadata.json"))
      .sort()
      .at(-1)!
    const text = await readFile(join(meta, current), "utf8")
    await writeFile(join(meta, current), text.slice(0, 40))
    const corrupt = await ingest("2026-02-05")
    const e = failureOf(corrupt) as { _tag: string; reason: string; message: string; isRetryable: boolean }
    expect(e._tag).toBe("WarehouseError")
    expect(e.reason).toBe("Corrupt")
    expect(e.isRetryable).toBe(false)
    expect(e.message).toContain(join(meta, current))
    expect(e.message).not.toMatch(/\n\s+at /)
  }, 120_000)
})
