import { Api } from "@ventureos/api-contract"
import { makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { afterAll, describe, expect, it } from "vitest"
import { urls } from "../../api-client/src/index"
import {
  layerCompanyRoutes,
  layerConfigRoutes,
  layerPlacesRoutes,
  layerRoutes,
  layerServices,
  TrustForwardedFor
} from "../src"
import { records, seedDashboards } from "./seed"

/**
 * The dashboards' endpoints (search, history, recent, brands) served by the same routes as the Node server
 * and the Lambdas, called as web requests (and through the typed client), over a seeded memory store.
 */
const store = makeMemory()
await Effect.runPromise(seedDashboards.pipe(Effect.provideService(ServingStore, store)))

const webHandler = (routes: Layer.Layer<never, unknown, never>) =>
  HttpRouter.toWebHandler(
    routes.pipe(
      Layer.provide(layerServices()),
      Layer.provide(Layer.succeed(ServingStore, store)),
      Layer.provide(Layer.succeed(TrustForwardedFor, false)),
      Layer.provide(HttpServer.layerServices)
    ) as never,
    { disableLogger: true }
  )
const all = webHandler(layerRoutes() as never)
const slices = {
  company: webHandler(layerCompanyRoutes as never),
  places: webHandler(layerPlacesRoutes as never),
  config: webHandler(layerConfigRoutes as never)
}
afterAll(async () => {
  for (const h of [all, ...Object.values(slices)]) await h.dispose()
})

const request = (h: typeof all, path: string) =>
  (h.handler as (r: Request) => Promise<Response>)(new Request(`http://api.test${path}`))
const get = async (path: string, h = all) => {
  const r = await request(h, path)
  // biome-ignore lint/suspicious/noExplicitAny: bodies of many shapes, each checked by the assertions
  const body: any = await r.json()
  return { status: r.status, type: r.headers.get("content-type") ?? "", body }
}

/** The typed client, its fetch answered by the routes (no socket). */
const client = <A, E>(f: (api: HttpApiClient.ForApi<typeof Api>) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.flatMap(HttpApiClient.make(Api, { baseUrl: "http://api.test" }), f).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.provideService(FetchHttpClient.Fetch, ((input: RequestInfo | URL, init?: RequestInit) =>
        (all.handler as (r: Request) => Promise<Response>)(new Request(input, init))) as typeof fetch)
    )
  )

const hits = (body: { results: ReadonlyArray<{ match: string; id: string }> }) =>
  body.results.map((r) => `${r.match}:${r.id}`)

describe("GET /api/search", () => {
  it("finds names with typos and split words: walmrt, wal mart, CORECTIONS", async () => {
    const walmrt = await get(urls.search("walmrt"))
    expect(walmrt.status).toBe(200)
    expect(walmrt.body.query).toBe("walmrt")
    // WALMART INC is all of its name; WAL-MART STORES and SUPER WALMART only begin or contain it.
    expect(hits(walmrt.body)).toEqual(["fuzzy:walmart", "fuzzy:walmart-stores", "fuzzy:super-walmart"])
    expect(walmrt.body.results[1]).toEqual({
      kind: "company",
      id: "walmart-stores",
      entity_key: "COMPANY#walmart-stores",
      display_name: "WAL-MART STORES, INC.",
      place: "BENTONVILLE, AR",
      violation_count: 500,
      match: "fuzzy",
      score: 0.857
    })
    expect(hits((await get(urls.search("wal mart"))).body)[0]).toBe("prefix:walmart-stores")
    expect(hits((await get(urls.search("CORECTIONS"))).body)).toEqual([
      "fuzzy:california-department-of-corrections"
    ])
  })

  it("ranks exact slug first, then prefix, then fuzzy, whatever the counts", async () => {
    // WALMART INC (3 violations) is the slug; WAL-MART STORES (500) starts with it; SUPER WALMART (900)
    // only contains it.
    expect(hits((await get(urls.search("walmart"))).body)).toEqual([
      "exact:walmart",
      "prefix:walmart-stores",
      "fuzzy:super-walmart"
    ])
    // Type-ahead: names starting with the text, most-cited first.
    expect(hits((await get(urls.search("wal"))).body).slice(0, 3)).toEqual([
      "prefix:walmart-stores",
      "prefix:walgreen",
      "prefix:walmart"
    ])
    expect(hits((await get(urls.search("wal", { limit: 1 }))).body)).toEqual(["prefix:walmart-stores"])
    expect(hits((await get(urls.search("austin", { kind: "city" }))).body)).toEqual(["prefix:austin-tx"])
    expect(hits((await get(urls.search("texas"))).body)).toEqual(["exact:tx"])
    expect((await get(urls.search("qqqqqq"))).body).toEqual({ query: "qqqqqq", results: [] })
  })

  it("answers 400 naming the field and value: blank or long q, bad kind or limit", async () => {
    const cases: Array<[string, string, string]> = [
      ["/api/search", "q", "required"],
      ["/api/search?q=%20%20", "q", "required"],
      [`/api/search?q=${"x".repeat(101)}`, "q", "at most 100"],
      ["/api/search?q=wal&kind=planet", "kind", "company, city or state"],
      ["/api/search?q=wal&limit=0", "limit", "1 to 50"],
      ["/api/search?q=wal&limit=51", "limit", "1 to 50"],
      ["/api/search?q=wal&limit=ten", "limit", "1 to 50"]
    ]
    for (const [path, field, reason] of cases) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 400 })
      expect(r.type).toContain("application/json")
      expect(r.body).toMatchObject({ _tag: "InvalidRequestError", field })
      expect(r.body.reason).toContain(reason)
    }
    expect((await get("/api/search?q=wal&kind=planet")).body.value).toBe("planet")
  })
})

describe("GET /api/history/:kind/:id", () => {
  it("serves the stored points, an empty history for a known entity, 404 for an unknown one", async () => {
    const acme = await get(urls.history("company", "acme-widgets"))
    expect(acme.status).toBe(200)
    expect(acme.body).toMatchObject({
      kind: "company",
      id: "acme-widgets",
      entity_key: "COMPANY#acme-widgets",
      source_snapshot: "1"
    })
    expect(acme.body.points).toEqual([
      {
        agency: "epa",
        year: 2024,
        violation_count: 1,
        penalty_initial_total: "1250.00",
        penalty_current_total: "900.00"
      },
      {
        agency: "osha",
        year: 2024,
        violation_count: 2,
        penalty_initial_total: "16250.00",
        penalty_current_total: "15900.00"
      }
    ])
    // The seed's records agree with it.
    const acmeRecords = records.filter((r) => r.company_slug === "acme-widgets")
    expect(
      acme.body.points.reduce((a: number, p: { violation_count: number }) => a + p.violation_count, 0)
    ).toBe(acmeRecords.length)
    const city = await get(urls.history("city", "austin-tx"))
    expect(city.status).toBe(200)
    expect(city.body).toMatchObject({ points: [], source_snapshot: null, updated_at: null })
    const missing = await get(urls.history("company", "nobody-inc"))
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ _tag: "NotFoundError", resource: "company", id: "nobody-inc" })
  })

  it("answers 400 for a bad kind or an id its endpoint would refuse", async () => {
    const cases: Array<[string, string, string]> = [
      ["/api/history/planet/x", "kind", "company, city or state"],
      ["/api/history/company/Tesla", "id", "lowercase"],
      ["/api/history/city/austin", "id", "state code"],
      ["/api/history/state/zz", "id", "USPS"]
    ]
    for (const [path, field, reason] of cases) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 400 })
      expect(r.body).toMatchObject({ _tag: "InvalidRequestError", field })
      expect(r.body.reason).toContain(reason)
    }
  })
})

describe("GET /api/recent", () => {
  it("serves the newest live violations nationally, per agency or all", async () => {
    const all = await get(urls.recent())
    expect(all.status).toBe(200)
    expect(all.body.agency).toBe("all")
    const dates = all.body.items.map((i: { date: string }) => i.date)
    expect(dates).toEqual([...dates].sort().reverse())
    expect(all.body.items).toHaveLength(records.length)
    expect(all.body.items[0]).toMatchObject({
      violation_id: records[0]!.violation_id,
      company_slug: "acme-widgets"
    })
    const epa = await get(urls.recent({ agency: "epa", limit: 1 }))
    expect(epa.body.items.map((i: { agency: string }) => i.agency)).toEqual(["epa"])
    expect(epa.body.items[0].date).toBe("2024-05-05")
    for (const [path, field] of [
      ["/api/recent?agency=OSHA!", "agency"],
      ["/api/recent?limit=0", "limit"],
      ["/api/recent?limit=51", "limit"]
    ] as const) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 400 })
      expect(r.body).toMatchObject({ _tag: "InvalidRequestError", field })
    }
  })
})

describe("GET /api/brand, /api/brands", () => {
  it("finds the brand of a host (case, www. and port ignored); 404 for others; 400 without a host name", async () => {
    for (const host of ["oshatrail.example.org", "WWW.OshaTrail.Example.org:8443"]) {
      const r = await get(urls.brand(host))
      expect({ host, status: r.status }).toEqual({ host, status: 200 })
      expect(r.body.id).toBe("oshatrail")
    }
    const other = await get(urls.brand("localhost:5173"))
    expect(other.status).toBe(404)
    expect(other.body).toMatchObject({ _tag: "NotFoundError", resource: "brand", id: "localhost" })
    for (const path of [
      "/api/brand",
      "/api/brand?host=",
      "/api/brand?host=a%20b",
      "/api/brand?host=x.com:http"
    ]) {
      const r = await get(path)
      expect({ path, status: r.status }).toEqual({ path, status: 400 })
      expect(r.body).toMatchObject({ _tag: "InvalidRequestError", field: "host" })
    }
    const list = await get(urls.brands())
    expect(list.status).toBe(200)
    expect(list.body.map((b: { id: string }) => b.id)).toEqual(["oshatrail"])
  })
})

describe("GET /api/company/:id, /api/city/:id: current penalty unknown", () => {
  it("serves the count of violations whose current penalty is unknown, documented and decoded by the client", async () => {
    const r = await get("/api/company/acme-widgets")
    expect(r.status).toBe(200)
    expect(r.body.stats_all).toMatchObject({
      penalty_current_total: "2700.00",
      penalty_current_unknown_count: 1
    })
    expect(
      r.body.stats_by_agency.map((s: { agency: string; penalty_current_unknown_count: number }) => [
        s.agency,
        s.penalty_current_unknown_count
      ])
    ).toEqual(
      expect.arrayContaining([
        ["osha", 0],
        ["epa", 0]
      ])
    )
    expect((await get("/api/city/austin-tx")).body.stats_all.penalty_current_unknown_count).toBe(1)
    const typed = await client((api) => api.company.get({ params: { id: "acme-widgets" } }))
    expect(typed.stats_all?.penalty_current_unknown_count).toBe(1)
    const doc = JSON.stringify((await get("/openapi.json")).body)
    expect(doc).toContain("penalty_current_unknown_count")
  })
})

describe("the contract: OpenAPI, typed client, Lambda slices", () => {
  it("documents the new endpoints", async () => {
    const doc = await get("/openapi.json")
    for (const path of [
      "/api/search",
      "/api/history/{kind}/{id}",
      "/api/recent",
      "/api/brand",
      "/api/brands"
    ])
      expect(Object.keys(doc.body.paths)).toContain(path)
  })

  it("the typed client calls and decodes them", async () => {
    const found = await client((api) => api.search.get({ query: { q: "wal mart", limit: "3" } }))
    expect(found.results[0]?.id).toBe("walmart-stores")
    const history = await client((api) =>
      api.history.get({ params: { kind: "company", id: "acme-widgets" } })
    )
    expect(history.points).toHaveLength(2)
    const recent = await client((api) => api.recent.get({ query: { agency: "osha", limit: "2" } }))
    expect(recent.items).toHaveLength(2)
    const brand = await client((api) => api.brands.byHost({ query: { host: "oshatrail.example.org" } }))
    expect(brand.id).toBe("oshatrail")
    expect((await client((api) => api.brands.list())).map((b) => b.id)).toEqual(["oshatrail"])
    const bad = await client((api) => Effect.flip(api.search.get({ query: { q: " " } })))
    expect(bad._tag).toBe("InvalidRequestError")
  })

  it("each Lambda slice serves its groups: search and history with companies, recent with places, brands with config", async () => {
    const served: Array<[typeof all, string]> = [
      [slices.company, urls.search("walmrt")],
      [slices.company, urls.history("company", "acme-widgets")],
      [slices.places, urls.recent()],
      [slices.config, urls.brand("oshatrail.example.org")],
      [slices.config, urls.brands()]
    ]
    for (const [h, path] of served)
      expect({ path, status: (await get(path, h)).status }).toEqual({ path, status: 200 })
    expect((await request(slices.places, urls.search("walmrt"))).status).toBe(404)
    expect((await request(slices.company, urls.recent())).status).toBe(404)
  })
})
