/**
 * `@ventureos/api-client`: a typed client of the VentureOS API v2, derived from the HttpApi definition (so a
 * renamed field or endpoint is a compile error in the front end, not a runtime surprise).
 *
 * ```ts
 * import { makeClient } from "@ventureos/api-client"
 * const program = Effect.gen(function* () {
 *   const api = yield* makeClient("http://127.0.0.1:8787")
 *   const company = yield* api.company.get({ params: { id: "tesla" } })
 *   if (company.feed[0]?.items[0]?.summary === null)
 *     yield* api.violations.summarize({ params: { id: company.feed[0].items[0].violation_id }, query: {} })
 * })
 * Effect.runPromise(program.pipe(Effect.provide(FetchHttpClient.layer)))
 * ```
 */
import { Api, type EntityKindName } from "@ventureos/api-contract"
import { Context, Effect, Layer, Schedule } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { HttpApiClient } from "effect/http-api"

export * from "@ventureos/api-contract"

/**
 * The client's shape: one method per endpoint, grouped (`company.get`, `places.city`, `search.get`,
 * `history.get`, `recent.get`, `brands.byHost`, `brands.list`, `violations.summarize`…).
 */
export type VentureOsClient = HttpApiClient.ForApi<typeof Api>

/** Build a client for a base URL; transient failures (network, 5xx, 429) are retried a few times. */
export const makeClient = (baseUrl: string, options: { readonly retries?: number } = {}) =>
  HttpApiClient.make(Api, {
    baseUrl,
    transformClient: (client) =>
      (options.retries ?? 2) === 0
        ? client
        : client.pipe(
            HttpClient.retryTransient({ schedule: Schedule.exponential(100), times: options.retries ?? 2 })
          )
  })

/** The client as a service. */
export class ApiClient extends Context.Service<ApiClient, VentureOsClient>()(
  "@ventureos/api-client/ApiClient"
) {
  /** A client over `fetch` for a base URL. */
  static readonly layer = (baseUrl: string, options: { readonly retries?: number } = {}) =>
    Layer.effect(ApiClient, makeClient(baseUrl, options)).pipe(Layer.provide(FetchHttpClient.layer))
}

const queryString = (params: Record<string, string | number | undefined>): string => {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
  return parts.length === 0 ? "" : `?${parts.join("&")}`
}

/** Paths of the API, for links (`urls.company("tesla")`). */
export const urls = {
  company: (id: string) => `/api/company/${encodeURIComponent(id)}`,
  city: (id: string) => `/api/city/${encodeURIComponent(id)}`,
  state: (id: string) => `/api/state/${encodeURIComponent(id)}`,
  config: (brand: string) => `/api/config/${encodeURIComponent(brand)}`,
  /** `/api/search?q=walmrt&kind=company&limit=5`. */
  search: (q: string, options: { readonly kind?: EntityKindName; readonly limit?: number } = {}) =>
    `/api/search${queryString({ q, kind: options.kind, limit: options.limit })}`,
  /** `/api/history/company/walmart-stores`. */
  history: (kind: EntityKindName, id: string) =>
    `/api/history/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`,
  /** `/api/recent?agency=osha&limit=20` (agency `all` and limit 10 by default). */
  recent: (options: { readonly agency?: string; readonly limit?: number } = {}) =>
    `/api/recent${queryString({ agency: options.agency, limit: options.limit })}`,
  /** `/api/brand?host=oshatrail.com` (pass `location.host`). */
  brand: (host: string) => `/api/brand${queryString({ host })}`,
  brands: () => "/api/brands",
  /** `/api/score/company/walmart-stores`: the offender score with its breakdown. */
  score: (id: string) => `/api/score/company/${encodeURIComponent(id)}`,
  /** `/api/leaderboard/score?scope=state:CA` (national by default). */
  scoreLeaderboard: (scope?: string) => `/api/leaderboard/score${queryString({ scope })}`,
  violation: (id: string, entity?: string) =>
    `/api/violations/${encodeURIComponent(id)}${entity === undefined ? "" : `?entity=${encodeURIComponent(entity)}`}`
}

/** Run one client call with fetch (for front ends that do not use effect elsewhere). */
export const call = <A, E>(
  baseUrl: string,
  f: (client: VentureOsClient) => Effect.Effect<A, E, never>
): Promise<A> =>
  Effect.runPromise(Effect.flatMap(makeClient(baseUrl), f).pipe(Effect.provide(FetchHttpClient.layer)))
