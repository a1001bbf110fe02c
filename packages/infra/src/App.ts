import { App, type AppProps, Validations } from "aws-cdk-lib"
import { AwsSolutionsChecks } from "cdk-nag"
import { type StageSettings, settingsFromContext } from "./Settings"
import { buildStage, type StageStacks } from "./Stacks"

/**
 * The CDK app: one stage (context `stage`, default `dev`) with cdk-nag's AwsSolutions checks on every
 * construct, so an unsuppressed finding is an error at synth time. `overrides` adjust the stage's settings
 * (tests use `code: "placeholder"`).
 */
export const makeApp = (
  options: { readonly props?: AppProps; readonly overrides?: Partial<StageSettings> } = {}
): { readonly app: App; readonly stacks: StageStacks } => {
  const app = new App({
    ...options.props,
    context: {
      // feature flags of a current `cdk init` that these stacks rely on
      "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
      // the few cross-stack references (alarm topic, API domain) keep their producers until consumers go
      "@aws-cdk/core:defaultCrossStackReferences": "strong",
      ...options.props?.context
    }
  })
  const settings = { ...settingsFromContext((k) => app.node.tryGetContext(k)), ...options.overrides }
  const env =
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined
  const stacks = buildStage(app, settings, env === undefined ? {} : { env })
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
  return { app, stacks }
}
