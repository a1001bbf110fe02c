import { type ChildProcess, spawn } from "node:child_process"
import { join, resolve } from "node:path"

/** The repository root, the CLI's entry point and the bundled samples, for tests that run the real CLI. */
export const ROOT = resolve(import.meta.dirname, "..", "..", "..")
export const BIN = join(ROOT, "packages", "adapters-node", "src", "bin.ts")
export const SAMPLES = join(ROOT, "packages", "adapters-node", "samples")

/** What a CLI run printed and how it exited. */
export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Start the real CLI (node + tsx loader, as `pnpm ventureos` does) in a scratch VENTUREOS_HOME. */
export const startCli = (args: ReadonlyArray<string>, home: string): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, VENTUREOS_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })

/** Run the real CLI to the end. */
export const cli = (args: ReadonlyArray<string>, home: string): Promise<Ran> =>
  new Promise((res, rej) => {
    const child = startCli(args, home)
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", rej)
    child.on("close", (code) => res({ code, stdout, stderr }))
  })

/** The command's summary: the last line of stdout, as JSON. */
export const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>
