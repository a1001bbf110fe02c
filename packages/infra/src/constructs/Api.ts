import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib"
import * as apigw from "aws-cdk-lib/aws-apigateway"
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2"
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations"
import * as iam from "aws-cdk-lib/aws-iam"
import * as lambda from "aws-cdk-lib/aws-lambda"
import * as logs from "aws-cdk-lib/aws-logs"
import type * as sns from "aws-cdk-lib/aws-sns"
import { Construct } from "constructs"
import { acknowledgeWildcardResources } from "../Access"
import { codeOf } from "../Code"
import type { StageSettings } from "../Settings"
import { AppFunction } from "./AppFunction"
import { ServingAccess, servingEnvironment } from "./Serving"

/** The API bundle's handlers (`packages/adapters-lambda/src/api/<name>.ts`). */
export const API_HANDLERS = {
  routed: "api-handler",
  company: "api-company-handler",
  places: "api-city-handler",
  config: "api-config-handler",
  summaryWorker: "summary-worker"
} as const

/** Routes of the split handlers (the routed handler answers every other path, `ANY /{proxy+}`). */
export const SPLIT_ROUTES: Record<"company" | "places" | "config", ReadonlyArray<string>> = {
  company: ["/api/company/{id}"],
  places: ["/api/city/{id}", "/api/state/{id}", "/api/top"],
  config: ["/api/config/{brand}"]
}

/**
 * The ARNs `bedrock:InvokeModel` (which also authorizes Converse: IAM has no separate Converse action) is
 * allowed on for a model id: the foundation model in this region, or for a cross-region inference profile
 * (`us.…`, `eu.…`, `apac.…`, `global.…`) the profile and the foundation model in the regions it routes to.
 */
export const bedrockModelArns = (stack: Stack, modelId: string): Array<string> => {
  const profile = /^(us|eu|apac|us-gov|global)\.(.+)$/.exec(modelId)
  if (profile === null)
    return [
      stack.formatArn({
        service: "bedrock",
        account: "",
        resource: "foundation-model",
        resourceName: modelId
      })
    ]
  return [
    stack.formatArn({ service: "bedrock", resource: "inference-profile", resourceName: modelId }),
    `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`
  ]
}

export interface ApiProps {
  readonly settings: StageSettings
  readonly alarmTopic: sns.ITopic
}

/**
 * API: the API v2 Lambdas behind an API Gateway HTTP API (stage throttling, JSON access log), and the summary
 * worker that calls Bedrock. `settings.api.handlers` picks one routed handler or the split handlers (see
 * {@link ApiHandlers}). Read-only handlers read the serving tables; the routed handler also writes summary
 * leases and daily counters (Violations table) and invokes the worker; the worker reads the serving tables,
 * writes summaries (Violations table) and calls the configured model only.
 */
export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi
  readonly stage: apigwv2.HttpStage
  readonly routed: AppFunction
  readonly split: ReadonlyArray<AppFunction>
  readonly summaryWorker: AppFunction

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id)
    const s = props.settings
    const code = codeOf(s.code, "api")
    const stack = Stack.of(this)
    const serving = new ServingAccess(this, "Serving", { settings: s })

    this.summaryWorker = new AppFunction(this, "SummaryWorker", {
      settings: s,
      name: "summary-worker",
      description: "one AI summary per asynchronous invocation (Bedrock Converse on the configured model)",
      code,
      handler: `${API_HANDLERS.summaryWorker}.handler`,
      architecture: lambda.Architecture.ARM_64,
      memoryMb: 512,
      timeout: Duration.seconds(60),
      reservedConcurrency: s.summary.reservedConcurrency,
      alarmTopic: props.alarmTopic,
      environment: {
        ...servingEnvironment(s),
        VENTUREOS_SUMMARY_PROVIDER: "bedrock",
        VENTUREOS_BEDROCK_MODEL_ID: s.summary.bedrockModelId
      }
    })
    serving.grantReadWriteOf(this.summaryWorker.role, ["violations"]) // the summaries
    this.summaryWorker.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["bedrock:InvokeModel"],
        resources: bedrockModelArns(stack, s.summary.bedrockModelId)
      })
    )

    const apiFunction = (name: string, handler: string, description: string) =>
      new AppFunction(this, name, {
        settings: s,
        name: `api-${name.toLowerCase()}`,
        description,
        code,
        handler: `${handler}.handler`,
        architecture: lambda.Architecture.ARM_64,
        memoryMb: s.api.memoryMb,
        timeout: Duration.seconds(10),
        reservedConcurrency: s.api.reservedConcurrency,
        alarmTopic: props.alarmTopic,
        environment: {
          ...servingEnvironment(s),
          VENTUREOS_SUMMARY_WORKER_FUNCTION: this.summaryWorker.fn.functionName,
          VENTUREOS_SUMMARY_BRAND_DAILY: String(s.summary.brandDaily),
          VENTUREOS_SUMMARY_CLIENT_DAILY: String(s.summary.clientDaily)
        }
      })

    this.routed = apiFunction("Routed", API_HANDLERS.routed, "API v2: every route (+ /openapi.json, /docs)")
    serving.grantReadWriteOf(this.routed.role, ["violations"]) // summary leases and daily budgets
    this.summaryWorker.fn.grantInvoke(this.routed.fn)
    acknowledgeWildcardResources(
      this.routed.role,
      stack,
      [`${this.summaryWorker.fn.functionArn}:*`],
      "versions and aliases of the summary worker (lambda:InvokeFunction as CDK grants it), that function only"
    )

    const accessLog = new logs.LogGroup(this, "AccessLog", {
      logGroupName: `/aws/http-api/${s.name}`,
      retention: s.logRetentionDays as logs.RetentionDays,
      removalPolicy: s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY
    })
    this.httpApi = new apigwv2.HttpApi(this, "HttpApi", {
      apiName: `${s.name}-api`,
      description: `VentureOS API v2 (${s.stage}, ${s.api.handlers} handlers)`,
      createDefaultStage: false
    })
    this.stage = new apigwv2.HttpStage(this, "Stage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: s.api.throttleRatePerSecond, burstLimit: s.api.throttleBurst },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLog),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            time: "$context.requestTime",
            method: "$context.httpMethod",
            route: "$context.routeKey",
            path: "$context.path",
            status: "$context.status",
            bytes: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            error: "$context.integrationErrorMessage"
          })
        )
      }
    })
    this.httpApi.addRoutes({
      path: "/{proxy+}",
      methods: [apigwv2.HttpMethod.ANY],
      integration: new HttpLambdaIntegration("Routed", this.routed.fn)
    })

    const split: Array<AppFunction> = []
    if (s.api.handlers === "split") {
      const entries = [
        ["Company", API_HANDLERS.company, SPLIT_ROUTES.company, "API v2: GET /api/company/:id"],
        [
          "Places",
          API_HANDLERS.places,
          SPLIT_ROUTES.places,
          "API v2: GET /api/city/:id, /api/state/:id, /api/top"
        ],
        ["Config", API_HANDLERS.config, SPLIT_ROUTES.config, "API v2: GET /api/config/:brand"]
      ] as const
      for (const [name, handler, paths, description] of entries) {
        const f = apiFunction(name, handler, description)
        serving.grantRead(f.role)
        const integration = new HttpLambdaIntegration(name, f.fn)
        for (const path of paths)
          this.httpApi.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration })
        split.push(f)
      }
    }
    this.split = split

    Validations.of(this.httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "the API is public and read-only (plus the throttled, budgeted summary trigger): no caller identity"
    })
  }

  /** The host name of the API's default stage (the CloudFront origin). */
  get domainName(): string {
    return `${this.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`
  }
}
