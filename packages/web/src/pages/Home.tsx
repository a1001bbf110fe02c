import type { RecentResponse, TopResponse } from "@ventureos/api-contract"
import { useRef } from "preact/hooks"
import { CardList } from "../components/Feed"
import { SearchForm } from "../components/SearchForm"
import { StateMap } from "../components/StateMap"
import { EmptyState, Loaded } from "../components/States"
import { TopListView } from "../components/TopList"
import { api } from "../lib/api"
import { useBrand } from "../lib/context"
import { agencyName } from "../lib/format"
import { useResource } from "../lib/resource"
import { Link, setQuery, useLocation } from "../lib/router"
import { useTitle } from "./title"

const scopeName = (agency: string) => (agency === "all" ? "all agencies" : agencyName(agency))

const TopSection = ({ by, agency, big }: { by: "count" | "penalties"; agency: string; big: boolean }) => {
  const [res, retry] = useResource<TopResponse>(`top:national:${by}:${agency}`, (s) =>
    api.top({ scope: "national", by, agency }, s)
  )
  const id = `top-${by}-heading`
  return (
    <section
      class={`panel top-list${big ? " big" : ""}`}
      data-testid="top-list"
      data-by={by}
      aria-labelledby={id}
      aria-busy={res.state === "loading"}
    >
      <h2 id={id}>
        Top 10 companies by {by === "count" ? "violations" : "penalties"}
        <span class="heading-note"> · {scopeName(agency)}</span>
      </h2>
      <Loaded res={res} retry={retry} what="Top 10" lines={10}>
        {(list) => (
          <TopListView
            list={list}
            by={by}
            empty={agency === "all" ? "No companies ranked yet." : `No ${agencyName(agency)} records.`}
          />
        )}
      </Loaded>
    </section>
  )
}

const RecentSection = ({ agency, limit, big }: { agency: string; limit: number; big: boolean }) => {
  const [res, retry] = useResource<RecentResponse>(`recent:${agency}:${limit}`, (s) =>
    api.recent({ agency, limit }, s)
  )
  return (
    <section
      class={`panel recent${big ? " big" : ""}`}
      data-testid="recent-feed"
      aria-labelledby="recent-heading"
      aria-busy={res.state === "loading"}
    >
      <h2 id="recent-heading">
        Most recent violations<span class="heading-note"> · {scopeName(agency)}</span>
      </h2>
      <Loaded res={res} retry={retry} what="Recent violations" lines={6}>
        {(r) =>
          r.items.length === 0 ? (
            <EmptyState>
              {agency === "all" ? "No recent violations." : `No ${agencyName(agency)} records.`}
            </EmptyState>
          ) : (
            <CardList items={r.items} entityKeyOf={(e) => `COMPANY#${e.company_slug}`} showCompany={true} />
          )
        }
      </Loaded>
    </section>
  )
}

/** Tabs per agency (brand order) plus "All": arrows move between them, the panel follows at once. */
const AgencyTabs = ({ tabs, selected }: { tabs: ReadonlyArray<string>; selected: string }) => {
  const list = useRef<HTMLDivElement>(null)
  const select = (a: string, focus: boolean) => {
    setQuery({ agency: a === tabs[0] ? null : a })
    if (focus) list.current?.querySelector<HTMLElement>(`[data-agency="${a}"]`)?.focus()
  }
  return (
    <div
      ref={list}
      role="tablist"
      aria-label="Agency"
      class="tabs"
      onKeyDown={(e) => {
        const i = tabs.indexOf(selected)
        const to =
          e.key === "ArrowRight"
            ? tabs[(i + 1) % tabs.length]
            : e.key === "ArrowLeft"
              ? tabs[(i - 1 + tabs.length) % tabs.length]
              : e.key === "Home"
                ? tabs[0]
                : e.key === "End"
                  ? tabs[tabs.length - 1]
                  : undefined
        if (to !== undefined) {
          e.preventDefault()
          select(to, true)
        }
      }}
    >
      {tabs.map((a) => (
        <button
          key={a}
          type="button"
          role="tab"
          id={`tab-${a}`}
          data-agency={a}
          aria-selected={a === selected}
          aria-controls="agency-panel"
          tabIndex={a === selected ? 0 : -1}
          class="tab"
          onClick={() => select(a, false)}
        >
          {a === "all" ? "All" : agencyName(a)}
        </button>
      ))}
    </div>
  )
}

/**
 * Home: national Top-10 lists and the most recent violations for the selected agency. The brand's
 * `layout` arranges them: dashboard (side by side), feed (recent first, big), leaderboard (lists first,
 * big) or map (a state tile map first).
 */
export const HomePage = () => {
  const brand = useBrand()
  const loc = useLocation()
  useTitle(null)
  const tabs = [...brand.agencies, "all"]
  const asked = loc.query.get("agency")
  const agency = asked !== null && tabs.includes(asked) ? asked : tabs[0]!
  const layout = brand.layout
  const tops = (big: boolean) => (
    <div class="top-pair">
      <TopSection by="count" agency={agency} big={big} />
      <TopSection by="penalties" agency={agency} big={big} />
    </div>
  )
  const recent = (big: boolean, limit: number) => <RecentSection agency={agency} limit={limit} big={big} />
  return (
    <div class={`home layout-${layout}`}>
      <div class="hero">
        <h1>{brand.name}</h1>
        <p class="lead">
          Who are the repeat offenders? Violations and penalties from{" "}
          {brand.agencies
            .map(agencyName)
            .join(", ")
            .replace(/, ([^,]*)$/, " and $1")}{" "}
          enforcement records, by company, city and state.{" "}
          <Link href="/leaderboard">Offender score leaderboard</Link>
        </p>
        <SearchForm id="home-search" label="Find a company, city or state" />
      </div>
      <AgencyTabs tabs={tabs} selected={agency} />
      <div role="tabpanel" id="agency-panel" aria-labelledby={`tab-${agency}`} class="agency-panel">
        {layout === "feed" ? (
          <>
            {recent(true, 20)}
            {tops(false)}
          </>
        ) : layout === "leaderboard" ? (
          <>
            {tops(true)}
            {recent(false, 6)}
          </>
        ) : layout === "map" ? (
          <>
            <StateMap agency={agency} />
            <div class="dashboard-grid">
              {tops(false)}
              {recent(false, 10)}
            </div>
          </>
        ) : (
          <div class="dashboard-grid">
            {tops(false)}
            {recent(false, 10)}
          </div>
        )}
      </div>
    </div>
  )
}
