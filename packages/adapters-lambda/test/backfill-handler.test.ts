import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { bronzeKey, layerLocalLake, Warehouse } from "@ventureos/pipeline"
import { RawArchive } from "@ventureos/storage/archive"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { generateOsha } from "../../testkit/src/index"
import { makeBackfillHandlers } from "../src/BackfillHandler"

/**
 * The backfill Lambdas driven as the Step Functions state machine drives them (plan → every item of
 * `items.json`, a worker run twice as a retry would → commit), on the local archive and warehouse.
 */

const registry = makeRegistry([oshaPlugin])
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-backfill-lambda-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("backfill Lambdas", () => {
  it("plan, map, commit: every row once, one silver snapshot, a second commit is a no-op", async () => {
    const m = await generateOsha({ seed: 4, violations: 300, outDir: join(dir, "cat"), duplicateRate: 0 })
    const home = join(dir, "home")
    const layer = layerLocalLake(home)
    const rt = ManagedRuntime.make(layer)
    const keys = [m.files.violations, m.files.inspections].map((f) =>
      bronzeKey("historical", "osha", "2026-11-20", f)
    )
    await rt.runPromise(
      Effect.gen(function* () {
        const archive = yield* RawArchive
        yield* archive.putFile(keys[0]!, join(dir, "cat", m.files.violations))
        yield* archive.putFile(keys[1]!, join(dir, "cat", m.files.inspections))
      })
    )
    const h = makeBackfillHandlers({ registry, layer })
    await expect(h.plan({ keys: [] })).rejects.toThrow()
    const planned = await h.plan({ keys, splitRows: 120 })
    expect(planned.items).toBe(3)
    const items = JSON.parse(
      await rt.runPromise(
        Effect.flatMap(RawArchive, (a) =>
          Effect.map(a.getText(planned.itemsKey), (o) => (o._tag === "Some" ? o.value : "[]"))
        )
      )
    ) as Array<{ runId: string; item: number }>
    expect(items).toHaveLength(3)
    await expect(h.commit({ runId: planned.runId })).rejects.toThrow(/no result/)
    for (const i of items) await h.work(i)
    await h.work(items[1]) // a retried map iteration: returns the stored result
    const c = await h.commit({ runId: planned.runId })
    expect(c.done).toBe(true)
    const again = await h.commit({ runId: planned.runId })
    expect(again.done).toBe(true)
    const [n] = await rt.runPromise(
      Effect.gen(function* () {
        const wh = yield* Warehouse
        const rel = yield* wh.bulk!.silverRelation("osha", yield* wh.silverHead("osha"))
        return yield* wh.bulk!.sql(
          `SELECT count(*)::BIGINT AS n, count(DISTINCT violation_id)::BIGINT AS d FROM (${rel})`
        )
      })
    )
    expect(Number(n!.n)).toBe(c.summary!.counts.accepted)
    expect(Number(n!.d)).toBe(Number(n!.n))
    await rt.dispose()
  }, 90_000)
})
