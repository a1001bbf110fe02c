import type { FeedItem } from "@ventureos/serving"
import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { Prompt } from "./Prompt"

/** Why a provider call failed. */
export const ProviderFailure = Schema.Literals([
  "Throttled",
  "Unavailable",
  "Rejected",
  "InvalidResponse",
  "Timeout"
])
export type ProviderFailure = typeof ProviderFailure.Type

/** The one error of the {@link SummaryProvider} port. */
export class SummaryProviderError extends Schema.TaggedError<SummaryProviderError>()("SummaryProviderError", {
  provider: Schema.String,
  reason: ProviderFailure,
  detail: Schema.String
}) {
  /** Throttling, outages and timeouts are worth a later retry. */
  get isRetryable(): boolean {
    return this.reason === "Throttled" || this.reason === "Unavailable" || this.reason === "Timeout"
  }
  override get message() {
    return `${this.provider}: ${this.reason}: ${this.detail}`
  }
}

/** What a provider returns: the text and the token usage it reported (null when it reports none). */
export interface Completion {
  readonly text: string
  readonly model: string
  readonly inputTokens: number | null
  readonly outputTokens: number | null
}

/** One summary request: the source record (for providers that need no model) and the prompt built from it. */
export interface SummaryInput {
  readonly record: FeedItem
  readonly prompt: Prompt
}

/**
 * The summary provider port: Bedrock (Converse API), an OpenAI-compatible / Ollama endpoint, or the offline
 * extractive default. Providers only produce text; validation, storage and leases are the caller's.
 */
export interface SummaryProviderShape {
  /** `bedrock`, `openai`, `extractive`. */
  readonly name: string
  readonly model: string
  readonly complete: (input: SummaryInput) => Effect.Effect<Completion, SummaryProviderError>
}

/** The summary provider port. */
export class SummaryProvider extends Context.Service<SummaryProvider, SummaryProviderShape>()(
  "@ventureos/api/SummaryProvider"
) {}
