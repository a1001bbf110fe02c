import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, lastJson, SAMPLES } from "../RunCli"

/**
 * Issue 15 #1: DynamoDB dies in the middle of a daily ingest's serving sync. The lake is committed; the
 * batch's serving work must stay pending (one stderr line, a JSON line saying so, exit 1) and the next run
 * must finish it (feed included), so serving ends equal to a run that never failed.
 */
let dir: string
const children: Array<ChildProcess> = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ventureos-outbox-"))
})
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  await rm(dir, { recursive: true, force: true })
})

/** A real dynalite in its own process (persisted under `path`); `dieAfter` writes and it kills itself. */
const dynalite = (path: string, port: number, dieAfter?: number) =>
  new Promise<{ child: ChildProcess; port: number }>((ok, ko) => {
    const args = [join(import.meta.dirname, "dynalite-child.cjs"), path, String(port)]
    const child = spawn(process.execPath, dieAfter === undefined ? args : [...args, String(dieAfter)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    children.push(child)
    child.once("error", ko)
    child.stdout?.once("data", (d: Buffer) =>
      ok({ child, port: (JSON.parse(d.toString()) as { port: number }).port })
    )
  })

const files = [join(SAMPLES, "osha_violation.csv"), join(SAMPLES, "osha_inspection.csv")]
const ingest = ["ingest", ...files, "--mode", "daily", "--date", "2025-01-02"]

/** Run the CLI against a DynamoDB endpoint (none: the home's embedded dynalite). */
const withEndpoint = async <A>(endpoint: string | undefined, f: () => Promise<A>): Promise<A> => {
  const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB
  if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB
  else process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint
  try {
    return await f()
  } finally {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB
    else process.env.AWS_ENDPOINT_URL_DYNAMODB = saved
  }
}

/** What the API would show for the sample's state: stats and live feed. */
const servingView = async (home: string, endpoint: string | undefined) =>
  withEndpoint(endpoint, async () => {
    const entity = await cli(["serving", "entity", "STATE#ca"], home)
    const feed = await cli(["serving", "feed", "STATE#ca"], home)
    expect(feed.code, feed.stderr).toBe(0)
    const e = lastJson(entity.stdout)
    const stats = (e.stats ?? []) as Array<{
      agency: string
      violation_count: number
      penalty_current_total: string
    }>
    return {
      found: e.found,
      stats: stats.map((s) => [s.agency, s.violation_count, s.penalty_current_total]).sort(),
      feed: (lastJson(feed.stdout).items as Array<{ violation_id: string }>).map((i) => i.violation_id)
    }
  })

describe("DynamoDB killed mid-sync (real dynalite process)", () => {
  it("leaves the serving work pending, reported in one line; the next run finishes it, feed included", async () => {
    const db = join(dir, "db")
    const home = join(dir, "home")
    const first = await dynalite(db, 0, 3)
    const endpoint = `http://127.0.0.1:${first.port}`
    const failed = await withEndpoint(endpoint, () => cli(ingest, home))
    expect(
      first.child.signalCode ?? (await new Promise((ok) => first.child.once("exit", (_c, s) => ok(s))))
    ).toBe("SIGKILL")
    expect(failed.code, failed.stderr).toBe(1)
    const lines = failed.stderr.split("\n").filter((l) => l.startsWith("ventureos:"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/serving sync failed: .*pending: run ventureos serving sync/)
    expect(failed.stderr).not.toMatch(/^\s+at /m)
    const summary = lastJson(failed.stdout)
    expect(summary).toMatchObject({ batches: 1, inserted: expect.any(Number), serving: { pending: 1 } })

    // `serving sync` while DynamoDB is still down: one line, the JSON says what is pending, exit 1
    process.env.AWS_MAX_ATTEMPTS = "1" // the driver's own retries are enough against a dead endpoint
    const down = await withEndpoint(endpoint, () => cli(["serving", "sync"], home)).finally(() => {
      delete process.env.AWS_MAX_ATTEMPTS
    })
    expect(down.code, down.stderr).toBe(1)
    expect(down.stderr.split("\n").filter((l) => l.startsWith("ventureos:"))).toHaveLength(1)
    expect(down.stderr).not.toMatch(/^\s+at /m)
    expect(lastJson(down.stdout)).toMatchObject({ ok: false, servingPending: 1 })

    // DynamoDB back (same data, same port); re-delivering the same files replays the lake and finishes serving
    await dynalite(db, first.port)
    const again = await withEndpoint(endpoint, () => cli(ingest, home))
    expect(again.code, again.stderr).toBe(0)
    expect(lastJson(again.stdout)).toMatchObject({ replayed: 1, inserted: 0 })

    const clean = join(dir, "clean")
    const ref = await withEndpoint(undefined, () => cli(ingest, clean))
    expect(ref.code, ref.stderr).toBe(0)
    const want = await servingView(clean, undefined)
    expect(want.found).toBe(true)
    expect(want.feed.length).toBeGreaterThan(0)
    expect(await servingView(home, endpoint)).toEqual(want)
  }, 180_000)
})
