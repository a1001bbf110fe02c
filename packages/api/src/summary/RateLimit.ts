import type { ServingStoreError } from "@ventureos/serving"
import { Config, Context, Effect, Layer } from "effect"

/**
 * Daily budgets for summary triggers, per brand and per client address. A counter per (bucket, UTC day) is
 * incremented only while below the limit (a conditional update in DynamoDB), so a trigger beyond the budget
 * is refused before anything is generated: it costs nothing.
 */
export interface RateLimiterShape {
  /** Count one use of `bucket` on `day` unless `limit` uses were already counted. */
  readonly consume: (
    bucket: string,
    day: string,
    limit: number
  ) => Effect.Effect<{ readonly allowed: boolean; readonly count: number }, ServingStoreError>
}

/** The rate limiter port. */
export class RateLimiter extends Context.Service<RateLimiter, RateLimiterShape>()(
  "@ventureos/api/RateLimiter"
) {}

/** Daily budgets. */
export interface RateLimitPolicyShape {
  readonly brandDaily: number
  readonly clientDaily: number
}

/** The budgets in force (`VENTUREOS_SUMMARY_BRAND_DAILY`, default 1000; `VENTUREOS_SUMMARY_CLIENT_DAILY`, default 30). */
export class RateLimitPolicy extends Context.Service<RateLimitPolicy, RateLimitPolicyShape>()(
  "@ventureos/api/RateLimitPolicy"
) {
  static readonly layer = (policy: RateLimitPolicyShape) =>
    Layer.succeed(RateLimitPolicy, RateLimitPolicy.of(policy))
  static readonly layerConfig = Layer.effect(
    RateLimitPolicy,
    Effect.map(
      Config.all({
        brandDaily: Config.Int("VENTUREOS_SUMMARY_BRAND_DAILY").pipe(Config.withDefault(1000)),
        clientDaily: Config.Int("VENTUREOS_SUMMARY_CLIENT_DAILY").pipe(Config.withDefault(30))
      }),
      (p) => RateLimitPolicy.of(p)
    )
  )
}

/** In-process counters (one Node server, tests); old days are dropped as new ones start. */
export const makeMemoryRateLimiter = (): RateLimiterShape => {
  const counts = new Map<string, number>()
  let currentDay = ""
  return {
    consume: (bucket, day, limit) =>
      Effect.sync(() => {
        if (day !== currentDay) {
          counts.clear()
          currentDay = day
        }
        const n = counts.get(bucket) ?? 0
        if (n >= limit) return { allowed: false, count: n }
        counts.set(bucket, n + 1)
        return { allowed: true, count: n + 1 }
      })
  }
}

/** In-memory rate limiter layer. */
export const layerMemoryRateLimiter = Layer.sync(RateLimiter, () => RateLimiter.of(makeMemoryRateLimiter()))
