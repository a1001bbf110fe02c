import { SearchForm } from "../components/SearchForm"
import { Link } from "../lib/router"
import { useTitle } from "./title"

/** A friendly 404: what was not found, a search box and a way home. */
export const NotFoundPage = ({ what, query }: { what?: string; query?: string }) => {
  useTitle("Not found")
  return (
    <div class="not-found" data-testid="not-found">
      <h1>We couldn't find {what ?? "that page"}</h1>
      <p class="lead">
        It may be spelled differently in the agencies' records, or have no violations on file. Try a search:
      </p>
      <SearchForm
        id="not-found-search"
        label="Search companies, cities and states by name"
        initial={query ?? ""}
      />
      <p>
        Or go back to the <Link href="/">home page</Link>.
      </p>
    </div>
  )
}
