import { Aws, Duration, Fn, RemovalPolicy, Stack } from "aws-cdk-lib"
import * as lambda from "aws-cdk-lib/aws-lambda"
import * as logs from "aws-cdk-lib/aws-logs"
import type * as sns from "aws-cdk-lib/aws-sns"
import * as sfn from "aws-cdk-lib/aws-stepfunctions"
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks"
import { Construct } from "constructs"
import { acknowledgeWildcardResources, allow, names, s3Arn, tableBucketArn } from "../Access"
import { codeOf } from "../Code"
import type { StageSettings } from "../Settings"
import { AppFunction } from "./AppFunction"
import { grantLakehouseReadWrite } from "./Lakehouse"

/** Raw-bucket prefix where a backfill keeps its plan, item results and partial gold (`Backfill.ts`). */
export const BACKFILL_PREFIX = "backfill/"

export interface BackfillProps {
  readonly settings: StageSettings
  readonly alarmTopic: sns.ITopic
}

/**
 * The distributed backfill (issue 14, part 2) as a Step Functions Distributed Map: a planner Lambda splits the
 * bronze files of the execution input (`{"keys": [...], "splitRows": 250000}`) into work items and writes their
 * list to `backfill/<run>/items.json` in the raw bucket; the map runs one worker Lambda per item (up to
 * `settings.backfill.maxConcurrency` at once; each writes uncommitted Parquet data files into the silver
 * table and returns small metadata); a committer Lambda commits each silver table's files as ONE snapshot and
 * appends the merged gold deltas. When another writer moved a silver head meanwhile, the committer re-plans
 * that agency and the machine loops back to the map (finished items return at once). Every step is idempotent
 * (the run id is recorded in the snapshot summary), so a failed execution is resumed by starting it again.
 */
export class Backfill extends Construct {
  readonly stateMachine: sfn.StateMachine
  readonly planner: AppFunction
  readonly worker: AppFunction
  readonly committer: AppFunction

  constructor(scope: Construct, id: string, props: BackfillProps) {
    super(scope, id)
    const s = props.settings
    const rawBucket = names.rawBucket(s.name)
    const layer = new lambda.LayerVersion(this, "DuckDb", {
      layerVersionName: `${s.name}-backfill-duckdb`,
      description: "DuckDB's native binding (linux-x64), built by pnpm package:lambda",
      code: codeOf(s.code, "duckdbLayer"),
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.X86_64]
    })
    const fn = (id: string, name: string, handler: string, description: string) =>
      new AppFunction(this, id, {
        settings: s,
        name,
        description,
        // the same bundle as the ingest (pnpm package:lambda builds backfill.mjs beside index.mjs)
        code: codeOf(s.code, "ingest"),
        handler,
        architecture: lambda.Architecture.X86_64,
        layers: [layer],
        memoryMb: s.ingest.memoryMb,
        ephemeralStorageMb: s.ingest.ephemeralStorageMb,
        timeout: Duration.seconds(s.ingest.timeoutSeconds),
        alarmTopic: props.alarmTopic,
        environment: {
          VENTUREOS_RAW_BUCKET: rawBucket,
          VENTUREOS_WAREHOUSE: tableBucketArn(names.tableBucket(s.name)),
          VENTUREOS_CATALOG_SIGNING: "s3tables",
          VENTUREOS_DUCKDB_MEMORY: `${Math.floor(s.ingest.memoryMb * 0.6)}MB`,
          // two glibc malloc arenas instead of one per allocating thread: DuckDB's queries move between libuv's
          // pool threads, and each arena keeps what its queries freed (a 5M-row local ingest on a busy machine:
          // 1.49 -> 1.24 GB RSS; on an idle one no change)
          MALLOC_ARENA_MAX: "2"
        }
      })
    this.planner = fn("Planner", "backfill-plan", "backfill.plan", "backfill: bronze files -> work items")
    this.worker = fn(
      "Worker",
      "backfill-work",
      "backfill.work",
      "backfill: one work item -> silver data files"
    )
    this.committer = fn("Committer", "backfill-commit", "backfill.commit", "backfill: one snapshot per table")

    // raw bucket: every function reads bronze and the run's bookkeeping and writes only the bookkeeping; the
    // committer also writes the batches' rejects where an ingest puts them
    const backfillKeys = s3Arn(rawBucket, `${BACKFILL_PREFIX}*`)
    const bronzeKeys = s3Arn(rawBucket, "bronze/*")
    const rejectsKeys = s3Arn(rawBucket, "rejects/*")
    for (const f of [this.planner, this.worker, this.committer]) {
      allow(f.role, ["s3:GetObject"], [bronzeKeys, backfillKeys])
      allow(f.role, ["s3:ListBucket"], [s3Arn(rawBucket)])
      allow(f.role, ["s3:PutObject", "s3:AbortMultipartUpload"], [backfillKeys])
      grantLakehouseReadWrite(f.role, s)
    }
    allow(this.committer.role, ["s3:PutObject", "s3:AbortMultipartUpload"], [rejectsKeys])
    for (const [f, arns] of [
      [this.planner, [bronzeKeys, backfillKeys]],
      [this.worker, [bronzeKeys, backfillKeys]],
      [this.committer, [bronzeKeys, backfillKeys, rejectsKeys]]
    ] as const)
      acknowledgeWildcardResources(
        f.role,
        Stack.of(this),
        [...arns],
        "objects under one key prefix of the raw bucket: bronze files named at run time, the run's bookkeeping under backfill/<run id>/"
      )

    const invoke = (id: string, f: AppFunction, payload: sfn.TaskInput, resultPath: string) =>
      new tasks.LambdaInvoke(this, id, {
        lambdaFunction: f.fn,
        payload,
        payloadResponseOnly: true,
        resultPath,
        // the handlers are idempotent: a retried invocation finds its own work done
        retryOnServiceExceptions: true
      }).addRetry({
        errors: ["States.TaskFailed"],
        maxAttempts: 2,
        interval: Duration.seconds(10),
        backoffRate: 3
      })

    const init = new sfn.Pass(this, "Input", {
      parameters: { "input.$": "$", rawBucket },
      comment: "the execution input ({keys, splitRows?}) and where the item list lives"
    })
    const plan = invoke("Plan", this.planner, sfn.TaskInput.fromJsonPathAt("$.input"), "$.plan")
    const map = new sfn.DistributedMap(this, "Items", {
      comment: "one worker per work item of backfill/<run>/items.json",
      maxConcurrency: s.backfill.maxConcurrency,
      itemReader: new sfn.S3JsonItemReader({
        bucketNamePath: sfn.JsonPath.stringAt("$.rawBucket"),
        key: sfn.JsonPath.stringAt("$.plan.itemsKey")
      }),
      // workers run up to the Lambda limit (15 min): standard child executions (express ones stop at 5 min)
      mapExecutionType: sfn.StateMachineType.STANDARD,
      toleratedFailurePercentage: 0,
      resultPath: sfn.JsonPath.DISCARD
    })
    map.itemProcessor(invoke("Work", this.worker, sfn.TaskInput.fromJsonPathAt("$"), sfn.JsonPath.DISCARD))
    const commit = invoke(
      "Commit",
      this.committer,
      sfn.TaskInput.fromObject({ "runId.$": "$.plan.runId" }),
      "$.commit"
    )
    const done = new sfn.Choice(this, "Committed?")
      .when(sfn.Condition.booleanEquals("$.commit.done", true), new sfn.Succeed(this, "Done"))
      .otherwise(map)
    const definition = init.next(plan).next(map).next(commit).next(done)

    const logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/aws/vendedlogs/states/${s.name}-backfill`,
      retention: s.logRetentionDays as logs.RetentionDays,
      removalPolicy: s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY
    })
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: `${s.name}-backfill`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      timeout: Duration.hours(12)
    })
    // the map reads the item list the planner wrote (and nothing else of the bucket)
    const role = this.stateMachine.role
    allow(role, ["s3:GetObject"], [backfillKeys])
    acknowledgeWildcardResources(
      role,
      Stack.of(this),
      [backfillKeys],
      "the run's item list, backfill/<run id>/items.json"
    )
    // what CDK grants a Distributed Map with logging and tracing; each acknowledged with its reason
    const stack = Stack.of(this)
    acknowledgeWildcardResources(
      this.stateMachine,
      stack,
      [this.planner, this.worker, this.committer].map((f) => `${f.fn.functionArn}:*`),
      "LambdaInvoke's grant covers the function's versions and aliases (the tasks invoke $LATEST)"
    )
    acknowledgeWildcardResources(
      this.stateMachine,
      stack,
      ["*"],
      "CloudWatch Logs delivery (logs:*LogDelivery, *ResourcePolicy, DescribeLogGroups) and X-Ray (xray:Put*, GetSampling*) have no resource-level permissions: AWS requires *"
    )
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${Fn.select(6, Fn.split(":", this.stateMachine.stateMachineArn))}`
    acknowledgeWildcardResources(
      this.stateMachine,
      stack,
      [`${executions}:*`, `${executions}/*:*`],
      "the map's child executions of this state machine (named at run time): describe, stop and redrive them"
    )
  }
}
