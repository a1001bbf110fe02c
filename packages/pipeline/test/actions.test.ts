import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { actionKey, type Violation, violationColumnList } from "@ventureos/core"
import { duckdbType, icebergTypeOf } from "@ventureos/iceberg"
import {
  epaPlugin,
  makeRegistry,
  type Outcome,
  oshaPlugin,
  planNormalize,
  type Registry,
  type VectorizedNormalizer
} from "@ventureos/normalizers"
import { layerFileSystem, type RawArchive } from "@ventureos/storage/archive"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type EntityKind, foldDeltas, goldFromSilver, toEntityStats } from "../src/Gold"
import { ingestFiles, planBatches } from "../src/IngestFiles"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { makeMemory } from "../src/WarehouseMemory"

/**
 * Issue 12, decisions 1 and 2 on the real sample files (the ones `pnpm start` ingests):
 * - OSHA: a blank `current_penalty` is unknown: null in silver (both ingest paths), left out of the current
 *   totals and counted in `penalty_current_unknown_count`;
 * - EPA: an enforcement action published in both the NPDES formal-actions file and the ECHO cases file
 *   counts once, in any order and batch split of the two files, and gold equals its recomputation from
 *   silver (every action group once).
 */

const SAMPLES = join(import.meta.dirname, "..", "..", "adapters-node", "samples")
const NPDES = join(SAMPLES, "npdes_formal_actions_FL.csv")
const ECHO = join(SAMPLES, "echo_cases_FL.csv")
const registry = makeRegistry([oshaPlugin, epaPlugin])
const KINDS = ["company", "city", "state"] as const

const dirs: Array<string> = []
const scratch = async (prefix: string) => {
  const d = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** The records of files as the JavaScript normalizer makes them. */
const normalized = async (paths: ReadonlyArray<string>): Promise<Array<Violation>> => {
  const run = await planNormalize(paths, { registry, agency: "auto" })
  const out: Array<Violation> = []
  for await (const b of run.outcomes())
    for (const o of b as ReadonlyArray<Outcome>) if (o._tag === "accepted") out.push(o.record)
  return out
}

/**
 * A vectorized form of the EPA plugin that hands every row to its JavaScript normalizer: the records are the
 * reference's, and everything after them runs in SQL (dedupe, classification, silver write, and the gold
 * deltas of action groups, `mergedActions`), which is what this exercises.
 */
const epaThroughSql: VectorizedNormalizer = {
  companyNames: () => "SELECT NULL::VARCHAR AS name WHERE false",
  cityPlaces: () => "SELECT NULL::VARCHAR AS city, NULL::VARCHAR AS state WHERE false",
  records: (input) =>
    input.files
      .map(
        (f) =>
          `SELECT ${f.index} AS __file, __row, __line, true AS __js, ${violationColumnList
            .map((c) => `NULL::${duckdbType(icebergTypeOf(c.type))} AS ${c.name}`)
            .join(", ")} FROM ${f.relation}`
      )
      .join(" UNION ALL "),
  fallbackRows: (_input, flagged) => `SELECT __file, __row FROM ${flagged}`
}
const sqlRegistry = makeRegistry([oshaPlugin, { ...epaPlugin, vectorized: epaThroughSql }])

const ingest = (
  wh: WarehouseShape,
  dir: string,
  paths: ReadonlyArray<string>,
  date: string,
  vectorized = true,
  reg: Registry = registry,
  chunkSize?: number
) =>
  Effect.runPromise(
    ingestFiles(paths, {
      registry: reg,
      mode: "historical",
      date,
      vectorized,
      ...(chunkSize === undefined ? {} : { chunkSize })
    }).pipe(
      Effect.provide(
        Layer.mergeAll(layerFileSystem(join(dir, "lake")), Layer.succeed(Warehouse, wh)) as Layer.Layer<
          Warehouse | RawArchive
        >
      )
    )
  )

/** Gold totals of a warehouse, comparable: per `entity/agency`, non-zero ones only. */
const goldOf = async (wh: WarehouseShape, kind: EntityKind) =>
  Object.fromEntries(
    (await Effect.runPromise(wh.goldTotals(kind)))
      .filter(
        (r) => r.violation_count !== 0 || r.penalty_current_cents !== 0n || r.penalty_initial_cents !== 0n
      )
      .map((r) => [
        `${r.entity_key}/${r.agency}`,
        [
          r.violation_count,
          r.open_count,
          r.closed_count,
          String(r.penalty_initial_cents),
          String(r.penalty_current_cents),
          r.penalty_current_unknown_count,
          r.first_event_date,
          r.last_event_date
        ]
      ])
  )

/** The same, recomputed from silver records (every action group once). */
const expectedGold = (records: Iterable<Violation>, kind: EntityKind) => {
  const recomputed = goldFromSilver(records)
  return Object.fromEntries(
    [...foldDeltas(recomputed[kind]).values()]
      .filter(
        (t) => t.violation_count !== 0 || t.penalty_current_cents !== 0n || t.penalty_initial_cents !== 0n
      )
      .map((t) => {
        const s = toEntityStats(t, null, "x")
        return [
          `${t.entity_key}/${t.agency}`,
          [
            t.violation_count,
            t.open_count,
            t.closed_count,
            String(t.penalty_initial_cents),
            String(t.penalty_current_cents),
            t.penalty_current_unknown_count,
            s.first_event_date,
            s.last_event_date
          ]
        ]
      })
  )
}

describe("OSHA: a blank current penalty is unknown (real sample rows)", () => {
  it("null in silver on both ingest paths; totals sum the known ones and count the unknown ones", async () => {
    const files = [join(SAMPLES, "osha_violation.csv"), join(SAMPLES, "osha_inspection.csv")]
    const records = await normalized(files)
    expect(records).toHaveLength(655)
    const live = records.filter((r) => r.status !== "deleted")
    const unknown = live.filter((r) => r.penalty_current === null)
    // 82 rows publish no current penalty; 36 of them are deleted items; 39 of the 46 live ones have an
    // initial penalty (they used to get current = initial)
    expect(records.filter((r) => r.penalty_current === null)).toHaveLength(82)
    expect(unknown).toHaveLength(46)
    expect(unknown.filter((r) => r.penalty_initial !== null)).toHaveLength(39)

    const dir = await scratch("vos-unknown-")
    const byPath: Record<string, Record<string, unknown>> = {}
    for (const vectorized of [true, false]) {
      const layer = layerLocal(join(dir, `warehouse-${vectorized}`))
      const out = await Effect.runPromise(
        Effect.gen(function* () {
          const wh = yield* Warehouse
          yield* Effect.promise(() =>
            ingest(wh, join(dir, `lake-${vectorized}`), files, "2025-12-01", vectorized)
          )
          const head = yield* wh.silverHead("osha")
          const silver = yield* wh.silverLookup(
            "osha",
            records.map((r) => r.violation_id),
            head
          )
          const state = yield* Effect.promise(() => goldOf(wh, "state"))
          return { silver, state }
        }).pipe(Effect.provide(layer))
      )
      // silver keeps the blank as null, on both paths
      for (const r of records)
        expect(out.silver.get(r.violation_id)?.penalty_current, r.violation_id).toBe(r.penalty_current)
      const expected = expectedGold(records, "state")
      expect(out.state).toEqual(expected)
      byPath[String(vectorized)] = out.state
    }
    expect(byPath.true).toEqual(byPath.false)
    // the state totals (every violation of the sample has a state): 39 unknown (the live ones with an initial
    // penalty: the 7 with neither figure carry no penalty), known ones summed
    const all = Object.entries(byPath.true!).filter(([k]) => k.endsWith("/all"))
    expect(all.reduce((n, [, v]) => n + ((v as Array<number>)[5] ?? 0), 0)).toBe(39)
    const known = live.reduce(
      (c, r) => c + (r.penalty_current === null ? 0 : Math.round(Number(r.penalty_current) * 100)),
      0
    )
    expect(all.reduce((c, [, v]) => c + Number((v as Array<string>)[4]), 0)).toBe(known)
  }, 120_000)
})

describe("EPA: one enforcement action, counted once (real sample rows)", () => {
  it("both files in either order: both records kept, 397 shared actions counted once, gold == recompute(silver)", async () => {
    const records = await normalized([NPDES, ECHO])
    expect(records).toHaveLength(1332 + 1425)
    const cases = new Set(records.filter((r) => r.source_dataset === "epa_echo_case").map((r) => r.action_id))
    const shared = new Set(
      records
        .filter((r) => r.source_dataset === "epa_npdes_formal_action" && cases.has(r.action_id))
        .map((r) => r.action_id)
    )
    expect(shared.size).toBe(397)
    const actions = new Set(records.map(actionKey))
    expect(actions.size).toBe(1294 + 1425 - 397)

    const dir = await scratch("vos-actions-")
    const golds: Array<Record<string, unknown>> = []
    // one file per command in either order, then both files in one command: one batch (a release)
    for (const [i, order] of [[[NPDES], [ECHO]], [[ECHO], [NPDES]], [[NPDES, ECHO]]].entries()) {
      const wh = makeMemory()
      // the second order in small chunks (lookups and action groups a slice at a time)
      for (const [j, files] of order.entries()) {
        const batches = await ingest(
          wh,
          join(dir, `lake-${i}`),
          files,
          `2025-12-0${j + 1}`,
          true,
          registry,
          i === 1 ? 300 : undefined
        )
        expect(batches).toHaveLength(1)
        expect(batches[0]!.keys).toHaveLength(files.length)
      }
      // the same files again: a replay (of the release's batch too), nothing read or written
      const again = await ingest(wh, join(dir, `lake-${i}`), order.at(-1)!, `2025-12-0${order.length}`)
      expect(again.map((r) => r.status)).toEqual(["replayed"])
      const silver = await Effect.runPromise(
        wh.silverLookup(
          "epa",
          records.map((r) => r.violation_id)
        )
      )
      expect(silver.size).toBe(records.length)
      const company = await goldOf(wh, "company")
      expect(company).toEqual(expectedGold(silver.values(), "company"))
      for (const kind of ["city", "state"] as const)
        expect(await goldOf(wh, kind)).toEqual(expectedGold(silver.values(), kind))
      // every action once over all companies (was one count per record: 2,757)
      const counted = Object.entries(company)
        .filter(([k]) => k.endsWith("/epa"))
        .reduce((n, [, v]) => n + (v as Array<number>)[0]!, 0)
      expect(counted).toBe(actions.size)
      golds.push(company)
    }
    expect(golds[0]).toEqual(golds[1])
    expect(golds[2]).toEqual(golds[0])
  }, 120_000)
})

describe("EPA release batches (planBatches)", () => {
  it("one file of each dataset of a plugin per batch; a second file of a dataset is a later batch; OSHA unchanged", async () => {
    const dir = await scratch("vos-plan-")
    const later = join(dir, "npdes_formal_actions_2.csv")
    await writeFile(later, await readFile(NPDES))
    const osha = [join(SAMPLES, "osha_violation.csv"), join(SAMPLES, "osha_inspection.csv")]
    const paths = [NPDES, osha[0]!, later, osha[1]!, ECHO]
    const plan = (release: boolean) =>
      Effect.runPromise(planBatches(paths, registry, "historical", "2026-01-02", "auto", { release }))
    expect((await plan(true)).map((b) => b.paths)).toEqual([[NPDES, ECHO], osha, [later]])
    expect((await plan(true))[0]!.keys).toEqual([
      "bronze/historical/epa/2026/01/02/npdes_formal_actions_FL.csv",
      "bronze/historical/epa/2026/01/02/echo_cases_FL.csv"
    ])
    // without releases (backfill): one records file per batch, as given
    expect((await plan(false)).map((b) => b.paths)).toEqual([[NPDES], osha, [later], [ECHO]])
  })
})

// Property: rows of a few real shared actions (several permits per action among them) plus an action of
// each file alone, delivered as any interleaving of the two files in any batch split, with corrections
// (a later delivery re-publishing a row with other penalty figures).
const lines = async (path: string) => (await readFile(path, "utf8")).split(/\r?\n/).filter((l) => l !== "")
const splitCsv = (line: string): Array<string> => {
  const out: Array<string> = []
  let cur = ""
  let q = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') q = false
      else cur += ch
    } else if (ch === '"') q = true
    else if (ch === ",") {
      out.push(cur)
      cur = ""
    } else cur += ch
  }
  out.push(cur)
  return out
}
const joinCsv = (cells: ReadonlyArray<string>) =>
  cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")

interface Pool {
  readonly header: { npdes: string; echo: string }
  /** Rows: which file, the line, and the index of the penalty cell a correction rewrites. */
  readonly rows: ReadonlyArray<{
    readonly file: "npdes" | "echo"
    readonly line: string
    readonly penalty: number
  }>
}

const SHARED = ["04-2011-9030", "FL-18-0093", "FL-20-1674", "FL-17-1210", "04-2017-5506", "FL-10-1211"]

const makePool = async (): Promise<Pool> => {
  const [nh, ...nrows] = await lines(NPDES)
  const [eh, ...erows] = await lines(ECHO)
  const nIdx = splitCsv(nh!).indexOf("ENF_IDENTIFIER")
  const eIdx = splitCsv(eh!).indexOf("CaseNumber")
  const caseIds = new Set(erows.map((l) => splitCsv(l)[eIdx]))
  const npdesIds = new Set(nrows.map((l) => splitCsv(l)[nIdx]))
  const npdesOnly = nrows.map((l) => splitCsv(l)[nIdx]!).find((id) => !caseIds.has(id))!
  const caseOnly = erows.map((l) => splitCsv(l)[eIdx]!).find((id) => !npdesIds.has(id))!
  const wanted = new Set([...SHARED, npdesOnly, caseOnly])
  return {
    header: { npdes: nh!, echo: eh! },
    rows: [
      ...nrows
        .filter((l) => wanted.has(splitCsv(l)[nIdx]!))
        .map((line) => ({
          file: "npdes" as const,
          line,
          penalty: splitCsv(nh!).indexOf("STATE_LOCAL_PENALTY_AMT")
        })),
      ...erows
        .filter((l) => wanted.has(splitCsv(l)[eIdx]!))
        .map((line) => ({ file: "echo" as const, line, penalty: splitCsv(eh!).indexOf("FedPenalty") }))
    ]
  }
}

/**
 * One delivery: rows of one file (by pool index), each possibly re-published with another penalty; `together`:
 * given in one command with the next delivery, which makes the two one batch when they are the two files.
 */
interface Delivery {
  readonly file: "npdes" | "echo"
  readonly rows: ReadonlyArray<{ readonly at: number; readonly penalty: string | null }>
  readonly together: boolean
}

/** Any split of each file's rows into batches, interleaved in any order. */
const arbSplit = (pool: Pool, corrections: boolean): fc.Arbitrary<ReadonlyArray<Delivery>> => {
  const idx = (file: "npdes" | "echo") => pool.rows.flatMap((r, i) => (r.file === file ? [i] : []))
  const batches = (file: "npdes" | "echo") =>
    fc
      .tuple(
        fc.shuffledSubarray(idx(file), { minLength: idx(file).length, maxLength: idx(file).length }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 })
      )
      .map(([rows, sizes]) => {
        const out: Array<Array<number>> = []
        let k = 0
        for (const s of sizes) {
          if (k >= rows.length) break
          out.push(rows.slice(k, k + s))
          k += s
        }
        if (k < rows.length) out.push(rows.slice(k))
        return out.map((b) => ({ file, rows: b }))
      })
  const penalty = corrections
    ? fc.option(fc.oneof(fc.constant(""), fc.integer({ min: 0, max: 90_000 }).map(String)), {
        freq: 3,
        nil: null
      })
    : fc.constant(null)
  return fc
    .tuple(
      batches("npdes"),
      batches("echo"),
      fc.infiniteStream(fc.boolean()),
      fc.infiniteStream(penalty),
      fc.infiniteStream(fc.boolean())
    )
    .map(([n, e, coin, pen, both]) => {
      const out: Array<Delivery> = []
      const a = [...n]
      const b = [...e]
      const it = coin[Symbol.iterator]()
      const p = pen[Symbol.iterator]()
      const j = both[Symbol.iterator]()
      while (a.length + b.length > 0) {
        const next = (a.length > 0 && (b.length === 0 || it.next().value)) === true ? a.shift()! : b.shift()!
        out.push({
          file: next.file,
          rows: next.rows.map((at) => ({ at, penalty: p.next().value as string | null })),
          together: j.next().value === true
        })
      }
      // corrections: a few rows re-published later with other figures
      if (corrections && out.length > 0) {
        const again = out[0]!.rows.map((r) => ({ at: r.at, penalty: p.next().value ?? "777" }))
        out.push({ file: out[0]!.file, rows: again, together: false })
      }
      return out
    })
}

const runDeliveries = async (
  pool: Pool,
  deliveries: ReadonlyArray<Delivery>,
  wh: WarehouseShape,
  dir: string,
  reg: Registry = registry
) => {
  // files of one command (deliveries marked `together` with the next one)
  let command: Array<string> = []
  for (const [i, d] of deliveries.entries()) {
    const lines = d.rows.map(({ at, penalty }) => {
      const row = pool.rows[at]!
      if (penalty === null) return row.line
      const cells = splitCsv(row.line)
      cells[row.penalty] = penalty
      return joinCsv(cells)
    })
    const f = join(dir, `in-${i}`, d.file === "npdes" ? "npdes_formal_actions.csv" : "echo_cases.csv")
    await mkdir(join(dir, `in-${i}`), { recursive: true })
    await writeFile(f, `${[pool.header[d.file], ...lines].join("\r\n")}\r\n`)
    command.push(f)
    // an NPDES and an ECHO delivery in one command (at most one file of each)
    const next = deliveries[i + 1]
    if (d.together && command.length === 1 && next !== undefined && next.file !== d.file) continue
    const results = await ingest(
      wh,
      dir,
      command,
      `2026-01-${String((i % 28) + 1).padStart(2, "0")}`,
      true,
      reg
    )
    // the two files of a release are one batch
    expect(results.map((r) => r.keys.length)).toEqual([command.length])
    command = []
  }
}

const silverOf = async (wh: WarehouseShape, ids: ReadonlyArray<string>) => [
  ...(await Effect.runPromise(wh.silverLookup("epa", ids))).values()
]

describe("EPA actions counted once: any interleaving, order and batch split of the two files (property)", () => {
  let pool: Pool
  let all: Array<Violation>
  let ids: Array<string>
  let reference: Record<string, Record<string, unknown>>
  beforeAll(async () => {
    pool = await makePool()
    const d = await scratch("vos-pool-")
    const n = join(d, "n.csv")
    const e = join(d, "e.csv")
    const of = (file: "npdes" | "echo") => pool.rows.filter((r) => r.file === file).map((r) => r.line)
    await writeFile(n, `${[pool.header.npdes, ...of("npdes")].join("\n")}\n`)
    await writeFile(e, `${[pool.header.echo, ...of("echo")].join("\n")}\n`)
    all = await normalized([n, e])
    ids = all.map((r) => r.violation_id)
    reference = Object.fromEntries(KINDS.map((k) => [k, expectedGold(all, k)]))
  })

  /**
   * Property: deliveries of the pool's rows (split, interleaved, with corrections) into a fresh Iceberg
   * warehouse, by the row path or (with `reg`) the vectorized one, leave gold equal to recompute(silver).
   */
  const icebergProperty = (prefix: string, reg: Registry | undefined, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(arbSplit(pool, true), async (deliveries) => {
        const dir = await mkdtemp(join(tmpdir(), prefix))
        try {
          await Effect.runPromise(
            Effect.gen(function* () {
              const wh = yield* Warehouse
              yield* Effect.promise(() => runDeliveries(pool, deliveries, wh, dir, reg))
              const silver = yield* Effect.promise(() => silverOf(wh, ids))
              for (const k of KINDS)
                expect(yield* Effect.promise(() => goldOf(wh, k)), k).toEqual(expectedGold(silver, k))
            }).pipe(Effect.provide(layerLocal(join(dir, "warehouse"))))
          )
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns }
    )

  it("the pool holds shared actions with several permits", () => {
    expect(all.filter((r) => r.source_dataset === "epa_npdes_formal_action").length).toBeGreaterThan(
      SHARED.length
    )
    expect(new Set(all.map(actionKey)).size).toBe(SHARED.length + 2)
  })

  it("in memory: the same gold as ingesting the whole files, equal to recompute(silver)", async () => {
    await fc.assert(
      fc.asyncProperty(arbSplit(pool, false), async (deliveries) => {
        const dir = await mkdtemp(join(tmpdir(), "vos-act-prop-"))
        try {
          const wh = makeMemory()
          await runDeliveries(pool, deliveries, wh, dir)
          for (const k of KINDS) expect(await goldOf(wh, k), k).toEqual(reference[k])
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 20 }
    )
  }, 120_000)

  it("in memory, with corrections (penalties re-published, blanked): gold == recompute(silver)", async () => {
    await fc.assert(
      fc.asyncProperty(arbSplit(pool, true), async (deliveries) => {
        const dir = await mkdtemp(join(tmpdir(), "vos-act-corr-"))
        try {
          const wh = makeMemory()
          await runDeliveries(pool, deliveries, wh, dir)
          const silver = await silverOf(wh, ids)
          for (const k of KINDS) expect(await goldOf(wh, k), k).toEqual(expectedGold(silver, k))
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      }),
      { numRuns: 20 }
    )
  }, 120_000)

  it("on the Iceberg warehouse, with corrections: gold == recompute(silver)", async () => {
    await icebergProperty("vos-act-ice-", undefined, 3)
  }, 180_000)

  it("on the vectorized SQL path (Iceberg), with corrections: gold == recompute(silver)", async () => {
    await icebergProperty("vos-act-sql-", sqlRegistry, 4)
  }, 180_000)
})
