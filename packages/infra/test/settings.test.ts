import { describe, expect, it } from "vitest"
import {
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
})
