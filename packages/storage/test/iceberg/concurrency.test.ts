import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Lakehouse, silverDefinition } from "../../src/Lakehouse"
import { icebirdRows, type LakehouseRuntime, lakehouseLayer, tempDir } from "./helpers"

const child = path.join(import.meta.dirname, "child-writer.ts")
const start = (
  warehouse: string,
  offset: number,
  count: number,
  source: string,
  crashAt?: string
): ChildProcess =>
  spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      child,
      warehouse,
      String(offset),
      String(count),
      source,
      ...(crashAt ? [crashAt] : [])
    ],
    {
      cwd: path.resolve(import.meta.dirname, "../../../.."),
      stdio: ["ignore", "pipe", "pipe"]
    }
  )
const finish = (p: ChildProcess) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    let out = ""
    let err = ""
    p.stdout?.on("data", (d) => (out += d))
    p.stderr?.on("data", (d) => (err += d))
    p.on("close", (code) => resolve({ code, out, err }))
  })

let dir: string
let rt: LakehouseRuntime
const run = <A, E>(eff: Effect.Effect<A, E, Lakehouse>) => rt.runPromise(eff)

beforeAll(async () => {
  dir = await tempDir("concurrency")
  rt = ManagedRuntime.make(lakehouseLayer(dir))
  await run(Effect.flatMap(Lakehouse, (lh) => lh.ensureTable("silver.osha", silverDefinition)))
})
afterAll(async () => {
  await rt.dispose()
  await fs.rm(dir, { recursive: true, force: true })
})

const countRows = () =>
  run(
    Effect.gen(function* () {
      const lh = yield* Lakehouse
      const sql = yield* lh.scanSql("silver.osha")
      return yield* lh.query(
        `SELECT count(*)::INT AS n, count(DISTINCT violation_id)::INT AS d FROM (${sql})`
      )
    })
  ).then((r) => r[0] as { n: number; d: number })

describe("filesystem catalog under concurrency and crashes", () => {
  it("8 concurrent writer processes: every commit lands exactly once, history is linear", async () => {
    const procs = Array.from({ length: 8 }, (_, i) => start(dir, i * 100, 100, `bronze/w${i}.csv@e`))
    const results = await Promise.all(procs.map(finish))
    for (const r of results) expect(r.out, r.err).toContain("done Committed")
    // a second round of the same sources is a no-op
    const again = await Promise.all(
      Array.from({ length: 4 }, (_, i) => finish(start(dir, i * 200, 100, `bronze/w${i * 2}.csv@e`)))
    )
    for (const r of again) expect(r.out, r.err).toContain("done AlreadyCommitted")
    expect(await countRows()).toEqual({ n: 800, d: 800 })
    const history = await run(Effect.flatMap(Lakehouse, (lh) => lh.history("silver.osha")))
    expect(history).toHaveLength(8)
    const seqs = history.map((s) => s["sequence-number"]).sort((a, b) => (a < b ? -1 : 1))
    expect(seqs).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])
    // linear: each snapshot's parent is the previous one
    const byId = new Map(history.map((s) => [s["snapshot-id"], s]))
    const bySeq = [...history].sort((a, b) => (a["sequence-number"] < b["sequence-number"] ? -1 : 1))
    for (const [i, s] of bySeq.entries())
      expect(s["parent-snapshot-id"]).toBe(i === 0 ? undefined : bySeq[i - 1]!["snapshot-id"])
    expect(byId.size).toBe(8)
    expect(await icebirdRows(`file://${dir}/silver/osha`)).toHaveLength(800)
  })

  it("a writer killed mid-commit leaves the table readable; rerun lands once; orphans are removed", async () => {
    const before = await countRows()
    const killedSources: Array<string> = []
    // a random point of the write (SIGKILL from outside), then right before and right after the metadata publish
    const points = [undefined, "before-publish", "after-publish"] as const
    for (const [k, point] of points.entries()) {
      const source = `bronze/crash${k}.csv@e`
      const prev = await countRows()
      const p = start(dir, 5000 + k * 50, 50, source, point)
      const done = finish(p)
      if (point === undefined)
        await new Promise<void>((resolve) => {
          p.stdout?.on("data", (d: Buffer) => {
            if (d.toString().includes("writing"))
              setTimeout(() => {
                p.kill("SIGKILL")
                resolve()
              }, 150)
          })
          p.on("close", () => resolve())
        })
      const r = await done
      if (point !== undefined) expect(r.out).not.toContain("done")
      killedSources.push(source)
      // readable at its last committed snapshot, no duplicates
      const now = await countRows()
      expect(now.n).toBe(now.d)
      if (point === undefined) expect([prev.n, prev.n + 50]).toContain(now.n)
      else expect(now.n).toBe(prev.n + (point === "after-publish" ? 50 : 0))
      expect(await icebirdRows(`file://${dir}/silver/osha`)).toHaveLength(now.n)
    }
    // rerun every killed batch: completes exactly once (or is recognised as already committed)
    for (const [k, source] of killedSources.entries()) {
      const r = await finish(start(dir, 5000 + k * 50, 50, source))
      expect(r.out, r.err).toMatch(/done (Committed|AlreadyCommitted)/)
    }
    const replays = await Promise.all(
      killedSources.map((source, k) => finish(start(dir, 5000 + k * 50, 50, source)))
    )
    for (const r of replays) expect(r.out, r.err).toContain("done AlreadyCommitted")
    expect(await countRows()).toEqual({ n: before.n + 150, d: before.d + 150 })
    const removed = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.removeOrphanFiles("silver.osha", { olderThanMs: Date.now() + 1000 })
      )
    )
    expect(await countRows()).toEqual({ n: before.n + 150, d: before.d + 150 })
    expect(await icebirdRows(`file://${dir}/silver/osha`)).toHaveLength(before.n + 150)
    // nothing unreferenced is left: a second pass finds nothing
    const again = await run(
      Effect.flatMap(Lakehouse, (lh) =>
        lh.removeOrphanFiles("silver.osha", { olderThanMs: Date.now() + 1000 })
      )
    )
    expect(again.deleted).toEqual([])
    // the writer killed before publishing left data files, manifests and a manifest list behind
    expect(removed.deleted.some((f) => f.endsWith(".parquet"))).toBe(true)
    expect(removed.deleted.some((f) => f.endsWith(".avro"))).toBe(true)
  })
})
