import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { InvalidRequestError, NotFoundError, RateLimitedError, UnavailableError } from "./Errors"
import {
  BrandConfigResponse,
  CompanyResponse,
  HistoryResponse,
  PlaceResponse,
  RecentResponse,
  SearchResponse,
  SummaryAccepted,
  TopResponse,
  ViolationResponse
} from "./Model"
import { ScoreGroup } from "./Score"

/*
 * Path and query parameters are declared as plain strings and validated by the handlers, so a malformed id
 * gets a 400 whose body says which field was wrong and why (the framework's own decoding failure is an
 * empty 400). The OpenAPI descriptions document the accepted shapes.
 */
const id = (description: string) => Schema.String.annotate({ description })

const readErrors = [InvalidRequestError, NotFoundError, UnavailableError] as const

/** `GET /api/company/:id`. */
export class CompanyGroup extends HttpApiGroup.make("company")
  .add(
    HttpApiEndpoint.get("get", "/api/company/:id", {
      params: { id: id("company slug, e.g. tesla or walmart") },
      success: CompanyResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({
        summary: "A company: profile, totals per agency and all, recent violations grouped by agency"
      })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Companies" })) {}

/** `GET /api/city/:id`, `GET /api/state/:id`. */
export class PlacesGroup extends HttpApiGroup.make("places")
  .add(
    HttpApiEndpoint.get("city", "/api/city/:id", {
      params: { id: id("city slug <city>-<st>, e.g. austin-tx") },
      success: PlaceResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({ summary: "A city: profile, totals, recent violations, Top-10 companies" })
    ),
    HttpApiEndpoint.get("state", "/api/state/:id", {
      params: { id: id("USPS state code, e.g. tx or TX") },
      success: PlaceResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({ summary: "A state: profile, totals, recent violations, Top-10 companies" })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Places" })) {}

/** `GET /api/top`. */
export class TopGroup extends HttpApiGroup.make("top")
  .add(
    HttpApiEndpoint.get("get", "/api/top", {
      query: {
        scope: Schema.optional(id("national (default), state:TX or city:<city-slug>")),
        by: Schema.optional(id("count (default) or penalties")),
        agency: Schema.optional(id("an agency id such as osha, or all (default)"))
      },
      success: TopResponse,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({ summary: "A stored Top-10 list of companies" }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Top lists" })) {}

/** `GET /api/config/:brand`. */
export class ConfigGroup extends HttpApiGroup.make("config")
  .add(
    HttpApiEndpoint.get("get", "/api/config/:brand", {
      params: { brand: id("brand id, e.g. oshatrail") },
      success: BrandConfigResponse,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({ summary: "A brand's site configuration" }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Brands" })) {}

/** `GET /api/search`. */
export class SearchGroup extends HttpApiGroup.make("search")
  .add(
    HttpApiEndpoint.get("get", "/api/search", {
      query: {
        q: Schema.optional(id("the name to look for (1..100 characters), typos tolerated, e.g. walmrt")),
        kind: Schema.optional(id("company, city or state (default: all three)")),
        limit: Schema.optional(id("results, 1..50 (default 10)"))
      },
      success: SearchResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({
        summary: "Find companies, cities and states by name: exact slug, then prefix, then similar names"
      })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Search" })) {}

/** `GET /api/history/:kind/:id`. */
export class HistoryGroup extends HttpApiGroup.make("history")
  .add(
    HttpApiEndpoint.get("get", "/api/history/:kind/:id", {
      params: {
        kind: id("company, city or state"),
        id: id("the entity's id, as in /api/company/:id, /api/city/:id or /api/state/:id")
      },
      success: HistoryResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({
        summary: "Violations and penalties per year and agency of a company, city or state"
      })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "History" })) {}

/** `GET /api/recent`. */
export class RecentGroup extends HttpApiGroup.make("recent")
  .add(
    HttpApiEndpoint.get("get", "/api/recent", {
      query: {
        agency: Schema.optional(id("an agency id such as osha, or all (default)")),
        limit: Schema.optional(id("items, 1..50 (default 10)"))
      },
      success: RecentResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({ summary: "The most recent live violations nationally, newest first" })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Recent violations" })) {}

/** `GET /api/brand`, `GET /api/brands`. */
export class BrandsGroup extends HttpApiGroup.make("brands")
  .add(
    HttpApiEndpoint.get("byHost", "/api/brand", {
      query: {
        host: Schema.optional(
          id("the site's host as in location.host, e.g. oshatrail.com or www.oshatrail.com:8443")
        )
      },
      success: BrandConfigResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({
        summary: "The brand served on a host (case, a leading www. and a :port are ignored)"
      })
    ),
    HttpApiEndpoint.get("list", "/api/brands", {
      success: Schema.Array(BrandConfigResponse),
      error: readErrors
    }).annotateMerge(OpenApi.annotations({ summary: "Every brand, by id (for a brand switcher)" }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Brands" })) {}

/** `GET /api/violations/:id`, `POST /api/violations/:id/summary`. */
export class ViolationsGroup extends HttpApiGroup.make("violations")
  .add(
    HttpApiEndpoint.get("get", "/api/violations/:id", {
      params: { id: id("violation id agency:dataset:source-id, e.g. osha:osha_violation:1234567-01001") },
      query: {
        entity: Schema.optional(
          id("entity key under which the violation was seen (COMPANY#<slug>, CITY#<slug>, STATE#<st>)")
        )
      },
      success: ViolationResponse,
      error: readErrors
    }).annotateMerge(
      OpenApi.annotations({ summary: "One violation: its summary (or null) and the raw description" })
    ),
    HttpApiEndpoint.post("summarize", "/api/violations/:id/summary", {
      params: { id: id("violation id agency:dataset:source-id") },
      query: {
        entity: Schema.optional(id("entity key under which the violation was seen")),
        brand: Schema.optional(id("brand id the trigger comes from (rate-limit bucket), default: default"))
      },
      success: SummaryAccepted.pipe(HttpApiSchema.status(202)),
      error: [...readErrors, RateLimitedError]
    }).annotateMerge(
      OpenApi.annotations({
        summary: "Ask for an AI summary: 202 at once, generated in the background (at most one per violation)"
      })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Violations" })) {}

const info = OpenApi.annotations({
  title: "VentureOS API",
  version: "2.0.0",
  description:
    "US federal enforcement records (OSHA, EPA, FAA) by company, city and state, with lazily generated plain-language summaries."
})

/** The whole VentureOS API v2: one definition for the server, the OpenAPI document and the typed client. */
export class Api extends HttpApi.make("ventureos")
  .add(CompanyGroup)
  .add(PlacesGroup)
  .add(TopGroup)
  .add(ConfigGroup)
  .add(ViolationsGroup)
  .add(SearchGroup)
  .add(HistoryGroup)
  .add(RecentGroup)
  .add(BrandsGroup)
  .add(ScoreGroup)
  .annotateMerge(info) {}

/*
 * Slices of the same API (same id, so the same group implementations serve them) for the separate Lambda
 * entry points: each serves only its routes.
 */
/** Served by `api-company-handler`: companies, name search, entity histories and offender scores. */
export class CompanyApi extends HttpApi.make("ventureos")
  .add(CompanyGroup)
  .add(SearchGroup)
  .add(HistoryGroup)
  .add(ScoreGroup)
  .annotateMerge(info) {}
/** Served by `api-city-handler`: cities, states, Top-10 lists and the national recent feed. */
export class PlacesApi extends HttpApi.make("ventureos")
  .add(PlacesGroup)
  .add(TopGroup)
  .add(RecentGroup)
  .annotateMerge(info) {}
/** Served by `api-config-handler`: brand configs, by id or host, and the list. */
export class ConfigApi extends HttpApi.make("ventureos")
  .add(ConfigGroup)
  .add(BrandsGroup)
  .annotateMerge(info) {}
/** Served by the violations handler (reads and summary triggers). */
export class ViolationsApi extends HttpApi.make("ventureos").add(ViolationsGroup).annotateMerge(info) {}
