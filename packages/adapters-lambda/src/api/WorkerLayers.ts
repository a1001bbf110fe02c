import { GenerationLog, Summarizer, ViolationLocator } from "@ventureos/api"
import { layerDynamoLease, layerProviderConfig } from "@ventureos/api/aws"
import { Layer, Schema } from "effect"

/** The worker's services: the summarizer with the configured provider (Bedrock included) and DynamoDB leases. */
export const summarizerLive = Summarizer.layer().pipe(
  Layer.provide([
    layerProviderConfig,
    layerDynamoLease(),
    GenerationLog.layerLogger,
    ViolationLocator.layerFromServingStore
  ])
)

/** The event the trigger sends to the worker (`{ summaryJob }`), decoded: job payloads are not trusted. */
export const SummaryWorkerEvent = Schema.Struct({
  summaryJob: Schema.Struct({
    violation_id: Schema.String.check(Schema.isMaxLength(200)),
    entity_key: Schema.String.check(Schema.isMaxLength(140)),
    lease_owner: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(100)))
  })
})
