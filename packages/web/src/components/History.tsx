import type { EntityKindName, HistoryPoint, HistoryResponse } from "@ventureos/api-contract"
import { useEffect, useRef, useState } from "preact/hooks"
import { api } from "../lib/api"
import { agencyName, formatCount, formatMoney } from "../lib/format"
import { useResource } from "../lib/resource"
import { ScrollRegion } from "./ScrollRegion"
import { EmptyState, Loaded } from "./States"

/** Agencies in the brand's order first, then any other agency present in the points. */
const agencyOrder = (points: ReadonlyArray<HistoryPoint>, agencies: ReadonlyArray<string>): Array<string> => {
  const present = new Set(points.map((p) => p.agency as string))
  return [
    ...agencies.filter((a) => present.has(a)),
    ...[...present].filter((a) => !agencies.includes(a)).sort()
  ]
}

/** The same numbers as the chart, as a table (the chart's text alternative). */
export const HistoryTable = ({
  points,
  order
}: {
  points: ReadonlyArray<HistoryPoint>
  order: ReadonlyArray<string>
}) => {
  const rows = [...points].sort((a, b) =>
    a.year === b.year
      ? order.indexOf(a.agency) - order.indexOf(b.agency)
      : a.year === null
        ? 1
        : b.year === null
          ? -1
          : a.year - b.year
  )
  return (
    <ScrollRegion label="Violations and penalties per year">
      <table class="data-table" data-testid="history-table">
        <caption>Violations and penalties per year and agency</caption>
        <thead>
          <tr>
            <th scope="col">Year</th>
            <th scope="col">Agency</th>
            <th scope="col">Violations</th>
            <th scope="col">Initial penalties</th>
            <th scope="col">Current penalties</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={`${p.year}-${p.agency}`} data-agency={p.agency} data-year={p.year ?? ""}>
              <th scope="row" data-value={p.year ?? ""}>
                {p.year ?? "Undated"}
              </th>
              <td>{agencyName(p.agency)}</td>
              <td class="num" data-value={p.violation_count}>
                {formatCount(p.violation_count)}
              </td>
              <td class="num" data-value={p.penalty_initial_total}>
                {formatMoney(p.penalty_initial_total)}
              </td>
              <td class="num" data-value={p.penalty_current_total}>
                {formatMoney(p.penalty_current_total)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  )
}

/** uPlot is loaded on demand: it is only needed on entity pages, below the fold. */
const HistoryChart = ({
  points,
  order,
  label
}: {
  points: ReadonlyArray<HistoryPoint>
  order: ReadonlyArray<string>
  label: string
}) => {
  const host = useRef<HTMLDivElement>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    let dispose: (() => void) | undefined
    let cancelled = false
    import("./chart")
      .then((m) => {
        if (!cancelled && host.current !== null) dispose = m.drawHistory(host.current, points, order)
      })
      .catch(() => setFailed(true))
    return () => {
      cancelled = true
      dispose?.()
    }
  }, [points, order.join(",")])
  return failed ? (
    <p class="muted">The chart could not be loaded; the table below has the same numbers.</p>
  ) : (
    <div ref={host} class="chart-host" role="img" aria-label={label} />
  )
}

/** Violations and penalties per year per agency: a chart plus a table of the same numbers. */
export const HistorySection = ({
  kind,
  id,
  agencies,
  name
}: {
  kind: EntityKindName
  id: string
  agencies: ReadonlyArray<string>
  name: string
}) => {
  const [res, retry] = useResource<HistoryResponse>(`history:${kind}:${id}`, (s) => api.history(kind, id, s))
  return (
    <Loaded res={res} retry={retry} what="History" lines={6}>
      {(h) => {
        if (h.points.length === 0)
          return <EmptyState testid="history-empty">No violations to chart yet.</EmptyState>
        const order = agencyOrder(h.points, agencies)
        const years = h.points.flatMap((p) => (p.year === null ? [] : [p.year]))
        const span = years.length === 0 ? "undated" : `${Math.min(...years)}–${Math.max(...years)}`
        const label = `Chart of violations and penalties per year for ${name}, ${span}, by agency (${order
          .map(agencyName)
          .join(", ")}). The same numbers are in the table below the chart.`
        return (
          <>
            <figure class="history-figure" data-testid="history-chart">
              <HistoryChart points={h.points} order={order} label={label} />
              <figcaption class="muted small">
                Violations (top) and current penalties (bottom) per year, {span}, by agency. Undated
                violations are counted in the table only.
              </figcaption>
            </figure>
            <details class="history-details">
              <summary>Show the numbers as a table</summary>
              <HistoryTable points={h.points} order={order} />
            </details>
          </>
        )
      }}
    </Loaded>
  )
}
