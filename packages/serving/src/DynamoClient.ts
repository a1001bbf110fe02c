import type { DynamoDBClient, AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb"
import { Duration, Effect } from "effect"
import type { AttributeMap } from "./AttributeValue"
import { ServingStoreError } from "./ServingStoreError"

/** The SDK's item type. Our {@link AttributeMap} has the same runtime shape (readonly arrays only). */
export type SdkItem = Record<string, SdkAttributeValue>
export const toSdk = (item: AttributeMap): SdkItem => item as unknown as SdkItem
export const fromSdk = (item: SdkItem): AttributeMap => item as unknown as AttributeMap

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "LimitExceededException"
])
const UNAVAILABLE = new Set([
  "InternalServerError",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT"
])

/** Map an SDK / network failure to the port's error. */
export const toServingError = (operation: string, cause: unknown): ServingStoreError => {
  const e = cause as {
    name?: string
    code?: string
    message?: string
    $metadata?: { httpStatusCode?: number }
  }
  const name = e?.name ?? ""
  const code = e?.code ?? ""
  const status = e?.$metadata?.httpStatusCode ?? 0
  const reason = THROTTLED.has(name)
    ? "Throttled"
    : name === "ResourceNotFoundException"
      ? "TableMissing"
      : UNAVAILABLE.has(name) || UNAVAILABLE.has(code) || status >= 500
        ? "Unavailable"
        : "Rejected"
  return new ServingStoreError({
    reason,
    operation,
    detail: `${name || code || "Error"}: ${e?.message ?? String(cause)}`.slice(0, 1000),
    cause
  })
}

/** The AWS error name behind a port error (e.g. `ConditionalCheckFailedException`), if any. */
export const awsErrorName = (e: ServingStoreError): string | undefined => {
  const c = e.cause as { name?: unknown } | undefined
  return typeof c?.name === "string" ? c.name : undefined
}

/** Backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)]. */
export const backoff = (attempt: number, baseMs = 25, capMs = 2_000): Duration.Duration =>
  Duration.millis(Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt)))

/** Retry budget on top of the SDK's own retries (throttling, transient failures, unprocessed items). */
export const MAX_ATTEMPTS = 8

/** Send a command; throttling and transient failures are retried with backoff and jitter. */
export const send = <A>(
  operation: string,
  call: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, ServingStoreError> => {
  const once = Effect.tryPromise({ try: call, catch: (c) => toServingError(operation, c) })
  const loop = (attempt: number): Effect.Effect<A, ServingStoreError> =>
    Effect.catchIf(
      once,
      (e) => e.isRetryable && attempt + 1 < MAX_ATTEMPTS,
      () => Effect.flatMap(Effect.sleep(backoff(attempt)), () => loop(attempt + 1))
    )
  return loop(0)
}

export type Client = DynamoDBClient
