import { Duration, Validations } from "aws-cdk-lib"
import * as cloudfront from "aws-cdk-lib/aws-cloudfront"
import * as origins from "aws-cdk-lib/aws-cloudfront-origins"
import * as s3 from "aws-cdk-lib/aws-s3"
import { Construct } from "constructs"
import type { StageSettings } from "../Settings"
import { AccessLogBucket, asIBucket, privateBucketProps } from "./Bronze"

/**
 * The dashboards' Content-Security-Policy: the same policy the Node server sends with `index.html`
 * (`packages/adapters-node/src/Serve.ts`): the page's own scripts only. Sent only when the origin sent none
 * (`override: false`), so the API keeps its own deny-all policy on JSON.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src *; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"

/** Paths CloudFront sends to the API rather than the dashboards' bucket. */
export const API_PATHS = ["/api/*", "/openapi.json", "/docs"] as const

/**
 * Client-side routes (`/company/<slug>`, `/city/…`, `/search?q=`) are served `index.html`, as the Node server
 * does; files (`/assets/*.js`, `/config.json`) are served as they are. A viewer-request function rather than
 * an error-page rule, which would also turn the API's JSON 404s into HTML.
 */
const SPA_REWRITE = `function handler(event) {
  var r = event.request;
  var last = r.uri.substring(r.uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) r.uri = "/index.html";
  return r;
}`

export interface WebProps {
  readonly settings: StageSettings
  /** The API's host name (HTTP API default stage). */
  readonly apiDomainName: string
}

/**
 * Dashboard hosting: the built web app (`packages/web/dist`) in a private bucket read by CloudFront through
 * origin access control; `/api/*`, `/openapi.json` and `/docs` routed to the HTTP API uncached; a
 * security-headers policy (HSTS, nosniff, frame DENY, no-referrer, the dashboards' CSP) on every response.
 */
export class Web extends Construct {
  readonly bucket: s3.Bucket
  readonly distribution: cloudfront.Distribution
  readonly headers: cloudfront.ResponseHeadersPolicy

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id)
    const s = props.settings
    const logs = new AccessLogBucket(this, "AccessLogs", { settings: s, cloudFront: true })
    this.bucket = new s3.Bucket(this, "Site", {
      ...privateBucketProps(s),
      serverAccessLogsBucket: asIBucket(logs.bucket),
      serverAccessLogsPrefix: "site/"
    })
    this.headers = new cloudfront.ResponseHeadersPolicy(this, "SecurityHeaders", {
      responseHeadersPolicyName: `${s.name}-security-headers`,
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: DASHBOARD_CSP, override: false }
      }
    })
    const api = new origins.HttpOrigin(props.apiDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2]
    })
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      // the API Gateway host must stay the origin's; everything else (query, headers) goes through
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers
    }
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `VentureOS dashboards (${s.stage})`,
      defaultRootObject: "index.html",
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: asIBucket(logs.bucket),
      logFilePrefix: "cloudfront/",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(asIBucket(this.bucket)),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, "SpaRewrite", {
              functionName: `${s.name}-spa-rewrite`,
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              code: cloudfront.FunctionCode.fromInline(SPA_REWRITE)
            })
          }
        ]
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((p) => [p, apiBehavior]))
    })
    for (const a of [
      {
        id: "AwsSolutions-CFR4",
        reason:
          "the default *.cloudfront.net certificate allows TLSv1 at the viewer; a custom domain with its ACM certificate and minimumProtocolVersion TLS_V1_2_2021 is a per-brand deployment step (README)"
      },
      {
        id: "AwsSolutions-CFR1",
        reason: "public US federal enforcement records, meant for every country: no geo restriction"
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "no WAF web ACL by default: the API is throttled at API Gateway and summaries have daily budgets; add one per account policy"
      }
    ])
      Validations.of(this.distribution).acknowledge(a)
  }
}
