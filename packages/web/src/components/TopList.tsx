import type { TopResponse } from "@ventureos/api-contract"
import { formatMoney, plural } from "../lib/format"
import { entityKeyPath } from "../lib/links"
import { Link } from "../lib/router"
import { EmptyState } from "./States"

/** A ranked Top-N list of companies (national, state or city), by violation count or by penalties. */
export const TopListView = ({
  list,
  by,
  empty
}: {
  list: TopResponse | null
  by: "count" | "penalties"
  empty: string
}) => {
  const entries = list?.entries ?? []
  if (entries.length === 0) return <EmptyState>{empty}</EmptyState>
  return (
    <ol class="top-list-rows">
      {entries.map((e) => {
        const href = entityKeyPath(e.entity_key)
        return (
          <li key={e.entity_key} data-testid="top-row" data-entity-key={e.entity_key} data-rank={e.rank}>
            <span class="rank" aria-hidden="true">
              {e.rank}
            </span>
            <span class="top-name">{href === undefined ? e.name : <Link href={href}>{e.name}</Link>}</span>
            <span class={`top-figure${by === "count" ? " lead" : ""}`} data-value={e.violation_count}>
              {plural(e.violation_count, "violation")}
            </span>
            <span
              class={`top-figure${by === "penalties" ? " lead" : ""}`}
              data-value={e.penalty_current_total}
            >
              {formatMoney(e.penalty_current_total)}
              <span class="visually-hidden"> in penalties</span>
            </span>
          </li>
        )
      })}
    </ol>
  )
}
