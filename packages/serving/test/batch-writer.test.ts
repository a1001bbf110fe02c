import { createServer, request, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { batchGet, batchWrite, type WriteOp } from "../src/BatchWriter"
import { startDynalite } from "../src/Embedded"
import { LOCAL_CREDENTIALS, make } from "../src/ServingStoreDynamo"

/**
 * A real HTTP proxy in front of dynalite that injects DynamoDB's documented failure modes: BatchWriteItem /
 * BatchGetItem answering with everything unprocessed, and throttling errors. Not an SDK mock: the SDK, the
 * wire protocol and the server are real.
 */
const faultProxy = (upstream: string, faults: { unprocessed: number; throttled: number }) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ server: Server; endpoint: string; seen: { batchCalls: number } }>((ok) => {
          const seen = { batchCalls: 0 }
          const server = createServer((req, res) => {
            const chunks: Array<Buffer> = []
            req.on("data", (c: Buffer) => chunks.push(c))
            req.on("end", () => {
              const body = Buffer.concat(chunks)
              const target = String(req.headers["x-amz-target"] ?? "")
              const isBatch = target.endsWith(".BatchWriteItem") || target.endsWith(".BatchGetItem")
              if (isBatch) seen.batchCalls++
              if (isBatch && faults.throttled > 0) {
                faults.throttled--
                res.writeHead(400, { "content-type": "application/x-amz-json-1.0" })
                res.end(
                  JSON.stringify({
                    __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    message: "injected throttling"
                  })
                )
                return
              }
              if (isBatch && faults.unprocessed > 0) {
                faults.unprocessed--
                const parsed = JSON.parse(body.toString()) as { RequestItems: Record<string, unknown> }
                res.writeHead(200, { "content-type": "application/x-amz-json-1.0" })
                res.end(
                  JSON.stringify(
                    target.endsWith(".BatchWriteItem")
                      ? { UnprocessedItems: parsed.RequestItems }
                      : { Responses: {}, UnprocessedKeys: parsed.RequestItems }
                  )
                )
                return
              }
              const up = new URL(upstream)
              const fwd = request(
                { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers },
                (r) => {
                  res.writeHead(r.statusCode ?? 500, r.headers)
                  r.pipe(res)
                }
              )
              fwd.end(body)
            })
          })
          server.listen(0, "127.0.0.1", () =>
            ok({ server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })
          )
        })
    ),
    ({ server }) => Effect.promise(() => new Promise<void>((ok) => server.close(() => ok())))
  )

const clientFor = (endpoint: string) =>
  Effect.acquireRelease(
    Effect.sync(
      () =>
        new DynamoDBClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 2 })
    ),
    (c) => Effect.sync(() => c.destroy())
  )

describe("batch writer", () => {
  it.live("retries unprocessed items and throttling with backoff until everything is written", () =>
    Effect.gen(function* () {
      const dyn = yield* startDynalite()
      const direct = yield* clientFor(dyn.endpoint)
      yield* make(direct, { tablePrefix: "bw" }).setup
      const faults = { unprocessed: 3, throttled: 3 }
      const proxy = yield* faultProxy(dyn.endpoint, faults)
      const client = yield* clientFor(proxy.endpoint)
      const ops: Array<WriteOp> = Array.from({ length: 60 }, (_, i) => ({
        table: "bw-Entities",
        put: { PK: { S: `COMPANY#c${i}` }, SK: { S: "METADATA" }, n: { N: String(i) } }
      }))
      // A duplicate key in the input keeps its last write (DynamoDB rejects duplicates within a request).
      ops.push({
        table: "bw-Entities",
        put: { PK: { S: "COMPANY#c0" }, SK: { S: "METADATA" }, n: { N: "100" } }
      })
      const written = yield* batchWrite(client, ops, 2)
      assert.strictEqual(written, 60)
      assert.deepStrictEqual(faults, { unprocessed: 0, throttled: 0 })
      // 3 chunks of <= 25, plus the injected failures resent.
      assert.isAtLeast(proxy.seen.batchCalls, 3 + 3 + 3)
      faults.unprocessed = 2
      const read = yield* batchGet(
        client,
        "bw-Entities",
        ops.map((o) => ("put" in o ? { PK: o.put.PK!, SK: o.put.SK! } : o.delete)),
        2
      )
      assert.strictEqual(read.length, 60)
      const c0 = read.find((i) => "S" in i.PK! && i.PK.S === "COMPANY#c0")
      assert.deepStrictEqual(c0?.n, { N: "100" })
    }).pipe(Effect.scoped)
  )

  it.live("gives up with a retryable Throttled error when items stay unprocessed", () =>
    Effect.gen(function* () {
      const dyn = yield* startDynalite()
      const direct = yield* clientFor(dyn.endpoint)
      yield* make(direct, { tablePrefix: "bw" }).setup
      const proxy = yield* faultProxy(dyn.endpoint, { unprocessed: 1_000, throttled: 0 })
      const client = yield* clientFor(proxy.endpoint)
      const err = yield* Effect.flip(
        batchWrite(
          client,
          [{ table: "bw-Entities", put: { PK: { S: "COMPANY#x" }, SK: { S: "METADATA" } } }],
          1
        )
      )
      assert.strictEqual(err.reason, "Throttled")
      assert.isTrue(err.isRetryable)
    }).pipe(Effect.scoped)
  )

  it.live("maps a missing table and an unreachable endpoint to the port's error reasons", () =>
    Effect.gen(function* () {
      const dyn = yield* startDynalite()
      const client = yield* clientFor(dyn.endpoint)
      const store = make(client, { tablePrefix: "missing" })
      const missing = yield* Effect.flip(store.getBrand("oshatrail"))
      assert.strictEqual(missing.reason, "TableMissing")
      assert.isFalse(missing.isRetryable)
    }).pipe(Effect.scoped)
  )
})
