import { Config, Effect, Layer, Option } from "effect"
import { layerExtractive } from "./Extractive"
import { layerOpenAiCompatible } from "./OpenAiCompatible"
import type { SummaryProvider } from "./Provider"

/** Provider kinds selectable with `VENTUREOS_SUMMARY_PROVIDER`. */
export const ProviderKind = Config.Literals(
  ["extractive", "bedrock", "openai"],
  "VENTUREOS_SUMMARY_PROVIDER"
).pipe(Config.withDefault("extractive" as const))

/**
 * The provider chosen by the environment, with the Bedrock driver supplied by the caller (so this module
 * stays free of the AWS SDK):
 * - `extractive` (default): no model, works offline.
 * - `openai`: `VENTUREOS_OPENAI_BASE_URL` (e.g. `http://127.0.0.1:11434/v1` for Ollama),
 *   `VENTUREOS_OPENAI_MODEL` (default llama3.2), `VENTUREOS_OPENAI_API_KEY` (optional).
 * - `bedrock`: `bedrock()`; without it (a process that only dispatches jobs to the summary worker) the
 *   extractive provider stands in, with a warning.
 */
export const layerProviderFromConfig = (
  bedrock?: () => Layer.Layer<SummaryProvider, unknown>
): Layer.Layer<SummaryProvider, unknown> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const kind = yield* ProviderKind
      if (kind === "bedrock") {
        if (bedrock !== undefined) return bedrock()
        yield* Effect.logWarning(
          "VENTUREOS_SUMMARY_PROVIDER=bedrock is served by the summary worker; using extractive here"
        )
        return layerExtractive
      }
      if (kind === "openai") {
        const baseUrl = yield* Config.String("VENTUREOS_OPENAI_BASE_URL")
        const model = yield* Config.String("VENTUREOS_OPENAI_MODEL").pipe(Config.withDefault("llama3.2"))
        const apiKey = Option.getOrUndefined(yield* Config.option(Config.String("VENTUREOS_OPENAI_API_KEY")))
        return layerOpenAiCompatible({ baseUrl, model, ...(apiKey === undefined ? {} : { apiKey }) })
      }
      return layerExtractive
    })
  )
