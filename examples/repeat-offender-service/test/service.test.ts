import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningService, start } from "../src/App"
import type { Verdict } from "../src/RepeatOffender"

let home: string
let service: RunningService
let closed = false
const get = async (query: string, base = service.url) => {
  const res = await fetch(`${base}/repeat-offender?${query}`)
  return { status: res.status, body: (await res.json()) as Verdict & { error?: string } }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "vos-repeat-offender-"))
  service = await start({ home, port: 0 })
})
afterAll(async () => {
  if (!closed) await service?.close()
  await rm(home, { recursive: true, force: true })
})

describe("repeat-offender service (real DuckDB, filesystem Iceberg lake)", () => {
  it("ingests the bundled OSHA and FAA rows at start", () => {
    expect(service.ingested.map((b) => [b.agency, b.status, b.rows, b.accepted, b.inserted])).toEqual([
      ["faa", "ingested", 10, 10, 10],
      ["osha", "ingested", 62, 62, 62]
    ])
  })

  it("flags a company by name: 3 OSHA repeat items, with its totals from gold", async () => {
    const { status, body } = await get("company=U.S.%20Department%20of%20Justice")
    expect(status).toBe(200)
    expect(body).toMatchObject({
      entity_key: "COMPANY#us-department-of-justice",
      name: "U.S. DEPARTMENT OF JUSTICE",
      repeat_offender: true,
      reason: "3 OSHA violations classified willful or repeat (0 willful, 3 repeat); the threshold is 2"
    })
    expect(body.totals.osha).toMatchObject({ violations: 32, repeat: 3, willful: 0, closed: 32 })
    expect(Object.keys(body.totals).sort()).toEqual(["all", "osha"])
  })

  it("flags at exactly the threshold, looked up by slug (three spellings, two CDCR prisons, one 80-character slug)", async () => {
    const slug = "state-of-california-department-of-corrections-and-rehabilitation-california"
    const { status, body } = await get(`company=${slug}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ entity_key: `COMPANY#${slug}`, repeat_offender: true })
    expect(body.totals.osha).toMatchObject({
      violations: 5,
      repeat: 2,
      open: 4,
      closed: 1,
      penalty_current_total: "10140.00",
      first_event_date: "2018-05-14",
      last_event_date: "2019-09-18"
    })
  })

  it("does not flag one repeat item, nor many violations without repeat or willful ones", async () => {
    // concurrent requests: each lookup takes its own DuckDB connection
    const [one, many] = await Promise.all([
      get("company=FEDERAL%20BUREAU%20OF%20PRISONS%20-%20MCC%20SAN%20DIEGO"),
      get("company=department-of-justice-bureau-of-prisons")
    ])
    expect(one.body).toMatchObject({ repeat_offender: false, totals: { osha: { violations: 3, repeat: 1 } } })
    expect(many.body).toMatchObject({
      repeat_offender: false,
      totals: { osha: { violations: 22, repeat: 0 } }
    })
  })

  it("reports FAA totals without flagging (the FAA keeps no repeat-offender list)", async () => {
    const { status, body } = await get("company=MESA%20AIRLINES%20INC")
    expect(status).toBe(200)
    expect(body).toMatchObject({
      entity_key: "COMPANY#mesa-airlines",
      repeat_offender: false,
      totals: { faa: { violations: 2, penalty_current_total: "115000.00" } }
    })
    expect(body.totals.osha).toBeUndefined()
  })

  it("answers 404 for an unknown company, 400 without a usable one, 405 for other methods", async () => {
    expect((await get("company=Acme%20Widgets")).status).toBe(404)
    expect((await get("company=")).status).toBe(400)
    expect((await get("company=%21%21%21")).status).toBe(400)
    expect((await get("")).status).toBe(400)
    expect((await fetch(`${service.url}/repeat-offender?company=x`, { method: "POST" })).status).toBe(405)
    expect((await fetch(`${service.url}/elsewhere`)).status).toBe(404)
  })

  it("runs as `pnpm start`: a second start on the same lake replays the batches and answers the same", async () => {
    await service.close()
    closed = true
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, VENTUREOS_HOME: home, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    let stderr = ""
    child.stderr.on("data", (c) => (stderr += c))
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout.on("data", (c) => {
          out += c
          if (out.includes("\n")) resolve(out.split("\n")[0]!)
        })
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
      const { listening } = JSON.parse(line) as { listening: string }
      expect((await get("company=us-department-of-justice", listening)).body.repeat_offender).toBe(true)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stderr).toContain("bronze/historical/osha/2026/01/02/osha_violation.csv: replayed rows=0 ")
  })
})
