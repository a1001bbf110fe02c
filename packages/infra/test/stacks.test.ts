import { tableDefinitions, tableNames } from "@ventureos/serving"
import {
  bronzeIntelligentTieringConfiguration,
  bronzeLifecycleConfiguration
} from "@ventureos/storage/archive/s3"
import { Match } from "aws-cdk-lib/assertions"
import { beforeAll, describe, expect, it } from "vitest"
import { API_PATHS, SPLIT_ROUTES } from "../src"
import { type Cfn, resourcesOf, type Synthesized, synthStage } from "./Synth"

// The prod stage: split API handlers, deletion protection, 90-day logs. One synth for the whole file.
let s: Synthesized
beforeAll(() => {
  s = synthStage("prod")
}, 120_000)

const json = (v: unknown) => JSON.stringify(v)

describe("prod stage", () => {
  it("passes cdk-nag's AwsSolutions checks with every finding acknowledged", () => {
    expect(s.nagViolations).toEqual([])
  })

  it("bronze: private, TLS-only, encrypted, versioned, access-logged, EventBridge notifications", () => {
    const t = s.templates.bronze
    t.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: Match.objectLike({ "Fn::Join": Match.anyValue() }),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }]
      },
      VersioningConfiguration: { Status: "Enabled" },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: "raw/" }),
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } }
    })
    // TLS only: every bucket's policy denies requests without aws:SecureTransport
    const policies = resourcesOf(t, "AWS::S3::BucketPolicy")
    expect(policies).toHaveLength(2)
    for (const [, p] of policies)
      expect(json(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"')
  })

  it("bronze: lifecycle and Intelligent-Tiering are the ones `ventureos bronze lifecycle` applies", () => {
    const [, raw] = resourcesOf(s.templates.bronze, "AWS::S3::Bucket").find(
      ([, b]) => b.Properties.VersioningConfiguration !== undefined
    )!
    const rules = raw.Properties.LifecycleConfiguration.Rules as Array<Record<string, Cfn>>
    // every rule of the CLI's configuration, field by field
    for (const r of bronzeLifecycleConfiguration().Rules as Array<Record<string, Cfn>>) {
      const cfn = rules.find((x) => x.Id === r.ID)
      expect(cfn, r.ID).toBeDefined()
      expect(cfn!.Prefix).toBe(r.Filter.Prefix)
      expect(cfn!.Status).toBe(r.Status)
      if (r.Transitions)
        expect(cfn!.Transitions).toEqual(
          r.Transitions.map((x: Cfn) => ({ StorageClass: x.StorageClass, TransitionInDays: x.Days }))
        )
      if (r.Expiration) expect(cfn!.ExpirationInDays).toBe(r.Expiration.Days)
      if (r.AbortIncompleteMultipartUpload)
        expect(cfn!.AbortIncompleteMultipartUpload).toEqual(r.AbortIncompleteMultipartUpload)
    }
    const tiering = bronzeIntelligentTieringConfiguration()
    expect(raw.Properties.IntelligentTieringConfigurations).toEqual([
      {
        Id: tiering.Id,
        Prefix: tiering.Filter.Prefix,
        Status: "Enabled",
        Tierings: tiering.Tierings.map((x) => ({ AccessTier: x.AccessTier, Days: x.Days }))
      }
    ])
  })

  it("ingest: EventBridge rules per agency for bronze/daily/ and bronze/historical/ into a FIFO queue grouped by agency", () => {
    const t = s.templates.ingest
    const rules = resourcesOf(t, "AWS::Events::Rule")
    expect(rules.map(([, r]) => r.Properties.Name).sort()).toEqual(
      s.settings.agencies.map((a) => `ventureos-prod-ingest-${a}`).sort()
    )
    for (const agency of s.settings.agencies) {
      const [, rule] = rules.find(([, r]) => r.Properties.Name.endsWith(`-${agency}`))!
      expect(rule.Properties.EventPattern.source).toEqual(["aws.s3"])
      expect(rule.Properties.EventPattern["detail-type"]).toEqual(["Object Created"])
      expect(rule.Properties.EventPattern.detail.object.key).toEqual([
        { prefix: `bronze/daily/${agency}/` },
        { prefix: `bronze/historical/${agency}/` }
      ])
      const [target] = rule.Properties.Targets
      expect(target.SqsParameters).toEqual({ MessageGroupId: agency })
      expect(target.DeadLetterConfig).toBeDefined()
      // the body is S3's event unchanged (its key is not URL-encoded; the handler reads it as such)
      expect(target.InputTransformer).toBeUndefined()
      expect(target.Input).toBeUndefined()
      expect(target.InputPath).toBeUndefined()
    }
  })

  it("ingest: queue visibility is six times the function timeout, with a FIFO dead-letter queue", () => {
    const t = s.templates.ingest
    const [, fn] = resourcesOf(t, "AWS::Lambda::Function")[0]!
    const queues = resourcesOf(t, "AWS::SQS::Queue")
    const [, main] = queues.find(([, q]) => q.Properties.QueueName === "ventureos-prod-ingest.fifo")!
    const [dlqId, dlq] = queues.find(([, q]) => q.Properties.QueueName === "ventureos-prod-ingest-dlq.fifo")!
    expect(main.Properties.FifoQueue).toBe(true)
    expect(main.Properties.ContentBasedDeduplication).toBe(true)
    expect(main.Properties.VisibilityTimeout).toBe(6 * fn.Properties.Timeout)
    expect(main.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout)
    expect(main.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] },
      maxReceiveCount: s.settings.ingest.maxReceiveCount
    })
    expect(dlq.Properties.FifoQueue).toBe(true)
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true)
    t.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"]
    })
  })

  it("ingest: the Lambda runs the bundle with the DuckDB layer, configured for S3 Tables", () => {
    const t = s.templates.ingest
    t.hasResourceProperties("AWS::Lambda::LayerVersion", {
      CompatibleRuntimes: ["nodejs24.x"],
      CompatibleArchitectures: ["x86_64"]
    })
    t.hasResourceProperties("AWS::Lambda::Function", {
      FunctionName: "ventureos-prod-ingest",
      Runtime: "nodejs24.x",
      Handler: "index.handler",
      Layers: [{ Ref: Match.stringLikeRegexp("DuckDb") }],
      MemorySize: s.settings.ingest.memoryMb,
      EphemeralStorage: { Size: s.settings.ingest.ephemeralStorageMb },
      Environment: {
        Variables: Match.objectLike({
          VENTUREOS_RAW_BUCKET: Match.anyValue(),
          VENTUREOS_WAREHOUSE: Match.anyValue(),
          VENTUREOS_CATALOG_SIGNING: "s3tables",
          VENTUREOS_TABLE_PREFIX: "VentureOS-prod"
        })
      }
    })
  })

  it("alarms: DLQ depth, and errors and throttles of every function", () => {
    const alarms = [...Object.values(s.templates)].flatMap((t) => resourcesOf(t, "AWS::CloudWatch::Alarm"))
    const names = alarms.map(([, a]) => a.Properties.AlarmName as string)
    expect(names).toContain("ventureos-prod-ingest-dlq-depth")
    expect(names).toContain("ventureos-prod-ingest-undelivered-depth")
    const functions = [s.templates.ingest, s.templates.api].flatMap((t) =>
      resourcesOf(t, "AWS::Lambda::Function").map(([, f]) => f.Properties.FunctionName as string)
    )
    expect(functions.length).toBe(6) // ingest, routed, company, places, config, summary worker
    for (const f of functions) {
      expect(names).toContain(`${f}-errors`)
      expect(names).toContain(`${f}-throttles`)
    }
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toHaveLength(1)
  })

  it("logs: every log group has the stage's retention", () => {
    const groups = [...Object.values(s.templates)].flatMap((t) => resourcesOf(t, "AWS::Logs::LogGroup"))
    // six functions + the API access log + the backfill's three functions and its state machine
    expect(groups.length).toBe(11)
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(90)
  })

  it("lakehouse: an S3 Tables table bucket with the silver and gold namespaces (tables come from the SDK)", () => {
    const t = s.templates.lakehouse
    t.hasResourceProperties("AWS::S3Tables::TableBucket", { TableBucketName: "ventureos-prod-lake" })
    expect(
      resourcesOf(t, "AWS::S3Tables::Namespace")
        .map(([, n]) => n.Properties.Namespace)
        .sort()
    ).toEqual(["gold", "silver"])
    expect(resourcesOf(t, "AWS::S3Tables::Table")).toEqual([])
    for (const [, r] of [
      ...resourcesOf(t, "AWS::S3Tables::TableBucket"),
      ...resourcesOf(t, "AWS::S3Tables::Namespace")
    ])
      expect(r.DeletionPolicy).toBe("Retain")
  })

  it("serving: the tables of @ventureos/serving with their indexes, TTL on ttl, PITR and deletion protection", () => {
    const tables = resourcesOf(s.templates.serving, "AWS::DynamoDB::GlobalTable")
    const defs = tableDefinitions("VentureOS-prod")
    expect(tables.map(([, t]) => t.Properties.TableName).sort()).toEqual(defs.map((d) => d.TableName).sort())
    for (const def of defs) {
      const [, t] = tables.find(([, x]) => x.Properties.TableName === def.TableName)!
      expect(t.Properties.KeySchema).toEqual(def.KeySchema)
      expect(t.Properties.BillingMode).toBe("PAY_PER_REQUEST")
      expect(
        (t.Properties.GlobalSecondaryIndexes ?? []).map((g: Cfn) => ({
          IndexName: g.IndexName,
          KeySchema: g.KeySchema
        }))
      ).toEqual(
        (def.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema }))
      )
      for (const r of t.Properties.Replicas) {
        expect(r.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true })
        expect(r.DeletionProtectionEnabled).toBe(true)
      }
    }
    const [, violations] = tables.find(
      ([, x]) => x.Properties.TableName === tableNames("VentureOS-prod").violations
    )!
    expect(violations.Properties.TimeToLiveSpecification).toEqual({ AttributeName: "ttl", Enabled: true })
    expect(json(violations.Properties.GlobalSecondaryIndexes)).toContain('"IndexName":"ByViolation"')
  })

  it("api: split handlers on their routes, the routed handler for the rest, throttled and access-logged", () => {
    const t = s.templates.api
    const routes = resourcesOf(t, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey as string)
    expect(routes.sort()).toEqual(
      [
        "ANY /{proxy+}",
        ...Object.values(SPLIT_ROUTES)
          .flat()
          .map((p) => `GET ${p}`)
      ].sort()
    )
    t.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: {
        ThrottlingRateLimit: s.settings.api.throttleRatePerSecond,
        ThrottlingBurstLimit: s.settings.api.throttleBurst
      },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() })
    })
    const handlers = resourcesOf(t, "AWS::Lambda::Function")
      .map(([, f]) => f.Properties.Handler)
      .sort()
    expect(handlers).toEqual(
      [
        "api-city-handler.handler",
        "api-company-handler.handler",
        "api-config-handler.handler",
        "api-handler.handler",
        "summary-worker.handler"
      ].sort()
    )
    for (const [, f] of resourcesOf(t, "AWS::Lambda::Function"))
      if (f.Properties.Handler !== "summary-worker.handler")
        expect(f.Properties.ReservedConcurrentExecutions).toBe(s.settings.api.reservedConcurrency)
  })

  it("summary worker: bedrock:InvokeModel (Converse) on the configured model only; the trigger may invoke it", () => {
    const t = s.templates.api
    const policies = resourcesOf(t, "AWS::IAM::Policy")
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Cfn>)
    const bedrock = statements.filter((st) => json(st.Action).includes("bedrock:"))
    expect(bedrock).toHaveLength(1)
    expect(bedrock[0].Action).toBe("bedrock:InvokeModel")
    expect(json(bedrock[0].Resource)).toContain(`:foundation-model/${s.settings.summary.bedrockModelId}`)
    t.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "summary-worker.handler",
      Environment: {
        Variables: Match.objectLike({
          VENTUREOS_SUMMARY_PROVIDER: "bedrock",
          VENTUREOS_BEDROCK_MODEL_ID: s.settings.summary.bedrockModelId
        })
      }
    })
    const invoke = statements.filter((st) => json(st.Action).includes("lambda:InvokeFunction"))
    expect(invoke).toHaveLength(1)
  })

  it("web: private bucket behind CloudFront with OAC, API paths to the HTTP API, security headers", () => {
    const t = s.templates.web
    t.resourceCountIs("AWS::CloudFront::OriginAccessControl", 1)
    const [, d] = resourcesOf(t, "AWS::CloudFront::Distribution")[0]!
    const cfg = d.Properties.DistributionConfig
    expect(cfg.CacheBehaviors.map((b: Cfn) => b.PathPattern).sort()).toEqual([...API_PATHS].sort())
    const origins = cfg.Origins as Array<Cfn>
    const apiOrigin = origins.find((o) => o.CustomOriginConfig !== undefined)
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe("https-only")
    expect(json(apiOrigin.DomainName)).toContain("execute-api")
    const s3Origin = origins.find((o) => o.S3OriginConfig !== undefined)
    expect(s3Origin.OriginAccessControlId).toBeDefined()
    for (const b of cfg.CacheBehaviors) {
      expect(b.TargetOriginId).toBe(apiOrigin.Id)
      expect(b.AllowedMethods).toContain("POST")
      expect(b.ViewerProtocolPolicy).toBe("redirect-to-https")
    }
    expect(cfg.DefaultCacheBehavior.TargetOriginId).toBe(s3Origin.Id)
    expect(cfg.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1)
    const [, headers] = resourcesOf(t, "AWS::CloudFront::ResponseHeadersPolicy")[0]!
    const sec = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig
    expect(sec.StrictTransportSecurity.Override).toBe(true)
    expect(sec.ContentTypeOptions.Override).toBe(true)
    expect(sec.FrameOptions.FrameOption).toBe("DENY")
    expect(sec.ReferrerPolicy.ReferrerPolicy).toBe("no-referrer")
    expect(sec.ContentSecurityPolicy.ContentSecurityPolicy).toContain("script-src 'self'")
    // only CloudFront (this distribution) may read the site bucket
    const sitePolicy = resourcesOf(t, "AWS::S3::BucketPolicy")
      .map(([, p]) => json(p.Properties.PolicyDocument))
      .find((p) => p.includes("cloudfront.amazonaws.com"))
    expect(sitePolicy).toContain("AWS:SourceArn")
    t.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true
      })
    })
  })
})
