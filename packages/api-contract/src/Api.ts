import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { InvalidRequestError, NotFoundError, RateLimitedError, UnavailableError } from "./Errors"
import {
  BrandConfigResponse,
  CompanyResponse,
  PlaceResponse,
  SummaryAccepted,
  TopResponse,
  ViolationResponse
} from "./Model"

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
  .annotateMerge(info) {}

/*
 * Slices of the same API (same id, so the same group implementations serve them) for the separate Lambda
 * entry points: each serves only its routes.
 */
/** Served by `api-company-handler`. */
export class CompanyApi extends HttpApi.make("ventureos").add(CompanyGroup).annotateMerge(info) {}
/** Served by `api-city-handler`: cities, states and Top-10 lists. */
export class PlacesApi extends HttpApi.make("ventureos").add(PlacesGroup).add(TopGroup).annotateMerge(info) {}
/** Served by `api-config-handler`. */
export class ConfigApi extends HttpApi.make("ventureos").add(ConfigGroup).annotateMerge(info) {}
/** Served by the violations handler (reads and summary triggers). */
export class ViolationsApi extends HttpApi.make("ventureos").add(ViolationsGroup).annotateMerge(info) {}
