import { GenerationLog, type GenerationRecord } from "@ventureos/api"
import { makeClient } from "@ventureos/api-client"
import { makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, seed } from "../../../api/test/seed"
import { type RunningServer, serve } from "../../src/Serve"

const store = makeMemory()
const generations: Array<GenerationRecord> = []
let server: RunningServer

beforeAll(async () => {
  await Effect.runPromise(seed.pipe(Effect.provideService(ServingStore, store)))
  server = await serve({
    port: 0,
    layer: Layer.succeed(ServingStore, store),
    trustForwardedFor: true,
    services: { policy: { brandDaily: 6, clientDaily: 3 }, log: GenerationLog.layerCollect(generations) }
  })
})
afterAll(() => server?.close())

const run = <A, E>(f: (api: Effect.Success<ReturnType<typeof makeClient>>) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(makeClient(server.url, { retries: 0 }), f).pipe(Effect.provide(FetchHttpClient.layer))
  )
const runFlip = <A, E>(f: (api: Effect.Success<ReturnType<typeof makeClient>>) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(makeClient(server.url, { retries: 0 }), (api) => Effect.flip(f(api))).pipe(
      Effect.provide(FetchHttpClient.layer)
    )
  )
const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init)
const acmeEntity = encodeURIComponent("COMPANY#acme-widgets")

describe("typed client against the real Node server", () => {
  it("reads a company: profile, stats per agency and all, feed grouped by agency", async () => {
    const c = await run((api) => api.company.get({ params: { id: "acme-widgets" } }))
    expect(c.kind).toBe("company")
    expect(c.profile?.display_name).toBe("ACME WIDGETS INC")
    expect(c.stats_all?.violation_count).toBe(3)
    expect(c.stats_by_agency.map((s) => s.agency)).toEqual(["epa", "osha"])
    expect(c.feed.map((f) => f.agency)).toEqual(["epa", "osha"])
    const osha = c.feed.find((f) => f.agency === "osha")!
    expect(osha.items.map((i) => i.date)).toEqual(["2024-06-01", "2024-03-02"])
    expect(osha.items[0]!.summary).toBeNull()
  })

  it("reads cities and states with their Top-10 companies", async () => {
    const city = await run((api) => api.places.city({ params: { id: "austin-tx" } }))
    expect(city.top_companies.by_count?.entries[0]?.name).toBe("ACME WIDGETS INC")
    expect(city.top_companies.by_penalties).toBeNull()
    const state = await run((api) => api.places.state({ params: { id: "TX" } }))
    expect(state.entity_key).toBe("STATE#tx")
    expect(state.top_companies.by_penalties?.scope).toBe("state:TX")
    expect(state.feed.flatMap((f) => f.items).length).toBeGreaterThan(0)
  })

  it("reads Top-10 lists and brand configs", async () => {
    const top = await run((api) => api.top.get({ query: { scope: "state:TX", by: "penalties" } }))
    expect(top.entries).toHaveLength(2)
    const national = await run((api) => api.top.get({ query: {} }))
    expect(national.scope).toBe("national")
    const brand = await run((api) => api.config.get({ params: { brand: "oshatrail" } }))
    expect(brand.agencies).toEqual(["osha"])
  })

  it("decodes typed errors: 400 with what was wrong, 404 for unknown", async () => {
    const bad = await runFlip((api) => api.company.get({ params: { id: "ACME" } }))
    expect(bad._tag).toBe("InvalidRequestError")
    if (bad._tag === "InvalidRequestError") expect(bad.reason).toContain("lowercase")
    const missing = await runFlip((api) => api.company.get({ params: { id: "no-such-company" } }))
    expect(missing._tag).toBe("NotFoundError")
    const scope = await runFlip((api) => api.top.get({ query: { scope: "galaxy" } }))
    expect(scope._tag).toBe("InvalidRequestError")
  })

  it("runs the summary loop: raw description first, 202 trigger, summary on the next read", async () => {
    const before = await run((api) =>
      api.violations.get({ params: { id: ids.acmeWillful }, query: { entity: "COMPANY#acme-widgets" } })
    )
    expect(before.summary).toBeNull()
    expect(before.description).toContain("fall hazards")
    const accepted = await run((api) =>
      api.violations.summarize({
        params: { id: ids.acmeWillful },
        query: { entity: "COMPANY#acme-widgets", brand: "oshatrail" }
      })
    )
    expect(accepted.state).toBe("queued")
    let after = before
    for (let i = 0; i < 50 && after.summary === null; i++) {
      await new Promise((ok) => setTimeout(ok, 20))
      after = await run((api) =>
        api.violations.get({ params: { id: ids.acmeWillful }, query: { entity: "COMPANY#acme-widgets" } })
      )
    }
    expect(after.summary?.text).toContain("ACME WIDGETS INC")
    expect(after.violation.summary).toBe(after.summary?.text)
    // The feed items of the company, its city and its state carry it too.
    const city = await run((api) => api.places.city({ params: { id: "austin-tx" } }))
    const item = city.feed.flatMap((f) => f.items).find((i) => i.violation_id === ids.acmeWillful)
    expect(item?.summary).toBe(after.summary?.text)
    const again = await run((api) =>
      api.violations.summarize({ params: { id: ids.acmeWillful }, query: { entity: "COMPANY#acme-widgets" } })
    )
    expect(again.state).toBe("ready")
    expect(generations.filter((g) => g.violation_id === ids.acmeWillful)).toHaveLength(1)
    expect(generations[0]).toMatchObject({ provider: "extractive", outcome: "stored" })
    expect(typeof generations[0]!.latency_ms).toBe("number")
  })
})

describe("raw HTTP", () => {
  it("sets ETag and Cache-Control on reads and answers 304 on If-None-Match", async () => {
    const r = await get("/api/company/acme-widgets")
    expect(r.status).toBe(200)
    const etag = r.headers.get("etag")!
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(r.headers.get("cache-control")).toContain("max-age=60")
    const r304 = await get("/api/company/acme-widgets", { headers: { "if-none-match": etag } })
    expect(r304.status).toBe(304)
    expect(await r304.text()).toBe("")
    expect(r304.headers.get("etag")).toBe(etag)
    const weak = await get("/api/company/acme-widgets", { headers: { "if-none-match": `"x", W/${etag}` } })
    expect(weak.status).toBe(304)
    const changed = await get("/api/company/acme-widgets", { headers: { "if-none-match": '"other"' } })
    expect(changed.status).toBe(200)
    const v = await get(`/api/violations/${encodeURIComponent(ids.acme)}?entity=${acmeEntity}`)
    expect(v.headers.get("cache-control")).toBe("no-cache")
  })

  it("answers what no endpoint serves in JSON: 405 with Allow, 400 for an oversize id, 404 with a short echo", async () => {
    const del = await get("/api/company/acme-widgets", { method: "DELETE" })
    expect(del.status).toBe(405)
    expect(del.headers.get("allow")).toBe("GET, OPTIONS")
    expect(await del.json()).toMatchObject({ _tag: "MethodNotAllowedError", method: "DELETE" })
    const summaryGet = await get(`/api/violations/${encodeURIComponent(ids.acme)}/summary`)
    expect(summaryGet.status).toBe(405)
    expect(summaryGet.headers.get("allow")).toBe("POST, OPTIONS")
    const long = await get(`/api/company/${"a".repeat(10_000)}`)
    expect(long.status).toBe(400)
    const body = (await long.json()) as { _tag: string; field: string; value: string }
    expect(body).toMatchObject({ _tag: "InvalidRequestError", field: "path" })
    expect(body.value.length).toBeLessThanOrEqual(201)
    const unknown = await get(`/api/nothing/${"b".repeat(5_000)}`)
    expect(unknown.status).toBe(404)
    expect((await unknown.text()).length).toBeLessThan(600)
    const page = await get("/company/acme-widgets", { method: "PUT" })
    expect(page.status).toBe(405)
    expect(page.headers.get("allow")).toBe("GET, HEAD, OPTIONS")
  })

  it("sends security headers on every response; API JSON may load nothing", async () => {
    for (const path of [
      "/api/company/acme-widgets",
      "/api/company/no-such-company",
      "/openapi.json",
      "/docs"
    ]) {
      const r = await get(path)
      expect(r.headers.get("x-content-type-options"), path).toBe("nosniff")
      expect(r.headers.get("x-frame-options"), path).toBe("DENY")
      expect(r.headers.get("referrer-policy"), path).toBe("no-referrer")
      if (path !== "/docs")
        expect(r.headers.get("content-security-policy"), path).toBe(
          "default-src 'none'; frame-ancestors 'none'"
        )
    }
  })

  it("answers 400 with a body saying what was wrong, 404 for unknown ids", async () => {
    const cases: Array<[string, number, string]> = [
      ["/api/company/Tesla", 400, "lowercase"],
      ["/api/company/a%23b", 400, "slug"],
      ["/api/city/austin", 400, "state code"],
      ["/api/state/zz", 400, "USPS"],
      ["/api/top?by=money", 400, "count or penalties"],
      ["/api/config/Bad_Brand", 400, "brand id"],
      ["/api/violations/not-an-id", 400, "agency:dataset:source-id"],
      [`/api/violations/${encodeURIComponent(ids.acme)}?entity=COMPANY%23A%23B`, 400, "entity"],
      ["/api/company/unknown-co", 404, "company"],
      ["/api/city/nowhere-tx", 404, "city"],
      ["/api/config/unknown", 404, "brand"],
      ["/api/top?scope=city:nowhere-tx", 404, "top-list"],
      ["/api/violations/osha%3Aosha_violation%3A999999999-01001", 404, "violation"],
      // without ?entity the store finds the violation by id alone
      [`/api/violations/${encodeURIComponent(ids.acme)}`, 200, ids.acme]
    ]
    for (const [path, status, text] of cases) {
      const r = await get(path)
      const body = await r.text()
      expect({ path, status: r.status }).toEqual({ path, status })
      expect(body).toContain(text)
      expect(r.headers.get("content-type")).toContain("application/json")
    }
  })

  it("takes violation ids containing '/' percent-encoded in the path", async () => {
    expect(ids.slash).toContain("/")
    const r = await get(
      `/api/violations/${encodeURIComponent(ids.slash)}?entity=${encodeURIComponent("COMPANY#globex")}`
    )
    expect(r.status).toBe(200)
    expect(((await r.json()) as { violation: { violation_id: string } }).violation.violation_id).toBe(
      ids.slash
    )
  })

  it("never answers 500 to malformed input", async () => {
    const junk = [
      "%00",
      "%E2%80%AE",
      "..%2F..%2Fetc",
      "x".repeat(5000),
      "%F0%9F%92%A9",
      "COMPANY%23x",
      "'%20OR%201=1"
    ]
    for (const j of junk)
      for (const prefix of [
        "/api/company/",
        "/api/city/",
        "/api/state/",
        "/api/config/",
        "/api/violations/"
      ]) {
        const r = await get(`${prefix}${j}`)
        expect(r.status, `${prefix}${j.slice(0, 40)}`).toBeLessThan(500)
        await r.arrayBuffer()
      }
    const post = await get(`/api/violations/${"%00"}/summary`, { method: "POST" })
    expect(post.status).toBe(400)
  })

  it("limits summary triggers per client address and per brand (429, nothing generated)", async () => {
    const before = generations.length
    const trigger = (id: string, ip: string, brand = "ratebrand") =>
      get(
        `/api/violations/${encodeURIComponent(id)}/summary?entity=${encodeURIComponent("COMPANY#initech")}&brand=${brand}`,
        {
          method: "POST",
          headers: { "x-forwarded-for": ip }
        }
      )
    const statuses: Array<number> = []
    for (const id of [ids.injection, ids.html, ids.control, ids.huge])
      statuses.push((await trigger(id, "10.0.0.1")).status)
    expect(statuses).toEqual([202, 202, 202, 429])
    const limited = await trigger(ids.huge, "10.0.0.1")
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/)
    expect(await limited.json()).toMatchObject({ _tag: "RateLimitedError", scope: "client", limit: 3 })
    // Another address gets its own budget, until the brand's (6 a day) is spent.
    const other = await trigger(ids.huge, "10.0.0.2")
    expect(other.status).toBe(202)
    await new Promise((ok) => setTimeout(ok, 100))
    expect(generations.length - before).toBe(4)
  })

  it("serves a valid OpenAPI document and the docs page", async () => {
    const r = await get("/openapi.json")
    expect(r.status).toBe(200)
    const doc = (await r.json()) as {
      openapi: string
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string
            parameters?: Array<{ name: string; in: string }>
            responses: Record<string, unknown>
          }
        >
      >
      components: { schemas: Record<string, unknown> }
    }
    expect(doc.openapi).toMatch(/^3\.1\./)
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/brand",
      "/api/brands",
      "/api/city/{id}",
      "/api/company/{id}",
      "/api/config/{brand}",
      "/api/history/{kind}/{id}",
      "/api/leaderboard/score",
      "/api/recent",
      "/api/score/company/{id}",
      "/api/search",
      "/api/state/{id}",
      "/api/top",
      "/api/violations/{id}",
      "/api/violations/{id}/summary"
    ])
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
        for (const p of params)
          expect(
            op.parameters?.some((x) => x.in === "path" && x.name === p),
            `${method} ${path} ${p}`
          ).toBe(true)
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["400", "404"]))
        expect(Object.keys(op.responses).some((s) => s === "200" || s === "202")).toBe(true)
      }
    expect(Object.keys(doc.paths["/api/violations/{id}/summary"]!.post!.responses)).toEqual(
      expect.arrayContaining(["202", "429"])
    )
    // Every $ref resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!
    )
    for (const ref of refs) expect(doc.components.schemas[decodeURIComponent(ref)], ref).toBeDefined()
    const docs = await get("/docs")
    expect(docs.status).toBe(200)
    expect(await docs.text()).toContain("<html")
  })
})

describe("CORS", () => {
  it("answers preflights and exposes the validators to brand sites on other origins", async () => {
    const pre = await get("/api/violations/x/summary", {
      method: "OPTIONS",
      headers: {
        origin: "https://oshatrail.example.org",
        "access-control-request-method": "POST"
      }
    })
    expect(pre.status).toBeLessThan(300)
    expect(pre.headers.get("access-control-allow-origin")).toBeTruthy()
    const r = await get("/api/company/acme-widgets", { headers: { origin: "https://oshatrail.example.org" } })
    expect(r.headers.get("access-control-allow-origin")).toBeTruthy()
    expect(r.headers.get("access-control-expose-headers")).toContain("etag")
  })
})
