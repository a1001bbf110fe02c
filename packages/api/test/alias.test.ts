import { type EntityAlias, makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { afterAll, describe, expect, it } from "vitest"
import { layerRoutes, layerServices, TrustForwardedFor } from "../src"
import { seedDashboards } from "./seed"

/** Entity resolution joined a name variant to another company: its old URL answers as the company. */
const store = makeMemory()
await Effect.runPromise(
  Effect.gen(function* () {
    yield* seedDashboards
    const s = yield* ServingStore
    yield* s.putAliases([
      {
        entity_key: "COMPANY#acme-widgets-of-texas",
        alias_of: "COMPANY#acme-widgets",
        updated_at: "2026-11-30T10:00:00.000Z"
      } as EntityAlias
    ])
  }).pipe(Effect.provideService(ServingStore, store))
)
const web = HttpRouter.toWebHandler(
  (layerRoutes() as never as Layer.Layer<never>).pipe(
    Layer.provide(layerServices()),
    Layer.provide(Layer.succeed(ServingStore, store)),
    Layer.provide(Layer.succeed(TrustForwardedFor, false)),
    Layer.provide(HttpServer.layerServices)
  ) as never,
  { disableLogger: true }
)
afterAll(() => web.dispose())
const get = async (path: string) => {
  const r = await (web.handler as (r: Request) => Promise<Response>)(new Request(`http://api.test${path}`))
  // biome-ignore lint/suspicious/noExplicitAny: checked by the assertions
  return { status: r.status, body: (await r.json()) as any }
}

describe("GET /api/company/:id of a merged name variant", () => {
  it("answers with the company it was joined to, under the company's id", async () => {
    const company = await get("/api/company/acme-widgets")
    const old = await get("/api/company/acme-widgets-of-texas")
    expect(old.status).toBe(200)
    expect(old.body).toEqual(company.body)
    expect(old.body).toMatchObject({ id: "acme-widgets", entity_key: "COMPANY#acme-widgets" })
    expect((await get("/api/company/nobody-inc")).status).toBe(404)
  })
})
