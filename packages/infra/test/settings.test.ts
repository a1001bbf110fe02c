import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { App, Stack } from "aws-cdk-lib"
import { describe, expect, it } from "vitest"
import {
  BUNDLES,
  bedrockModelArns,
  codeOf,
  intelligentTieringOf,
  lifecycleRulesOf,
  SettingsError,
  settingsFromContext,
  stageSettings,
  visibilityTimeoutFor
} from "../src"

const ctx = (o: Record<string, unknown>) => (k: string) => o[k]

describe("stage settings", () => {
  it("default to dev; context keys override one setting each", () => {
    expect(settingsFromContext(ctx({}))).toEqual(stageSettings.dev)
    const s = settingsFromContext(
      ctx({ stage: "prod", apiHandlers: "routed", bedrockModelId: "us.anthropic.claude-x" })
    )
    expect(s.stage).toBe("prod")
    expect(s.api.handlers).toBe("routed")
    expect(s.api.throttleRatePerSecond).toBe(stageSettings.prod.api.throttleRatePerSecond)
    expect(s.summary.bedrockModelId).toBe("us.anthropic.claude-x")
  })

  it("reject unusable values naming the key, the value and what was expected", () => {
    expect(() => settingsFromContext(ctx({ stage: "qa" }))).toThrow(
      new SettingsError('context stage="qa": expected one of "dev", "prod"')
    )
    expect(() => settingsFromContext(ctx({ code: "zip" }))).toThrow(
      /context code="zip": expected one of "bundles", "placeholder"/
    )
    expect(() => settingsFromContext(ctx({ alarmEmail: "ops" }))).toThrow(
      /alarmEmail="ops": expected an e-mail address/
    )
    expect(() => settingsFromContext(ctx({ bedrockModelId: "a b" }))).toThrow(/bedrockModelId="a b"/)
  })

  it("the queue's visibility timeout is six times the function's", () => {
    expect(visibilityTimeoutFor(900).toSeconds()).toBe(5400)
  })

  it("a lifecycle field the CDK mapping does not know fails the synth instead of being dropped", () => {
    const config = {
      Rules: [
        {
          ID: "x",
          Status: "Enabled",
          Filter: { Prefix: "bronze/" },
          NoncurrentVersionExpiration: { NoncurrentDays: 3 }
        }
      ]
    }
    expect(() => lifecycleRulesOf(config as never)).toThrow(
      /bronze lifecycle rule x: unmapped fields NoncurrentVersionExpiration/
    )
    expect(() =>
      intelligentTieringOf({
        Id: "t",
        Status: "Enabled",
        Filter: { Prefix: "" },
        Tierings: [{ Days: 1, AccessTier: "FROZEN" }]
      } as never)
    ).toThrow(SettingsError)
  })

  it("real bundles must exist: the error names the folder and the command that builds it", () => {
    const root = mkdtempSync(join(tmpdir(), "infra-code-"))
    expect(() => codeOf("bundles", "ingest", root)).toThrow(
      new SettingsError(
        "Lambda bundle ingest: dist/lambda/ingest does not exist; build it with `pnpm package:lambda` (or synthesize with -c code=placeholder)"
      )
    )
    mkdirSync(join(root, BUNDLES.api.dir), { recursive: true })
    expect(() => codeOf("bundles", "api", root)).not.toThrow()
    expect(() => codeOf("placeholder", "ingest", root)).not.toThrow()
  })

  it("Bedrock: a model id allows that foundation model; an inference profile, the profile and its model", () => {
    const stack = new Stack(new App(), "S", { env: { account: "111122223333", region: "us-east-1" } })
    // the partition stays a pseudo parameter; resolve it for the comparison
    const arns = (id: string) =>
      bedrockModelArns(stack, id).map((a) => {
        const r = stack.resolve(a) as string | { "Fn::Join": [string, Array<string | { Ref: string }>] }
        return typeof r === "string"
          ? r
          : r["Fn::Join"][1].map((x) => (typeof x === "string" ? x : `<${x.Ref}>`)).join(r["Fn::Join"][0])
      })
    expect(arns("anthropic.claude-3-5-haiku-20241022-v1:0")).toEqual([
      "arn:<AWS::Partition>:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
    ])
    expect(arns("us.anthropic.claude-3-5-haiku-20241022-v1:0")).toEqual([
      "arn:<AWS::Partition>:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
      "arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
    ])
  })
})
