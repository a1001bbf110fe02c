// Implementation of bench/serving/bench.ts (lives here so that package imports resolve). Not a test.
import { parseArgs } from "node:util"
import { type EntityStats, type Violation, ViolationTypes } from "@ventureos/core"
import { Effect, type Layer } from "effect"
import { layerEmbedded } from "../src/Embedded"
import { ServingStore } from "../src/ServingStore"
import { LOCAL_CREDENTIALS, layer } from "../src/ServingStoreDynamo"
import { violation } from "./fixtures"
import { startDynamoDbLocal } from "./servers"

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "all" },
    entities: { type: "string", default: "100000" },
    days: { type: "string", default: "10" },
    perDay: { type: "string", default: "5000" }
  }
})
const ENTITIES = Number(args.entities)
const DAYS = Number(args.days)
const PER_DAY = Number(args.perDay)

const zeroCounts = Object.fromEntries(ViolationTypes.map((t) => [t, 0]))
const statsFor = (i: number, bump: number): EntityStats =>
  ({
    entity_key: `COMPANY#company-${i}`,
    agency: "all",
    violation_count: 1 + (i % 50) + bump,
    counts_by_type: { ...zeroCounts, serious: 1 + (i % 50) + bump },
    penalty_initial_total: `${(i % 997) * 100 + bump}.00`,
    penalty_current_total: `${(i % 997) * 90}.50`,
    open_count: i % 7,
    closed_count: 1 + (i % 50) + bump - Math.min(i % 7, 1 + (i % 50)),
    first_event_date: "2015-01-01",
    last_event_date: "2025-06-30",
    source_snapshot: null,
    updated_at: "2026-01-01T00:00:00.000Z"
  }) as unknown as EntityStats

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9

/** Deterministic pseudo-random numbers (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const CITIES: ReadonlyArray<readonly [string, string]> = Array.from({ length: 200 }, (_, i) => [
  `CITY ${String.fromCharCode(65 + (i % 26))}${Math.floor(i / 26)}`,
  [
    "TX",
    "CA",
    "FL",
    "NY",
    "OH",
    "PA",
    "IL",
    "GA",
    "NC",
    "MI",
    "WA",
    "AZ",
    "CO",
    "TN",
    "IN",
    "MO",
    "MD",
    "WI",
    "MN",
    "AL"
  ][i % 20]!
])

/** 0 -> "A", 27 -> "AB": distinct names whose slugs stay distinct (digits would be peeled as store numbers). */
const letters = (n: number): string => {
  let out = ""
  do {
    out = String.fromCharCode(65 + (n % 26)) + out
    n = Math.floor(n / 26)
  } while (n > 0)
  return `Q${out}`
}

/** A day of OSHA-like violations: inspections with 1-6 citations, skewed companies, 10% late arrivals. */
const dailyBatch = (day: number, next: () => number): Array<Violation> => {
  const out: Array<Violation> = []
  const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10)
  let n = 0
  while (out.length < PER_DAY) {
    const company = Math.floor(3_000 * next() ** 2) // skewed: a few companies get many inspections
    const place = CITIES[company % CITIES.length]!
    const late = next() < 0.1
    const d = late
      ? new Date(Date.UTC(2024, 0, 1 + Math.floor(next() * 300))).toISOString().slice(0, 10)
      : date
    const citations = 1 + Math.floor(next() * 6)
    const inspection = `${day}-${n++}`
    for (let c = 0; c < citations && out.length < PER_DAY; c++)
      out.push(
        violation({
          id: `${inspection}-${c}`,
          date: d,
          company: `${letters(company)} BUILDERS`,
          city: place[0],
          state: place[1]
        })
      )
  }
  return out
}

const run = (name: string, store: Layer.Layer<ServingStore, unknown>) =>
  Effect.gen(function* () {
    const s = yield* ServingStore
    yield* s.setup
    console.log(`\n## ${name}`)
    // ---- gold sync ----
    const all = Array.from({ length: ENTITIES }, (_, i) => statsFor(i, 0))
    const CHUNK = 5_000
    const sync = (batch: ReadonlyArray<EntityStats>, snap: string) =>
      Effect.gen(function* () {
        let written = 0
        for (let i = 0; i < batch.length; i += CHUNK)
          written += (yield* s.syncStats(batch.slice(i, i + CHUNK), snap)).written
        return written
      })
    let t0 = process.hrtime.bigint()
    const w1 = yield* sync(all, "1")
    const s1 = seconds(t0)
    t0 = process.hrtime.bigint()
    const w2 = yield* sync(all, "2")
    const s2 = seconds(t0)
    const tenPct = all.map((x, i) => (i % 10 === 0 ? statsFor(i, 1) : x))
    t0 = process.hrtime.bigint()
    const w3 = yield* sync(tenPct, "3")
    const s3 = seconds(t0)
    console.log(
      `syncStats ${ENTITIES} entities, first write: ${w1} written in ${s1.toFixed(1)} s = ${Math.round(ENTITIES / s1)} items/s`
    )
    console.log(
      `syncStats unchanged re-sync: ${w2} written in ${s2.toFixed(1)} s = ${Math.round(ENTITIES / s2)} items/s`
    )
    console.log(
      `syncStats 10% changed: ${w3} written in ${s3.toFixed(1)} s = ${Math.round(ENTITIES / s3)} items/s`
    )
    // ---- feed ----
    const next = rng(42)
    let violations = 0
    let writes = 0
    let puts = 0
    let deletes = 0
    t0 = process.hrtime.bigint()
    for (let day = 0; day < DAYS; day++) {
      const batch = dailyBatch(day, next)
      const r = yield* s.applyFeed(batch)
      violations += batch.length
      writes += r.writes
      puts += r.puts
      deletes += r.deletes
      if (day === 0 || day === DAYS - 1)
        console.log(
          `  day ${day + 1}: ${batch.length} violations, ${r.groups} feeds, ${r.puts} puts + ${r.deletes} deletes = ${(r.writes / batch.length).toFixed(2)} writes/violation (${r.skippedOld} placements skipped as too old)`
        )
    }
    const fs = seconds(t0)
    console.log(
      `feed, ${DAYS} daily batches of ${PER_DAY}: ${puts} puts + ${deletes} deletes = ${(writes / violations).toFixed(2)} writes/violation (company+city+state, trims included), ${Math.round(violations / fs)} violations/s`
    )
    const replay = yield* s.applyFeed(dailyBatch(DAYS - 1, rng(7)).slice(0, 1))
    void replay
    // Worst case: one violation per call, each newer than everything stored (steady state: put + trim x3).
    const single = Array.from({ length: 200 }, (_, i) =>
      violation({
        id: `w${i}`,
        date: `2026-0${1 + Math.floor(i / 28)}-${String(1 + (i % 28)).padStart(2, "0")}`
      })
    )
    let sw = 0
    for (const v of single.slice(0, 20)) yield* s.applyFeed([v])
    for (const v of single.slice(20)) sw += (yield* s.applyFeed([v])).writes
    console.log(
      `feed worst case (one newest violation per call, steady state): ${(sw / 180).toFixed(2)} writes/violation`
    )
  }).pipe(Effect.provide(store))

/** The benchmark program (entry point: bench/serving/bench.ts). */
export const main = Effect.gen(function* () {
  console.log(
    `# serving bench: ${ENTITIES} entities, ${DAYS} days x ${PER_DAY} violations, node ${process.version}`
  )
  if (args.target === "all" || args.target === "dynalite")
    yield* run(
      "dynalite (embedded, in-process, in memory)",
      layerEmbedded({ inMemory: true, tablePrefix: "bench" })
    )
  if (args.target === "all" || args.target === "ddblocal") {
    const local = yield* Effect.acquireRelease(
      Effect.promise(() => startDynamoDbLocal()),
      (l) => Effect.promise(() => l.close())
    )
    yield* run(
      "DynamoDB Local (Java 17, -inMemory)",
      layer({
        endpoint: local.endpoint,
        region: "us-east-1",
        credentials: LOCAL_CREDENTIALS,
        tablePrefix: "bench"
      })
    )
  }
}).pipe(Effect.scoped)

/** Run the benchmark (arguments from process.argv). */
export const runBench = (): Promise<void> => Effect.runPromise(main)
