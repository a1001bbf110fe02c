import { OffenderScore, ScoreBoard, ScoreScope, UsState } from "@ventureos/core"
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { InvalidRequestError, NotFoundError, UnavailableError } from "./Errors"
import type { Checked } from "./Ids"

/*
 * The explainable offender score (issue 13, item 6): a company's points per rule, each citing the published
 * agency criterion, with the violations behind each part; and the score leaderboards. Rules: docs/score.md.
 */

/** `GET /api/score/company/:id`: the company's score as stored by the pipeline, plus its id. */
export const ScoreResponse = Schema.Struct({ id: Schema.String, ...OffenderScore.fields })
export type ScoreResponse = typeof ScoreResponse.Type

/** `GET /api/leaderboard/score`: companies ranked by score, national or in a state. */
export const ScoreBoardResponse = ScoreBoard
export type ScoreBoardResponse = typeof ScoreBoardResponse.Type

/** `scope` of the leaderboard: national (default) or state:<ST> (state:tx accepted). */
export const scoreScopeQuery = (scope: string | undefined): Checked<string> => {
  let s = scope ?? "national"
  if (/^state:[a-zA-Z]{2}$/.test(s)) s = `state:${s.slice(6).toUpperCase()}`
  if (!Schema.is(ScoreScope)(s) || (s.startsWith("state:") && !Schema.is(UsState)(s.slice(6))))
    return new InvalidRequestError({
      field: "scope",
      value: s.length > 200 ? `${s.slice(0, 200)}…` : s,
      reason: "expected national or state:<ST> with a USPS state code, e.g. state:CA"
    })
  return s
}

const id = (description: string) => Schema.String.annotate({ description })

/** `GET /api/score/company/:id`, `GET /api/leaderboard/score`. */
export class ScoreGroup extends HttpApiGroup.make("score")
  .add(
    HttpApiEndpoint.get("company", "/api/score/company/:id", {
      params: { id: id("company slug, e.g. tesla or walmart") },
      success: ScoreResponse,
      error: [InvalidRequestError, NotFoundError, UnavailableError]
    }).annotateMerge(
      OpenApi.annotations({
        summary:
          "A company's offender score: points per rule (each citing its published agency criterion), per agency ('no_data' apart from zero) and per facility, with the violation ids behind each part"
      })
    ),
    HttpApiEndpoint.get("leaderboard", "/api/leaderboard/score", {
      query: { scope: Schema.optional(id("national (default) or state:TX")) },
      success: ScoreBoardResponse,
      error: [InvalidRequestError, NotFoundError, UnavailableError]
    }).annotateMerge(
      OpenApi.annotations({ summary: "Companies ranked by offender score, national or in a state" })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "Offender score" })) {}
