import { Schema } from "effect"

/**
 * API Gateway HTTP API (payload format 2.0) and Lambda Function URL events: the same shape. Decoded at the
 * boundary; only the fields the API needs are required.
 */
export const ApiGatewayV2Event = Schema.Struct({
  version: Schema.Literal("2.0"),
  routeKey: Schema.optional(Schema.String),
  rawPath: Schema.String,
  rawQueryString: Schema.optional(Schema.String),
  cookies: Schema.optional(Schema.Array(Schema.String)),
  headers: Schema.optional(Schema.Record(Schema.String, Schema.String)),
  body: Schema.optional(Schema.String),
  isBase64Encoded: Schema.optional(Schema.Boolean),
  requestContext: Schema.Struct({
    domainName: Schema.optional(Schema.String),
    stage: Schema.optional(Schema.String),
    requestId: Schema.optional(Schema.String),
    http: Schema.Struct({
      method: Schema.String,
      path: Schema.optional(Schema.String),
      sourceIp: Schema.optional(Schema.String)
    })
  })
})
export type ApiGatewayV2Event = typeof ApiGatewayV2Event.Type

/** The Lambda result of an HTTP API / Function URL invocation. */
export interface ApiGatewayV2Result {
  readonly statusCode: number
  readonly headers: Record<string, string>
  readonly cookies?: ReadonlyArray<string>
  readonly body: string
  readonly isBase64Encoded: boolean
}

/** The path without a named stage prefix (`/prod/api/x` -> `/api/x`); `$default` stages have none. */
export const stripStage = (rawPath: string, stage: string | undefined): string =>
  stage !== undefined && stage !== "$default" && rawPath.startsWith(`/${stage}/`)
    ? rawPath.slice(stage.length + 1)
    : rawPath

/**
 * The Fetch `Request` of an event. The client address is the one API Gateway saw (`sourceIp`): it replaces
 * any `X-Forwarded-For` the caller sent, so per-client budgets cannot be dodged by forging the header.
 */
export const toRequest = (e: ApiGatewayV2Event): Request => {
  const host = e.requestContext.domainName ?? e.headers?.host ?? "lambda.local"
  const path = stripStage(e.rawPath, e.requestContext.stage)
  const query = e.rawQueryString === undefined || e.rawQueryString === "" ? "" : `?${e.rawQueryString}`
  const headers = new Headers()
  for (const [k, v] of Object.entries(e.headers ?? {})) headers.set(k, v)
  if (e.cookies !== undefined && e.cookies.length > 0) headers.set("cookie", e.cookies.join("; "))
  headers.delete("x-forwarded-for")
  if (e.requestContext.http.sourceIp !== undefined)
    headers.set("x-forwarded-for", e.requestContext.http.sourceIp)
  const method = e.requestContext.http.method.toUpperCase()
  const hasBody = e.body !== undefined && e.body !== "" && method !== "GET" && method !== "HEAD"
  return new Request(`https://${host}${path}${query}`, {
    method,
    headers,
    ...(hasBody ? { body: e.isBase64Encoded === true ? Buffer.from(e.body!, "base64") : e.body! } : {})
  })
}

const TEXT = /^(?:text\/|application\/(?:json|problem\+json|javascript|xml)|image\/svg)/

/** The Lambda result of a Fetch `Response` (text bodies as text, anything else base64). */
export const toResult = async (response: Response): Promise<ApiGatewayV2Result> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((v, k) => {
    if (k !== "set-cookie") headers[k] = v
  })
  const cookies = response.headers.getSetCookie()
  const type = response.headers.get("content-type") ?? ""
  const bytes = Buffer.from(await response.arrayBuffer())
  const text = type === "" || TEXT.test(type)
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
    body: text ? bytes.toString("utf8") : bytes.toString("base64"),
    isBase64Encoded: !text
  }
}
