import {
  InvalidRequestError,
  NotFoundError,
  RateLimitedError,
  type SummaryAccepted,
  UnavailableError
} from "@ventureos/api-contract"
import { ServingStore, type ServingStoreError } from "@ventureos/serving"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { ViolationLocator } from "../ViolationLocator"
import { SummaryDispatch } from "./Dispatch"
import { SummaryLease } from "./Lease"
import { RateLimiter, RateLimitPolicy } from "./RateLimit"
import { DEFAULT_LEASE_MILLIS, leaseOwner } from "./Summarizer"

/** Who triggers: the brand site and the client address (rate-limit buckets). */
export interface TriggerOrigin {
  readonly brand: string
  readonly client: string
}

/** Map a store failure to the API's errors (bad keys are 400s, outages 503s, the rest a defect). */
export const storeFailure = (
  e: ServingStoreError
): Effect.Effect<never, InvalidRequestError | UnavailableError> =>
  e.reason === "InvalidKey"
    ? Effect.fail(new InvalidRequestError({ field: e.operation, value: "", reason: e.detail }))
    : e.isRetryable || e.reason === "TableMissing"
      ? Effect.fail(new UnavailableError({ detail: `${e.reason}: serving store`, retryable: true }))
      : Effect.die(e)

const secondsToMidnight = (now: number) => Math.max(1, Math.ceil((86_400_000 - (now % 86_400_000)) / 1000))

/**
 * The POST trigger: answers at once. Already summarized -> `ready`; a generation in flight -> `in_progress`;
 * otherwise the trigger takes the violation's lease (losers of a race answer `in_progress`, uncharged), the
 * daily budgets are charged (429 beyond them, lease released, nothing generated) and a job is dispatched.
 */
export class SummaryTrigger extends Context.Service<
  SummaryTrigger,
  {
    readonly trigger: (
      violationId: string,
      entityHint: string | undefined,
      origin: TriggerOrigin
    ) => Effect.Effect<
      SummaryAccepted,
      NotFoundError | RateLimitedError | InvalidRequestError | UnavailableError
    >
  }
>()("@ventureos/api/SummaryTrigger") {
  static readonly layer = Layer.effect(
    SummaryTrigger,
    Effect.gen(function* () {
      const store = yield* ServingStore
      const locator = yield* ViolationLocator
      const lease = yield* SummaryLease
      const limiter = yield* RateLimiter
      const policy = yield* RateLimitPolicy
      const dispatch = yield* SummaryDispatch
      return SummaryTrigger.of({
        trigger: (violationId, entityHint, origin) =>
          Effect.gen(function* () {
            const found = yield* locator.find(violationId, entityHint)
            if (Option.isNone(found))
              return yield* new NotFoundError({
                resource: "violation",
                id: violationId,
                ...(entityHint === undefined
                  ? { hint: "pass ?entity=<entity key> under which the violation is listed" }
                  : {})
              })
            const item = found.value
            const state = { violation_id: item.violation_id }
            const existing = yield* store.getSummary(violationId)
            if (Option.isSome(existing) && existing.value.content_hash === item.content_hash)
              return { ...state, state: "ready" as const }
            // Only the request that starts a generation is charged: take the violation's lease first (a
            // conditional write), so concurrent triggers for one violation all but one answer in_progress
            // for free; the worker continues this lease.
            const owner = leaseOwner()
            if (!(yield* lease.acquire(violationId, owner, DEFAULT_LEASE_MILLIS)))
              return { ...state, state: "in_progress" as const }
            const now = yield* Clock.currentTimeMillis
            const day = new Date(now).toISOString().slice(0, 10)
            const refuse = (scope: "client" | "brand", limit: number) =>
              Effect.andThen(
                Effect.ignore(lease.release(violationId, owner)),
                new RateLimitedError({ scope, limit, retry_after_seconds: secondsToMidnight(now) })
              )
            const client = yield* limiter.consume(`client:${origin.client}`, day, policy.clientDaily)
            if (!client.allowed) return yield* refuse("client", policy.clientDaily)
            const brand = yield* limiter.consume(`brand:${origin.brand}`, day, policy.brandDaily)
            if (!brand.allowed) return yield* refuse("brand", policy.brandDaily)
            yield* dispatch.dispatch({
              violation_id: item.violation_id,
              entity_key: entityHint ?? `COMPANY#${item.company_slug}`,
              lease_owner: owner
            })
            return { ...state, state: "queued" as const }
          }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
      })
    })
  )
}
