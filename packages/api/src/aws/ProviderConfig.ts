import { Config, Effect, Layer, Option } from "effect"
import { layerExtractive } from "../summary/Extractive"
import { layerOpenAiCompatible } from "../summary/OpenAiCompatible"
import { DEFAULT_BEDROCK_MODEL, layerBedrock } from "./Bedrock"

/**
 * The summary provider chosen by the environment:
 * - `VENTUREOS_SUMMARY_PROVIDER=extractive` (default): no model, works offline.
 * - `bedrock`: `VENTUREOS_BEDROCK_MODEL_ID` (default Claude 3.5 Haiku), `AWS_REGION`,
 *   `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` when set.
 * - `openai`: `VENTUREOS_OPENAI_BASE_URL` (e.g. `http://127.0.0.1:11434/v1` for Ollama),
 *   `VENTUREOS_OPENAI_MODEL` (default llama3.2), `VENTUREOS_OPENAI_API_KEY` (optional).
 */
export const layerProviderConfig = Layer.unwrap(
  Effect.gen(function* () {
    const kind = yield* Config.Literals(
      ["extractive", "bedrock", "openai"],
      "VENTUREOS_SUMMARY_PROVIDER"
    ).pipe(Config.withDefault("extractive" as const))
    if (kind === "bedrock") {
      const modelId = yield* Config.String("VENTUREOS_BEDROCK_MODEL_ID").pipe(
        Config.withDefault(DEFAULT_BEDROCK_MODEL)
      )
      return layerBedrock({ modelId })
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
