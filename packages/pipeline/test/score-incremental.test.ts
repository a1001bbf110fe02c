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
import { companiesAtEdges, companySlugKey, mergeScoreBoard, scoreBoardsOf, syncScores } from "../src/Score"
import { Warehouse, type WarehouseShape } from "../src/Warehouse"
import { layerLocal } from "../src/WarehouseIceberg"
import { arbIsoDate, makeRecord } from "./records"

/**
 * A daily sync scores only the companies its batch touched and updates the stored leaderboards in place
 * (`syncScores` with keys). The property: after any sequence of batches, the serving store it leaves holds
 * the same scores and leaderboards as a full recomputation (`syncScores("all")`, what `serving rebuild` runs)
 * into an empty store from the same lake, also when the syncs' as-of dates move on between batches (only the
 * companies with records at the window's edges are rescored then).
 */

const AS_OF = "2026-11-30"
const pick = <A>(xs: ReadonlyArray<A>) => fc.constantFrom(...xs)

// some after the first as-of dates: they enter the window when a later sync's date passes them
const date = arbIsoDate("2019-01-01", "2027-12-31")

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

/**
 * Stored scores without their write time and as-of date: a score no record's date made change keeps the date
 * it was computed on (what a rewrite may change without changing the score).
 */
const bare = (a: OffenderScore) => ({ ...a, updated_at: "", as_of: "", window_start: "" })

/**
 * The as-of date of each sync, never going back: the same day, the next, or a jump of months or years, so
 * records leave the window and the recency tiers (and future-dated ones enter) between syncs.
 */
const AS_OFS = ["2026-11-30", "2026-12-01", "2027-06-15", "2028-02-29", "2029-01-01", "2031-03-01"]
const asOfs = fc
  .array(fc.integer({ min: 0, max: AS_OFS.length - 1 }), { minLength: 4, maxLength: 4 })
  .map((xs) => [...xs].sort((a, b) => a - b).map((i) => AS_OFS[i]!))

/** Every stored score and leaderboard of these companies and scopes (no board = an empty one). */
const snapshot = (
  serving: ServingStoreShape,
  companies: ReadonlyArray<string>,
  scopes: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const scores: Record<string, ReturnType<typeof bare> | null> = {}
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
      fc.asyncProperty(batches, fc.integer({ min: 1, max: 3 }), asOfs, async (sequence, limit, dates) => {
        const rt = ManagedRuntime.make(layerLocal(join(dir, `w${n++}`)))
        try {
          const wh: WarehouseShape = await rt.runPromise(Warehouse)
          const silver = new Map<string, Violation>()
          const serving = makeServing()
          const withServing = <A, E>(
            s: ServingStoreShape,
            e: Effect.Effect<A, E, Warehouse | ServingStore>
          ) => rt.runPromise(Effect.provide(e, Layer.succeed(ServingStore, s)))
          const sync = (
            companies: ReadonlyArray<string> | "all",
            s: ServingStoreShape,
            now: string,
            asOf: string
          ) => withServing(s, syncScores(companies, { now, asOf, limit }))
          for (const [i, batch] of sequence.entries()) {
            // silver, and the gold deltas (their state keys tell the sync which boards exist)
            const touched = new Set<string>()
            const groups = new Set<string>()
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
                // a record's old and new company, and every company of the action groups it left or joined
                // (a group is merged under one of its members' companies)
                for (const r of [old, v])
                  if (r !== null) {
                    touched.add(companySlugKey.ts(r))
                    if (r.action_id !== null) groups.add(`${r.agency}|${r.action_id}`)
                  }
                silver.set(v.violation_id, v)
              }
            }
            for (const r of silver.values())
              if (r.action_id !== null && groups.has(`${r.agency}|${r.action_id}`))
                touched.add(companySlugKey.ts(r))
            for (const k of ["company", "city", "state"] as const)
              await rt.runPromise(wh.goldAppend(k, { id: `b${i}-gold`, batchId: `b${i}` }, deltas[k]))
            // the first batch is the history a rebuild scores; each later one a daily sync
            const now = `2026-11-30T0${i}:00:00.000Z`
            await sync(i === 0 ? "all" : [...touched], serving, now, dates[i]!)
          }
          const fresh = makeServing()
          await sync("all", fresh, "2026-11-30T09:00:00.000Z", dates[sequence.length - 1]!)
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

describe("companiesAtEdges", () => {
  it("finds exactly the companies with a live record where the window or a recency tier moved, both ways", async () => {
    const rt = ManagedRuntime.make(layerLocal(join(dir, `edges${n++}`)))
    try {
      const wh: WarehouseShape = await rt.runPromise(Warehouse)
      const rec = (
        id: string,
        company: string,
        date: string,
        more: { agency?: "osha" | "epa"; status?: "open" | "deleted"; action?: string } = {}
      ) => {
        const r = makeRecord({
          agency: more.agency ?? "osha",
          id,
          company,
          city: null,
          state: "TX",
          date,
          type: "serious",
          status: more.status ?? "open",
          initialCents: null,
          currentCents: null
        })
        const v = { ...r, action_id: more.action ?? null }
        return { ...v, content_hash: contentHash(v) } as Violation
      }
      // as of 2026-11-30 -> 2026-12-01: the window is (2021-11-30, 2026-11-30] -> (2021-12-01, 2026-12-01]
      const records = [
        rec("1", "Entering Firm", "2026-12-01"),
        rec("2", "Leaves One Year", "2025-12-01"),
        rec("3", "Leaves Three Years", "2023-12-01"),
        rec("4", "Leaves Window", "2021-12-01"),
        rec("5", "Inside", "2024-06-01"),
        rec("6", "On The Old Edge", "2025-11-30"),
        rec("7", "Later Still", "2026-12-02"),
        rec("8", "Deleted Firm", "2026-12-01", { status: "deleted" }),
        rec("9", "Group First", "2021-12-01", { agency: "epa", action: "A1" }),
        rec("10", "Group Second", "2024-01-01", { agency: "epa", action: "A1" }),
        rec("11", "Other Group", "2024-01-01", { agency: "epa", action: "A2" })
      ]
      for (const agency of ["osha", "epa"]) {
        const changes = records
          .filter((v) => v.agency === agency)
          .map((record) => ({ record, replaces: false }))
        await rt.runPromise(
          wh.silverCommit(
            agency,
            { id: `edges-${agency}`, batchId: "edges" },
            await rt.runPromise(wh.silverHead(agency)),
            (async function* () {
              yield changes
            })()
          )
        )
      }
      const expected = [
        "COMPANY#entering-firm",
        "COMPANY#group-first",
        "COMPANY#group-second",
        "COMPANY#leaves-one-year",
        "COMPANY#leaves-three-years",
        "COMPANY#leaves-window"
      ]
      const edges = async (from: string, to: string) =>
        [...((await rt.runPromise(companiesAtEdges(companySlugKey, from, to))) ?? [])].sort()
      expect(await edges("2026-11-30", "2026-12-01")).toEqual(expected)
      expect(await edges("2026-12-01", "2026-11-30")).toEqual(expected)
      expect(await edges("2026-11-30", "2026-11-30")).toEqual([])
    } finally {
      await rt.dispose()
    }
  }, 60_000)
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
