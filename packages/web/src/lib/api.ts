import type {
  BrandConfigResponse,
  CompanyResponse,
  EntityKindName,
  HistoryResponse,
  PlaceResponse,
  RecentResponse,
  ScoreBoardResponse,
  ScoreResponse,
  SearchResponse,
  SummaryAccepted,
  TopResponse,
  ViolationResponse
} from "@ventureos/api-contract"

/*
 * A plain-fetch client typed with the contract's response types. Effect's HttpApiClient would type the
 * same calls but costs ~136 KB gzip in a browser bundle; the server already validates every response
 * against the same schemas before sending it.
 */

/** Runtime configuration read from `config.json` beside index.html. */
export interface RuntimeConfig {
  /** Base URL of the API ("" = same origin as the page). */
  readonly apiBaseUrl: string
  /** Brand used when neither the URL nor the host names one. */
  readonly defaultBrand?: string | undefined
}

let base = ""

/** Use `apiBaseUrl` for every later call (trailing slashes dropped). */
export const setApiBase = (url: string): void => {
  base = url.replace(/\/+$/, "")
}

/**
 * `config.json` lives beside index.html. The entry script is always emitted in `assets/` (and served from
 * `src/` in development), so `../config.json` relative to it finds the file whatever the site's prefix and
 * whatever the client-side route is.
 */
export const loadRuntimeConfig = async (): Promise<RuntimeConfig> => {
  try {
    const res = await fetch(new URL(/* @vite-ignore */ "../config.json", import.meta.url), {
      cache: "no-cache"
    })
    if (!res.ok) return { apiBaseUrl: "" }
    const raw: unknown = await res.json()
    const o = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {}
    return {
      apiBaseUrl: typeof o.apiBaseUrl === "string" ? o.apiBaseUrl : "",
      defaultBrand: typeof o.defaultBrand === "string" ? o.defaultBrand : undefined
    }
  } catch {
    return { apiBaseUrl: "" }
  }
}

/** Why a call failed, in the terms a page needs to pick what to show. */
export type ApiFailure =
  /** The API says nothing is stored under this id (404 NotFoundError). */
  | "not-found"
  /** The API rejected an id or parameter (400 InvalidRequestError). */
  | "invalid"
  /** A summary budget is spent (429). */
  | "rate-limited"
  /** The store is throttled or unreachable (503). */
  | "unavailable"
  /** The route itself does not exist on this API (404 without an error body): an older server. */
  | "missing-endpoint"
  /** No response at all (offline, DNS, CORS). */
  | "network"
  /** Anything else (500, malformed body). */
  | "http"

export class ApiError extends Error {
  constructor(
    readonly failure: ApiFailure,
    readonly status: number,
    readonly body: unknown
  ) {
    super(`${failure} (${status})`)
  }
}

const failureOf = (status: number, body: unknown): ApiFailure => {
  const tag = typeof body === "object" && body !== null ? (body as { _tag?: unknown })._tag : undefined
  if (status === 404) return tag === "NotFoundError" ? "not-found" : "missing-endpoint"
  if (status === 400) return "invalid"
  if (status === 429) return "rate-limited"
  if (status === 503) return "unavailable"
  return "http"
}

const request = async <A>(method: "GET" | "POST", path: string, signal?: AbortSignal): Promise<A> => {
  let res: Response
  try {
    res = await fetch(base + path, {
      method,
      headers: { accept: "application/json" },
      ...(signal === undefined ? {} : { signal })
    })
  } catch (e) {
    if (signal?.aborted) throw e
    throw new ApiError("network", 0, e)
  }
  const text = await res.text()
  let body: unknown = null
  if (text !== "") {
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
  }
  if (!res.ok) throw new ApiError(failureOf(res.status, body), res.status, body)
  if (body === null || typeof body !== "object") throw new ApiError("http", res.status, body)
  return body as A
}

const enc = encodeURIComponent

const qs = (params: Record<string, string | number | undefined>): string => {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") p.set(k, String(v))
  const s = p.toString()
  return s === "" ? "" : `?${s}`
}

/** A brand as listed by `GET /api/brands` (full configs or at least ids and names). */
export interface BrandListItem {
  readonly id: string
  readonly name: string
  /** The whole configuration when the list carries it (saves a `GET /api/config/:brand`). */
  readonly config?: BrandConfigResponse | undefined
}

/** Accepts `[...]`, `{ brands: [...] }` or `{ items: [...] }` of objects carrying `id` and `name`. */
const brandList = (body: unknown): ReadonlyArray<BrandListItem> => {
  const o = body as { brands?: unknown; items?: unknown }
  const arr = Array.isArray(body)
    ? body
    : Array.isArray(o?.brands)
      ? o.brands
      : Array.isArray(o?.items)
        ? o.items
        : []
  return (arr as ReadonlyArray<unknown>).flatMap((b) => {
    const x = b as { id?: unknown; name?: unknown; colors?: unknown }
    if (typeof x?.id !== "string") return []
    const name = typeof x.name === "string" ? x.name : x.id
    const full = typeof x.colors === "object" && x.colors !== null
    return [{ id: x.id, name, config: full ? (b as BrandConfigResponse) : undefined }]
  })
}

/** The API v2 endpoints the pages use. */
export const api = {
  company: (id: string, signal?: AbortSignal) =>
    request<CompanyResponse>("GET", `/api/company/${enc(id)}`, signal),
  city: (id: string, signal?: AbortSignal) => request<PlaceResponse>("GET", `/api/city/${enc(id)}`, signal),
  state: (id: string, signal?: AbortSignal) =>
    request<PlaceResponse>("GET", `/api/state/${enc(id.toLowerCase())}`, signal),
  history: (kind: EntityKindName, id: string, signal?: AbortSignal) =>
    request<HistoryResponse>("GET", `/api/history/${kind}/${enc(id)}`, signal),
  top: (
    q: { scope?: string; by: "count" | "penalties"; agency?: string | undefined },
    signal?: AbortSignal
  ) =>
    request<TopResponse>(
      "GET",
      `/api/top${qs({ scope: q.scope ?? "national", by: q.by, agency: q.agency })}`,
      signal
    ),
  recent: (q: { agency?: string | undefined; limit?: number }, signal?: AbortSignal) =>
    request<RecentResponse>("GET", `/api/recent${qs({ agency: q.agency, limit: q.limit })}`, signal),
  search: (q: { q: string; kind?: string | undefined; limit?: number }, signal?: AbortSignal) =>
    request<SearchResponse>("GET", `/api/search${qs({ q: q.q, kind: q.kind, limit: q.limit })}`, signal),
  violation: (id: string, entity?: string, signal?: AbortSignal) =>
    request<ViolationResponse>("GET", `/api/violations/${enc(id)}${qs({ entity })}`, signal),
  summarize: (id: string, q: { entity?: string | undefined; brand?: string | undefined }) =>
    request<SummaryAccepted>("POST", `/api/violations/${enc(id)}/summary${qs(q)}`),
  brandConfig: (id: string, signal?: AbortSignal) =>
    request<BrandConfigResponse>("GET", `/api/config/${enc(id)}`, signal),
  brandForHost: (host: string, signal?: AbortSignal) =>
    request<BrandConfigResponse>("GET", `/api/brand${qs({ host })}`, signal),
  brands: async (signal?: AbortSignal) => brandList(await request<unknown>("GET", "/api/brands", signal)),
  score: (id: string, signal?: AbortSignal) =>
    request<ScoreResponse>("GET", `/api/score/company/${enc(id)}`, signal),
  scoreBoard: (scope: string, signal?: AbortSignal) =>
    request<ScoreBoardResponse>("GET", `/api/leaderboard/score${qs({ scope })}`, signal)
}
