import { createHash } from "node:crypto"
import { Api, CompanyApi, ConfigApi, PlacesApi, ViolationsApi } from "@ventureos/api-contract"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import {
  BrandsHandlers,
  CompanyHandlers,
  ConfigHandlers,
  HistoryHandlers,
  PlacesHandlers,
  RecentHandlers,
  SearchHandlers,
  TopHandlers,
  ViolationsHandlers
} from "./Handlers"
import { ScoreHandlers } from "./ScoreHandlers"

/** Cache policy of a successful GET, by path. */
export const cacheControlFor = (path: string): string | undefined =>
  path.startsWith("/api/violations/")
    ? // A summary can appear at any time: always revalidate (cheap with the ETag).
      "no-cache"
    : path.startsWith("/api/")
      ? "public, max-age=60, stale-while-revalidate=300"
      : path === "/openapi.json"
        ? "public, max-age=300"
        : undefined

/** A strong validator of a body. */
export const etagOf = (body: Uint8Array): string => `"${createHash("sha1").update(body).digest("base64url")}"`

/** RFC 9110 If-None-Match (weak comparison). */
export const matchesIfNoneMatch = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false
  const bare = etag.replace(/^W\//, "")
  return header
    .split(",")
    .map((t) => t.trim())
    .some((t) => t === "*" || t.replace(/^W\//, "") === bare)
}

/**
 * ETag and Cache-Control on successful reads, `304 Not Modified` when `If-None-Match` matches, and
 * `Retry-After` on 429s. One global middleware, so every deployment (Node server, Lambda) behaves alike.
 */
export const CachingMiddleware = /* @__PURE__ */ HttpRouter.middleware(
  (app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const response = yield* app
      const path = request.url.split("?")[0] ?? request.url
      if (response.status === 429 && response.body._tag === "Uint8Array") {
        const retry = /"retry_after_seconds":(\d+)/.exec(new TextDecoder().decode(response.body.body))?.[1]
        return retry === undefined ? response : HttpServerResponse.setHeader(response, "retry-after", retry)
      }
      if ((request.method !== "GET" && request.method !== "HEAD") || response.status !== 200) return response
      if (response.body._tag !== "Uint8Array") return response
      const cacheControl = cacheControlFor(path)
      if (cacheControl === undefined) return response
      const etag = etagOf(response.body.body)
      const headers = { etag, "cache-control": cacheControl, vary: "accept-encoding" }
      if (matchesIfNoneMatch(request.headers["if-none-match"], etag))
        return HttpServerResponse.empty({ status: 304, headers })
      return HttpServerResponse.setHeaders(response, headers)
    }),
  { global: true }
)

/**
 * CORS for brand sites on other origins: public reads and the summary trigger from any origin, with the
 * validators and `Retry-After` readable by scripts.
 */
export const CorsMiddleware = /* @__PURE__ */ HttpRouter.cors({
  allowedMethods: ["GET", "HEAD", "POST", "OPTIONS"],
  allowedHeaders: ["content-type", "if-none-match"],
  exposedHeaders: ["etag", "cache-control", "retry-after"],
  maxAge: 600
})

/**
 * Security headers on every response: no MIME sniffing, no framing, no referrer leaks; API JSON (and the
 * OpenAPI document) may load nothing at all (`default-src 'none'`). Pages that set their own policy (the
 * dashboards' index.html, the docs page) keep it.
 */
export const SecurityHeadersMiddleware = /* @__PURE__ */ HttpRouter.middleware(
  (app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const response = yield* app
      const path = request.url.split("?")[0] ?? request.url
      const headers: Record<string, string> = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer"
      }
      if (
        response.headers["content-security-policy"] === undefined &&
        (path.startsWith("/api/") || path === "/openapi.json")
      )
        headers["content-security-policy"] = "default-src 'none'; frame-ancestors 'none'"
      return HttpServerResponse.setHeaders(response, headers)
    }),
  { global: true }
)

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>VentureOS API</title>
  </head>
  <body>
    <noscript>The API reference needs JavaScript; the OpenAPI document is at <a href="openapi.json">openapi.json</a>.</noscript>
    <script id="api-reference" data-url="openapi.json"></script>
    <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
  </body>
</html>
`

/**
 * Human docs at `/docs`: a static page rendering `openapi.json` (a relative URL, so it works under an API
 * Gateway stage prefix) with Scalar loaded from its CDN. It keeps Lambda bundles small; the Node server can
 * use effect's bundled Scalar instead (works offline).
 */
export function docsCdn() {
  return HttpRouter.add("GET", "/docs", HttpServerResponse.html(DOCS_PAGE))
}

const openapiPath = "/openapi.json" as const

/**
 * The whole API as router routes: every endpoint, `/openapi.json`, caching, and `docs` (e.g.
 * {@link docsCdn}) when given. Needs the serving store, the violation locator and the summary trigger
 * (see `layerServices`), plus the HTTP platform services a server provides.
 */
export const layerRoutes = (
  options: { readonly docs?: Layer.Layer<never, never, HttpRouter.HttpRouter> } = {}
) =>
  Layer.mergeAll(
    HttpApiBuilder.layer(Api, { openapiPath }).pipe(
      Layer.provide([
        CompanyHandlers,
        PlacesHandlers,
        TopHandlers,
        ConfigHandlers,
        ViolationsHandlers,
        SearchHandlers,
        HistoryHandlers,
        RecentHandlers,
        BrandsHandlers,
        ScoreHandlers
      ])
    ),
    options.docs ?? Layer.empty,
    CachingMiddleware,
    CorsMiddleware,
    SecurityHeadersMiddleware
  )

/** Routes of `api-company-handler`: companies, name search, entity histories and offender scores. */
export const layerCompanyRoutes = /* @__PURE__ */ Layer.mergeAll(
  HttpApiBuilder.layer(CompanyApi, { openapiPath }).pipe(
    Layer.provide([CompanyHandlers, SearchHandlers, HistoryHandlers, ScoreHandlers])
  ),
  CachingMiddleware,
  CorsMiddleware,
  SecurityHeadersMiddleware
)

/** Routes of `api-city-handler`: cities, states, Top-10 lists and the national recent feed. */
export const layerPlacesRoutes = /* @__PURE__ */ Layer.mergeAll(
  HttpApiBuilder.layer(PlacesApi, { openapiPath }).pipe(
    Layer.provide([PlacesHandlers, TopHandlers, RecentHandlers])
  ),
  CachingMiddleware,
  CorsMiddleware,
  SecurityHeadersMiddleware
)

/** Routes of `api-config-handler`: brand configs, by id or host, and the list. */
export const layerConfigRoutes = /* @__PURE__ */ Layer.mergeAll(
  HttpApiBuilder.layer(ConfigApi, { openapiPath }).pipe(Layer.provide([ConfigHandlers, BrandsHandlers])),
  CachingMiddleware,
  CorsMiddleware,
  SecurityHeadersMiddleware
)

/** Routes of a violations-only handler (reads and summary triggers). */
export const layerViolationsRoutes = /* @__PURE__ */ Layer.mergeAll(
  HttpApiBuilder.layer(ViolationsApi, { openapiPath }).pipe(Layer.provide(ViolationsHandlers)),
  CachingMiddleware,
  CorsMiddleware,
  SecurityHeadersMiddleware
)
