import { spawnSync } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as LakehouseDuckDb from "@ventureos/storage/duckdb"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fixtureEvent, uploadFixtures } from "../src/Fixtures"
import { makeHandler } from "../src/Handler"

let home: string
let handler: ReturnType<typeof makeHandler>
const logs: Array<string> = []
const OSHA = "bronze/daily/osha/2026/01/02"
const FAA = "bronze/daily/faa/2026/01/02"

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "vos-custom-lambda-"))
  await uploadFixtures(join(home, "lake"))
  handler = makeHandler({
    lake: join(home, "lake"),
    warehouse: join(home, "warehouse"),
    log: (l) => logs.push(l)
  })
})
afterAll(async () => {
  await handler?.dispose()
  await rm(home, { recursive: true, force: true })
})

describe("a custom ingest Lambda handler (real DuckDB, filesystem lake, S3 event payload)", () => {
  it("ingests what the S3 event announces, with every archive write audited", async () => {
    const out = await handler(await fixtureEvent())
    // the ObjectRemoved record is not an upload: 4 of 5 records are processed
    expect(out.processed).toBe(4)
    const [inspection, violation, faa, notes] = out.objects
    // the inspection file arrived first, its violation file already beside it: one batch, both files
    expect(inspection).toMatchObject({
      key: `${OSHA}/osha_inspection.csv`,
      outcome: "ingested",
      batches: [{ key: `${OSHA}/osha_violation.csv`, rows: 8, inserted: 8 }],
      // a daily batch records its pending serving work (the outbox) before its manifest
      puts: [
        { op: "putText", key: expect.stringMatching(/^outbox\/serving\/[0-9a-f]{32}\.json$/) },
        { op: "putText", key: "manifests/daily/osha/2026/01/02/osha_violation.csv.manifest.json" }
      ]
    })
    // ... so the violation file's own event finds that batch complete: nothing is written twice
    expect(violation).toMatchObject({ outcome: "replayed", puts: [] })
    expect(faa).toMatchObject({
      outcome: "ingested",
      batches: [{ rows: 10, inserted: 10 }],
      puts: [
        { op: "putText", key: expect.stringMatching(/^outbox\/serving\//) },
        {
          op: "putText",
          key: `manifests/daily/faa/2026/01/02/faa_closed_enforcement_cases.sample.csv.manifest.json`
        }
      ]
    })
    expect(faa!.puts[1]!.sha256).toMatch(/^[0-9a-f]{64}$/)
    // S3 URL-encodes keys ('+' for spaces); outside the bronze layout the gatekeeper ignores the object
    expect(notes).toMatchObject({ key: "incoming/notes from the field.txt", outcome: "ignored" })
    expect(logs.map((l) => JSON.parse(l).bucket)).toEqual(Array(4).fill("acme-enforcement-raw"))
  })

  it("landed the rows in silver and gold (read back with an independent DuckDB)", async () => {
    const lake = await LakehouseDuckDb.open({ warehouse: join(home, "warehouse") })
    try {
      const rows = await lake.run(
        Effect.andThen(
          lake.lakehouse.refreshViews,
          lake.lakehouse.queryJson(`
            SELECT agency, count(*) AS n FROM silver.violations GROUP BY agency ORDER BY agency`)
        )
      )
      expect(rows).toEqual([
        { agency: "faa", n: 10 },
        { agency: "osha", n: 8 }
      ])
      const gold = await lake.run(
        lake.lakehouse.queryJson(`
          SELECT sum(violation_count) AS n, sum(count_repeat) AS repeats FROM gold.company_stats
          WHERE entity_key = 'COMPANY#state-of-california-department-of-corrections-and-rehabilitation-california'`)
      )
      expect(gold).toEqual([{ n: 5, repeats: 2 }])
    } finally {
      await lake.close()
    }
  })

  it("is a no-op on redelivery: every batch replayed, no archive write", async () => {
    const out = await handler(await fixtureEvent())
    expect(out.objects.map((o) => o.outcome)).toEqual(["replayed", "replayed", "replayed", "ignored"])
    expect(out.objects.flatMap((o) => o.puts)).toEqual([])
  })

  it("reports objects that can never be ingested instead of retrying them; acks S3's test event, throws on a non-S3 event", async () => {
    await writeFile(join(home, "lake", FAA, "readme.csv"), "title,notes\nabout,these files\n")
    const event = (await fixtureEvent()) as { Records: Array<{ s3: { object: { key: string } } }> }
    const at = (key: string) => ({ ...event.Records[0]!, s3: { ...event.Records[0]!.s3, object: { key } } })
    const out = await handler({ Records: [at(`${FAA}/readme.csv`), at(`${FAA}/deleted-since.csv`)] })
    expect(out.objects.map((o) => [o.outcome, o.puts.length])).toEqual([
      ["unusable", 0],
      ["unusable", 0]
    ])
    expect(out.objects[0]!.detail).toContain("unrecognised or missing header")
    expect(out.objects[1]!.detail).toContain("NotFound")
    expect(
      await handler({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "acme-enforcement-raw" })
    ).toEqual({
      processed: 0,
      objects: []
    })
    await expect(handler({ Records: [{ eventSource: "aws:sqs", body: "{}" }] })).rejects.toThrow()
  })

  it("runs as `pnpm start` (upload, first delivery, redelivery)", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, VENTUREOS_HOME: join(home, "start") },
      encoding: "utf8"
    })
    expect(run.status, run.stderr).toBe(0)
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
    ).toEqual([
      { delivery: "first delivery", processed: 4, outcomes: ["ingested", "replayed", "ingested", "ignored"] },
      { delivery: "redelivery", processed: 4, outcomes: ["replayed", "replayed", "replayed", "ignored"] }
    ])
  })
})
