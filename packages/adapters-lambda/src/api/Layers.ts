import { ServingStoreDynamo } from "@ventureos/serving/dynamodb"

/** The serving store on AWS: DynamoDB tables and endpoint from the environment. */
export const servingStoreLive = ServingStoreDynamo.layerConfig()
