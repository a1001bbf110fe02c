import { Duration, Stack, Validations } from "aws-cdk-lib"
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch"
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions"
import * as events from "aws-cdk-lib/aws-events"
import * as targets from "aws-cdk-lib/aws-events-targets"
import * as lambda from "aws-cdk-lib/aws-lambda"
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources"
import type * as sns from "aws-cdk-lib/aws-sns"
import * as sqs from "aws-cdk-lib/aws-sqs"
import { Construct } from "constructs"
import { acknowledgeWildcardResources, allow, names, s3Arn, tableBucketArn } from "../Access"
import { codeOf } from "../Code"
import type { StageSettings } from "../Settings"
import { AppFunction } from "./AppFunction"
import { INGEST_PREFIXES } from "./Bronze"
import { grantLakehouseReadWrite } from "./Lakehouse"
import { ServingAccess, servingEnvironment } from "./Serving"

/** Key prefixes of the raw bucket the ingest writes (batch bookkeeping) besides reading bronze. */
export const INGEST_WRITE_PREFIXES = ["manifests/", "rejects/", "outbox/"] as const

export interface IngestProps {
  readonly settings: StageSettings
  readonly alarmTopic: sns.ITopic
}

/** The visibility timeout for a function timeout: six times it, as AWS advises for SQS event sources. */
export const visibilityTimeoutFor = (functionTimeoutSeconds: number) =>
  Duration.seconds(6 * functionTimeoutSeconds)

/**
 * Ingest: new objects under `bronze/daily/<agency>/` and `bronze/historical/<agency>/` → EventBridge (one rule
 * per agency) → one SQS FIFO queue whose message group is the agency → the ingest Lambda (batch size 1,
 * partial batch failures) → silver/gold in S3 Tables, serving in DynamoDB.
 *
 * One writer per silver table: `silver.<agency>` is only written by the ingest of that agency's files, and a
 * FIFO queue hands a message group to one consumer at a time, in order, and the next message of the group
 * only after the previous one is deleted. So at most one ingest per agency runs at any moment (agencies run
 * in parallel), retries keep the arrival order, and the commit's optimistic check is a safety net rather than
 * the normal path. (S3 notifications cannot target FIFO queues directly, hence EventBridge, whose input
 * transformer rebuilds the S3 notification shape the handler decodes.) Gold tables are shared by agencies:
 * their commits are appends, which the writer retries on conflict.
 */
export class Ingest extends Construct {
  readonly queue: sqs.Queue
  readonly deadLetterQueue: sqs.Queue
  /** Events EventBridge could not deliver to the queue. */
  readonly eventsDeadLetterQueue: sqs.Queue
  readonly function: AppFunction
  readonly duckdbLayer: lambda.LayerVersion
  readonly rules: ReadonlyArray<events.Rule>

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id)
    const s = props.settings
    const timeout = Duration.seconds(s.ingest.timeoutSeconds)
    const rawBucket = names.rawBucket(s.name)
    const queueBase = { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED } as const

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetters", {
      ...queueBase,
      queueName: `${s.name}-ingest-dlq.fifo`,
      fifo: true,
      retentionPeriod: Duration.days(14)
    })
    this.queue = new sqs.Queue(this, "Queue", {
      ...queueBase,
      queueName: `${s.name}-ingest.fifo`,
      fifo: true,
      // a repeated delivery of the same event (same id) within 5 minutes is dropped; a redelivery past that,
      // or a duplicate event, is a no-op anyway (a completed batch is recognised by its manifest)
      contentBasedDeduplication: true,
      visibilityTimeout: visibilityTimeoutFor(s.ingest.timeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: s.ingest.maxReceiveCount }
    })
    this.eventsDeadLetterQueue = new sqs.Queue(this, "UndeliveredEvents", {
      ...queueBase,
      queueName: `${s.name}-ingest-undelivered`,
      retentionPeriod: Duration.days(14)
    })

    Validations.of(this.eventsDeadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "it is a dead-letter queue itself (EventBridge's, for events it could not deliver to the ingest queue)"
    })
    this.rules = s.agencies.map((agency) => {
      const rule = new events.Rule(this, `Rule-${agency}`, {
        ruleName: `${s.name}-ingest-${agency}`,
        description: `new ${agency} raw files (daily and historical) to the ingest queue, group ${agency}`,
        eventPattern: {
          source: ["aws.s3"],
          detailType: ["Object Created"],
          detail: {
            bucket: { name: [rawBucket] },
            object: { key: INGEST_PREFIXES.map((p) => ({ prefix: `${p}${agency}/` })) }
          }
        }
      })
      rule.addTarget(
        new targets.SqsQueue(this.queue, {
          messageGroupId: agency,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.eventsDeadLetterQueue
          // The body is S3's EventBridge event unchanged (no input transformer): its object key is not
          // URL-encoded, unlike an S3 notification's, and the handler tells the two apart by their shape. A
          // rebuilt notification would have its raw key URL-decoded by the handler ('+' read as a space).
        })
      )
      return rule
    })

    this.duckdbLayer = new lambda.LayerVersion(this, "DuckDb", {
      layerVersionName: `${s.name}-duckdb`,
      description: "DuckDB's native binding (linux-x64), built by pnpm package:lambda",
      code: codeOf(s.code, "duckdbLayer"),
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.X86_64]
    })

    this.function = new AppFunction(this, "Ingest", {
      settings: s,
      name: "ingest",
      description: "bronze raw file -> silver (S3 Tables) -> gold -> serving (DynamoDB)",
      code: codeOf(s.code, "ingest"),
      handler: "index.handler",
      architecture: lambda.Architecture.X86_64,
      layers: [this.duckdbLayer],
      memoryMb: s.ingest.memoryMb,
      ephemeralStorageMb: s.ingest.ephemeralStorageMb,
      timeout,
      alarmTopic: props.alarmTopic,
      environment: {
        VENTUREOS_RAW_BUCKET: rawBucket,
        VENTUREOS_WAREHOUSE: tableBucketArn(names.tableBucket(s.name)),
        VENTUREOS_CATALOG_SIGNING: "s3tables",
        // DuckDB spills past this to /tmp; leave room for the Node heap
        VENTUREOS_DUCKDB_MEMORY: `${Math.floor(s.ingest.memoryMb * 0.6)}MB`,
        // two glibc malloc arenas instead of one per allocating thread: DuckDB's queries move between libuv's
        // pool threads, and each arena keeps what its queries freed (a 5M-row local ingest on a busy machine:
        // 1.49 -> 1.24 GB RSS; on an idle one no change)
        MALLOC_ARENA_MAX: "2",
        ...servingEnvironment(s)
      }
    })
    const fn = this.function.fn
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }))

    // raw bucket: read bronze and the batch bookkeeping (a batch with a manifest is a no-op), list them,
    // write only the bookkeeping, delete only finished outbox records
    const role = this.function.role
    const read = ["bronze/", ...INGEST_WRITE_PREFIXES].map((p) => s3Arn(rawBucket, `${p}*`))
    const write = INGEST_WRITE_PREFIXES.map((p) => s3Arn(rawBucket, `${p}*`))
    const outbox = s3Arn(rawBucket, "outbox/*")
    allow(role, ["s3:GetObject"], read)
    allow(role, ["s3:PutObject", "s3:AbortMultipartUpload"], write)
    allow(role, ["s3:DeleteObject"], [outbox])
    allow(role, ["s3:ListBucket"], [s3Arn(rawBucket)])
    acknowledgeWildcardResources(
      role,
      Stack.of(this),
      [...new Set([...read, ...write, outbox])],
      "objects under one key prefix of the raw bucket: keys are made per file and batch at run time"
    )
    grantLakehouseReadWrite(role, s)
    // the serving sync of daily batches (feeds, entity totals, search) runs inside the ingest
    new ServingAccess(this, "Serving", { settings: s }).grantReadWrite(role)

    const action = new cwActions.SnsAction(props.alarmTopic)
    for (const [name, q] of [
      ["dlq", this.deadLetterQueue],
      ["undelivered", this.eventsDeadLetterQueue]
    ] as const)
      new cloudwatch.Alarm(this, `Depth-${name}`, {
        alarmName: `${s.name}-ingest-${name}-depth`,
        alarmDescription: `messages in ${q.node.id}: files whose ingest failed ${s.ingest.maxReceiveCount} times, or events not delivered`,
        metric: q.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: "Maximum"
        }),
        threshold: s.alarms.dlqDepth,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      }).addAlarmAction(action)
  }
}
