import type { AgencyFeed, FeedEntry } from "@ventureos/api-contract"
import { useState } from "preact/hooks"
import { agencyName, plural } from "../lib/format"
import { EmptyState } from "./States"
import { ViolationCard } from "./ViolationCard"

const PAGE = 20

/** Newest first; ties broken by id so the order is stable. */
export const newestFirst = (a: FeedEntry, b: FeedEntry): number =>
  a.date < b.date ? 1 : a.date > b.date ? -1 : a.violation_id < b.violation_id ? 1 : -1

/** A list of violation cards with a "Show more" button past the first page. */
export const CardList = ({
  items,
  entityKeyOf,
  showCompany,
  level = 3
}: {
  items: ReadonlyArray<FeedEntry>
  entityKeyOf: (e: FeedEntry) => string
  showCompany: boolean
  level?: 3 | 4
}) => {
  const [shown, setShown] = useState(PAGE)
  return (
    <>
      <ul class="cards">
        {items.slice(0, shown).map((e) => (
          <li key={e.violation_id}>
            <ViolationCard entry={e} entityKey={entityKeyOf(e)} showCompany={showCompany} level={level} />
          </li>
        ))}
      </ul>
      {items.length > shown ? (
        <button type="button" class="button button-quiet" onClick={() => setShown((n) => n + PAGE)}>
          Show more ({plural(items.length - shown, "more violation")})
        </button>
      ) : null}
    </>
  )
}

/**
 * An entity's recent violations (the API groups them by agency), merged newest first, with a filter per
 * agency: the brand's agencies in its order, then any other agency that has records here.
 */
export const EntityFeed = ({
  feed,
  agencies,
  entityKey,
  showCompany
}: {
  feed: ReadonlyArray<AgencyFeed>
  agencies: ReadonlyArray<string>
  entityKey: string
  showCompany: boolean
}) => {
  const [filter, setFilter] = useState<string>("all")
  const withRecords = feed.filter((f) => f.items.length > 0).map((f) => f.agency as string)
  const options = [...agencies, ...withRecords.filter((a) => !agencies.includes(a))]
  const all = feed.flatMap((f) => f.items).sort(newestFirst)
  const items = filter === "all" ? all : all.filter((e) => e.agency === filter)
  return (
    <div class="entity-feed">
      {options.length > 1 ? (
        <fieldset class="filter">
          <legend class="visually-hidden">Show violations from</legend>
          {["all", ...options].map((a) => (
            <button
              key={a}
              type="button"
              class="chip"
              aria-pressed={filter === a}
              data-testid="feed-filter"
              data-agency={a}
              onClick={() => setFilter(a)}
            >
              {a === "all" ? "All agencies" : agencyName(a)}
            </button>
          ))}
        </fieldset>
      ) : null}
      <p class="muted small" aria-live="polite">
        {filter === "all"
          ? `${plural(items.length, "recent violation")}, newest first`
          : `${plural(items.length, `recent ${agencyName(filter)} violation`)}, newest first`}
      </p>
      {items.length === 0 ? (
        <EmptyState testid="feed-empty">
          {filter === "all" ? "No recent violations on record." : `No ${agencyName(filter)} records.`}
        </EmptyState>
      ) : (
        <CardList key={filter} items={items} entityKeyOf={() => entityKey} showCompany={showCompany} />
      )}
    </div>
  )
}
