import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime"
import { Config, Effect, Layer, Option } from "effect"
import { type Completion, SummaryProvider, SummaryProviderError } from "../summary/Provider"

/** Claude on Bedrock by default (any Converse-capable model id or inference profile works). */
export const DEFAULT_BEDROCK_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"

/** Options of the Bedrock provider. */
export interface BedrockOptions {
  readonly modelId?: string
  readonly region?: string
  /** Endpoint override; default `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` when set, else AWS. */
  readonly endpoint?: string
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** Use this client (its lifetime is the caller's). */
  readonly client?: BedrockRuntimeClient
}

const THROTTLED = new Set([
  "ThrottlingException",
  "ServiceQuotaExceededException",
  "TooManyRequestsException"
])
const UNAVAILABLE = new Set([
  "ServiceUnavailableException",
  "InternalServerException",
  "ModelNotReadyException",
  "ModelTimeoutException",
  "TimeoutError",
  "ECONNREFUSED",
  "ECONNRESET"
])

const toError = (cause: unknown): SummaryProviderError => {
  const e = cause as {
    name?: string
    code?: string
    message?: string
    $metadata?: { httpStatusCode?: number }
  }
  const name = e?.name ?? e?.code ?? "Error"
  const status = e?.$metadata?.httpStatusCode ?? 0
  return new SummaryProviderError({
    provider: "bedrock",
    reason: THROTTLED.has(name)
      ? "Throttled"
      : UNAVAILABLE.has(name) || status >= 500
        ? "Unavailable"
        : "Rejected",
    detail: `${name}: ${e?.message ?? String(cause)}`.slice(0, 500)
  })
}

/** Summaries with the Bedrock Converse API (system prompt + one user message, temperature 0). */
export const makeBedrock = (client: BedrockRuntimeClient, modelId: string) =>
  SummaryProvider.of({
    name: "bedrock",
    model: modelId,
    complete: ({ prompt }) =>
      Effect.gen(function* () {
        const out = yield* Effect.tryPromise({
          try: (abortSignal) =>
            client.send(
              new ConverseCommand({
                modelId,
                system: [{ text: prompt.system }],
                messages: [{ role: "user", content: [{ text: prompt.user }] }],
                inferenceConfig: { maxTokens: prompt.maxTokens, temperature: 0 }
              }),
              { abortSignal }
            ),
          catch: toError
        })
        const text = (out.output?.message?.content ?? [])
          .flatMap((b) => (b.text === undefined ? [] : [b.text]))
          .join("")
        if (text === "")
          return yield* new SummaryProviderError({
            provider: "bedrock",
            reason: "InvalidResponse",
            detail: `no text in the Converse output (stopReason ${out.stopReason ?? "none"})`
          })
        return {
          text,
          model: modelId,
          inputTokens: out.usage?.inputTokens ?? null,
          outputTokens: out.usage?.outputTokens ?? null
        } satisfies Completion
      })
  })

/** The Bedrock provider; creates (and later destroys) a client unless one is given. */
export const layerBedrock = (options: BedrockOptions = {}) =>
  Layer.effect(
    SummaryProvider,
    Effect.gen(function* () {
      const endpoint =
        options.endpoint ??
        Option.getOrUndefined(yield* Config.option(Config.String("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")))
      const region =
        options.region ?? (yield* Config.String("AWS_REGION").pipe(Config.withDefault("us-east-1")))
      const client =
        options.client ??
        (yield* Effect.acquireRelease(
          Effect.sync(
            () =>
              new BedrockRuntimeClient({
                region,
                ...(endpoint === undefined || endpoint === "" ? {} : { endpoint }),
                ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } })
              })
          ),
          (c) => Effect.sync(() => c.destroy())
        ))
      return makeBedrock(client, options.modelId ?? DEFAULT_BEDROCK_MODEL)
    })
  )
