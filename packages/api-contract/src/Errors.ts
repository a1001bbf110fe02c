import { Schema } from "effect"

/** A request parameter was malformed (400): which one, the value received, and what was expected. */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>()(
  "InvalidRequestError",
  {
    field: Schema.String,
    value: Schema.String,
    reason: Schema.String
  },
  { httpApiStatus: 400 }
) {
  override get message() {
    return `${this.field} = ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

/** Resources the API can report as unknown. */
export const ResourceKind = Schema.Literals(["company", "city", "state", "top-list", "brand", "violation"])
export type ResourceKind = typeof ResourceKind.Type

/** Nothing is stored under this id (404). */
export class NotFoundError extends Schema.TaggedError<NotFoundError>()(
  "NotFoundError",
  {
    resource: ResourceKind,
    id: Schema.String,
    hint: Schema.optionalKey(Schema.String)
  },
  { httpApiStatus: 404 }
) {
  override get message() {
    return `unknown ${this.resource} ${JSON.stringify(this.id)}${this.hint === undefined ? "" : ` (${this.hint})`}`
  }
}

/** A summary trigger beyond the daily budget (429). Costs nothing: no generation happens. */
export class RateLimitedError extends Schema.TaggedError<RateLimitedError>()(
  "RateLimitedError",
  {
    /** Which budget is spent: the brand's or the calling address's. */
    scope: Schema.Literals(["brand", "client"]),
    limit: Schema.Int,
    /** Seconds until the budget resets (next UTC midnight). */
    retry_after_seconds: Schema.Int
  },
  { httpApiStatus: 429 }
) {
  override get message() {
    return `daily ${this.scope} budget of ${this.limit} summaries spent; retry in ${this.retry_after_seconds}s`
  }
}

/** The serving store is throttled or unreachable (503): retry later. */
export class UnavailableError extends Schema.TaggedError<UnavailableError>()(
  "UnavailableError",
  {
    detail: Schema.String,
    retryable: Schema.Boolean
  },
  { httpApiStatus: 503 }
) {}
