import { beforeAll, describe, expect, it } from "vitest"
import { type Cfn, CONCERNS, resourcesOf, type Synthesized, synthStage } from "./Synth"

/**
 * Every IAM statement of the dev stage (routed API handler), walked: no `*` action and no service-wide
 * `svc:*` action anywhere; no `*` resource at all (no AWS API used here requires one, so the list of
 * allowed exceptions is empty); and every resource with a wildcard in it matches one of the patterns below,
 * each with the reason it is needed.
 */
const ALLOWED_STAR_RESOURCE_ACTIONS: ReadonlyArray<string> = [
  // the backfill state machine's logging (Step Functions log delivery) and X-Ray tracing: no resource-level
  // permissions exist for these actions
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets"
]

const ALLOWED_WILDCARDS: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  {
    pattern:
      /^arn:<AWS::Partition>:s3:::ventureos-dev-raw-<AWS::AccountId>-<AWS::Region>\/(bronze|manifests|rejects|outbox|backfill)\/\*$/,
    why: "objects under one prefix of the raw bucket"
  },
  {
    pattern:
      /^arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table\/VentureOS-dev-[A-Za-z]+\/index\/\*$/,
    why: "a serving table's indexes"
  },
  {
    pattern:
      /^arn:<AWS::Partition>:s3tables:<AWS::Region>:<AWS::AccountId>:bucket\/ventureos-dev-lake\/table\/\*$/,
    why: "tables of the stage's table bucket (created by the SDK on first write)"
  },
  { pattern: /^<ApiSummaryWorkerFunction[0-9A-F]+\.Arn>:\*$/, why: "versions of the summary worker" },
  {
    pattern: /^<Backfill(Planner|Worker|Committer)Function[0-9A-F]+\.Arn>:\*$/,
    why: "versions of the backfill functions (the state machine's LambdaInvoke grant)"
  },
  {
    pattern:
      /^arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*BackfillStateMachine.*(\/\*)?:\*$/,
    why: "the backfill map's child executions (describe, stop, redrive)"
  }
]

/** A resource as a flat string: refs as `<Ref>`, attributes as `<Id.Attr>`, joins concatenated. */
const flat = (r: unknown): string => {
  if (typeof r === "string") return r
  const o = r as Record<string, Cfn>
  if (o.Ref !== undefined) return `<${o.Ref}>`
  if (o["Fn::GetAtt"] !== undefined) return `<${o["Fn::GetAtt"][0]}.${o["Fn::GetAtt"][1]}>`
  if (o["Fn::Join"] !== undefined)
    return (o["Fn::Join"][1] as Array<unknown>).map(flat).join(o["Fn::Join"][0])
  if (o["Fn::ImportValue"] !== undefined) return `<import ${flat(o["Fn::ImportValue"])}>`
  return JSON.stringify(o)
}
const list = <A>(x: A | ReadonlyArray<A>): ReadonlyArray<A> => (Array.isArray(x) ? x : [x as A])

let s: Synthesized
let statements: Array<{
  where: string
  Effect: string
  Action: ReadonlyArray<string>
  Resource: ReadonlyArray<string>
}>
beforeAll(() => {
  s = synthStage("dev")
  statements = CONCERNS.flatMap((c) =>
    [
      ...resourcesOf(s.templates[c], "AWS::IAM::Policy"),
      ...resourcesOf(s.templates[c], "AWS::IAM::Role")
    ].flatMap(([id, p]) => {
      const docs = [
        p.Properties.PolicyDocument,
        ...(p.Properties.Policies ?? []).map((x: Cfn) => x.PolicyDocument)
      ].filter((d) => d !== undefined)
      return docs.flatMap((d: Cfn) =>
        (d.Statement as Array<Cfn>).map((st) => ({
          where: `${c}/${id}`,
          Effect: st.Effect,
          Action: list<string>(st.Action),
          Resource: list<unknown>(st.Resource).map(flat)
        }))
      )
    })
  )
}, 120_000)

describe("least privilege (dev stage)", () => {
  it("passes cdk-nag's AwsSolutions checks with every finding acknowledged", () => {
    expect(s.nagViolations).toEqual([])
  })

  it("finds the policies to check (ingest, API, worker roles)", () => {
    expect(new Set(statements.map((st) => st.where.split("/")[0]))).toEqual(
      new Set(["ingest", "backfill", "api"])
    )
    expect(statements.length).toBeGreaterThan(20)
  })

  it("no role carries a managed policy (no AWSLambdaBasicExecutionRole's logs:* on every log group)", () => {
    for (const c of CONCERNS)
      for (const [, r] of resourcesOf(s.templates[c], "AWS::IAM::Role"))
        expect(r.Properties.ManagedPolicyArns ?? []).toEqual([])
  })

  it("no `*` action and no service-wide `service:*` action", () => {
    const bad = statements.flatMap((st) =>
      st.Action.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/.test(a)).map((a) => `${st.where}: ${a}`)
    )
    expect(bad).toEqual([])
  })

  it("no `*` resource except for the listed actions that require one (log delivery, X-Ray)", () => {
    const bad = statements
      .filter((st) => st.Resource.includes("*"))
      .flatMap((st) =>
        st.Action.filter((a) => !ALLOWED_STAR_RESOURCE_ACTIONS.includes(a)).map((a) => `${st.where}: ${a}`)
      )
    expect(bad).toEqual([])
  })

  it("every wildcard in a resource is one of the listed, explained patterns", () => {
    const wild = statements.flatMap((st) =>
      st.Resource.filter(
        // a bare `*` of the allowed actions is checked by the test above
        (r) =>
          r.includes("*") && !(r === "*" && st.Action.every((a) => ALLOWED_STAR_RESOURCE_ACTIONS.includes(a)))
      ).map((r) => ({ where: st.where, r }))
    )
    const unexplained = wild.filter(({ r }) => !ALLOWED_WILDCARDS.some((w) => w.pattern.test(r)))
    expect(unexplained).toEqual([])
    // and each pattern is still needed (a stale entry would hide a future mistake)
    for (const w of ALLOWED_WILDCARDS)
      expect(
        wild.some(({ r }) => w.pattern.test(r)),
        w.why
      ).toBe(true)
  })

  it("only the ingest and the backfill write the raw bucket, only bookkeeping prefixes; nothing deletes bronze", () => {
    const writes = statements.filter((st) => st.Action.some((a) => /^s3:(Put|Delete)/.test(a)))
    expect(new Set(writes.map((st) => st.where.split("/")[0]))).toEqual(new Set(["ingest", "backfill"]))
    for (const st of writes)
      for (const r of st.Resource) expect(r).toMatch(/\/(manifests|rejects|outbox|backfill)\/\*$/)
  })

  it("only the ingest and the backfill reach the lakehouse; API handlers only read serving except the Violations table", () => {
    const lake = statements.filter((st) => st.Action.some((a) => a.startsWith("s3tables:")))
    expect(new Set(lake.map((st) => st.where.split("/")[0]))).toEqual(new Set(["ingest", "backfill"]))
    expect(lake.flatMap((st) => st.Action)).not.toContain("s3tables:DeleteTable")
    const apiWrites = statements.filter(
      (st) =>
        st.where.startsWith("api/") &&
        st.Action.some((a) => /dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)/.test(a))
    )
    expect(apiWrites.length).toBeGreaterThan(0)
    for (const st of apiWrites)
      for (const r of st.Resource) expect(r).toMatch(/table\/VentureOS-dev-Violations(\/index\/\*)?$/)
  })

  it("every function that reads a table with indexes may query them (ByViolation, ByRank)", () => {
    const byRole = new Map<string, Set<string>>()
    for (const st of statements.filter((x) => x.Action.includes("dynamodb:Query")))
      for (const r of st.Resource) byRole.set(st.where, (byRole.get(st.where) ?? new Set()).add(r))
    expect(byRole.size).toBe(3) // ingest, routed API handler, summary worker
    for (const [where, resources] of byRole)
      for (const table of ["Violations", "Search"]) {
        expect(
          [...resources].some((r) => r.endsWith(`table/VentureOS-dev-${table}`)),
          where
        ).toBe(true)
        expect(
          [...resources].some((r) => r.endsWith(`table/VentureOS-dev-${table}/index/*`)),
          where
        ).toBe(true)
      }
  })

  it("dev differs from prod by settings only: routed API, no deletion protection, 14-day logs", () => {
    const routes = resourcesOf(s.templates.api, "AWS::ApiGatewayV2::Route").map(
      ([, r]) => r.Properties.RouteKey
    )
    expect(routes).toEqual(["ANY /{proxy+}"])
    for (const [, t] of resourcesOf(s.templates.serving, "AWS::DynamoDB::GlobalTable"))
      for (const r of t.Properties.Replicas) expect(r.DeletionProtectionEnabled).toBe(false)
    for (const c of CONCERNS)
      for (const [, g] of resourcesOf(s.templates[c], "AWS::Logs::LogGroup"))
        expect(g.Properties.RetentionInDays).toBe(14)
  })
})
