import { Config, Effect, Layer } from "effect"
import { layerProviderFromConfig } from "../summary/ProviderConfig"
import { DEFAULT_BEDROCK_MODEL, layerBedrock } from "./Bedrock"

/**
 * The summary provider chosen by the environment, Bedrock included: `VENTUREOS_SUMMARY_PROVIDER=bedrock`
 * uses `VENTUREOS_BEDROCK_MODEL_ID` (default Claude 3.5 Haiku), `AWS_REGION` and
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` when set. See `layerProviderFromConfig` for the others.
 */
export const layerProviderConfig = /* @__PURE__ */ layerProviderFromConfig(() =>
  Layer.unwrap(
    Effect.map(
      Config.String("VENTUREOS_BEDROCK_MODEL_ID").pipe(Config.withDefault(DEFAULT_BEDROCK_MODEL)),
      (modelId) => layerBedrock({ modelId })
    )
  )
)
