import type {
  AgencyFeed,
  CompanyResponse,
  EntityKindName,
  FeedEntry,
  HistoryResponse,
  Profile,
  SearchHit
} from "@ventureos/api-contract"
import type {
  EntityHistory,
  EntityProfile,
  EntityView,
  FeedItem,
  SearchResult,
  ViolationSummary
} from "@ventureos/serving"

/** Store models -> API response shapes (pure). */

export const toProfile = (p: EntityProfile): Profile => ({
  display_name: p.display_name,
  name_variants: p.name_variants,
  naics: p.naics,
  industry: p.industry,
  city: p.city,
  state: p.state,
  zip: p.zip,
  first_seen: p.first_seen,
  last_seen: p.last_seen
})

/** A feed item as an API entry; `summary` only when it summarizes this exact content. */
export const toFeedEntry = (i: FeedItem, summary?: ViolationSummary): FeedEntry => ({
  violation_id: i.violation_id,
  agency: i.agency,
  date: i.date,
  company_name: i.company_name,
  company_slug: i.company_slug,
  city: i.city,
  state: i.state,
  city_slug: i.city_slug,
  violation_type: i.violation_type,
  violation_type_code: i.violation_type_code,
  status: i.status,
  penalty_initial: i.penalty_initial,
  penalty_current: i.penalty_current,
  description: i.description,
  summary:
    summary !== undefined && summary.content_hash === i.content_hash ? summary.text : (i.summary ?? null),
  details_trimmed: i.details_trimmed
})

/** Group a newest-first feed by agency (agencies in name order, items keep their order). */
export const groupFeed = (items: ReadonlyArray<FeedItem>): Array<AgencyFeed> => {
  const by = new Map<string, Array<FeedEntry>>()
  for (const i of items) {
    const list = by.get(i.agency) ?? []
    list.push(toFeedEntry(i))
    by.set(i.agency, list)
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entries]) => ({ agency: entries[0]!.agency, items: entries }))
}

const KIND: Record<string, EntityKindName> = { COMPANY: "company", CITY: "city", STATE: "state" }

/** The common part of entity responses. */
export const toEntityResponse = (
  id: string,
  entityKey: string,
  view: EntityView | undefined,
  feed: ReadonlyArray<FeedItem>
): CompanyResponse => {
  const stats = view?.stats ?? []
  return {
    kind: KIND[entityKey.slice(0, entityKey.indexOf("#"))] ?? "company",
    id,
    entity_key: entityKey as CompanyResponse["entity_key"],
    profile: view?.profile == null ? null : toProfile(view.profile),
    stats_all: stats.find((s) => s.agency === "all") ?? null,
    stats_by_agency: stats.filter((s) => s.agency !== "all"),
    feed: groupFeed(feed)
  }
}

/** The entity keys a violation is shown under (company, city, state), from its feed item. */
export const placements = (i: FeedItem): Array<string> => [
  `COMPANY#${i.company_slug}`,
  ...(i.city_slug === null ? [] : [`CITY#${i.city_slug}`]),
  ...(i.state === null ? [] : [`STATE#${i.state.toLowerCase()}`])
]

/** A store search result as an API hit. */
export const toSearchHit = (r: SearchResult): SearchHit => ({
  kind: r.kind,
  id: r.id,
  entity_key: r.entity_key as SearchHit["entity_key"],
  display_name: r.display_name,
  place: r.place,
  violation_count: r.violation_count,
  match: r.match,
  score: r.score
})

/** An entity's stored history (or none yet: no points) as the API response. */
export const toHistoryResponse = (
  kind: EntityKindName,
  id: string,
  entityKey: string,
  history: EntityHistory | undefined
): HistoryResponse => ({
  kind,
  id,
  entity_key: entityKey as HistoryResponse["entity_key"],
  points:
    history?.points.map((p) => ({
      agency: p.agency,
      year: p.year,
      violation_count: p.violation_count,
      penalty_initial_total: p.penalty_initial_total,
      penalty_current_total: p.penalty_current_total
    })) ?? [],
  source_snapshot: history?.source_snapshot ?? null,
  updated_at: history?.updated_at ?? null
})
