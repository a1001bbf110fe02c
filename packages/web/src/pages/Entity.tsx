import type { CompanyResponse, EntityKindName, PlaceResponse } from "@ventureos/api-contract"
import type { ComponentChildren } from "preact"
import { useEffect } from "preact/hooks"
import { AgencyBreakdown, ByType, NameVariants, TopCompanies, Totals } from "../components/EntityParts"
import { EntityFeed } from "../components/Feed"
import { HistorySection } from "../components/History"
import { ScoreSection } from "../components/Score"
import { EmptyState, ErrorState, Skeleton } from "../components/States"
import { api } from "../lib/api"
import { useBrand } from "../lib/context"
import { agencyName, formatDate, plural, stateName } from "../lib/format"
import { isEntityId } from "../lib/ids"
import { entityPath } from "../lib/links"
import { prefetch, useResource } from "../lib/resource"
import { Link, navigate } from "../lib/router"
import { NotFoundPage } from "./NotFound"
import { useTitle } from "./title"

type EntityResponse = CompanyResponse | PlaceResponse

const load = (kind: EntityKindName, id: string, signal: AbortSignal): Promise<EntityResponse> =>
  kind === "company"
    ? api.company(id, signal)
    : kind === "city"
      ? api.city(id, signal)
      : api.state(id, signal)

const KIND_LABEL: Record<EntityKindName, string> = { company: "Company", city: "City", state: "State" }

/** The page heading: a state's name in words, otherwise the name as published. */
const titleOf = (e: EntityResponse): string => {
  if (e.kind === "state") {
    const code = (e.profile?.state ?? e.id).toUpperCase()
    return `${stateName(code) ?? code} (${code})`
  }
  return e.profile?.display_name ?? e.id
}

/** Where a company or city is, with links to the place pages. */
const Whereabouts = ({ e }: { e: EntityResponse }) => {
  const p = e.profile
  if (p === null) return null
  const bits = []
  if (e.kind === "company" && p.city !== null && p.state !== null) {
    // the city's slug as the pipeline made it, taken from a violation recorded there
    const citySlug = e.feed
      .flatMap((f) => f.items)
      .find((i) => i.city === p.city && i.state === p.state && i.city_slug !== null)?.city_slug
    bits.push(
      <span key="place">
        {citySlug == null ? p.city : <Link href={entityPath("city", citySlug)}>{p.city}</Link>},{" "}
        <Link href={entityPath("state", p.state)}>{p.state}</Link>
      </span>
    )
  } else if (e.kind === "city" && p.state !== null) {
    bits.push(
      <span key="state">
        in <Link href={entityPath("state", p.state)}>{stateName(p.state) ?? p.state}</Link>
      </span>
    )
  }
  if (p.industry !== null) bits.push(<span key="industry">{p.industry}</span>)
  if (p.naics !== null) bits.push(<span key="naics">NAICS {p.naics}</span>)
  return bits.length === 0 ? null : (
    <p class="whereabouts">{bits.map((b, i) => (i === 0 ? b : [" · ", b]))}</p>
  )
}

const Section = ({
  id,
  title,
  children,
  testid
}: {
  id: string
  title: string
  children: ComponentChildren
  testid?: string
}) => (
  <section class="panel" aria-labelledby={id} data-testid={testid}>
    <h2 id={id}>{title}</h2>
    {children}
  </section>
)

const EntityView = ({ e }: { e: EntityResponse }) => {
  const brand = useBrand()
  const title = titleOf(e)
  useTitle(title)
  const stats = e.stats_all
  const place = "top_companies" in e ? e : undefined
  const hasRecords = stats !== null && stats.violation_count > 0
  const missing = brand.agencies.filter(
    (a) => !e.stats_by_agency.some((s) => s.agency === a && s.violation_count > 0)
  )
  return (
    <article class="entity" data-kind={e.kind} data-entity-key={e.entity_key}>
      <header class="entity-head">
        <p class="kicker">{KIND_LABEL[e.kind]}</p>
        <h1 data-testid="entity-title">{title}</h1>
        <Whereabouts e={e} />
        {stats !== null && hasRecords ? (
          <p class="lead">
            {plural(stats.violation_count, "violation")} on record
            {stats.first_event_date !== null
              ? stats.first_event_date === stats.last_event_date
                ? `, all on ${formatDate(stats.first_event_date)}`
                : `, ${formatDate(stats.first_event_date)} to ${formatDate(stats.last_event_date)}`
              : ""}
            .
            {missing.length > 0 && missing.length < brand.agencies.length
              ? ` No ${missing.map(agencyName).join(" or ")} records.`
              : ""}
          </p>
        ) : null}
      </header>

      <div class="entity-grid">
        <div class="entity-main">
          <Section id="totals-heading" title="Totals">
            {stats === null ? (
              <EmptyState testid="totals-empty">No violations on record yet.</EmptyState>
            ) : (
              <>
                <Totals stats={stats} profile={e.profile} />
                <h3>By violation type</h3>
                <ByType stats={stats} />
              </>
            )}
          </Section>

          {e.kind === "company" ? (
            <Section id="score-heading" title="Offender score" testid="score-section">
              <ScoreSection id={e.id} />
            </Section>
          ) : null}

          <Section id="agencies-heading" title="By agency">
            <AgencyBreakdown stats={e.stats_by_agency} agencies={brand.agencies} />
          </Section>

          <Section id="history-heading" title="Over the years">
            <HistorySection kind={e.kind} id={e.id} agencies={brand.agencies} name={title} />
          </Section>

          {place !== undefined ? (
            <Section id="top-heading" title={`Top 10 companies in ${title}`}>
              <TopCompanies top={place.top_companies} place={title} />
            </Section>
          ) : null}

          {e.kind === "company" && e.profile !== null ? (
            <Section id="names-heading" title="Names on record">
              <NameVariants variants={e.profile.name_variants} />
            </Section>
          ) : null}
        </div>
        <div class="entity-side">
          <Section id="feed-heading" title="Recent violations" testid="entity-feed">
            <EntityFeed
              feed={e.feed}
              agencies={brand.agencies}
              entityKey={e.entity_key}
              showCompany={e.kind !== "company"}
            />
          </Section>
        </div>
      </div>
    </article>
  )
}

/** `/company/:id`, `/city/:id`, `/state/:id`. */
export const EntityPage = ({ kind, id }: { kind: EntityKindName; id: string }) => {
  const valid = isEntityId(kind, id)
  const [res, retry] = useResource<EntityResponse>(valid ? `${kind}:${id}` : null, (s) => load(kind, id, s))
  // The history and the chart's code are needed as soon as the entity shows: ask for them now, in parallel
  // with the entity, rather than one after the other (saves a round trip and a chunk load on a first visit).
  useEffect(() => {
    if (!valid) return
    prefetch(`history:${kind}:${id}`, () => api.history(kind, id))
    void import("../components/chart").catch(() => undefined)
  }, [kind, id, valid])
  // A merged name variant's old URL answers with its company: show the company's own URL (old links work)
  const canonical = res.state === "ok" ? res.data.id : undefined
  useEffect(() => {
    if (kind === "company" && canonical !== undefined && canonical !== id)
      navigate(`/company/${canonical}`, { replace: true })
  }, [kind, id, canonical])
  if (!valid) return <NotFoundPage what={`${kind} “${id}”`} query={id.replace(/[-_]+/g, " ")} />
  if (res.state === "loading")
    return (
      <div class="entity" aria-busy="true">
        <p class="kicker">{KIND_LABEL[kind]}</p>
        <h1 class="skeleton-title">Loading…</h1>
        <Skeleton lines={8} />
      </div>
    )
  if (res.state === "error") {
    if (res.error.failure === "not-found" || res.error.failure === "invalid")
      return <NotFoundPage what={`${kind} “${id}”`} query={id.replace(/[-_]+/g, " ")} />
    return (
      <div>
        <h1>{KIND_LABEL[kind]} unavailable</h1>
        <ErrorState error={res.error} retry={retry} />
      </div>
    )
  }
  return <EntityView e={res.data} />
}
