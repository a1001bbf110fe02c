import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { Violation } from "@ventureos/core"
import { makeMemory, ServingStore } from "@ventureos/serving"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { afterAll, describe, expect, it } from "vitest"
import { scoreBoardsOf, scoresOf } from "../../pipeline/src/Score"
import { layerCompanyRoutes, layerRoutes, layerServices, TrustForwardedFor } from "../src"

/**
 * `GET /api/score/company/:id` and `GET /api/leaderboard/score` over a memory store holding the scores the
 * pipeline computes from real sample rows (the pipeline's score fixture), as of 2010-12-31.
 */
const records = readFileSync(
  join(import.meta.dirname, "../../pipeline/test/fixtures/score/records.jsonl"),
  "utf8"
)
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => JSON.parse(l) as Violation)
const at = "2026-11-30T00:00:00.000Z"
const scores = scoresOf(records, { asOf: "2010-12-31", updatedAt: at })
const store = makeMemory()
await Effect.runPromise(
  Effect.all([
    store.putScores(scores),
    store.putScoreBoards(scoreBoardsOf(scores, { limit: 25, asOf: "2010-12-31", updatedAt: at }))
  ])
)

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
const company = webHandler(layerCompanyRoutes as never)
afterAll(async () => {
  await all.dispose()
  await company.dispose()
})
const get = async (path: string, h = all) => {
  const r = await (h.handler as (r: Request) => Promise<Response>)(new Request(`http://api.test${path}`))
  // biome-ignore lint/suspicious/noExplicitAny: response bodies checked field by field
  const body: any = await r.json()
  return { status: r.status, body }
}

describe("GET /api/score/company/:id", () => {
  it("serves the stored score with its parts, citations and the violation ids behind each", async () => {
    const r = await get("/api/score/company/centinela-prison")
    expect(r.status).toBe(200)
    const stored = scores.find((s) => s.entity_key === "COMPANY#centinela-prison")!
    expect(r.body).toEqual({ id: "centinela-prison", ...stored })
    const fta = r.body.parts.find((p: { rule: string }) => p.rule === "osha.fta")
    expect(fta).toMatchObject({ points: 35, count: 7, status: "points" })
    expect(fta.violation_ids).toHaveLength(7)
    expect(fta.citation).toContain("Field Operations Manual")
    expect(r.body.agencies.map((a: { status: string }) => a.status)).toEqual(["scored", "no_data", "no_data"])
    // the Lambda slice for companies serves it too
    expect((await get("/api/score/company/centinela-prison", company)).body.total).toBe(40)
  })

  it("400 names the bad id, 404 says why nothing is there", async () => {
    const bad = await get("/api/score/company/Centinela-Prison")
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ _tag: "InvalidRequestError", field: "id" })
    const none = await get("/api/score/company/nobody-at-all")
    expect(none.status).toBe(404)
    expect(none.body.hint).toContain("no offender score")
  })
})

describe("GET /api/leaderboard/score", () => {
  it("national by default, a state by scope (case-lenient), 400 for other scopes, 404 when none stored", async () => {
    const national = await get("/api/leaderboard/score")
    expect(national.status).toBe(200)
    expect(
      national.body.entries.map((e: { entity_key: string; total: number }) => [e.entity_key, e.total])
    ).toEqual([
      ["COMPANY#centinela-prison", 40],
      ["COMPANY#boeing-commercial-airplanes", 22],
      ["COMPANY#mesa-airlines", 10],
      ["COMPANY#scenic-aviation", 6]
    ])
    const ca = await get("/api/leaderboard/score?scope=state:ca")
    expect(ca.body.scope).toBe("state:CA")
    expect(ca.body.entries).toHaveLength(1)
    const bad = await get("/api/leaderboard/score?scope=city:austin-tx")
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ field: "scope", value: "city:austin-tx" })
    expect((await get("/api/leaderboard/score?scope=state:TX")).status).toBe(404)
  })

  it("is in the OpenAPI document", async () => {
    const doc = await get("/openapi.json")
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/api/score/company/{id}", "/api/leaderboard/score"])
    )
  })
})
