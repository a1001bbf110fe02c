import type { SearchResponse } from "@ventureos/api-contract"
import { SearchForm } from "../components/SearchForm"
import { EmptyState, Loaded } from "../components/States"
import { hitDetail, hitName } from "../components/Typeahead"
import { api } from "../lib/api"
import { plural } from "../lib/format"
import { entityPath } from "../lib/links"
import { useResource } from "../lib/resource"
import { Link, setQuery, useLocation } from "../lib/router"
import { useTitle } from "./title"

const KINDS = [
  ["", "Everything"],
  ["company", "Companies"],
  ["city", "Cities"],
  ["state", "States"]
] as const

const MATCH: Record<string, string> = { exact: "Exact match", prefix: "Starts with", fuzzy: "Similar name" }

/** `/search?q=&kind=`: ranked matches of `GET /api/search`. */
export const SearchPage = () => {
  const loc = useLocation()
  const q = (loc.query.get("q") ?? "").trim()
  const kindParam = loc.query.get("kind") ?? ""
  const kind = KINDS.some(([k]) => k === kindParam) ? kindParam : ""
  useTitle(q === "" ? "Search" : `Search: ${q}`)
  const [res, retry] = useResource<SearchResponse>(q === "" ? null : `search:${kind}:${q}`, (s) =>
    api.search({ q, kind: kind === "" ? undefined : kind, limit: 50 }, s)
  )
  return (
    <div class="search-page">
      <h1>{q === "" ? "Search" : `Results for “${q}”`}</h1>
      <SearchForm
        key={q}
        id="search-page-input"
        label="Search companies, cities and states"
        initial={q}
        kind={kind}
      />
      <fieldset class="filter">
        <legend class="visually-hidden">Show</legend>
        {KINDS.map(([k, label]) => (
          <button
            key={k}
            type="button"
            class="chip"
            aria-pressed={kind === k}
            data-kind={k === "" ? "all" : k}
            onClick={() => setQuery({ kind: k === "" ? null : k })}
          >
            {label}
          </button>
        ))}
      </fieldset>
      {q === "" ? (
        <EmptyState>Type a company, city or state name above.</EmptyState>
      ) : (
        <section aria-labelledby="results-heading" aria-busy={res.state === "loading"}>
          <h2 id="results-heading" class="visually-hidden">
            Results
          </h2>
          <Loaded res={res} retry={retry} what="Search" lines={6}>
            {(r) =>
              r.results.length === 0 ? (
                <EmptyState testid="search-empty">
                  Nothing matches “{q}”. Try fewer words or another spelling.
                </EmptyState>
              ) : (
                <>
                  <p class="muted" role="status">
                    {plural(r.results.length, "result")}
                  </p>
                  <ol class="search-results" data-testid="search-results">
                    {r.results.map((h) => (
                      <li
                        key={h.entity_key}
                        data-testid="search-hit"
                        data-entity-key={h.entity_key}
                        data-match={h.match}
                      >
                        <Link href={entityPath(h.kind, h.id)} class="hit-name">
                          {hitName(h)}
                        </Link>
                        <span class="hit-detail">{hitDetail(h)}</span>
                        <span class="badge">{MATCH[h.match] ?? h.match}</span>
                      </li>
                    ))}
                  </ol>
                </>
              )
            }
          </Loaded>
        </section>
      )}
    </div>
  )
}
