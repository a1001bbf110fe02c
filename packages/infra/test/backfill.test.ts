import { Match } from "aws-cdk-lib/assertions"
import { beforeAll, describe, expect, it } from "vitest"
import { type Cfn, resourcesOf, type Synthesized, synthStage } from "./Synth"

// The prod stage's backfill stack (Step Functions Distributed Map). One synth for the whole file.
let s: Synthesized
beforeAll(() => {
  s = synthStage("prod")
}, 180_000)

const definitionOf = (sm: Cfn): Cfn => {
  const body = sm.Properties.DefinitionString
  // a Fn::Join of strings and tokens (ARNs, names), tokens always inside JSON strings: keep them as text
  const text =
    typeof body === "string"
      ? body
      : (body["Fn::Join"][1] as Array<unknown>).map((p) => (typeof p === "string" ? p : "TOKEN")).join("")
  return JSON.parse(text)
}

describe("backfill (prod)", () => {
  it("passes cdk-nag with every finding acknowledged", () => {
    expect(s.nagViolations.filter((v) => v.paths.some((p) => p.includes("backfill")))).toEqual([])
  })

  it("plan -> Distributed Map of workers over the planner's item list -> commit, looping back until committed", () => {
    const [[, sm]] = resourcesOf(s.templates.backfill, "AWS::StepFunctions::StateMachine") as [[string, Cfn]]
    const d = definitionOf(sm)
    expect(d.StartAt).toBe("Input")
    expect(d.States.Input.Next).toBe("Plan")
    expect(d.States.Plan.Next).toBe("Items")
    const map = d.States.Items
    expect(map.Type).toBe("Map")
    expect(map.MaxConcurrency).toBe(100)
    expect(map.ItemReader.Resource).toBe("arn:TOKEN:states:::s3:getObject") // partition token
    expect(map.ItemReader.ReaderConfig.InputType).toBe("JSON")
    expect(map.ItemReader.Parameters).toEqual({ "Bucket.$": "$.rawBucket", "Key.$": "$.plan.itemsKey" })
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" })
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0) // no failed item is tolerated (the default)
    expect(map.Next).toBe("Commit")
    expect(d.States.Commit.Next).toBe("Committed?")
    const choice = d.States["Committed?"]
    expect(choice.Choices).toEqual([{ Variable: "$.commit.done", BooleanEquals: true, Next: "Done" }])
    expect(choice.Default).toBe("Items")
    // every task retries failed invocations (the handlers are idempotent)
    for (const name of ["Plan", "Commit"])
      expect(d.States[name].Retry.flatMap((r: Cfn) => r.ErrorEquals)).toContain("States.TaskFailed")
    expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true })
    expect(sm.Properties.LoggingConfiguration.Level).toBe("ALL")
  })

  it("three functions on the ingest bundle with DuckDB, sized like the ingest", () => {
    const fns = resourcesOf(s.templates.backfill, "AWS::Lambda::Function").map(([, f]) => f.Properties)
    expect(fns.map((f: Cfn) => f.Handler).sort()).toEqual([
      "backfill.commit",
      "backfill.plan",
      "backfill.work"
    ])
    for (const f of fns) {
      expect(f.Runtime).toBe("nodejs24.x")
      expect(f.MemorySize).toBe(s.settings.ingest.memoryMb)
      expect(f.EphemeralStorage).toEqual({ Size: s.settings.ingest.ephemeralStorageMb })
      expect(f.Timeout).toBe(s.settings.ingest.timeoutSeconds)
      expect(f.Layers).toHaveLength(1)
      expect(f.Environment.Variables.VENTUREOS_CATALOG_SIGNING).toBe("s3tables")
    }
  })

  it("roles: raw bucket writes only under backfill/ (and the committer's rejects/), never bronze", () => {
    const policies = resourcesOf(s.templates.backfill, "AWS::IAM::Policy")
    const statements = policies.flatMap(([id, p]) =>
      (p.Properties.PolicyDocument.Statement as Array<Cfn>).map((st) => ({ id, st }))
    )
    const writes = statements.filter(({ st }) =>
      [st.Action].flat().some((a: string) => /^s3:(Put|Delete)/.test(a))
    )
    expect(writes.length).toBeGreaterThan(0)
    for (const { st } of writes)
      for (const r of [st.Resource].flat()) expect(JSON.stringify(r)).toMatch(/\/(backfill|rejects)\/\*"/)
    expect(JSON.stringify(statements.map(({ st }) => st.Action))).not.toMatch(
      /s3:DeleteObject|s3tables:DeleteTable/
    )
    // the state machine may read the item list and start its own child executions
    s.templates.backfill.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: "s3:GetObject" })])
      }
    })
  })
})
