import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Template } from "aws-cdk-lib/assertions"
import { makeApp } from "../src/App"
import type { Stage, StageSettings } from "../src/Settings"
import type { StageStacks } from "../src/Stacks"

export type Concern = "ops" | "bronze" | "lakehouse" | "serving" | "ingest" | "backfill" | "api" | "web"
export const CONCERNS: ReadonlyArray<Concern> = [
  "ops",
  "bronze",
  "lakehouse",
  "serving",
  "ingest",
  "backfill",
  "api",
  "web"
]

export interface Synthesized {
  readonly stacks: StageStacks
  readonly settings: StageSettings
  readonly templates: Record<Concern, Template>
  /** Findings cdk-nag left unacknowledged (its validation report; absent when there are none). */
  readonly nagViolations: ReadonlyArray<{ ruleName: string; paths: ReadonlyArray<string> }>
}

/**
 * Synthesize one stage once (placeholder Lambda code: nothing to build, no network, no credentials), with
 * cdk-nag's AwsSolutions checks as the real app runs them. A file synthesizes once and reuses the templates.
 */
export const synthStage = (stage: Stage, context: Record<string, string> = {}): Synthesized => {
  const outdir = mkdtempSync(join(tmpdir(), `ventureos-infra-${stage}-`))
  const { app, stacks } = makeApp({
    props: { outdir, context: { stage, code: "placeholder", ...context } }
  })
  let nagViolations: Synthesized["nagViolations"] = []
  try {
    app.synth()
  } catch (e) {
    const report = join(outdir, "validation-report.json")
    if (!existsSync(report)) throw e
    const r = JSON.parse(readFileSync(report, "utf8")) as {
      pluginReports?: Array<{
        violations?: Array<{ ruleName: string; violatingResources?: Array<{ constructPath: string }> }>
      }>
    }
    nagViolations = (r.pluginReports ?? []).flatMap((p) =>
      (p.violations ?? []).map((v) => ({
        ruleName: v.ruleName,
        paths: (v.violatingResources ?? []).map((x) => x.constructPath)
      }))
    )
    if (nagViolations.length === 0) throw e
  }
  // from the written assembly (also written when cdk-nag fails the synth, so its findings can be shown)
  const templates = Object.fromEntries(
    CONCERNS.map((c) => [
      c,
      Template.fromJSON(
        JSON.parse(readFileSync(join(outdir, `${stacks[c].artifactId}.template.json`), "utf8"))
      )
    ])
  ) as Record<Concern, Template>
  return { stacks, settings: stacks.settings, templates, nagViolations }
}

/** CloudFormation JSON as synthesized: untyped by nature; tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON
export type Cfn = any

/** Every resource of one type in a template, as [logical id, resource]. */
export const resourcesOf = (t: Template, type: string): Array<[string, Cfn]> =>
  Object.entries(t.findResources(type))
