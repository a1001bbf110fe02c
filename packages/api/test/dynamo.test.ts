import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RateLimiter, SummaryLease } from "../src"
import { layerDynamoLease, layerDynamoRateLimiter } from "../src/aws"

/** The DynamoDB lease and rate limiter against dynalite (real protocol, conditional writes). */
const scope = Effect.runSync(Scope.make())
let client: DynamoDBClient
let layer: Layer.Layer<SummaryLease | RateLimiter, unknown>

beforeAll(async () => {
  const server = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  const options = {
    endpoint: server.endpoint,
    region: "us-east-1",
    credentials: ServingStoreDynamo.LOCAL_CREDENTIALS
  }
  // The tables are the serving store's: create them with its setup.
  await Effect.runPromise(
    Scope.provide(
      Layer.buildWithScope(
        ServingStoreDynamo.layer({ ...options, tablePrefix: "LeaseTest", setup: true }),
        scope
      ),
      scope
    )
  )
  client = new DynamoDBClient({ ...options, credentials: { ...options.credentials } })
  layer = Layer.mergeAll(
    layerDynamoLease({ client, tablePrefix: "LeaseTest" }),
    layerDynamoRateLimiter({ client, tablePrefix: "LeaseTest" })
  )
})
afterAll(async () => {
  client?.destroy()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

const run = <A, E>(e: Effect.Effect<A, E, SummaryLease | RateLimiter>) =>
  Effect.runPromise(Effect.provide(e, layer))

describe("DynamoDB summary lease and budgets (dynalite)", () => {
  it("grants one lease among concurrent workers; it lapses after its TTL", async () => {
    const winners = await run(
      Effect.gen(function* () {
        const lease = yield* SummaryLease
        return yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) => lease.acquire("osha:x:1", `w${i}`, 60_000),
          { concurrency: "unbounded" }
        )
      })
    )
    expect(winners.filter(Boolean)).toHaveLength(1)
    const later = await run(
      Effect.gen(function* () {
        const lease = yield* SummaryLease
        const held = yield* lease.isHeld("osha:x:1")
        const stolen = yield* lease.acquire("osha:x:1", "late", 60_000)
        return { held, stolen }
      })
    )
    expect(later).toEqual({ held: true, stolen: false })
    // A short lease, left behind by a "crashed" worker, lapses.
    const lapsed = await run(
      Effect.gen(function* () {
        const lease = yield* SummaryLease
        expect(yield* lease.acquire("osha:x:2", "crashed", 50)).toBe(true)
        yield* Effect.promise(() => new Promise((ok) => setTimeout(ok, 120)))
        return yield* lease.acquire("osha:x:2", "retry", 60_000)
      })
    )
    expect(lapsed).toBe(true)
    const released = await run(
      Effect.gen(function* () {
        const lease = yield* SummaryLease
        yield* lease.release("osha:x:2", "crashed") // not the owner: nothing happens
        const stillHeld = yield* lease.isHeld("osha:x:2")
        yield* lease.release("osha:x:2", "retry")
        return { stillHeld, after: yield* lease.isHeld("osha:x:2") }
      })
    )
    expect(released).toEqual({ stillHeld: true, after: false })
  })

  it("counts at most the limit per bucket and day, even under concurrency", async () => {
    const results = await run(
      Effect.gen(function* () {
        const limiter = yield* RateLimiter
        return yield* Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          () => limiter.consume("client:192.0.2.1", "2026-11-28", 5),
          { concurrency: "unbounded" }
        )
      })
    )
    expect(results.filter((r) => r.allowed)).toHaveLength(5)
    const other = await run(
      Effect.flatMap(RateLimiter, (l) => l.consume("client:192.0.2.1", "2026-11-29", 5))
    )
    expect(other).toEqual({ allowed: true, count: 1 })
  })
})
