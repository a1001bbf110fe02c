import type { FeedItem } from "@ventureos/serving"
import { ServingStore, type ServingStoreError } from "@ventureos/serving"
import { Context, Effect, Layer, Option } from "effect"

/**
 * Finds the stored record of a violation by id. The serving store keys the feed by entity
 * (`PK=<entity key>`, `SK=AGENCY#…#DATE#…#<id>`) and has no lookup by violation id, so the caller passes the
 * entity under which it saw the violation (front ends always do: they show violations from an entity's
 * feed). A store-side index (a `violation_id` GSI on the Violations table, or `getViolation(id)` on the
 * port) would make the hint optional: plug it in as another layer of this service.
 */
export interface ViolationLocatorShape {
  readonly find: (
    violationId: string,
    entityHint: string | undefined
  ) => Effect.Effect<Option.Option<FeedItem>, ServingStoreError>
}

/** The violation locator port. */
export class ViolationLocator extends Context.Service<ViolationLocator, ViolationLocatorShape>()(
  "@ventureos/api/ViolationLocator"
) {
  /** Look in the hinted entity's stored feed (every agency, leftovers included), or by id alone. */
  static readonly layerFromServingStore = Layer.effect(
    ViolationLocator,
    Effect.gen(function* () {
      const store = yield* ServingStore
      return ViolationLocator.of({
        find: (violationId, entityHint) =>
          entityHint === undefined
            ? // no hint: the store's lookup by violation id (a GSI on DynamoDB)
              store.getViolation(violationId)
            : Effect.map(store.getFeedRaw(entityHint), (items) =>
                Option.fromUndefinedOr(items.find((i) => i.violation_id === violationId))
              )
      })
    })
  )
}
