/**
 * `cdk synth|diff|deploy` entry (cdk.json: `tsx bin/app.ts`). Context: `-c stage=dev|prod`,
 * `-c code=bundles|placeholder`, `-c apiHandlers=routed|split`, `-c bedrockModelId=…`, `-c alarmEmail=…`.
 */
import { makeApp } from "../src/App"
import { SettingsError } from "../src/Settings"

try {
  makeApp().app.synth()
} catch (e) {
  if (!(e instanceof SettingsError)) throw e
  process.stderr.write(`ventureos infra: ${e.message}\n`)
  process.exit(2)
}
