import {
  bronzeIntelligentTieringConfiguration,
  bronzeLifecycleConfiguration
} from "@ventureos/storage/archive/s3"
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib"
import * as s3 from "aws-cdk-lib/aws-s3"
import { Construct } from "constructs"
import { names } from "../Access"
import { SettingsError, type StageSettings } from "../Settings"

/** The prefixes whose new objects are ingested (the gatekeeper routes `daily/` and `historical/`). */
export const INGEST_PREFIXES = ["bronze/daily/", "bronze/historical/"] as const

type ApiLifecycle = ReturnType<typeof bronzeLifecycleConfiguration>
type ApiTiering = ReturnType<typeof bronzeIntelligentTieringConfiguration>

const storageClassOf = (name: string): s3.StorageClass => {
  const known: Record<string, s3.StorageClass> = {
    INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
    STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
    ONEZONE_IA: s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS,
    GLACIER: s3.StorageClass.GLACIER,
    GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
    DEEP_ARCHIVE: s3.StorageClass.DEEP_ARCHIVE
  }
  const c = known[name]
  if (c === undefined)
    throw new SettingsError(`bronze lifecycle: storage class ${name} has no CloudFormation mapping here`)
  return c
}

/**
 * The lifecycle rules of `ventureos bronze lifecycle` (the S3 API shape from `@ventureos/storage`, the one
 * source), as CDK rules. Anything this mapping does not know fails the synth rather than being dropped.
 */
export const lifecycleRulesOf = (config: ApiLifecycle): Array<s3.LifecycleRule> =>
  config.Rules.map((r): s3.LifecycleRule => {
    const rule = r as ApiLifecycle["Rules"][number] & {
      Transitions?: ReadonlyArray<{ Days: number; StorageClass: string }>
      AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number }
      Expiration?: { Days: number }
    }
    const known = new Set([
      "ID",
      "Status",
      "Filter",
      "Transitions",
      "AbortIncompleteMultipartUpload",
      "Expiration"
    ])
    const unknown = Object.keys(rule).filter((k) => !known.has(k))
    if (unknown.length > 0)
      throw new SettingsError(`bronze lifecycle rule ${rule.ID}: unmapped fields ${unknown.join(", ")}`)
    return {
      id: rule.ID,
      enabled: rule.Status === "Enabled",
      prefix: rule.Filter.Prefix,
      ...(rule.Transitions === undefined
        ? {}
        : {
            transitions: rule.Transitions.map((t) => ({
              storageClass: storageClassOf(t.StorageClass),
              transitionAfter: Duration.days(t.Days)
            }))
          }),
      ...(rule.AbortIncompleteMultipartUpload === undefined
        ? {}
        : {
            abortIncompleteMultipartUploadAfter: Duration.days(
              rule.AbortIncompleteMultipartUpload.DaysAfterInitiation
            )
          }),
      ...(rule.Expiration === undefined ? {} : { expiration: Duration.days(rule.Expiration.Days) })
    }
  })

/** The Intelligent-Tiering archive configuration of `ventureos bronze lifecycle`, as a CDK configuration. */
export const intelligentTieringOf = (config: ApiTiering): s3.IntelligentTieringConfiguration => {
  const days = (tier: string) => config.Tierings.find((t) => t.AccessTier === tier)?.Days
  const unknown = config.Tierings.filter(
    (t) => t.AccessTier !== "ARCHIVE_ACCESS" && t.AccessTier !== "DEEP_ARCHIVE_ACCESS"
  )
  if (unknown.length > 0 || config.Status !== "Enabled")
    throw new SettingsError(`bronze Intelligent-Tiering ${config.Id}: unmapped tiers or status`)
  const archive = days("ARCHIVE_ACCESS")
  const deep = days("DEEP_ARCHIVE_ACCESS")
  return {
    name: config.Id,
    prefix: config.Filter.Prefix,
    ...(archive === undefined ? {} : { archiveAccessTierTime: Duration.days(archive) }),
    ...(deep === undefined ? {} : { deepArchiveAccessTierTime: Duration.days(deep) })
  }
}

/**
 * A bucket as `IBucket`: aws-cdk-lib's `Bucket` declares optional members without `| undefined`, which the
 * repository's `exactOptionalPropertyTypes` rejects although the class implements the interface.
 */
export const asIBucket = (bucket: s3.Bucket): s3.IBucket => bucket as unknown as s3.IBucket

/** A private, TLS-only, encrypted bucket (the base of every bucket here). */
export const privateBucketProps = (settings: StageSettings): s3.BucketProps => ({
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  encryption: s3.BucketEncryption.S3_MANAGED,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  autoDeleteObjects: false
})

/** The bucket that receives S3 server access logs (and CloudFront standard logs) of a stack's buckets. */
export class AccessLogBucket extends Construct {
  readonly bucket: s3.Bucket
  constructor(scope: Construct, id: string, props: { settings: StageSettings; cloudFront?: boolean }) {
    super(scope, id)
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...privateBucketProps(props.settings),
      // CloudFront standard logging writes with ACLs; S3 server access logging does not need them
      objectOwnership: props.cloudFront
        ? s3.ObjectOwnership.OBJECT_WRITER
        : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: "access-logs-expire", expiration: Duration.days(props.settings.logRetentionDays) }
      ]
    })
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "this is the access log bucket; logging it into itself would loop"
    })
  }
}

/**
 * Bronze: the raw archive bucket (`bronze/…`, `manifests/…`, `rejects/…`). Private, TLS-only, SSE-S3,
 * versioned, access-logged; lifecycle and Intelligent-Tiering from `@ventureos/storage` (what `ventureos
 * bronze lifecycle` prints and applies); object events go to EventBridge, where the ingest's rules pick
 * `bronze/daily/` and `bronze/historical/` per agency.
 */
export class Bronze extends Construct {
  readonly bucket: s3.Bucket

  constructor(scope: Construct, id: string, props: { settings: StageSettings }) {
    super(scope, id)
    const logs = new AccessLogBucket(this, "AccessLogs", { settings: props.settings })
    this.bucket = new s3.Bucket(this, "Raw", {
      ...privateBucketProps(props.settings),
      bucketName: names.rawBucket(props.settings.name),
      versioned: true,
      serverAccessLogsBucket: asIBucket(logs.bucket),
      serverAccessLogsPrefix: "raw/",
      lifecycleRules: [
        ...lifecycleRulesOf(bronzeLifecycleConfiguration()),
        // infrastructure-only (versioning is set here, not by the CLI): old versions of rewritten
        // bookkeeping objects do not accumulate
        {
          id: "noncurrent-versions-expire",
          noncurrentVersionExpiration: Duration.days(30),
          expiredObjectDeleteMarker: true
        }
      ],
      intelligentTieringConfigurations: [intelligentTieringOf(bronzeIntelligentTieringConfiguration())]
    })
    // Object events to EventBridge, set on the bucket itself: `eventBridgeEnabled` would add CDK's
    // notifications custom resource (a Lambda with s3:PutBucketNotification on every bucket).
    ;(this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true }
    }
  }
}
