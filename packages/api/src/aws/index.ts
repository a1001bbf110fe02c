/**
 * `@ventureos/api/aws`: the AWS drivers of the summary loop (Bedrock provider, DynamoDB lease and rate
 * limiter, Lambda dispatch) and the provider chosen by the environment. Pulls in AWS SDK clients.
 */
export * from "./Bedrock"
export * from "./Dynamo"
export * from "./LambdaDispatch"
export * from "./ProviderConfig"
