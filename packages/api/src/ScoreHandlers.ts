import {
  Api,
  type Checked,
  companyEntityKey,
  InvalidRequestError,
  NotFoundError,
  scoreScopeQuery
} from "@ventureos/api-contract"
import { ServingStore } from "@ventureos/serving"
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { storeFailure } from "./summary/Trigger"

const check = <A>(c: Checked<A>): Effect.Effect<A, InvalidRequestError> =>
  c instanceof InvalidRequestError ? Effect.fail(c) : Effect.succeed(c)

/** `score` group: a company's stored offender score and the score leaderboards. */
export const ScoreHandlers = /* @__PURE__ */ HttpApiBuilder.group(Api, "score", (h) =>
  h
    .handle("company", ({ params }) =>
      Effect.gen(function* () {
        const key = yield* check(companyEntityKey(params.id))
        const store = yield* ServingStore
        const score = yield* store.getScore(key)
        if (Option.isNone(score))
          return yield* new NotFoundError({
            resource: "company",
            id: params.id,
            hint: "no offender score is stored for this company (scores are written by the serving sync and `serving rebuild`)"
          })
        return { id: params.id, ...score.value }
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
    .handle("leaderboard", ({ query }) =>
      Effect.gen(function* () {
        const scope = yield* check(scoreScopeQuery(query.scope))
        const store = yield* ServingStore
        const board = yield* store.getScoreBoard(scope)
        if (Option.isNone(board))
          return yield* new NotFoundError({ resource: "top-list", id: `score/${scope}` })
        return board.value
      }).pipe(Effect.catchTag("ServingStoreError", storeFailure))
    )
)
