/**
 * `@ventureos/serving/dynamodb`: the DynamoDB driver of the serving store (pulls in the AWS SDK).
 *
 * ```ts
 * import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"
 * // AWS (Lambda): tables and endpoint from the environment
 * const live = ServingStoreDynamo.layerConfig()
 * // local runs: AWS_ENDPOINT_URL_DYNAMODB if set, else embedded dynalite under $VENTUREOS_HOME
 * const local = ServingStoreDynamo.layerLocal()
 * ```
 */

export { BATCH_GET_SIZE, BATCH_WRITE_SIZE, batchGet, batchWrite, type WriteOp } from "./BatchWriter"
export { toServingError } from "./DynamoClient"
export { type EmbeddedServer, startDynalite } from "./Embedded"
export * from "./index"
export * as ServingStoreDynamo from "./ServingStoreDynamoModule"
