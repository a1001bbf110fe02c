import type { CompanyResponse, PlaceResponse, Profile } from "@ventureos/api-contract"
import {
  agencyName,
  formatCount,
  formatDate,
  formatMoney,
  penaltyUnknownNote,
  plural,
  violationTypeName
} from "../lib/format"
import { ScrollRegion } from "./ScrollRegion"
import { EmptyState } from "./States"
import { TopListView } from "./TopList"

type EntityStats = CompanyResponse["stats_by_agency"][number]

/** Headline totals over every agency; each figure carries the API's raw value in `data-value`. */
export const Totals = ({ stats, profile }: { stats: EntityStats; profile: Profile | null }) => {
  const first = stats.first_event_date ?? profile?.first_seen ?? null
  const last = stats.last_event_date ?? profile?.last_seen ?? null
  const item = (
    label: string,
    testid: string,
    value: string,
    shown: string,
    note?: { readonly text: string; readonly testid: string; readonly value: string }
  ) => (
    <div class="total">
      <dt>{label}</dt>
      <dd data-testid={testid} data-value={value}>
        {shown}
        {note !== undefined ? (
          <span class="total-note" data-testid={note.testid} data-count={note.value}>
            {note.text}
          </span>
        ) : null}
      </dd>
    </div>
  )
  const unknown = penaltyUnknownNote(stats.penalty_current_unknown_count)
  return (
    <dl class="totals">
      {item(
        "Violations",
        "total-violations",
        String(stats.violation_count),
        formatCount(stats.violation_count)
      )}
      {item("Open", "total-open", String(stats.open_count), formatCount(stats.open_count))}
      {item("Closed", "total-closed", String(stats.closed_count), formatCount(stats.closed_count))}
      {item(
        "Initial penalties",
        "total-penalty-initial",
        stats.penalty_initial_total,
        formatMoney(stats.penalty_initial_total)
      )}
      {item(
        "Current penalties",
        "total-penalty-current",
        stats.penalty_current_total,
        formatMoney(stats.penalty_current_total),
        unknown === undefined
          ? undefined
          : {
              text: unknown,
              testid: "penalty-current-unknown",
              value: String(stats.penalty_current_unknown_count)
            }
      )}
      {item("First seen", "first-seen", first ?? "", formatDate(first))}
      {item("Last seen", "last-seen", last ?? "", formatDate(last))}
    </dl>
  )
}

/** Violation counts by type, non-zero types only. */
export const ByType = ({ stats }: { stats: EntityStats }) => {
  const types = Object.entries(stats.counts_by_type as Record<string, number>)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
  if (types.length === 0) return <EmptyState>No violation types recorded.</EmptyState>
  return (
    <ul class="by-type" data-testid="by-type">
      {types.map(([t, n]) => (
        <li key={t} data-type={t} data-value={n}>
          <span class="by-type-name">{violationTypeName(t)}</span>{" "}
          <span class="by-type-count">{formatCount(n)}</span>
        </li>
      ))}
    </ul>
  )
}

/**
 * Totals per agency: a row for each agency the brand shows (in its order), then any other agency with
 * records. An agency without records says so instead of showing zeros.
 */
export const AgencyBreakdown = ({
  stats,
  agencies
}: {
  stats: ReadonlyArray<EntityStats>
  agencies: ReadonlyArray<string>
}) => {
  const byAgency = new Map(stats.filter((s) => s.agency !== "all").map((s) => [s.agency as string, s]))
  const rows = [...agencies, ...[...byAgency.keys()].filter((a) => !agencies.includes(a))]
  return (
    <ScrollRegion label="Totals per agency">
      <table class="data-table" data-testid="agency-breakdown">
        <caption class="visually-hidden">Totals per agency</caption>
        <thead>
          <tr>
            <th scope="col">Agency</th>
            <th scope="col">Violations</th>
            <th scope="col">Open</th>
            <th scope="col">Closed</th>
            <th scope="col">Initial penalties</th>
            <th scope="col">Current penalties</th>
            <th scope="col">First and last seen</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => {
            const s = byAgency.get(a)
            if (s === undefined)
              return (
                <tr key={a} data-agency={a} data-empty="true">
                  <th scope="row">{agencyName(a)}</th>
                  <td colSpan={6} class="muted">
                    No {agencyName(a)} records
                  </td>
                </tr>
              )
            return (
              <tr key={a} data-agency={a}>
                <th scope="row">{agencyName(a)}</th>
                <td data-value={s.violation_count} class="num">
                  {formatCount(s.violation_count)}
                </td>
                <td data-value={s.open_count} class="num">
                  {formatCount(s.open_count)}
                </td>
                <td data-value={s.closed_count} class="num">
                  {formatCount(s.closed_count)}
                </td>
                <td data-value={s.penalty_initial_total} class="num">
                  {formatMoney(s.penalty_initial_total)}
                </td>
                <td data-value={s.penalty_current_total} class="num">
                  {formatMoney(s.penalty_current_total)}
                  {s.penalty_current_unknown_count > 0 ? (
                    <span class="total-note" data-count={s.penalty_current_unknown_count}>
                      unknown for {plural(s.penalty_current_unknown_count, "violation")}
                    </span>
                  ) : null}
                </td>
                <td class="span-dates">
                  <span data-value={s.first_event_date ?? ""}>{formatDate(s.first_event_date)}</span>
                  {" – "}
                  <span data-value={s.last_event_date ?? ""}>{formatDate(s.last_event_date)}</span>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </ScrollRegion>
  )
}

/** The spellings merged into one company, so a reader can see what was grouped. */
export const NameVariants = ({ variants }: { variants: ReadonlyArray<string> }) => (
  <div data-testid="name-variants" class="name-variants">
    <p class="muted small">
      {variants.length <= 1
        ? "Recorded under one name."
        : `${plural(variants.length, "spelling")} in the agencies' records, grouped here as one company:`}
    </p>
    <ul>
      {variants.map((v) => (
        <li key={v}>{v}</li>
      ))}
    </ul>
  </div>
)

/** A city's or state's Top-10 companies, by violations and by penalties. */
export const TopCompanies = ({ top, place }: { top: PlaceResponse["top_companies"]; place: string }) => (
  <div class="top-companies" data-testid="top-companies">
    <section class="top-list" data-testid="top-list" data-by="count" aria-labelledby="top-by-count">
      <h3 id="top-by-count">By number of violations</h3>
      <TopListView list={top.by_count} by="count" empty={`No companies with violations in ${place}.`} />
    </section>
    <section class="top-list" data-testid="top-list" data-by="penalties" aria-labelledby="top-by-penalties">
      <h3 id="top-by-penalties">By penalties</h3>
      <TopListView list={top.by_penalties} by="penalties" empty={`No penalties recorded in ${place}.`} />
    </section>
  </div>
)
