import type { ChildProcess } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { lastJson, cli as run, SAMPLES, startCli as start } from "./RunCli"

/*
 * The local stack several processes share: while `serve` runs (and holds the embedded DynamoDB of
 * $VENTUREOS_HOME), other commands of the same home connect to its endpoint instead of failing with
 * "Database is closed" / a LevelDB lock error.
 */
const FAA_DAILY = join(import.meta.dirname, "fixtures", "faa_daily_one.csv")
const FAA_SAMPLE = join(SAMPLES, "faa_closed_enforcement_cases.sample.csv")

/** Start `serve --port 0` and wait for its JSON line (`{"url": …}`). */
const serve = (home: string) =>
  new Promise<{ child: ChildProcess; url: string }>((res, rej) => {
    const child = start(["serve", "--port", "0"], home)
    let stdout = ""
    let stderr = ""
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString()
      const line = stdout.split("\n").find((l) => l.startsWith("{"))
      if (line !== undefined) res({ child, url: (JSON.parse(line) as { url: string }).url })
    })
    child.on("close", (code) => rej(new Error(`serve exited ${code}: ${stderr}`)))
  })

let home: string
const children: Array<ChildProcess> = []
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "ventureos-shared-"))
})
afterAll(async () => {
  for (const c of children) c.kill("SIGTERM")
  await rm(home, { recursive: true, force: true })
})

describe("a local stack several commands share", () => {
  it("while serve runs: serving reads, a daily ingest and a second serve all work, and the API shows the new data", async () => {
    const ingested = await run(["ingest", FAA_SAMPLE, "--mode", "daily"], home)
    expect(ingested.code, ingested.stderr).toBe(0)
    const first = await serve(home)
    children.push(first.child)

    const brands = await run(["serving", "brand", "list"], home)
    expect(brands.code, brands.stderr).toBe(0)
    expect(lastJson(brands.stdout)).toEqual({ brands: [] })

    const before = await fetch(`${first.url}/api/company/zztest-airways`)
    expect(before.status).toBe(404)
    const daily = await run(["ingest", FAA_DAILY, "--mode", "daily"], home)
    expect(daily.code, daily.stderr).toBe(0)
    expect(lastJson(daily.stdout)).toMatchObject({ inserted: 1 })

    const feed = await run(["serving", "feed", "COMPANY#zztest-airways"], home)
    expect(feed.code, feed.stderr).toBe(0)
    expect(feed.stdout).toContain("ZZTEST AIRWAYS LLC")

    const after = await fetch(`${first.url}/api/company/zztest-airways`)
    expect(after.status).toBe(200)
    const body = (await after.json()) as {
      stats_all: { violation_count: number; penalty_current_total: string }
    }
    expect(body.stats_all).toMatchObject({ violation_count: 1, penalty_current_total: "12345.00" })

    const second = await serve(home)
    children.push(second.child)
    expect(second.url).not.toBe(first.url)
    const viaSecond = await fetch(`${second.url}/api/company/zztest-airways`)
    expect(viaSecond.status).toBe(200)
  }, 120_000)
})
