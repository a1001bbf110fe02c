import type { ViolationResponse } from "@ventureos/api-contract"
import { ErrorState, Skeleton } from "../components/States"
import { SummaryBlock } from "../components/ViolationCard"
import { api } from "../lib/api"
import {
  agencyLongName,
  agencyName,
  formatDate,
  formatMoney,
  formatTimestamp,
  violationTypeName
} from "../lib/format"
import { isEntityKey, isViolationId } from "../lib/ids"
import { agencyRecordLink, entityPath } from "../lib/links"
import { useResource } from "../lib/resource"
import { Link, useLocation } from "../lib/router"
import { NotFoundPage } from "./NotFound"
import { useTitle } from "./title"

const View = ({ r, entity }: { r: ViolationResponse; entity: string }) => {
  const v = r.violation
  const record = agencyRecordLink(v.violation_id)
  const title = `${violationTypeName(v.violation_type)} violation — ${v.company_name}`
  useTitle(title)
  const description = r.description ?? v.description
  return (
    <article
      class="violation-page"
      data-testid="violation"
      data-violation-id={v.violation_id}
      data-agency={v.agency}
    >
      <p class="kicker">
        {agencyName(v.agency)} · <time dateTime={v.date}>{formatDate(v.date)}</time>
      </p>
      <h1>{title}</h1>
      <section class="panel" aria-labelledby="what-heading">
        <h2 id="what-heading">What was recorded</h2>
        <div class="description">
          <span class="description-label">Description as published</span>
          {description !== null && description !== "" ? (
            <p data-testid="description">{description}</p>
          ) : (
            <p class="muted" data-testid="description-missing">
              The agency published no description.
            </p>
          )}
        </div>
        <SummaryBlock id={v.violation_id} existing={r.summary?.text ?? v.summary} entityKey={entity} />
        {r.summary !== null ? (
          <p class="muted small">
            Summary written by {r.summary.model} on {formatTimestamp(r.summary.generated_at)} from the record
            above; the agency's record is authoritative.
          </p>
        ) : null}
      </section>
      <section class="panel" aria-labelledby="facts-heading">
        <h2 id="facts-heading">Facts</h2>
        <dl class="facts">
          <div>
            <dt>Company</dt>
            <dd>
              <Link href={entityPath("company", v.company_slug)}>{v.company_name}</Link>
            </dd>
          </div>
          <div>
            <dt>Place</dt>
            <dd>
              {v.city_slug !== null ? (
                <Link href={entityPath("city", v.city_slug)}>{v.city}</Link>
              ) : (
                (v.city ?? "Not published")
              )}
              {v.state !== null ? (
                <>
                  {", "}
                  <Link href={entityPath("state", v.state)}>{v.state}</Link>
                </>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Agency</dt>
            <dd>{agencyLongName(v.agency)}</dd>
          </div>
          <div>
            <dt>Date</dt>
            <dd data-value={v.date}>{formatDate(v.date)}</dd>
          </div>
          <div>
            <dt>Type</dt>
            <dd>
              {violationTypeName(v.violation_type)}
              {v.violation_type_code !== null ? ` (agency code ${v.violation_type_code})` : ""}
            </dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{v.status === "open" ? "Open" : "Closed"}</dd>
          </div>
          <div>
            <dt>Initial penalty</dt>
            <dd data-testid="penalty-initial" data-value={v.penalty_initial ?? ""}>
              {formatMoney(v.penalty_initial)}
            </dd>
          </div>
          <div>
            <dt>Current penalty</dt>
            <dd data-testid="penalty-current" data-value={v.penalty_current ?? ""}>
              {formatMoney(v.penalty_current)}
            </dd>
          </div>
          <div>
            <dt>Record id</dt>
            <dd>
              <code>{v.violation_id}</code>
            </dd>
          </div>
        </dl>
        {record !== undefined ? (
          <p>
            <a
              href={record.href}
              data-testid="agency-link"
              rel="noopener noreferrer external"
              target="_blank"
            >
              {record.label} on the agency's website
              <span class="visually-hidden"> (opens in a new tab)</span>
              <span aria-hidden="true"> ↗</span>
            </a>
          </p>
        ) : (
          <p class="muted small">{agencyName(v.agency)} publishes no page per record.</p>
        )}
      </section>
    </article>
  )
}

/** `/violations/:id` (optionally `?entity=<entity key>` of the page it was opened from). */
export const ViolationPage = ({ id }: { id: string }) => {
  const loc = useLocation()
  const hint = loc.query.get("entity")
  const entity = hint !== null && isEntityKey(hint) ? hint : undefined
  const valid = isViolationId(id)
  const [res, retry] = useResource<ViolationResponse>(valid ? `violation:${id}` : null, (s) =>
    api.violation(id, entity, s)
  )
  if (!valid) return <NotFoundPage what="that violation" />
  if (res.state === "loading")
    return (
      <div aria-busy="true">
        <h1 class="skeleton-title">Loading…</h1>
        <Skeleton lines={8} />
      </div>
    )
  if (res.state === "error") {
    if (res.error.failure === "not-found" || res.error.failure === "invalid")
      return <NotFoundPage what="that violation" />
    return (
      <div>
        <h1>Violation unavailable</h1>
        <ErrorState error={res.error} retry={retry} />
      </div>
    )
  }
  return <View r={res.data} entity={entity ?? `COMPANY#${res.data.violation.company_slug}`} />
}
