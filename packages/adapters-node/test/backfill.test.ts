import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ingestFiles, layerLocalLake, Warehouse } from "@ventureos/pipeline"
import { Lakehouse } from "@ventureos/storage"
import { generateOsha } from "@ventureos/testkit"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultRegistry } from "../src/Registry"
import { BIN, lastJson, ROOT } from "./RunCli"

/**
 * `ventureos backfill --workers N` with real worker processes killed at random points: a killed worker's item
 * is run again, a killed run (parent and workers) is resumed by the same command, and the lake ends up equal
 * to a single-process ingest of the same files, with the run committed once.
 */

const DATE = "2026-11-20"
let dir: string
let files: Array<string>
let want: Awaited<ReturnType<typeof observe>>

/** Silver rows (content hashes included) and gold totals of a lake. */
const observe = async (home: string) => {
  const rt = ManagedRuntime.make(layerLocalLake(home))
  try {
    return await rt.runPromise(
      Effect.gen(function* () {
        const wh = yield* Warehouse
        const head = yield* wh.silverHead("osha")
        const rel = yield* wh.bulk!.silverRelation("osha", head)
        const rows = yield* wh.bulk!.sql(
          `SELECT violation_id, content_hash, source_file, source_row FROM (${rel}) ORDER BY violation_id`
        )
        return {
          silver: rows,
          company: yield* wh.goldTotals("company"),
          state: yield* wh.goldTotals("state")
        }
      })
    )
  } finally {
    await rt.dispose()
  }
}

const backfillRuns = async (home: string) => {
  const rt = ManagedRuntime.make(layerLocalLake(home))
  try {
    const snaps = await rt.runPromise(Effect.flatMap(Lakehouse, (l) => l.history("silver.osha")))
    return snaps.filter((s) => s.summary["ventureos.backfill-run"] !== undefined).length
  } finally {
    await rt.dispose()
  }
}

/** Start the real CLI as a process group leader (so the test can kill it together with its workers). */
const start = (args: ReadonlyArray<string>, home: string) => {
  const child = spawn(process.execPath, ["--import", "tsx", BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, VENTUREOS_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
  const onStderr: Array<(text: string) => void> = []
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString()
    for (const f of onStderr) f(stderr)
  })
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) =>
    child.on("close", (code) => res({ code, stdout, stderr }))
  )
  return { child, done, onStderr }
}

const args = (workers: number) => [
  "backfill",
  ...files,
  "--workers",
  String(workers),
  "--split-rows",
  "700",
  "--date",
  DATE
]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-cli-backfill-"))
  const m = await generateOsha({ seed: 21, violations: 2500, outDir: join(dir, "cat"), duplicateRate: 0 })
  files = [join(dir, "cat", m.files.violations), join(dir, "cat", m.files.inspections)]
  const ref = join(dir, "ref")
  const rt = ManagedRuntime.make(layerLocalLake(ref))
  await rt.runPromise(ingestFiles(files, { registry: defaultRegistry, mode: "historical", date: DATE }))
  await rt.dispose()
  want = await observe(ref)
}, 120_000)
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("ventureos backfill", () => {
  it("a worker killed at a random point: its item runs again, the result equals an ingest", async () => {
    const home = join(dir, "kill-worker")
    const run = start(args(2), home)
    let killed = false
    run.onStderr.push((text) => {
      const m = /worker (\d+): item/.exec(text)
      if (killed || m === null) return
      killed = true
      setTimeout(() => {
        try {
          process.kill(Number(m[1]), "SIGKILL")
        } catch {
          // already finished: the item simply completed
        }
      }, Math.random() * 3000)
    })
    const r = await run.done
    expect(r.code, r.stderr).toBe(0)
    expect(lastJson(r.stdout)).toMatchObject({ status: "committed", items: 4, counts: { rows: 2500 } })
    const got = await observe(home)
    expect(got.silver).toEqual(want.silver)
    expect(got.company).toEqual(want.company)
    expect(got.state).toEqual(want.state)
  }, 120_000)

  it("the whole run killed at a random point, then run again: nothing lost, nothing twice", async () => {
    const home = join(dir, "kill-run")
    const first = start(args(2), home)
    setTimeout(
      () => {
        try {
          process.kill(-first.child.pid!, "SIGKILL")
        } catch {
          // the run already finished
        }
      },
      2000 + Math.random() * 8000
    )
    await first.done
    const again = start(args(2), home)
    const r = await again.done
    expect(r.code, r.stderr).toBe(0)
    expect(["committed", "replayed"]).toContain(lastJson(r.stdout).status)
    const got = await observe(home)
    expect(got.silver).toEqual(want.silver)
    expect(got.company).toEqual(want.company)
    expect(got.state).toEqual(want.state)
    expect(await backfillRuns(home)).toBe(1)
    const third = await start(args(4), home).done
    expect(lastJson(third.stdout).status).toBe("replayed")
    expect(await backfillRuns(home)).toBe(1)
  }, 150_000)
})
