import type { ScoreBoardResponse } from "@ventureos/api-contract"
import { ScoreBoardView } from "../components/Score"
import { EmptyState, Loaded } from "../components/States"
import { api } from "../lib/api"
import { formatDate, stateCodes, stateName } from "../lib/format"
import { useResource } from "../lib/resource"
import { setQuery, useLocation } from "../lib/router"
import { useTitle } from "./title"

/** `/leaderboard?scope=national|state:XX`: companies ranked by offender score. */
export const LeaderboardPage = () => {
  const loc = useLocation()
  const raw = loc.query.get("scope") ?? "national"
  const scope = /^state:[a-zA-Z]{2}$/.test(raw) ? `state:${raw.slice(6).toUpperCase()}` : "national"
  const where = scope === "national" ? "nationally" : `in ${stateName(scope.slice(6)) ?? scope.slice(6)}`
  useTitle(`Offender score leaderboard ${where}`)
  const [res, retry] = useResource<ScoreBoardResponse>(`scoreboard:${scope}`, (s) => api.scoreBoard(scope, s))
  return (
    <div class="leaderboard-page">
      <h1>Offender score leaderboard {where}</h1>
      <p>
        Companies ranked by points from published agency criteria (OSHA willful, repeat and failure-to-abate
        items and the Severe Violator criteria; EPA formal actions and penalties; FAA sanctions), over the
        last 5 years. Open a company to see every point and the records behind it.
      </p>
      <form
        class="scope-form"
        onSubmit={(e) => {
          e.preventDefault()
          const v = (e.currentTarget.elements.namedItem("scope") as HTMLSelectElement).value
          setQuery({ scope: v === "national" ? null : v })
        }}
      >
        <label for="scope-select">Where</label>{" "}
        <select id="scope-select" name="scope" value={scope}>
          <option value="national">Nationwide</option>
          {stateCodes.map((c) => (
            <option key={c} value={`state:${c}`}>
              {stateName(c)}
            </option>
          ))}
        </select>{" "}
        <button type="submit" class="button">
          Show
        </button>
      </form>
      <Loaded res={res} retry={retry} what="Leaderboard" lines={6}>
        {(board) => (
          <>
            <p class="muted">As of {formatDate(board.as_of)}.</p>
            <ScoreBoardView board={board} />
          </>
        )}
      </Loaded>
      {res.state === "error" && res.error.failure === "not-found" ? (
        <EmptyState>No company has a score {where} yet.</EmptyState>
      ) : null}
    </div>
  )
}
