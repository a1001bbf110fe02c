import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sampleBrands } from "../../src/Cli"
import { WEB_NOT_BUILT } from "../../src/Serve"

const BIN = join(import.meta.dirname, "..", "..", "src", "bin.ts")
const BRANDS = join(import.meta.dirname, "..", "..", "samples", "brands")

let dir: string
let env: NodeJS.ProcessEnv
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ventureos-dashboards-"))
  env = { ...process.env, VENTUREOS_HOME: join(dir, "home"), NO_COLOR: "1" }
  delete env.AWS_ENDPOINT_URL_DYNAMODB
  delete env.AWS_ENDPOINT_URL
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (args: ReadonlyArray<string>) =>
  spawn(process.execPath, ["--import", "tsx", BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })

const finished = (child: ChildProcess) =>
  new Promise<number | null>((ok) => {
    child.stdout?.resume()
    child.stderr?.resume()
    child.once("exit", (code) => ok(code))
  })

/** Start `serve` and return its first stdout line (the JSON summary) and stderr so far. */
const started = (child: ChildProcess) =>
  new Promise<{ json: { url: string; dashboards: Array<string> }; err: () => string }>((ok, ko) => {
    let out = ""
    let err = ""
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString()
    })
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("\n")) ok({ json: JSON.parse(out.split("\n")[0]!), err: () => err })
    })
    child.once("exit", (code) => ko(new Error(`exited ${code}: ${err}`)))
  })

const stop = async (child: ChildProcess) => {
  const exit = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)))
  child.kill("SIGINT")
  expect(await exit).toBe(0)
}

describe("example brands", () => {
  it("decode as brand configs: OSHATrail leads with OSHA, TransportTrail with FAA, different looks", () => {
    const [osha, transport] = sampleBrands()
    expect(osha).toMatchObject({ id: "oshatrail", name: "OSHATrail", domain: "oshatrail.com" })
    expect(transport).toMatchObject({
      id: "transporttrail",
      name: "TransportTrail",
      domain: "transporttrail.com"
    })
    expect(osha!.agencies).toEqual(["osha", "epa", "faa"])
    expect(transport!.agencies[0]).toBe("faa")
    expect(osha!.layout).not.toBe(transport!.layout)
    expect(osha!.colors.primary).not.toBe(transport!.colors.primary)
  })
})

describe("ventureos serve: dashboards", () => {
  it("prints a dashboard URL per stored brand and serves the build at /", async () => {
    for (const b of ["oshatrail", "transporttrail"])
      expect(await finished(cli(["serving", "brand", "put", join(BRANDS, `${b}.json`)]))).toBe(0)
    const web = join(dir, "dist")
    mkdirSync(web, { recursive: true })
    writeFileSync(join(web, "index.html"), "<!doctype html><title>dashboards</title>")
    const child = cli(["serve", "--port", "0", "--web", web])
    try {
      const { json, err } = await started(child)
      expect(json.dashboards).toEqual([`${json.url}/?brand=oshatrail`, `${json.url}/?brand=transporttrail`])
      expect(err()).toContain(`Dashboards:\n  ${json.url}/?brand=oshatrail\n`)
      const page = await fetch(json.dashboards[1]!)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("<title>dashboards</title>")
      await stop(child)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })

  it("without a build: one line saying how to build it, and the API still answers", async () => {
    const child = cli(["serve", "--port", "0", "--web", join(dir, "not-built")])
    try {
      const { json, err } = await started(child)
      expect(json.dashboards).toEqual([])
      expect(err().split("\n")).toContain(WEB_NOT_BUILT)
      const brand = await fetch(`${json.url}/api/config/oshatrail`)
      expect(brand.status).toBe(200)
      expect(await brand.json()).toMatchObject({ name: "OSHATrail" })
      expect((await fetch(`${json.url}/company/anything`)).status).toBe(404)
      await stop(child)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })
})
