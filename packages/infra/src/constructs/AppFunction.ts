import { Duration, RemovalPolicy, Size } from "aws-cdk-lib"
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch"
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions"
import * as iam from "aws-cdk-lib/aws-iam"
import * as lambda from "aws-cdk-lib/aws-lambda"
import * as logs from "aws-cdk-lib/aws-logs"
import type * as sns from "aws-cdk-lib/aws-sns"
import { Construct } from "constructs"
import type { StageSettings } from "../Settings"

export interface AppFunctionProps {
  readonly settings: StageSettings
  /** Short name; the function is `<stage name>-<name>`. */
  readonly name: string
  readonly description: string
  readonly code: lambda.Code
  readonly handler: string
  readonly architecture: lambda.Architecture
  readonly memoryMb: number
  readonly timeout: Duration
  readonly environment: Record<string, string>
  readonly layers?: ReadonlyArray<lambda.ILayerVersion>
  readonly ephemeralStorageMb?: number
  readonly reservedConcurrency?: number | undefined
  /** Where its alarms (errors, throttles) notify. */
  readonly alarmTopic: sns.ITopic
}

/**
 * One Lambda function the way every VentureOS function is run: Node 24, its own role (no managed policies:
 * only what the construct that owns it grants, plus writing its own log group), its own log group with the
 * stage's retention, and alarms on errors and throttles.
 */
export class AppFunction extends Construct {
  readonly fn: lambda.Function
  readonly role: iam.Role
  readonly logGroup: logs.LogGroup

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id)
    const s = props.settings
    const functionName = `${s.name}-${props.name}`
    this.logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: s.logRetentionDays as logs.RetentionDays,
      removalPolicy: s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY
    })
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${functionName}: only what it uses`
    })
    // instead of AWSLambdaBasicExecutionRole (logs:* on every log group): its own log group only (its
    // `Arn` attribute, `arn:…:log-group:<name>:*`, covers the group's streams)
    this.logGroup.grantWrite(this.role)
    this.fn = new lambda.Function(this, "Function", {
      functionName,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture,
      code: props.code,
      handler: props.handler,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      ...(props.layers === undefined ? {} : { layers: [...props.layers] }),
      ...(props.ephemeralStorageMb === undefined
        ? {}
        : { ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb) }),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency })
    })
    const action = new cwActions.SnsAction(props.alarmTopic)
    const period = Duration.minutes(5)
    new cloudwatch.Alarm(this, "Errors", {
      alarmName: `${functionName}-errors`,
      alarmDescription: `${functionName} failed invocations`,
      metric: this.fn.metricErrors({ period, statistic: "Sum" }),
      threshold: s.alarms.functionErrors,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
    }).addAlarmAction(action)
    new cloudwatch.Alarm(this, "Throttles", {
      alarmName: `${functionName}-throttles`,
      alarmDescription: `${functionName} throttled invocations`,
      metric: this.fn.metricThrottles({ period, statistic: "Sum" }),
      threshold: s.alarms.functionThrottles,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
    }).addAlarmAction(action)
  }
}
