import type { ScoreBoardResponse, ScoreResponse } from "@ventureos/api-contract"
import { api } from "../lib/api"
import { agencyName, formatDate, formatMoney } from "../lib/format"
import { agencyRecordLink, entityKeyPath, violationPath } from "../lib/links"
import { useResource } from "../lib/resource"
import { Link } from "../lib/router"
import { ScrollRegion } from "./ScrollRegion"
import { EmptyState, ErrorState, Skeleton } from "./States"

type Part = ScoreResponse["parts"][number]

const STATUS_TEXT: Record<Part["status"], string> = {
  points: "",
  zero: "nothing found",
  not_evaluable: "not evaluable",
  context: "context, no points"
}

/** A record behind a part: the agency's own public record when it has one, else our violation page. */
const RecordLink = ({ id, entityKey }: { id: string; entityKey: string }) => {
  const agency = agencyRecordLink(id)
  return agency !== undefined ? (
    <a href={agency.href} rel="noopener noreferrer" data-violation-id={id}>
      {id}
      <span class="visually-hidden"> ({agency.label}, on the agency's site)</span>
    </a>
  ) : (
    <Link href={violationPath(id, entityKey)} data-violation-id={id}>
      {id}
    </Link>
  )
}

const PartItem = ({ p, entityKey }: { p: Part; entityKey: string }) => (
  <li class={`score-part score-${p.status}`} data-rule={p.rule} data-status={p.status} data-points={p.points}>
    <p class="score-part-head">
      <strong>{p.label}</strong>{" "}
      <span class="score-points">
        {p.status === "points" ? `+${p.points} points` : STATUS_TEXT[p.status]}
      </span>
    </p>
    <p>{p.reason}</p>
    <p class="muted score-citation">Rule: {p.citation}</p>
    {p.ids_total > 0 ? (
      <details>
        <summary>
          The {p.ids_total === 1 ? "record" : `${p.ids_total} records`} behind it
          {p.ids_total > p.violation_ids.length ? ` (first ${p.violation_ids.length})` : ""}
        </summary>
        <ul class="score-records" data-testid="score-records">
          {p.violation_ids.map((id) => (
            <li key={id}>
              <RecordLink id={id} entityKey={entityKey} />
            </li>
          ))}
        </ul>
      </details>
    ) : null}
  </li>
)

/** A company's offender score: total, per agency (no data apart from zero), the reasons, and its sites. */
export const ScoreView = ({ s }: { s: ScoreResponse }) => {
  const shown = s.parts.filter((p) => p.status !== "zero")
  const zero = s.parts.filter((p) => p.status === "zero")
  return (
    <div class="score" data-testid="score" data-total={s.total}>
      <p class="score-headline">
        <span class="score-total" data-testid="score-total" data-value={s.total}>
          {s.total}
        </span>{" "}
        points as of {formatDate(s.as_of)}, from records dated {formatDate(s.window_start)} to{" "}
        {formatDate(s.as_of)} (5 years), each point citing a published agency rule.{" "}
        <Link href="/leaderboard">Score leaderboard</Link>
      </p>
      <ScrollRegion label="Score per agency">
        <table class="data-table" data-testid="score-agencies">
          <caption class="visually-hidden">Score per agency</caption>
          <thead>
            <tr>
              <th scope="col">Agency</th>
              <th scope="col">Points</th>
              <th scope="col">Records in the last 5 years</th>
            </tr>
          </thead>
          <tbody>
            {s.agencies.map((a) => (
              <tr key={a.agency} data-agency={a.agency} data-status={a.status}>
                <th scope="row">{agencyName(a.agency)}</th>
                {a.status === "no_data" ? (
                  <td colSpan={2} class="muted">
                    No data: no {agencyName(a.agency)} records for this company
                  </td>
                ) : (
                  <>
                    <td class="num" data-value={a.points}>
                      {a.points}
                    </td>
                    <td class="num" data-value={a.records_in_window}>
                      {a.records_in_window} of {a.records}
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <h3>Why</h3>
      {shown.length === 0 ? (
        <EmptyState>No rule gives this company points in the last 5 years.</EmptyState>
      ) : (
        <ul class="score-parts" data-testid="score-parts">
          {shown.map((p) => (
            <PartItem key={p.rule} p={p} entityKey={s.entity_key} />
          ))}
        </ul>
      )}
      {zero.length > 0 ? (
        <p class="muted" data-testid="score-zero">
          Also checked, nothing found: {zero.map((p) => p.label).join("; ")}.
        </p>
      ) : null}
      <p class="muted">
        Penalties in the window with both amounts known: {formatMoney(s.penalty_initial_in_window)} first
        proposed, {formatMoney(s.penalty_current_in_window)} current.
      </p>
      {s.facilities.some((f) => f.total > 0) ? (
        <>
          <h3>By facility</h3>
          <ul class="score-facilities" data-testid="score-facilities">
            {s.facilities
              .filter((f) => f.total > 0)
              .slice(0, 5)
              .map((f) => (
                <li key={f.facility_id} data-facility={f.facility_id} data-value={f.total}>
                  {f.label}: {f.total} points
                </li>
              ))}
          </ul>
        </>
      ) : null}
    </div>
  )
}

/** The score section of a company page (its own request: the page shows without it). */
export const ScoreSection = ({ id }: { id: string }) => {
  const [res, retry] = useResource<ScoreResponse>(`score:${id}`, (signal) => api.score(id, signal))
  if (res.state === "loading") return <Skeleton lines={4} label="Loading the offender score…" />
  if (res.state === "error")
    return res.error.failure === "not-found" ? (
      <EmptyState testid="score-empty">No offender score has been computed for this company yet.</EmptyState>
    ) : (
      <ErrorState error={res.error} retry={retry} what="Offender score" />
    )
  return <ScoreView s={res.data} />
}

/** A ranked score leaderboard. */
export const ScoreBoardView = ({ board }: { board: ScoreBoardResponse }) =>
  board.entries.length === 0 ? (
    <EmptyState>No company scores above zero here.</EmptyState>
  ) : (
    <ScrollRegion label="Score leaderboard">
      <table class="data-table" data-testid="score-board">
        <caption class="visually-hidden">Companies by offender score</caption>
        <thead>
          <tr>
            <th scope="col">Rank</th>
            <th scope="col">Company</th>
            <th scope="col">Score</th>
            <th scope="col">OSHA</th>
            <th scope="col">EPA</th>
            <th scope="col">FAA</th>
          </tr>
        </thead>
        <tbody>
          {board.entries.map((e) => {
            const href = entityKeyPath(e.entity_key)
            const cell = (v: number | null) =>
              v === null ? (
                <td class="num muted" data-value="">
                  no data
                </td>
              ) : (
                <td class="num" data-value={v}>
                  {v}
                </td>
              )
            return (
              <tr
                key={e.entity_key}
                data-testid="score-row"
                data-entity-key={e.entity_key}
                data-rank={e.rank}
              >
                <td class="num">{e.rank}</td>
                <th scope="row">{href === undefined ? e.name : <Link href={href}>{e.name}</Link>}</th>
                <td class="num" data-value={e.total}>
                  <strong>{e.total}</strong>
                </td>
                {cell(e.osha)}
                {cell(e.epa)}
                {cell(e.faa)}
              </tr>
            )
          })}
        </tbody>
      </table>
    </ScrollRegion>
  )
