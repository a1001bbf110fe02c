import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { OffenderScore, ScoreBoard, Violation } from "@ventureos/core"
import { contentHash } from "@ventureos/normalizers"
import { makeMemory as makeServing, ServingStore, type ServingStoreShape } from "@ventureos/serving"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deltasFor, type EntityKind, type GoldDelta } from "../src/Gold"
import { companySlugKey, mergeScoreBoard, scoreBoardsOf, syncScores } from "../src/Score"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { makeRecord } from "./records"

/**
 * A daily sync scores only the companies its batch touched and updates the stored leaderboards in place
 * (`syncScores` with keys). The property: after any sequence of batches, the serving store it leaves holds
 * the same scores and leaderboards as a full recomputation (`syncScores("all")`, what `serving rebuild` runs)
 * into an empty store from the same lake.
 */

const AS_OF = "2026-11-30"
const pick = <A>(xs: ReadonlyArray<A>) => fc.constantFrom(...xs)

const date = fc.option(
  fc
    .date({
      min: new Date("2019-01-01T00:00:00Z"),
      max: new Date("2026-11-30T00:00:00Z"),
      noInvalidDate: true
    })
    .map((d) => d.toISOString().slice(0, 10)),
  { nil: null }
)

/** Few ids, companies and states, so batches update, move and delete each other's records. */
const violation = fc
  .record({
    n: fc.integer({ min: 0, max: 25 }),
    agency: pick(["osha", "epa", "faa"] as const),
    source_dataset: pick(["osha_violation", "epa_echo_case", "epa_npdes_formal_action"]),
    action_id: fc.option(pick(["A1", "A2"]), { nil: null, freq: 3 }),
    company: pick(["ACME", "Beta Co", "O'BRIEN", "Delta", "Echo Inc"]),
    state: pick(["CA", "TX", "NY", null]),
    address: pick(["1 MAIN ST", null]),
    date,
    type: pick(["willful", "repeat", "serious", "other", "civil_penalty", "judicial"] as const),
    status: pick(["open", "closed", "closed", "deleted"] as const),
    initialCents: pick([null, 100_000, 25_000_000]),
    currentCents: pick([null, 50_000, 15_000_000]),
    violation_details: fc.record({
      activity_nr: pick(["1", "2"]),
      fta_insp_nr: pick(["", "99"]),
      gravity: pick(["10", "5"]),
      npdes_id: pick(["FL0001", ""]),
      "sanction.normalized": pick(["REVOCATION", "DAYS", "DOLLARS"])
    })
  })
  .map(({ n, source_dataset, action_id, address, violation_details, ...f }) => {
    const r = makeRecord({ ...f, id: String(n), city: null })
    const base = { ...r, source_dataset, action_id, address, violation_details }
    return { ...base, content_hash: contentHash(base) } as Violation
  })

const batches = fc.array(
  fc.uniqueArray(violation, { minLength: 1, maxLength: 10, selector: (v) => v.violation_id }),
  {
    minLength: 1,
    maxLength: 4
  }
)

let dir: string
let n = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vos-score-incremental-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Stored items without their write time (what a rewrite may change without changing the item). */
const bare = <A extends { readonly updated_at: string }>(a: A) => ({ ...a, updated_at: "" })

/** Every stored score and leaderboard of these companies and scopes (no board = an empty one). */
const snapshot = (
  serving: ServingStoreShape,
  companies: ReadonlyArray<string>,
  scopes: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const scores: Record<string, OffenderScore | null> = {}
    for (const k of companies) scores[k] = Option.getOrNull(Option.map(yield* serving.getScore(k), bare))
    const boards: Record<string, ReadonlyArray<unknown>> = {}
    for (const s of scopes)
      boards[s] = Option.match(yield* serving.getScoreBoard(s), {
        onNone: () => [],
        onSome: (b) => b.entries
      })
    return { scores, boards }
  })

describe("incremental offender scores == a full recomputation (property)", () => {
  it("gives the same scores and leaderboards after random batch sequences", async () => {
    await fc.assert(
      fc.asyncProperty(batches, fc.integer({ min: 1, max: 3 }), async (sequence, limit) => {
        const rt = ManagedRuntime.make(layerLocal(join(dir, `w${n++}`)))
        try {
          const wh: WarehouseShape = await rt.runPromise(Warehouse)
          const silver = new Map<string, Violation>()
          const serving = makeServing()
          const withServing = <A, E>(
            s: ServingStoreShape,
            e: Effect.Effect<A, E, Warehouse | ServingStore>
          ) => rt.runPromise(Effect.provide(e, Layer.succeed(ServingStore, s)))
          const sync = (companies: ReadonlyArray<string> | "all", s: ServingStoreShape, now: string) =>
            withServing(s, syncScores(companies, { now, asOf: AS_OF, limit }))
          for (const [i, batch] of sequence.entries()) {
            // silver, and the gold deltas (their state keys tell the sync which boards exist)
            const touched = new Set<string>()
            const deltas: Record<EntityKind, Array<GoldDelta>> = { company: [], city: [], state: [] }
            for (const agency of ["osha", "epa", "faa"]) {
              const records = batch.filter((v) => v.agency === agency)
              if (records.length === 0) continue
              const changes = records.map((v) => ({ record: v, replaces: silver.has(v.violation_id) }))
              const head = await rt.runPromise(wh.silverHead(agency))
              await rt.runPromise(
                wh.silverCommit(
                  agency,
                  { id: `b${i}-${agency}`, batchId: `b${i}` },
                  head,
                  (async function* () {
                    yield changes
                  })()
                )
              )
              for (const v of records) {
                const old = silver.get(v.violation_id) ?? null
                const ds = deltasFor(old, v)
                for (const k of ["company", "city", "state"] as const) deltas[k].push(...ds[k])
                // a record's old and new company, and every company of its action group (merged under one)
                for (const r of [old, v]) if (r !== null) touched.add(companySlugKey.ts(r))
                silver.set(v.violation_id, v)
              }
            }
            for (const v of batch)
              if (v.action_id !== null)
                for (const r of silver.values())
                  if (r.agency === v.agency && r.action_id === v.action_id) touched.add(companySlugKey.ts(r))
            for (const k of ["company", "city", "state"] as const)
              await rt.runPromise(wh.goldAppend(k, { id: `b${i}-gold`, batchId: `b${i}` }, deltas[k]))
            // the first batch is the history a rebuild scores; each later one a daily sync
            const now = `2026-11-30T0${i}:00:00.000Z`
            await sync(i === 0 ? "all" : [...touched], serving, now)
          }
          const fresh = makeServing()
          await sync("all", fresh, "2026-11-30T09:00:00.000Z")
          const companies = [...new Set([...silver.values()].map((v) => companySlugKey.ts(v)))].sort()
          const scopes = ["national", "state:CA", "state:TX", "state:NY"]
          const full = await rt.runPromise(snapshot(fresh, companies, scopes))
          const incremental = await rt.runPromise(snapshot(serving, companies, scopes))
          // a company with no live records left keeps its last stored score (a rebuild writes none for it)
          for (const k of companies)
            if (full.scores[k] === null) {
              delete full.scores[k]
              delete incremental.scores[k]
            }
          expect(incremental).toEqual(full)
        } finally {
          await rt.dispose()
        }
      }),
      { numRuns: 12, endOnFailure: true }
    )
  }, 240_000)
})

describe("mergeScoreBoard", () => {
  const score = (key: string, total: number, states: ReadonlyArray<string>) =>
    ({
      entity_key: `COMPANY#${key}`,
      name: key,
      total,
      states,
      agencies: [{ agency: "osha", status: "scored", points: total }]
    }) as unknown as OffenderScore
  const scoresArb = fc.dictionary(
    pick(["a", "b", "c", "d", "e", "f"]),
    fc.record({ total: fc.integer({ min: 0, max: 6 }), states: fc.subarray(["CA", "TX"]) })
  )
  const opts = { asOf: AS_OF, updatedAt: "2026-11-30T00:00:00.000Z" }
  const boardsOf = (ss: Record<string, { total: number; states: ReadonlyArray<string> }>, limit: number) =>
    new Map(
      scoreBoardsOf(
        Object.entries(ss).map(([k, s]) => score(k, s.total, s.states)),
        { limit, ...opts }
      ).map((b) => [b.scope, b] as const)
    )

  it("is the full ranking's board whenever it decides, and decides whenever the stored board was not full", () => {
    fc.assert(
      fc.property(scoresArb, scoresArb, fc.integer({ min: 1, max: 4 }), (before, changed, limit) => {
        const after = { ...before, ...changed }
        const old = boardsOf(before, limit)
        const full = boardsOf(after, limit)
        const touched = new Set(Object.keys(changed).map((k) => `COMPANY#${k}`))
        const news = Object.entries(changed).map(([k, s]) => score(k, s.total, s.states))
        for (const scope of ["national", "state:CA", "state:TX"]) {
          const stored = old.get(scope)
          const merged: ScoreBoard | undefined = mergeScoreBoard(stored, scope, touched, news, {
            limit,
            ...opts
          })
          if ((stored?.entries.length ?? 0) < limit) expect(merged).toBeDefined()
          if (merged !== undefined) expect(merged.entries).toEqual(full.get(scope)?.entries ?? [])
        }
      }),
      { numRuns: 500 }
    )
  })
})
