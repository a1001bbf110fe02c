import { OffenderScore, ScoreBoard, ScoreScope } from "@ventureos/core"
import { Effect, Option, Schema } from "effect"
import { decodeAll, fingerprint, lastByKey } from "./Inputs"
import { checkEntityKey } from "./Keys"
import type { WriteReport } from "./Model"
import { ServingStoreError } from "./ServingStoreError"

/*
 * Offender scores in the serving store (issue 13, item 6): one item per company and one per leaderboard.
 *
 * Entities:   PK=<company key>          SK=ASSESSMENT        the company's score with its breakdown
 *             PK=SCOREBOARD#<scope>     SK=TOP               national / state:<ST> leaderboard
 *
 * `ASSESSMENT` sorts before `METADATA`, so `getEntity` (`SK >= METADATA`) never reads the score's ids.
 */
export const SCORE_SK = "ASSESSMENT"
export const SCORE_BOARD_SK = "TOP"
export const scoreBoardPk = (scope: string): string => `SCOREBOARD#${scope}`

/** The score and leaderboard methods of the serving store. */
export interface ScoreItemsShape {
  /**
   * Store company scores (absolute values; equal ones, ignoring `updated_at`, are not rewritten, and a stored
   * score with a later `updated_at` stays).
   */
  readonly putScores: (scores: ReadonlyArray<OffenderScore>) => Effect.Effect<WriteReport, ServingStoreError>
  /** A company's stored score. */
  readonly getScore: (entityKey: string) => Effect.Effect<Option.Option<OffenderScore>, ServingStoreError>
  /** Store score leaderboards (same rules as scores). */
  readonly putScoreBoards: (
    boards: ReadonlyArray<ScoreBoard>
  ) => Effect.Effect<WriteReport, ServingStoreError>
  /** A stored leaderboard: `national` or `state:<ST>`. */
  readonly getScoreBoard: (scope: string) => Effect.Effect<Option.Option<ScoreBoard>, ServingStoreError>
}

const decodeScore = Schema.decodeUnknownSync(OffenderScore)
const decodeBoard = Schema.decodeUnknownSync(ScoreBoard)

/** Decoded scores, company keys only, last per key. */
export const validateScores = (scores: ReadonlyArray<OffenderScore>) =>
  Effect.gen(function* () {
    const ss = yield* decodeAll(decodeScore, "putScores", "score", scores)
    for (const s of ss) {
      const k = checkEntityKey("putScores", s.entity_key)
      if (k instanceof ServingStoreError) return yield* k
      if (k.kind !== "COMPANY")
        return yield* new ServingStoreError({
          reason: "InvalidInput",
          operation: "putScores",
          detail: `scores are per company: ${s.entity_key}`
        })
    }
    return lastByKey(ss, (s) => s.entity_key)
  })

export const validateScoreBoards = (boards: ReadonlyArray<ScoreBoard>) =>
  Effect.map(decodeAll(decodeBoard, "putScoreBoards", "score board", boards), (bs) =>
    lastByKey(bs, (b) => b.scope)
  )

/** A company key, failing with `InvalidKey`. */
export const requireCompanyKey = (operation: string, key: string) => {
  const k = checkEntityKey(operation, key)
  return k instanceof ServingStoreError
    ? Effect.fail(k)
    : k.kind !== "COMPANY"
      ? Effect.fail(
          new ServingStoreError({
            reason: "InvalidKey",
            operation,
            detail: `scores are per company: ${JSON.stringify(key.slice(0, 200))}`
          })
        )
      : Effect.succeed(key)
}

/** A leaderboard scope, failing with `InvalidKey`. */
export const requireScoreScope = (operation: string, scope: string) =>
  Schema.is(ScoreScope)(scope)
    ? Effect.succeed(scope)
    : Effect.fail(
        new ServingStoreError({
          reason: "InvalidKey",
          operation,
          detail: `invalid score scope: ${JSON.stringify(String(scope).slice(0, 200))} (national or state:<ST>)`
        })
      )

export const scoreFingerprint = (s: OffenderScore): string => fingerprint(s, ["updated_at"])
export const scoreBoardFingerprint = (b: ScoreBoard): string => fingerprint(b, ["updated_at"])

const newer = (stored: string, incoming: string) => Date.parse(stored) > Date.parse(incoming)

/** The in-memory implementation (the memory layer spreads it into the store). */
export const makeScoreMemory = (): ScoreItemsShape => {
  const scores = new Map<string, OffenderScore>()
  const boards = new Map<string, ScoreBoard>()
  const put = <A extends { readonly updated_at: string }>(
    store: Map<string, A>,
    items: ReadonlyArray<A>,
    received: number,
    key: (a: A) => string,
    fp: (a: A) => string
  ): WriteReport => {
    let written = 0
    let stale = 0
    for (const i of items) {
      const old = store.get(key(i))
      if (old !== undefined && newer(old.updated_at, i.updated_at)) stale++
      else if (old === undefined || fp(old) !== fp(i)) {
        store.set(key(i), i)
        written++
      }
    }
    return { received, written, unchanged: items.length - written - stale, stale }
  }
  return {
    putScores: (input) =>
      Effect.map(validateScores(input), (ss) =>
        put(scores, ss, input.length, (s) => s.entity_key, scoreFingerprint)
      ),
    getScore: (entityKey) =>
      Effect.map(requireCompanyKey("getScore", entityKey), (k) => Option.fromUndefinedOr(scores.get(k))),
    putScoreBoards: (input) =>
      Effect.map(validateScoreBoards(input), (bs) =>
        put(boards, bs, input.length, (b) => b.scope, scoreBoardFingerprint)
      ),
    getScoreBoard: (scope) =>
      Effect.map(requireScoreScope("getScoreBoard", scope), (s) => Option.fromUndefinedOr(boards.get(s)))
  }
}
