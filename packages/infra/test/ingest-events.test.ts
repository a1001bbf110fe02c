/**
 * What the ingest queue receives: S3's EventBridge "Object Created" event (the shape AWS documents), matched
 * by the agency's rule and delivered unchanged (the target has no input transformer), must decode as the
 * EventBridge event the ingest handler reads and name the same object, whatever its file name holds (its key
 * is not URL-encoded: a '+' or a '%' is itself).
 */
import { App } from "aws-cdk-lib"
import { Template } from "aws-cdk-lib/assertions"
import type * as sns from "aws-cdk-lib/aws-sns"
import { Schema } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
// the handler's own event schema (imported from source: the package's entry also loads the pipeline)
import { EventBridgeObjectCreated, S3Event } from "../../adapters-lambda/src/Events"
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

/** What the queue gets: the target's input, or the matched event itself when the target sets none. */
const delivered = (target: Cfn, event: unknown): unknown => {
  expect(target.InputTransformer ?? target.Input ?? target.InputPath).toBeUndefined()
  return JSON.parse(JSON.stringify(event)) as unknown
}

/** The rule's pattern, for the fields it uses (exact lists and key prefixes). */
const matches = (pattern: Cfn, event: ReturnType<typeof s3Event>) =>
  pattern.source.includes(event.source) &&
  pattern["detail-type"].includes(event["detail-type"]) &&
  (pattern.detail.object.key as Array<{ prefix: string }>).some((p) =>
    event.detail.object.key.startsWith(p.prefix)
  )

describe("ingest events", () => {
  it("each agency's rule takes its daily and historical files only, and the body decodes as the handler's EventBridge event", () => {
    const bucket = "ventureos-dev-raw-111122223333-us-east-1"
    fc.assert(
      fc.property(
        fc.constantFrom(...settings.agencies),
        fc.constantFrom("daily", "historical", "other"),
        // S3 keys may hold spaces, '+' and '%' (the handler must not URL-decode these)
        fc.stringMatching(/^[A-Za-z0-9_. +%()-]{1,40}\.csv$/),
        fc.stringMatching(/^[0-9A-F]{16,18}$/),
        (agency, mode, file, sequencer) => {
          const key = `bronze/${mode}/${agency}/2026/11/30/${file}`
          const event = s3Event(bucket, key, sequencer)
          const taking = rules.filter((r) => matches(r.Properties.EventPattern, event))
          if (mode === "other") return taking.length === 0
          expect(taking).toHaveLength(1)
          const target = taking[0]!.Properties.Targets[0]
          expect(target.SqsParameters.MessageGroupId).toBe(agency)
          const body = delivered(target, event)
          expect(Schema.is(S3Event)(body)).toBe(false)
          const decoded = Schema.decodeUnknownSync(EventBridgeObjectCreated)(body)
          expect(decoded.detail.bucket.name).toBe(bucket)
          expect(decoded.detail.object.key).toBe(key)
          return true
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a re-upload of the same key is another message (content-based deduplication keeps it: another event)", () => {
    const key = "bronze/daily/osha/2026/11/30/osha_violation.csv"
    const [rule] = rules.filter((r) => matches(r.Properties.EventPattern, s3Event("b", key, "1")))
    const t = rule!.Properties.Targets[0]
    const first = s3Event("b", key, "0064D3901D00059242")
    const again = { ...s3Event("b", key, "0064D3901D00059243"), id: "2ee9cc15-d022-99ea-1fb8-1b1bac4850f9" }
    const a = JSON.stringify(delivered(t, first))
    expect(JSON.stringify(delivered(t, again))).not.toBe(a)
    // the same event delivered twice (EventBridge retries) is the same body: deduplicated
    expect(JSON.stringify(delivered(t, first))).toBe(a)
  })
})
