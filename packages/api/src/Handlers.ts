import {
  Api,
  brandHost,
  brandId,
  type Checked,
  cityEntityKey,
  companyEntityKey,
  type EntityKindName,
  entityKeyHint,
  historyKey,
  InvalidRequestError,
  NotFoundError,
  type ResourceKind,
  recentQuery,
  searchQuery,
  stateEntityKey,
  topQuery,
  violationId
} from "@ventureos/api-contract"
import type { TopBy } from "@ventureos/core"
import { ServingStore } from "@ventureos/serving"
import { Context, Effect, Layer, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { SummaryTrigger, storeFailure } from "./summary/Trigger"
import { toEntityResponse, toFeedEntry, toHistoryResponse, toSearchHit } from "./Views"
import { ViolationLocator } from "./ViolationLocator"

/** A validated value or a 400. */
const check = <A>(c: Checked<A>): Effect.Effect<A, InvalidRequestError> =>
  c instanceof InvalidRequestError ? Effect.fail(c) : Effect.succeed(c)

const notFound = (resource: ResourceKind, id: string) => new NotFoundError({ resource, id })

/**
 * Trust `X-Forwarded-For` for the client address (behind API Gateway / a proxy that sets it). Off by default:
 * a directly exposed server uses the socket address, which callers cannot forge.
 */
export class TrustForwardedFor extends Context.Reference<boolean>("@ventureos/api/TrustForwardedFor", {
  defaultValue: () => false
}) {}

/** The calling address, for per-client budgets. */
export const clientAddress = (
  request: HttpServerRequest.HttpServerRequest,
  trustForwarded: boolean
): string => {
  const forwarded = trustForwarded ? request.headers["x-forwarded-for"]?.split(",")[0]?.trim() : undefined
  const address = forwarded || Option.getOrUndefined(request.remoteAddress) || "unknown"
  // Bucket names are ours to bound: an address is short and has no spaces.
  return address.slice(0, 64).replace(/[^0-9A-Za-z.:_-]/g, "_")
}

const entity = (id: string, key: string) =>
  Effect.gen(function* () {
    const store = yield* ServingStore
    const [view, feed] = yield* Effect.all([store.getEntity(key), store.getFeed(key)], { concurrency: 2 })
    return {
      view: Option.getOrUndefined(view),
      feed,
      response: toEntityResponse(id, key, Option.getOrUndefined(view), feed)
    }
  })

const place = (resource: "city" | "state", id: string, key: string, scope: string) =>
  Effect.gen(function* () {
    const store = yield* ServingStore
    const [e, byCount, byPenalties] = yield* Effect.all(
      [entity(id, key), store.getTopList(scope, "count"), store.getTopList(scope, "penalties")],
      { concurrency: 3 }
    )
    if (e.view === undefined && e.feed.length === 0 && Option.isNone(byCount) && Option.isNone(byPenalties))
      return yield* notFound(resource, id)
    return {
      ...e.response,
      top_companies: { by_count: Option.getOrNull(byCount), by_penalties: Option.getOrNull(byPenalties) }
    }
  })

/** `company` group over the serving store. */
export const CompanyHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "company", (h) =>
  h.handle("get", ({ params }) =>
    Effect.gen(function* () {
      const asked = yield* check(companyEntityKey(params.id))
      // A name variant joined to another company answers as that company (old URLs keep working); the
      // response's id is the company's, so a page can show its own URL.
      const alias = yield* Effect.flatMap(ServingStore, (s) => s.getAlias(asked))
      const key = Option.isSome(alias) ? alias.value.alias_of : asked
      const e = yield* entity(key.slice("COMPANY#".length), key)
      if (e.view === undefined && e.feed.length === 0) return yield* notFound("company", params.id)
      return e.response
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `places` group (cities and states, with their Top-10 companies). */
export const PlacesHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "places", (h) =>
  h
    .handle("city", ({ params }) =>
      Effect.gen(function* () {
        const key = yield* check(cityEntityKey(params.id))
        return yield* place("city", params.id, key, `city:${params.id}`)
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
    .handle("state", ({ params }) =>
      Effect.gen(function* () {
        const key = yield* check(stateEntityKey(params.id))
        return yield* place("state", params.id, key, `state:${params.id.toUpperCase()}`)
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
)

/** `top` group: stored Top-10 lists. */
export const TopHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "top", (h) =>
  h.handle("get", ({ query }) =>
    Effect.gen(function* () {
      const q = yield* check(topQuery(query))
      const store = yield* ServingStore
      const list = yield* store.getTopList(q.scope, q.by as TopBy, q.agency)
      if (Option.isNone(list)) return yield* notFound("top-list", `${q.scope}/${q.by}/${q.agency}`)
      return list.value
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `config` group: brand configs. */
export const ConfigHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "config", (h) =>
  h.handle("get", ({ params }) =>
    Effect.gen(function* () {
      const id = yield* check(brandId(params.brand))
      const store = yield* ServingStore
      const brand = yield* store.getBrand(id)
      if (Option.isNone(brand)) return yield* notFound("brand", id)
      return brand.value
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `violations` group: one violation (summary or raw description) and the summary trigger. */
export const ViolationsHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "violations", (h) =>
  h
    .handle("get", ({ params, query }) =>
      Effect.gen(function* () {
        const id = yield* check(violationId(params.id))
        const hint = yield* check(entityKeyHint(query.entity))
        const store = yield* ServingStore
        const locator = yield* ViolationLocator
        const found = yield* locator.find(id, hint)
        if (Option.isNone(found))
          return yield* new NotFoundError({
            resource: "violation",
            id,
            ...(hint === undefined
              ? { hint: "only violations in a live feed are served; ?entity=<entity key> narrows the lookup" }
              : {})
          })
        const item = found.value
        const summary = Option.filter(
          yield* store.getSummary(id),
          (s) => s.content_hash === item.content_hash
        )
        return {
          violation: toFeedEntry(item, Option.getOrUndefined(summary)),
          summary: Option.match(summary, {
            onNone: () => null,
            onSome: (s) => ({ text: s.text, model: s.model, generated_at: s.generated_at })
          }),
          description: item.description
        }
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
    .handle("summarize", ({ params, query, request }) =>
      Effect.gen(function* () {
        const id = yield* check(violationId(params.id))
        const hint = yield* check(entityKeyHint(query.entity))
        const brand = yield* check(brandId(query.brand ?? "default"))
        const trust = yield* TrustForwardedFor
        const trigger = yield* SummaryTrigger
        return yield* trigger.trigger(id, hint, { brand, client: clientAddress(request, trust) })
      })
    )
)

/** `search` group: entities by name (the store ranks them). */
export const SearchHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "search", (h) =>
  h.handle("get", ({ query }) =>
    Effect.gen(function* () {
      const q = yield* check(searchQuery(query))
      const store = yield* ServingStore
      const results = yield* store.search(q.q, { kind: q.kind, limit: q.limit })
      return { query: q.q, results: results.map(toSearchHit) }
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `history` group: an entity's violations and penalties per year and agency. */
export const HistoryHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "history", (h) =>
  h.handle("get", ({ params }) =>
    Effect.gen(function* () {
      const key = yield* check(historyKey(params.kind, params.id))
      const kind = params.kind as EntityKindName
      const store = yield* ServingStore
      const history = yield* store.getHistory(key)
      if (Option.isSome(history)) return toHistoryResponse(kind, params.id, key, history.value)
      // Known but not synced with a history yet (stores written before histories existed): no points.
      if (Option.isNone(yield* store.getEntity(key))) return yield* notFound(kind, params.id)
      return toHistoryResponse(kind, params.id, key, undefined)
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `recent` group: the national recent feed. */
export const RecentHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "recent", (h) =>
  h.handle("get", ({ query }) =>
    Effect.gen(function* () {
      const q = yield* check(recentQuery(query))
      const store = yield* ServingStore
      // A store keeping fewer than 50 per agency serves what it keeps.
      const items = yield* store.getRecent(q.agency, Math.min(q.limit, store.recentSize))
      return { agency: q.agency, items: items.map((i) => toFeedEntry(i)) }
    }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
  )
)

/** `brands` group: the brand of a host, and every brand. */
export const BrandsHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "brands", (h) =>
  h
    .handle("byHost", ({ query }) =>
      Effect.gen(function* () {
        const host = yield* check(brandHost(query.host))
        const store = yield* ServingStore
        const brand = yield* store.getBrandByDomain(host)
        if (Option.isNone(brand)) return yield* notFound("brand", host)
        return brand.value
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
    .handle("list", () =>
      Effect.flatMap(ServingStore, (store) => store.listBrands).pipe(
        Effect.catchTag("ServingStoreError", storeFailure)
      )
    )
)

/** Every group's implementation (each needs only what its handlers use). */
export const readHandlers = /* @__PURE__ */ Layer.mergeAll(
  CompanyHandlers,
  PlacesHandlers,
  TopHandlers,
  ConfigHandlers,
  SearchHandlers,
  HistoryHandlers,
  RecentHandlers,
  BrandsHandlers
)
