import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeRegistry, oshaPlugin } from "@ventureos/normalizers"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer, ManagedRuntime } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { deltasFor, foldDeltas, type GoldDelta, toEntityStats, topN } from "../src/Gold"
import { ingestFiles } from "../src/IngestFiles"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { makeMemory } from "../src/WarehouseMemory"

/**
 * The gold invariant end to end, as a property: for any sequence of OSHA files (new citations, settlements,
 * deletions, re-deliveries of the same file, re-publication of the same rows on another day), gold totals
 * and Top-N lists equal their recomputation from the current silver rows — in memory and on real Iceberg.
 */

const FIX = join(import.meta.dirname, "fixtures")
const registry = makeRegistry([oshaPlugin])

// four real inspections from the fixture: three establishments, two cities
const ACTIVITIES = ["119948990", "119956639", "120240510", "120318365"]

interface Citation {
  readonly activity: number
  readonly citation: number
  readonly type: "S" | "O" | "R" | "W"
  readonly deleted: boolean
  readonly initial: number
  readonly current: number
  readonly day: number
}

const arbCitation: fc.Arbitrary<Citation> = fc.record({
  activity: fc.integer({ min: 0, max: 3 }),
  citation: fc.integer({ min: 1, max: 4 }),
  type: fc.constantFrom("S" as const, "O" as const, "R" as const, "W" as const),
  deleted: fc.integer({ min: 0, max: 99 }).map((x) => x < 15),
  initial: fc.integer({ min: 0, max: 50_000 }),
  current: fc.integer({ min: 0, max: 50_000 }),
  day: fc.integer({ min: 1, max: 28 })
})

/** A delivery: a file of citations, or a re-delivery of an earlier file (same bytes, same key). */
type Step =
  | { readonly _tag: "file"; readonly rows: ReadonlyArray<Citation> }
  | { readonly _tag: "redeliver"; readonly which: number }
const arbSteps = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(arbCitation, { minLength: 1, maxLength: 6 })
        .map((rows) => ({ _tag: "file" as const, rows }))
    },
    { weight: 1, arbitrary: fc.nat(5).map((which) => ({ _tag: "redeliver" as const, which })) }
  ),
  { minLength: 1, maxLength: 6 }
)

const violationHeader =
  "activity_nr,citation_id,delete_flag,standard,viol_type,issuance_date,abate_date,abate_complete,current_penalty,initial_penalty,contest_date,final_order_date,nr_instances,nr_exposed,rec,gravity,emphasis,hazcat,fta_insp_nr,fta_issuance_date,fta_penalty,fta_contest_date,fta_final_order_date,hazsub1,hazsub2,hazsub3,hazsub4,hazsub5,load_dt"

const csvOf = (rows: ReadonlyArray<Citation>): string => {
  // the last row for an id wins within a file, as an agency's file would carry one version per citation
  const byId = new Map(rows.map((r) => [`${r.activity}-${r.citation}`, r]))
  const lines = [...byId.values()].map((r) =>
    [
      ACTIVITIES[r.activity],
      `0100${r.citation}`,
      r.deleted ? "X" : "",
      "3203 A",
      r.type,
      `2015-02-${String(r.day).padStart(2, "0")}`,
      "",
      "",
      r.deleted ? "" : String(r.current),
      String(r.initial),
      ...Array(18).fill(""),
      "2016-01-01 00:00:00 EST"
    ].join(",")
  )
  return `${[violationHeader, ...lines].join("\r\n")}\r\n`
}

const allIds = ACTIVITIES.flatMap((a) => [1, 2, 3, 4].map((c) => `osha:osha_violation:${a}-0100${c}`))

const checkInvariant = async (wh: WarehouseShape) => {
  const silver = await Effect.runPromise(wh.silverLookup("osha", allIds))
  const recomputed: Record<string, Array<GoldDelta>> = { company: [], city: [], state: [] }
  for (const r of silver.values()) {
    const d = deltasFor(null, r)
    for (const k of ["company", "city", "state"] as const) recomputed[k]!.push(...d[k])
  }
  for (const kind of ["company", "city", "state"] as const) {
    const expected = new Map(
      [...foldDeltas(recomputed[kind]!).values()].map((t) => [
        `${t.entity_key}/${t.agency}`,
        toEntityStats(t, null, "x")
      ])
    )
    const rows = await Effect.runPromise(wh.goldTotals(kind))
    const got = new Map(
      rows
        .filter(
          (r) => r.violation_count !== 0 || r.penalty_current_cents !== 0n || r.penalty_initial_cents !== 0n
        )
        .map((r) => [`${r.entity_key}/${r.agency}`, r])
    )
    for (const [k, e] of expected) {
      if (e.violation_count === 0 && e.penalty_current_total === "0.00" && e.penalty_initial_total === "0.00")
        continue
      const g = got.get(k)
      expect(g, k).toBeDefined()
      expect(
        [
          g!.violation_count,
          g!.open_count,
          g!.closed_count,
          g!.first_event_date,
          g!.last_event_date,
          String(g!.penalty_current_cents)
        ],
        k
      ).toEqual([
        e.violation_count,
        e.open_count,
        e.closed_count,
        e.first_event_date,
        e.last_event_date,
        e.penalty_current_total.replace(".", "").replace(/^(-?)0+(?=\d)/, "$1")
      ])
      got.delete(k)
    }
    expect([...got.keys()], "gold has totals silver does not explain").toEqual([])
  }
  for (const by of ["count", "penalties"] as const) {
    const expected = topN(recomputed.company!, { scope: "state:CA", by, agency: "all", limit: 3 }).map(
      (t) => [t.entity_key, t.violation_count]
    )
    const got = await Effect.runPromise(wh.goldTop({ scope: "state:CA", by, agency: "all", limit: 3 }))
    expect(got.map((t) => [t.entity_key, t.violation_count])).toEqual(expected)
  }
}

const runSteps = async (steps: ReadonlyArray<Step>, wh: WarehouseShape, dir: string) => {
  const layer = Layer.mergeAll(layerFileSystem(join(dir, "lake")), Layer.succeed(Warehouse, wh))
  const delivered: Array<{ path: string; date: string }> = []
  const inspections = join(FIX, "osha_inspection.csv")
  for (const [i, step] of steps.entries()) {
    let path: string
    let date: string
    if (step._tag === "file") {
      const d = join(dir, `in-${i}`)
      await mkdir(d, { recursive: true })
      path = join(d, "osha_violation.csv")
      await writeFile(path, csvOf(step.rows))
      date = `2026-01-${String((i % 28) + 1).padStart(2, "0")}`
      delivered.push({ path, date })
    } else {
      const prev = delivered[step.which % Math.max(delivered.length, 1)]
      if (prev === undefined) continue
      path = prev.path
      date = prev.date
    }
    const d = join(dir, `insp-${i}`)
    await mkdir(d, { recursive: true })
    await writeFile(join(d, "osha_inspection.csv"), await readFile(inspections))
    await Effect.runPromise(
      ingestFiles([path, join(d, "osha_inspection.csv")], { registry, mode: "historical", date }).pipe(
        Effect.provide(layer as Layer.Layer<Warehouse | RawArchive>)
      )
    )
  }
}

describe("gold == recompute(silver) over random file sequences (property)", () => {
  it("in memory", async () => {
    await fc.assert(
      fc.asyncProperty(arbSteps, async (steps) => {
        const dir = await mkdtemp(join(tmpdir(), "vos-prop-"))
        try {
          const wh = makeMemory()
          await runSteps(steps, wh, dir)
          await checkInvariant(wh)
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 25 }
    )
  })

  it("on the Iceberg warehouse", async () => {
    await fc.assert(
      fc.asyncProperty(arbSteps, async (steps) => {
        const dir = await mkdtemp(join(tmpdir(), "vos-prop-ice-"))
        const rt = ManagedRuntime.make(layerLocal(join(dir, "warehouse")))
        try {
          const wh = await rt.runPromise(Warehouse)
          await runSteps(steps, wh, dir)
          await checkInvariant(wh)
          // a checkpoint changes nothing observable
          for (const k of ["company", "city", "state"] as const) await Effect.runPromise(wh.goldCompact(k))
          await checkInvariant(wh)
        } finally {
          await rt.dispose()
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 6 }
    )
  }, 240_000)
})
