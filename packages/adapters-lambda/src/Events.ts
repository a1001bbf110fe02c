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
  body: Schema.String
})
export const SqsEvent = Schema.Struct({ Records: Schema.Array(SqsRecord) })
export type SqsEvent = typeof SqsEvent.Type

/** S3 URL-encodes keys in notifications (spaces as '+'). */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, " "))

/** The Lambda response that reports partial batch failures to SQS. */
export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
}
