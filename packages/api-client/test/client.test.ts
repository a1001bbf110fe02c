import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, serve } from "../../adapters-node/src/Serve"
import { ids, makeMemory, ServingStore, seedDashboards } from "../../api/test/seed"
import { ApiClient, call, urls } from "../src"

let server: RunningServer
beforeAll(async () => {
  const store = makeMemory()
  await Effect.runPromise(seedDashboards.pipe(Effect.provideService(ServingStore, store)))
  server = await serve({ port: 0, layer: Layer.succeed(ServingStore, store), docs: "none" })
})
afterAll(() => server?.close())

describe("@ventureos/api-client", () => {
  it("calls endpoints with promises (front ends without effect)", async () => {
    const c = await call(server.url, (api) => api.company.get({ params: { id: "acme-widgets" } }))
    expect(c.profile?.display_name).toBe("ACME WIDGETS INC")
    const city = await call(server.url, (api) => api.places.city({ params: { id: "austin-tx" } }))
    expect(city.kind).toBe("city")
    await expect(
      call(server.url, (api) => api.company.get({ params: { id: "nobody" } }))
    ).rejects.toMatchObject({
      _tag: "NotFoundError"
    })
  })

  it("provides the client as a service and builds links", async () => {
    const brand = await Effect.runPromise(
      Effect.gen(function* () {
        const api = yield* ApiClient
        return yield* api.config.get({ params: { brand: "oshatrail" } })
      }).pipe(Effect.provide(ApiClient.layer(server.url)))
    )
    expect(brand.name).toBe("OSHA Trail")
    expect(urls.violation(ids.acme, "COMPANY#acme-widgets")).toBe(
      "/api/violations/osha%3Aosha_test%3A1001?entity=COMPANY%23acme-widgets"
    )
    const r = await fetch(`${server.url}${urls.violation(ids.acme, "COMPANY#acme-widgets")}`)
    expect(r.status).toBe(200)
  })

  it("builds the dashboards' links: search, history, recent, brand by host, brands", async () => {
    expect(urls.search("wal mart", { kind: "company", limit: 5 })).toBe(
      "/api/search?q=wal%20mart&kind=company&limit=5"
    )
    expect(urls.history("company", "acme-widgets")).toBe("/api/history/company/acme-widgets")
    expect(urls.recent()).toBe("/api/recent")
    expect(urls.recent({ agency: "osha", limit: 20 })).toBe("/api/recent?agency=osha&limit=20")
    expect(urls.brand("www.oshatrail.example.org:8443")).toBe(
      "/api/brand?host=www.oshatrail.example.org%3A8443"
    )
    for (const path of [
      urls.search("walmrt"),
      urls.history("company", "acme-widgets"),
      urls.recent({ agency: "osha", limit: 2 }),
      urls.brand("www.oshatrail.example.org:8443"),
      urls.brands()
    ]) {
      const r = await fetch(`${server.url}${path}`)
      expect({ path, status: r.status }).toEqual({ path, status: 200 })
    }
    const found = await call(server.url, (api) => api.search.get({ query: { q: "wal mart" } }))
    expect(found.results[0]?.id).toBe("walmart-stores")
  })
})
