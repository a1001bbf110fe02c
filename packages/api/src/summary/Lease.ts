import type { ServingStoreError } from "@ventureos/serving"
import { Clock, Context, Effect, Layer } from "effect"

/**
 * At most one generation per violation: a lease with an expiry, taken by a conditional write. A crashed
 * worker's lease lapses after its TTL and a later trigger retries. The serving-store port has no lease
 * operation, so this port has its own drivers: memory here, a DynamoDB conditional PutItem
 * (`PK=VIOLATION#<id>`, `SK=LEASE`, `attribute_not_exists(PK) OR expires_at < :now`) in `@ventureos/api/aws`.
 */
export interface SummaryLeaseShape {
  /** Take the lease unless someone else holds an unexpired one. */
  readonly acquire: (
    violationId: string,
    owner: string,
    ttlMillis: number
  ) => Effect.Effect<boolean, ServingStoreError>
  /** Give it back (only if still ours). */
  readonly release: (violationId: string, owner: string) => Effect.Effect<void, ServingStoreError>
  /** True while an unexpired lease exists. */
  readonly isHeld: (violationId: string) => Effect.Effect<boolean, ServingStoreError>
}

/** The summary lease port. */
export class SummaryLease extends Context.Service<SummaryLease, SummaryLeaseShape>()(
  "@ventureos/api/SummaryLease"
) {}

/** An in-process lease table (one Node server, tests). */
export const makeMemoryLease = (): SummaryLeaseShape => {
  const leases = new Map<string, { owner: string; expiresAt: number }>()
  return {
    acquire: (id, owner, ttl) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const held = leases.get(id)
        if (held !== undefined && held.expiresAt > now && held.owner !== owner) return false
        leases.set(id, { owner, expiresAt: now + ttl })
        return true
      }),
    release: (id, owner) =>
      Effect.sync(() => {
        if (leases.get(id)?.owner === owner) leases.delete(id)
      }),
    isHeld: (id) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const held = leases.get(id)
        return held !== undefined && held.expiresAt > now
      })
  }
}

/** In-memory lease layer. */
export const layerMemoryLease = Layer.sync(SummaryLease, () => SummaryLease.of(makeMemoryLease()))
