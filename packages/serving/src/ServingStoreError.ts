import { Schema } from "effect"

/** Why a serving-store operation failed. */
export const ServingStoreErrorReason = Schema.Literals([
  /** DynamoDB throttled us (or unprocessed items outlived the retries): try again later. */
  "Throttled",
  /** Network / 5xx / endpoint down: transient. */
  "Unavailable",
  /** A key (entity key, agency, violation id, brand id, scope) failed validation before reaching DynamoDB. */
  "InvalidKey",
  /** An input value failed its schema (stats, profile, brand config...). */
  "InvalidInput",
  /** A stored item failed to decode: the table holds something this version does not understand. */
  "InvalidItem",
  /** A table is missing: run `setup()` first. */
  "TableMissing",
  /** Anything else DynamoDB rejected (validation, access denied...). Not retried. */
  "Rejected"
])
export type ServingStoreErrorReason = typeof ServingStoreErrorReason.Type

const RETRYABLE: ReadonlySet<ServingStoreErrorReason> = new Set(["Throttled", "Unavailable"])

/** The one error of the {@link ServingStore} port: retry policy is `Effect.retry({ while: (e) => e.isRetryable })`. */
export class ServingStoreError extends Schema.TaggedError<ServingStoreError>()("ServingStoreError", {
  reason: ServingStoreErrorReason,
  operation: Schema.String,
  detail: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** True for throttling and transient unavailability. */
  get isRetryable(): boolean {
    return RETRYABLE.has(this.reason)
  }
  override get message() {
    return `${this.operation}: ${this.reason}: ${this.detail}`
  }
}
