import type { FeedEntry } from "@ventureos/api-contract"
import { brandParam, useBrand } from "../lib/context"
import { agencyName, formatDate, formatMoney, placeLabel, violationTypeName } from "../lib/format"
import { agencyRecordLink, entityPath, violationPath } from "../lib/links"
import { Link } from "../lib/router"
import { useLazySummary } from "../lib/summaries"

export interface CardProps {
  readonly entry: FeedEntry
  /** Entity key under which the violation is shown (sent with summary requests). */
  readonly entityKey: string
  /** Show the company name (off on the company's own page). */
  readonly showCompany?: boolean
  /** Heading level of the card title, to keep headings in order under the section heading. */
  readonly level?: 3 | 4
}

/** The summary part of a card: the AI summary when present, else the state of its request. */
export const SummaryBlock = ({
  id,
  existing,
  entityKey
}: {
  id: string
  existing: string | null
  entityKey: string
}) => {
  const brand = useBrand()
  const [ref, s] = useLazySummary<HTMLDivElement>(id, existing, entityKey, brandParam(brand))
  return (
    <div ref={ref} class="summary-block">
      {s.status === "ready" ? (
        <div class="summary">
          <span class="summary-label">Plain-language summary</span>
          <p data-testid="summary">{s.text}</p>
        </div>
      ) : s.status === "generating" ? (
        <p class="summary-status" data-testid="summary-status" role="status">
          Generating summary…
        </p>
      ) : s.status === "unavailable" ? (
        <p class="summary-status" data-testid="summary-status" role="status">
          Summary not available yet
        </p>
      ) : null}
    </div>
  )
}

/** One violation: date, agency, type, status, penalties, place, the raw description, summary and links. */
export const ViolationCard = ({ entry: v, entityKey, showCompany = true, level = 3 }: CardProps) => {
  const record = agencyRecordLink(v.violation_id)
  const place = placeLabel(v.city, v.state)
  const Title = level === 3 ? "h3" : "h4"
  const penaltyChanged = v.penalty_initial !== v.penalty_current && v.penalty_current !== null
  // the agency published no current penalty (OSHA's blank current_penalty): unknown, not the initial amount
  const currentUnknown = v.penalty_current === null && v.penalty_initial !== null
  return (
    <article
      class="card violation-card"
      data-testid="violation-card"
      data-violation-id={v.violation_id}
      data-agency={v.agency}
    >
      <header class="card-head">
        <span class={`badge badge-agency`} data-agency={v.agency}>
          {agencyName(v.agency)}
        </span>
        <span class={`badge badge-status status-${v.status}`}>{v.status === "open" ? "Open" : "Closed"}</span>
        <time class="card-date" dateTime={v.date}>
          {formatDate(v.date)}
        </time>
      </header>
      <Title class="card-title">
        <Link href={violationPath(v.violation_id, entityKey)}>
          {violationTypeName(v.violation_type)}
          {v.violation_type_code !== null ? <span class="code"> ({v.violation_type_code})</span> : null}
          <span class="visually-hidden">
            {" "}
            — {v.company_name}, {formatDate(v.date)}
          </span>
        </Link>
      </Title>
      <dl class="card-facts">
        {showCompany ? (
          <div>
            <dt>Company</dt>
            <dd>
              <Link href={entityPath("company", v.company_slug)}>{v.company_name}</Link>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Place</dt>
          <dd>
            {place === null ? (
              "Not published"
            ) : (
              <>
                {v.city_slug !== null ? <Link href={entityPath("city", v.city_slug)}>{v.city}</Link> : v.city}
                {v.city !== null && v.state !== null ? ", " : null}
                {v.state !== null ? <Link href={entityPath("state", v.state)}>{v.state}</Link> : null}
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>
            {penaltyChanged
              ? "Penalty (initial → current)"
              : currentUnknown
                ? "Penalty (initial)"
                : "Penalty"}
          </dt>
          <dd data-testid="card-penalty" data-value={v.penalty_current ?? ""}>
            {penaltyChanged
              ? `${formatMoney(v.penalty_initial)} → ${formatMoney(v.penalty_current)}`
              : formatMoney(v.penalty_current ?? v.penalty_initial)}
            {currentUnknown ? <span class="total-note">current penalty unknown</span> : null}
          </dd>
        </div>
      </dl>
      <div class="description">
        <span class="description-label">Description as published</span>
        {v.description !== null && v.description !== "" ? (
          <p data-testid="description">{v.description}</p>
        ) : (
          <p class="muted" data-testid="description-missing">
            The agency published no description.
          </p>
        )}
        {v.details_trimmed ? (
          <p class="muted small">This record was shortened to fit; the agency's record has it in full.</p>
        ) : null}
      </div>
      <SummaryBlock id={v.violation_id} existing={v.summary} entityKey={entityKey} />
      {record !== undefined ? (
        <footer class="card-links">
          <a href={record.href} data-testid="agency-link" rel="noopener noreferrer external" target="_blank">
            {record.label}
            <span class="visually-hidden"> (agency website, opens in a new tab)</span>
            <span aria-hidden="true"> ↗</span>
          </a>
        </footer>
      ) : null}
    </article>
  )
}
