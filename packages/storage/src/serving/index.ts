/**
 * `@ventureos/storage/serving`: the serving store port, its in-memory layer and its pure parts (no AWS SDK).
 * The DynamoDB driver lives in `@ventureos/storage/dynamodb`.
 */
export * from "./AttributeValue"
export * from "./BrandConfig"
export {
  compareNewestFirst,
  DYNAMODB_MAX_ITEM_BYTES,
  feedDate,
  fitFeedItem,
  MAX_ITEM_BYTES,
  toFeedItem
} from "./Feed"
export { BrandId } from "./Keys"
export * from "./LegacyImport"
export * from "./Model"
export {
  DEFAULT_FEED_SIZE,
  type LegacyImportReport,
  layerMemory,
  makeMemory,
  ServingStore,
  type ServingStoreShape
} from "./ServingStore"
export * from "./ServingStoreError"
export * from "./Tables"
