import { assert, describe, it } from "@effect/vitest"
import type { OffenderScore, ScoreBoard } from "@ventureos/core"
import { Effect, Exit, type Layer, Option } from "effect"
import { ServingStore, type ServingStoreShape } from "../../src/ServingStore"
import type { ServingStoreError } from "../../src/ServingStoreError"

/** Builds a fresh store for one test (own tables). */
export type MakeLayer = (options: { readonly tablePrefix: string }) => Layer.Layer<ServingStore, unknown>

let counter = 0
const prefix = () => `s${process.pid}x${Date.now().toString(36)}x${counter++}`

const T1 = "2026-11-30T10:00:00.000Z"
const T0 = "2026-11-29T10:00:00.000Z"

/** A score as the pipeline writes it (shape only: the points are the pipeline's business). */
export const sampleScore = (key = "COMPANY#acme-widgets", total = 15, at = T1): OffenderScore =>
  ({
    entity_key: key,
    name: "ACME WIDGETS",
    version: "1",
    as_of: "2019-12-31",
    window_start: "2014-12-31",
    total,
    agencies: [
      { agency: "osha", status: "scored", points: total, records: 3, records_in_window: 3 },
      { agency: "epa", status: "no_data", points: 0, records: 0, records_in_window: 0 },
      { agency: "faa", status: "no_data", points: 0, records: 0, records_in_window: 0 }
    ],
    parts: [
      {
        rule: "osha.repeat",
        agency: "osha",
        label: "Repeat violations",
        citation: "OSHA Field Operations Manual",
        status: "points",
        points: total,
        count: 3,
        reason: "3 repeat items in the last 5 years × 5 points",
        violation_ids: ["osha:osha_violation:1-01001", "osha:osha_violation:1-01002"],
        ids_total: 3
      }
    ],
    states: ["CA"],
    penalty_initial_in_window: "100.00",
    penalty_current_in_window: "50.00",
    last_event_date: "2017-03-29",
    facilities: [
      {
        facility_id: "osha:site:90001:1 MAIN ST",
        label: "OSHA establishment 1 MAIN ST 90001",
        total,
        agencies: [],
        parts: [{ rule: "osha.repeat", points: total, count: 3 }]
      }
    ],
    facilities_total: 1,
    updated_at: at
  }) as unknown as OffenderScore

const board = (scope: string, at = T1): ScoreBoard =>
  ({
    scope,
    as_of: "2019-12-31",
    version: "1",
    entries: [
      {
        rank: 1,
        entity_key: "COMPANY#acme-widgets",
        name: "ACME WIDGETS",
        total: 15,
        osha: 15,
        epa: null,
        faa: null
      }
    ],
    updated_at: at
  }) as unknown as ScoreBoard

const failure = <A>(exit: Exit.Exit<A, ServingStoreError>) =>
  Exit.isFailure(exit) ? String(exit.cause) : "succeeded"

/** The score items' contract, run against every layer. */
export const scoreSuite = (name: string, make: MakeLayer) =>
  describe(`score items (${name})`, () => {
    const run = <A>(f: (s: ServingStoreShape) => Effect.Effect<A, ServingStoreError>) =>
      Effect.flatMap(ServingStore, f).pipe(Effect.provide(make({ tablePrefix: prefix() })))

    it.effect("stores a company's score; equal ones are not rewritten, older ones are stale", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.setup
          assert.isTrue(Option.isNone(yield* s.getScore("COMPANY#acme-widgets")))
          const w1 = yield* s.putScores([sampleScore()])
          assert.deepStrictEqual([w1.written, w1.unchanged], [1, 0])
          assert.deepStrictEqual(Option.getOrThrow(yield* s.getScore("COMPANY#acme-widgets")), sampleScore())
          const again = yield* s.putScores([
            sampleScore("COMPANY#acme-widgets", 15, "2026-11-30T11:00:00.000Z")
          ])
          assert.deepStrictEqual([again.written, again.unchanged], [0, 1])
          const old = yield* s.putScores([sampleScore("COMPANY#acme-widgets", 99, T0)])
          assert.strictEqual(old.stale, 1)
          assert.strictEqual(Option.getOrThrow(yield* s.getScore("COMPANY#acme-widgets")).total, 15)
          // the entity view never carries the score item
          yield* s.putProfiles([])
          assert.isTrue(Option.isNone(yield* s.getEntity("COMPANY#acme-widgets")))
        })
      )
    )

    it.effect("stores leaderboards by scope; rejects bad keys and scopes with InvalidKey", () =>
      run((s) =>
        Effect.gen(function* () {
          yield* s.setup
          const w = yield* s.putScoreBoards([board("national"), board("state:CA")])
          assert.strictEqual(w.written, 2)
          assert.deepStrictEqual(Option.getOrThrow(yield* s.getScoreBoard("state:CA")), board("state:CA"))
          assert.isTrue(Option.isNone(yield* s.getScoreBoard("state:TX")))
          const bads: ReadonlyArray<Effect.Effect<unknown, ServingStoreError>> = [
            s.getScoreBoard("state:ca"),
            s.getScoreBoard("city:austin-tx"),
            s.getScore("CITY#austin-tx"),
            s.getScore("COMPANY#bad#key")
          ]
          for (const bad of bads) {
            const exit = yield* Effect.exit(bad)
            assert.include(failure(exit), "InvalidKey")
          }
          const exit = yield* Effect.exit(s.putScores([sampleScore("STATE#tx")]))
          assert.include(failure(exit), "InvalidInput")
        })
      )
    )
  })
