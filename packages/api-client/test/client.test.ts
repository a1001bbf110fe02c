import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, serve } from "../../adapters-node/src/Serve"
import { ids, makeMemory, ServingStore, seed } from "../../api/test/seed"
import { ApiClient, call, urls } from "../src"

let server: RunningServer
beforeAll(async () => {
  const store = makeMemory()
  await Effect.runPromise(seed.pipe(Effect.provideService(ServingStore, store)))
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
})
