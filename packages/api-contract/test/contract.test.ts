import { OpenApi } from "effect/http-api"
import { describe, expect, it } from "vitest"
import {
  Api,
  brandHost,
  brandId,
  CompanyApi,
  ConfigApi,
  cityEntityKey,
  companyEntityKey,
  entityKeyHint,
  historyKey,
  InvalidRequestError,
  limitParam,
  PlacesApi,
  recentQuery,
  searchQuery,
  stateEntityKey,
  topQuery,
  violationId
} from "../src"

const reason = (v: unknown) => (v instanceof InvalidRequestError ? v.reason : undefined)

describe("id validation", () => {
  it("maps valid ids to entity keys", () => {
    expect(companyEntityKey("wal-mart-stores")).toBe("COMPANY#wal-mart-stores")
    expect(cityEntityKey("san-antonio-tx")).toBe("CITY#san-antonio-tx")
    expect(stateEntityKey("TX")).toBe("STATE#tx")
    expect(stateEntityKey("pr")).toBe("STATE#pr")
    expect(topQuery({})).toEqual({ scope: "national", by: "count", agency: "all" })
    expect(topQuery({ scope: "state:tx", by: "penalties", agency: "osha" })).toEqual({
      scope: "state:TX",
      by: "penalties",
      agency: "osha"
    })
    expect(violationId("epa:npdes_formal_actions:FL0001-2019-01")).toBe(
      "epa:npdes_formal_actions:FL0001-2019-01"
    )
    expect(entityKeyHint(undefined)).toBeUndefined()
  })

  it("says what was wrong, and never lets a '#' through (key injection)", () => {
    expect(reason(companyEntityKey("Tesla"))).toContain("try tesla")
    expect(reason(companyEntityKey("tesla#STATS"))).toContain("slug")
    expect(reason(companyEntityKey(""))).toContain("required")
    expect(reason(cityEntityKey("austin"))).toContain("state code")
    expect(reason(cityEntityKey("austin-zz"))).toContain("state code")
    expect(reason(stateEntityKey("texas"))).toContain("USPS")
    expect(reason(topQuery({ scope: "city:Austin" }))).toContain("national")
    expect(reason(topQuery({ scope: "state:ZZ" }))).toContain("unknown state")
    expect(reason(topQuery({ agency: "OSHA" }))).toContain("agency")
    expect(reason(brandId("Osha Trail"))).toContain("brand id")
    expect(reason(violationId("osha:x:1#2"))).toContain("'#'")
    expect(reason(entityKeyHint("COMPANY#a#b"))).toContain("COMPANY#")
    const long = companyEntityKey("x".repeat(10_000))
    expect(long instanceof InvalidRequestError && long.value.length).toBeLessThanOrEqual(201)
  })
})

describe("dashboard query validation", () => {
  it("search, history, recent and brand hosts: values with defaults, or what was wrong", () => {
    expect(searchQuery({ q: "  walmrt " })).toEqual({ q: "walmrt", kind: undefined, limit: 10 })
    expect(searchQuery({ q: "austin", kind: "city", limit: "50" })).toEqual({
      q: "austin",
      kind: "city",
      limit: 50
    })
    expect(reason(searchQuery({}))).toContain("required")
    expect(reason(searchQuery({ q: "x".repeat(101) }))).toContain("at most 100")
    expect(reason(searchQuery({ q: "x", kind: "planet" }))).toContain("company, city or state")
    // Forms send empty optional fields: they mean the default.
    expect(searchQuery({ q: "wal", kind: "", limit: "" })).toEqual({ q: "wal", kind: undefined, limit: 10 })
    expect(recentQuery({ agency: "", limit: "" })).toEqual({ agency: "all", limit: 10 })
    for (const limit of ["0", "51", "-1", "1.5", "ten", " ", "0010"])
      expect(limitParam(limit), limit).toBeInstanceOf(InvalidRequestError)
    expect(limitParam("010")).toBe(10)
    expect(historyKey("state", "TX")).toBe("STATE#tx")
    expect(historyKey("city", "austin-tx")).toBe("CITY#austin-tx")
    expect(reason(historyKey("planet", "x"))).toContain("company, city or state")
    expect(reason(historyKey("company", "a#b"))).toContain("slug")
    expect(recentQuery({})).toEqual({ agency: "all", limit: 10 })
    expect(reason(recentQuery({ agency: "OSHA" }))).toContain("agency")
    expect(brandHost("WWW.OshaTrail.com:8443")).toBe("oshatrail.com")
    expect(brandHost("oshatrail.com.")).toBe("oshatrail.com")
    for (const bad of [undefined, "", "a b", "x..y", "x.com:http", "[::1]:80"])
      expect(brandHost(bad), String(bad)).toBeInstanceOf(InvalidRequestError)
  })
})

describe("OpenAPI document", () => {
  it("documents every endpoint with its errors, and slices share the definition", () => {
    const spec = OpenApi.fromApi(Api)
    expect(spec.info.title).toBe("VentureOS API")
    const ops = Object.values(spec.paths).flatMap((p) => Object.values(p as object)) as Array<{
      operationId: string
      responses: Record<string, unknown>
    }>
    expect(ops.map((o) => o.operationId).sort()).toEqual([
      "brands.byHost",
      "brands.list",
      "company.get",
      "config.get",
      "history.get",
      "places.city",
      "places.state",
      "recent.get",
      "score.company",
      "score.leaderboard",
      "search.get",
      "top.get",
      "violations.get",
      "violations.summarize"
    ])
    for (const o of ops)
      expect(Object.keys(o.responses)).toEqual(expect.arrayContaining(["400", "404", "503"]))
    expect(Object.keys(OpenApi.fromApi(CompanyApi).paths)).toEqual([
      "/api/company/{id}",
      "/api/search",
      "/api/history/{kind}/{id}",
      "/api/score/company/{id}",
      "/api/leaderboard/score"
    ])
    expect(Object.keys(OpenApi.fromApi(PlacesApi).paths)).toContain("/api/recent")
    expect(Object.keys(OpenApi.fromApi(ConfigApi).paths)).toEqual([
      "/api/config/{brand}",
      "/api/brand",
      "/api/brands"
    ])
  })
})
