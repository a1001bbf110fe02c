import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  docsCdn,
  GenerationLog,
  layerCompanyRoutes,
  layerConfigRoutes,
  layerExtractive,
  layerMemoryLease,
  layerPlacesRoutes,
  layerRoutes,
  layerServices,
  Summarizer,
  SummaryDispatch,
  type SummaryJob,
  ViolationLocator
} from "@ventureos/api"
import { makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, seed } from "../../../api/test/seed"
import { makeApiHandler } from "../../src/api/Handler"
import { makeSummaryWorker } from "../../src/api/summary-worker"

const event = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(import.meta.dirname, "events", `${name}.json`), "utf8"))

const store = makeMemory()
const storeLayer = Layer.succeed(ServingStore, store)
const jobs: Array<SummaryJob> = []
/** Stands in for the asynchronous Lambda invocation: jobs are collected and fed to the worker. */
const recordingDispatch = Layer.succeed(
  SummaryDispatch,
  SummaryDispatch.of({ dispatch: (job) => Effect.sync(() => void jobs.push(job)) })
)

const company = makeApiHandler(layerCompanyRoutes, storeLayer)
const places = makeApiHandler(layerPlacesRoutes, storeLayer)
const config = makeApiHandler(layerConfigRoutes, storeLayer)
const routed = makeApiHandler(
  layerRoutes({ docs: docsCdn() }),
  layerServices({ dispatch: recordingDispatch, policy: { brandDaily: 10, clientDaily: 2 } }).pipe(
    Layer.provideMerge(storeLayer)
  )
)
const worker = makeSummaryWorker(
  Summarizer.layer().pipe(
    Layer.provide([
      layerExtractive,
      layerMemoryLease,
      GenerationLog.layerLogger,
      ViolationLocator.layerFromServingStore
    ]),
    Layer.provideMerge(storeLayer)
  )
)

beforeAll(() => Effect.runPromise(seed.pipe(Effect.provideService(ServingStore, store))))
afterAll(async () => {
  for (const h of [company, places, config, routed]) await h.dispose()
})

describe("API Gateway HTTP API v2 / Function URL handlers", () => {
  it("api-company-handler answers a real HTTP API event with JSON, ETag and Cache-Control", async () => {
    const r = await company(event("http-api-get-company"))
    expect(r.statusCode).toBe(200)
    expect(r.isBase64Encoded).toBe(false)
    expect(r.headers["content-type"]).toContain("application/json")
    expect(r.headers["cache-control"]).toContain("max-age=60")
    const body = JSON.parse(r.body)
    expect(body.entity_key).toBe("COMPANY#acme-widgets")
    const again = await company({
      ...event("http-api-get-company"),
      headers: { ...(event("http-api-get-company").headers as object), "if-none-match": r.headers.etag }
    })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe("")
  })

  it("api-city-handler strips a named stage and serves states with their Top-10", async () => {
    const r = await places(event("http-api-get-state-prod-stage"))
    expect(r.statusCode).toBe(200)
    expect(JSON.parse(r.body).top_companies.by_count.scope).toBe("state:TX")
    // A slice only serves its own routes.
    const other = await company(event("http-api-get-state-prod-stage"))
    expect(other.statusCode).toBe(404)
  })

  it("api-config-handler: 200, 404 and 400 with typed bodies", async () => {
    const base = event("http-api-get-company")
    const at = (path: string) => ({
      ...base,
      rawPath: path,
      requestContext: {
        ...(base.requestContext as object),
        http: { method: "GET", path, sourceIp: "203.0.113.7" }
      }
    })
    expect((await config(at("/api/config/oshatrail"))).statusCode).toBe(200)
    const missing = await config(at("/api/config/nope"))
    expect(missing.statusCode).toBe(404)
    expect(JSON.parse(missing.body)).toMatchObject({ _tag: "NotFoundError", resource: "brand" })
    const bad = await config(at("/api/config/NOPE!"))
    expect(bad.statusCode).toBe(400)
    expect(JSON.parse(bad.body)).toMatchObject({ _tag: "InvalidRequestError", field: "brand" })
  })

  it("the routed handler takes a Function URL trigger (202), the worker generates, the next read has it", async () => {
    const accepted = await routed(event("function-url-post-summary"))
    expect(accepted.statusCode).toBe(202)
    expect(JSON.parse(accepted.body)).toEqual({ violation_id: ids.acmeWillful, state: "queued" })
    // the job carries the lease the trigger took; the worker continues it
    expect(jobs).toEqual([
      { violation_id: ids.acmeWillful, entity_key: "COMPANY#acme-widgets", lease_owner: expect.any(String) }
    ])
    const result = await worker({ summaryJob: jobs[0] })
    expect(result).toMatchObject({ outcome: "stored", provider: "extractive" })
    const base = event("function-url-post-summary")
    const path = `/api/violations/${ids.acmeWillful}`
    const read = await routed({
      ...base,
      rawPath: path,
      rawQueryString: "entity=COMPANY%23acme-widgets",
      requestContext: {
        ...(base.requestContext as object),
        http: { method: "GET", path, sourceIp: "192.0.2.44" }
      }
    })
    expect(read.statusCode).toBe(200)
    expect(JSON.parse(read.body).summary.text).toContain("ACME WIDGETS INC")
    // A malformed job is refused without touching anything.
    expect(await worker({ summaryJob: { violation_id: 42 } })).toMatchObject({ outcome: "failed" })
  })

  it("budgets follow the source IP API Gateway saw, not a forged X-Forwarded-For", async () => {
    const base = event("function-url-post-summary")
    const post = (id: string, forged: string) => {
      const path = `/api/violations/${id}/summary`
      return routed({
        ...base,
        rawPath: path,
        rawQueryString: "entity=COMPANY%23initech",
        headers: { ...(base.headers as object), "x-forwarded-for": forged },
        requestContext: {
          ...(base.requestContext as object),
          http: { method: "POST", path, sourceIp: "192.0.2.99" }
        }
      })
    }
    expect((await post(ids.injection, "1.1.1.1")).statusCode).toBe(202)
    expect((await post(ids.html, "2.2.2.2")).statusCode).toBe(202)
    const limited = await post(ids.control, "3.3.3.3")
    expect(limited.statusCode).toBe(429)
    expect(limited.headers["retry-after"]).toMatch(/^\d+$/)
  })

  it("serves /openapi.json and /docs from the routed handler; rejects non-v2 events with 400", async () => {
    const base = event("http-api-get-company")
    const at = (path: string) => ({
      ...base,
      rawPath: path,
      requestContext: { ...(base.requestContext as object), http: { method: "GET", path } }
    })
    const doc = await routed(at("/openapi.json"))
    expect(JSON.parse(doc.body).openapi).toMatch(/^3\.1/)
    const docs = await routed(at("/docs"))
    expect(docs.statusCode).toBe(200)
    expect(docs.body).toContain("<html")
    const v1 = await company({ httpMethod: "GET", path: "/api/company/x", version: "1.0" })
    expect(v1.statusCode).toBe(400)
  })
})
