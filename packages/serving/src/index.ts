/**
 * `@ventureos/serving`: the serving store port, its in-memory layer and its pure parts (no AWS SDK).
 * The DynamoDB driver lives in `@ventureos/serving/dynamodb`.
 */
export { ALIAS_SK, type AliasItemsShape, EntityAlias } from "./AliasItems"
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
export { MAX_SEARCH_LIMIT } from "./Inputs"
export { BrandId } from "./Keys"
export * from "./LegacyImport"
export * from "./Model"
export { SCORE_SK, type ScoreItemsShape, scoreBoardPk } from "./ScoreItems"
export { MAX_QUERY_LENGTH } from "./Search"
export {
  DEFAULT_FEED_SIZE,
  DEFAULT_RECENT_SIZE,
  type LegacyImportReport,
  layerMemory,
  makeMemory,
  ServingStore,
  type ServingStoreShape
} from "./ServingStore"
export * from "./ServingStoreError"
export * from "./Tables"
