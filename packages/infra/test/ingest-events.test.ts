/**
 * What the ingest queue receives: S3's EventBridge "Object Created" event (the shape AWS documents), matched
 * by the agency's rule and rewritten by its input transformer (emulated here as EventBridge applies it), must
 * decode as the S3 notification the ingest handler reads, and name the same object.
 */
import { App } from "aws-cdk-lib"
import { Template } from "aws-cdk-lib/assertions"
import type * as sns from "aws-cdk-lib/aws-sns"
import { Schema } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
// the handler's own event schema (imported from source: the package's entry also loads the pipeline)
import { decodeS3Key, S3Event } from "../../adapters-lambda/src/Events"
import { IngestStack, OpsStack, stageSettings } from "../src"
import type { Cfn } from "./Synth"

const settings = { ...stageSettings.dev, code: "placeholder" as const }
let rules: Array<Cfn>

beforeAll(() => {
  const app = new App()
  const ops = new OpsStack(app, "ops", { settings })
  const stack = new IngestStack(app, "ingest", { settings, alarmTopic: ops.alarmTopic as sns.ITopic })
  rules = Object.values(Template.fromStack(stack).findResources("AWS::Events::Rule"))
}, 60_000)

/** S3 -> EventBridge "Object Created", as documented (detail.version 0). */
const s3Event = (bucket: string, key: string, sequencer: string) => ({
  version: "0",
  id: "17793124-05d4-b198-2fde-7ededc63b103",
  "detail-type": "Object Created",
  source: "aws.s3",
  account: "111122223333",
  time: "2026-11-30T10:00:00Z",
  region: "us-east-1",
  resources: [`arn:aws:s3:::${bucket}`],
  detail: {
    version: "0",
    bucket: { name: bucket },
    object: { key, size: 5576, etag: "b1946ac92492d2347c6235b4d2611184", sequencer },
    "request-id": "N4N7GDK58NMKJ12R",
    requester: "111122223333",
    "source-ip-address": "1.2.3.4",
    reason: "PutObject"
  }
})

const at = (o: unknown, path: string): unknown =>
  path
    .replace(/^\$\./, "")
    .split(".")
    .reduce((v, k) => (v as Record<string, unknown> | undefined)?.[k], o)

/** EventBridge's input transformer: a placeholder inside a JSON string gets the raw text, outside it the JSON value. */
const transform = (t: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: unknown) => {
  let out = ""
  let inString = false
  const s = t.InputTemplate
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '"' && s[i - 1] !== "\\") inString = !inString
    const m = c === "<" ? /^<([A-Za-z0-9_.-]+)>/.exec(s.slice(i)) : null
    if (m && t.InputPathsMap[m[1]!] !== undefined) {
      const v = at(event, t.InputPathsMap[m[1]!]!)
      out += inString ? String(v) : JSON.stringify(v)
      i += m[0].length - 1
    } else out += c
  }
  return JSON.parse(out) as unknown
}

/** The rule's pattern, for the fields it uses (exact lists and key prefixes). */
const matches = (pattern: Cfn, event: ReturnType<typeof s3Event>) =>
  pattern.source.includes(event.source) &&
  pattern["detail-type"].includes(event["detail-type"]) &&
  (pattern.detail.object.key as Array<{ prefix: string }>).some((p) =>
    event.detail.object.key.startsWith(p.prefix)
  )

describe("ingest events", () => {
  it("each agency's rule takes its daily and historical files only, and the body decodes as the handler's S3 event", () => {
    const bucket = "ventureos-dev-raw-111122223333-us-east-1"
    fc.assert(
      fc.property(
        fc.constantFrom(...settings.agencies),
        fc.constantFrom("daily", "historical", "other"),
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}\.csv$/),
        fc.stringMatching(/^[0-9A-F]{16,18}$/),
        (agency, mode, file, sequencer) => {
          const key = `bronze/${mode}/${agency}/2026/11/30/${file}`
          const event = s3Event(bucket, key, sequencer)
          const taking = rules.filter((r) => matches(r.Properties.EventPattern, event))
          if (mode === "other") return taking.length === 0
          expect(taking).toHaveLength(1)
          const target = taking[0]!.Properties.Targets[0]
          expect(target.SqsParameters.MessageGroupId).toBe(agency)
          const body = Schema.decodeUnknownSync(S3Event)(transform(target.InputTransformer, event))
          expect(body.Records).toHaveLength(1)
          const record = body.Records[0]!
          expect(record.eventName.startsWith("ObjectCreated")).toBe(true)
          expect(record.s3.bucket.name).toBe(bucket)
          expect(decodeS3Key(record.s3.object.key)).toBe(key)
          return true
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a re-upload of the same key is another message (content-based deduplication keeps it: the sequencer differs)", () => {
    const key = "bronze/daily/osha/2026/11/30/osha_violation.csv"
    const [rule] = rules.filter((r) => matches(r.Properties.EventPattern, s3Event("b", key, "1")))
    const t = rule!.Properties.Targets[0].InputTransformer
    const a = JSON.stringify(transform(t, s3Event("b", key, "0064D3901D00059242")))
    const b = JSON.stringify(transform(t, s3Event("b", key, "0064D3901D00059243")))
    expect(a).not.toBe(b)
    expect(JSON.stringify(transform(t, s3Event("b", key, "0064D3901D00059242")))).toBe(a)
  })
})
