// The namespace exported as `ServingStoreDynamo` from `@ventureos/serving/dynamodb`.

export { type EmbeddedOptions, layerEmbedded, layerLocal, startDynalite } from "./Embedded"
export {
  configuredEndpoint,
  type DynamoOptions,
  fromItem,
  LOCAL_CREDENTIALS,
  layer,
  layerConfig,
  make,
  optionsConfig,
  toItem
} from "./ServingStoreDynamo"
