import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb"
import type { ServingStore } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { Effect, Exit, type Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, seed } from "../../../api/test/seed"

/**
 * Smoke test of the real entry points on the embedded DynamoDB-compatible server (dynalite): the store,
 * the summary lease and the daily budgets all live in its tables, reached through
 * `AWS_ENDPOINT_URL_DYNAMODB` exactly as on AWS.
 */
const scope = Effect.runSync(Scope.make())
const saved = { ...process.env }
type Handler = (
  event: unknown
) => Promise<{ statusCode: number; body: string; headers: Record<string, string> }>
let routed: Handler

const event = (method: string, path: string, query = "", ip = "203.0.113.9") => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: query,
  headers: { host: "api.example.org", accept: "application/json" },
  requestContext: { domainName: "api.example.org", stage: "$default", http: { method, path, sourceIp: ip } },
  isBase64Encoded: false
})

beforeAll(async () => {
  const server = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  for (const k of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "VENTUREOS_SUMMARY_WORKER_FUNCTION"
  ])
    delete process.env[k]
  process.env.AWS_ENDPOINT_URL_DYNAMODB = server.endpoint
  process.env.AWS_REGION = "us-east-1"
  process.env.VENTUREOS_TABLE_PREFIX = "Smoke"
  process.env.VENTUREOS_SUMMARY_CLIENT_DAILY = "2"
  await Effect.runPromise(
    seed.pipe(Effect.provide(ServingStoreDynamo.layerConfig({ setup: true }) as Layer.Layer<ServingStore>))
  )
  routed = (await import("../../src/api/api-handler")).handler as unknown as Handler
})
afterAll(async () => {
  // Background summary work (lease releases after the summary is stored) must finish before dynalite
  // closes, or its late writes fail with "Database is closed": wait until no lease is left.
  const ddb = new DynamoDBClient({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" }
  })
  for (let i = 0; i < 200; i++) {
    const r = await ddb.send(
      new ScanCommand({
        TableName: "Smoke-Violations",
        FilterExpression: "SK = :l",
        ExpressionAttributeValues: { ":l": { S: "LEASE" } }
      })
    )
    if ((r.Items ?? []).length === 0) break
    await new Promise((ok) => setTimeout(ok, 50))
  }
  ddb.destroy()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
  Object.assign(process.env, saved)
})

describe("API on dynalite (real entry points, DynamoDB protocol)", () => {
  it("reads entities, places, top lists and brands", async () => {
    expect((await routed(event("GET", "/api/company/acme-widgets"))).statusCode).toBe(200)
    const state = await routed(event("GET", "/api/state/tx"))
    expect(JSON.parse(state.body).top_companies.by_count.entries).toHaveLength(2)
    expect((await routed(event("GET", "/api/top", "scope=city%3Aaustin-tx"))).statusCode).toBe(200)
    expect((await routed(event("GET", "/api/config/oshatrail"))).statusCode).toBe(200)
    expect((await routed(event("GET", "/api/company/nobody"))).statusCode).toBe(404)
  })

  it("summarizes once under concurrent triggers (DynamoDB lease) and enforces budgets (conditional counters)", async () => {
    const path = `/api/violations/${ids.acme}/summary`
    const query = "entity=COMPANY%23acme-widgets"
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => routed(event("POST", path, query, `198.51.100.${i}`)))
    )
    expect(results.every((r) => r.statusCode === 202)).toBe(true)
    let summary: { text: string } | null = null
    for (let i = 0; i < 100 && summary === null; i++) {
      await new Promise((ok) => setTimeout(ok, 50))
      summary = JSON.parse((await routed(event("GET", `/api/violations/${ids.acme}`, query))).body).summary
    }
    expect(summary?.text).toContain("ACME WIDGETS INC")
    const again = await routed(event("POST", path, query))
    expect(JSON.parse(again.body).state).toBe("ready")
    // Budget of 2 per client and day, counted in DynamoDB.
    const ip = "192.0.2.200"
    const post = (id: string) =>
      routed(event("POST", `/api/violations/${id}/summary`, "entity=COMPANY%23initech", ip))
    expect((await post(ids.injection)).statusCode).toBe(202)
    expect((await post(ids.html)).statusCode).toBe(202)
    expect((await post(ids.control)).statusCode).toBe(429)
    // Let the two accepted background generations finish before the server is closed in afterAll:
    // otherwise their writes race the shutdown ("Database is closed").
    for (const id of [ids.injection, ids.html]) {
      let done = false
      for (let i = 0; i < 200 && !done; i++) {
        const r = await routed(event("GET", `/api/violations/${id}`, "entity=COMPANY%23initech"))
        done = JSON.parse(r.body).summary !== null
        if (!done) await new Promise((ok) => setTimeout(ok, 50))
      }
      expect(done, id).toBe(true)
    }
  })

  const bundle = join(import.meta.dirname, "..", "..", "dist", "api", "api-company-handler.mjs")
  it.runIf(existsSync(bundle))("the built api-company-handler bundle runs (after `bundle:api`)", async () => {
    expect(readFileSync(bundle, "utf8")).not.toMatch(/@duckdb|iceberg/i)
    const mod = (await import(pathToFileURL(bundle).href)) as { handler: Handler }
    const r = await mod.handler(event("GET", "/api/company/acme-widgets"))
    expect(r.statusCode).toBe(200)
    expect(JSON.parse(r.body).profile.display_name).toBe("ACME WIDGETS INC")
  })
})
