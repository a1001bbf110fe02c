import { Schema } from "effect"

/** The part of an S3 event notification record the ingest needs (event version 2.x). */
export const S3EventRecord = Schema.Struct({
  eventSource: Schema.Literal("aws:s3"),
  eventName: Schema.String,
  s3: Schema.Struct({
    bucket: Schema.Struct({ name: Schema.String }),
    object: Schema.Struct({
      key: Schema.String,
      size: Schema.optional(Schema.Number),
      eTag: Schema.optional(Schema.String)
    })
  })
})
export type S3EventRecord = typeof S3EventRecord.Type

export const S3Event = Schema.Struct({ Records: Schema.Array(S3EventRecord) })
export type S3Event = typeof S3Event.Type

/** The test event S3 sends when a notification is configured: acknowledged, never processed. */
export const S3TestEvent = Schema.Struct({ Event: Schema.Literal("s3:TestEvent"), Bucket: Schema.String })

export const SqsRecord = Schema.Struct({
  messageId: Schema.String,
  eventSource: Schema.Literal("aws:sqs"),
  /** The queue's ARN; a FIFO queue's ends in `.fifo`. */
  eventSourceARN: Schema.optional(Schema.String),
  body: Schema.String
})
export const SqsEvent = Schema.Struct({ Records: Schema.Array(SqsRecord) })
export type SqsEvent = typeof SqsEvent.Type

/**
 * S3's EventBridge "Object Created" event (the fields the ingest needs). Its key is the object key as is: unlike
 * the notification above, AWS documents no encoding for it (and the ingest rules deliver the event unchanged).
 */
export const EventBridgeObjectCreated = Schema.Struct({
  source: Schema.Literal("aws.s3"),
  "detail-type": Schema.Literal("Object Created"),
  detail: Schema.Struct({
    bucket: Schema.Struct({ name: Schema.String }),
    object: Schema.Struct({
      key: Schema.String,
      size: Schema.optional(Schema.Number),
      etag: Schema.optional(Schema.String),
      sequencer: Schema.optional(Schema.String)
    })
  })
})
export type EventBridgeObjectCreated = typeof EventBridgeObjectCreated.Type

/**
 * S3 notifications (to Lambda, SQS, SNS) URL-encode keys as a form does: spaces as '+', '+' as '%2B', '%' as
 * '%25'. Only these keys are decoded; EventBridge keys are used as they come.
 */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, " "))

/** The Lambda response that reports partial batch failures to SQS. */
export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
}
