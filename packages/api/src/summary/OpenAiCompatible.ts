import { Effect, Layer, Schema } from "effect"
import { type Completion, SummaryProvider, SummaryProviderError } from "./Provider"

/** Options of the OpenAI-compatible provider (OpenAI, Ollama, llama.cpp, vLLM, LM Studio…). */
export interface OpenAiCompatibleOptions {
  /** Base URL up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama. */
  readonly baseUrl: string
  readonly model: string
  readonly apiKey?: string
  /** Per-request timeout (default 60 s). */
  readonly timeoutMillis?: number
}

/** The part of a chat completion response we read (decoded, never trusted). */
const ChatResponse = Schema.Struct({
  model: Schema.optional(Schema.String),
  choices: Schema.Array(
    Schema.Struct({ message: Schema.Struct({ content: Schema.NullOr(Schema.String) }) })
  ).check(Schema.isMinLength(1)),
  usage: Schema.optional(
    Schema.Struct({
      prompt_tokens: Schema.optional(Schema.Number),
      completion_tokens: Schema.optional(Schema.Number)
    })
  )
})

const failure = (reason: SummaryProviderError["reason"], detail: string) =>
  new SummaryProviderError({ provider: "openai", reason, detail: detail.slice(0, 500) })

/** A provider speaking `POST {baseUrl}/chat/completions`. */
export const makeOpenAiCompatible = (options: OpenAiCompatibleOptions) => {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`
  return SummaryProvider.of({
    name: "openai",
    model: options.model,
    complete: ({ prompt }) =>
      Effect.gen(function* () {
        const response = yield* Effect.tryPromise({
          try: (signal) =>
            fetch(url, {
              method: "POST",
              signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMillis ?? 60_000)]),
              headers: {
                "content-type": "application/json",
                ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` })
              },
              body: JSON.stringify({
                model: options.model,
                temperature: 0,
                max_tokens: prompt.maxTokens,
                stream: false,
                messages: [
                  { role: "system", content: prompt.system },
                  { role: "user", content: prompt.user }
                ]
              })
            }),
          catch: (e) =>
            failure(
              e instanceof Error && e.name === "TimeoutError" ? "Timeout" : "Unavailable",
              e instanceof Error ? e.message : String(e)
            )
        })
        const body = yield* Effect.tryPromise({
          try: () => response.text(),
          catch: (e) => failure("Unavailable", String(e))
        })
        if (response.status === 429) return yield* failure("Throttled", `HTTP 429: ${body}`)
        if (response.status >= 500) return yield* failure("Unavailable", `HTTP ${response.status}: ${body}`)
        if (!response.ok) return yield* failure("Rejected", `HTTP ${response.status}: ${body}`)
        const decoded = yield* Effect.try({
          try: () => Schema.decodeUnknownSync(ChatResponse)(JSON.parse(body)),
          catch: (e) => failure("InvalidResponse", e instanceof Error ? e.message : String(e))
        })
        const text = decoded.choices[0]?.message.content ?? ""
        return {
          text,
          model: decoded.model ?? options.model,
          inputTokens: decoded.usage?.prompt_tokens ?? null,
          outputTokens: decoded.usage?.completion_tokens ?? null
        } satisfies Completion
      })
  })
}

/** The OpenAI-compatible provider as a layer. */
export const layerOpenAiCompatible = (options: OpenAiCompatibleOptions) =>
  Layer.succeed(SummaryProvider, makeOpenAiCompatible(options))
