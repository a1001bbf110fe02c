import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const BIN = join(import.meta.dirname, "..", "..", "src", "bin.ts")

describe("ventureos serve", () => {
  it("serves the API over the embedded store, prints the URLs to try, stops on SIGINT", async () => {
    const home = mkdtempSync(join(tmpdir(), "ventureos-serve-"))
    const env: NodeJS.ProcessEnv = { ...process.env, VENTUREOS_HOME: home }
    delete env.AWS_ENDPOINT_URL_DYNAMODB
    delete env.AWS_ENDPOINT_URL
    const child = spawn(process.execPath, ["--import", "tsx", BIN, "serve", "--port", "0"], {
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      let out = ""
      let err = ""
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString()
      })
      const line = await new Promise<string>((ok, ko) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString()
          if (out.includes("\n")) ok(out.split("\n")[0]!)
        })
        child.once("exit", (code) => ko(new Error(`exited ${code}: ${err}`)))
      })
      const { url, examples } = JSON.parse(line) as { url: string; examples: Array<string> }
      expect(examples).toContain(`${url}/docs`)
      expect(err).toContain("listening on")
      expect((await fetch(`${url}/openapi.json`)).status).toBe(200)
      const missing = await fetch(`${url}/api/company/nobody`)
      expect(missing.status).toBe(404)
      const exit = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)))
      child.kill("SIGINT")
      expect(await exit).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
      rmSync(home, { recursive: true, force: true })
    }
  })
})
