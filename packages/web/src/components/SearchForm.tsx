import { useState } from "preact/hooks"
import { navigate } from "../lib/router"

/** A plain search form (home page, search page, 404 page) leading to `/search?q=`. */
export const SearchForm = ({
  id,
  label,
  initial = "",
  kind
}: {
  id: string
  label: string
  initial?: string
  kind?: string
}) => {
  const [q, setQ] = useState(initial)
  return (
    <search class="search-form" aria-label={label}>
      <form
        action="/search"
        onSubmit={(e) => {
          e.preventDefault()
          const p = new URLSearchParams()
          if (q.trim() !== "") p.set("q", q.trim())
          if (kind !== undefined && kind !== "") p.set("kind", kind)
          const s = p.toString()
          navigate(`/search${s === "" ? "" : `?${s}`}`)
        }}
      >
        <label for={id}>{label}</label>
        <div class="search-row">
          <input id={id} name="q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          <button type="submit" class="button">
            Search
          </button>
        </div>
      </form>
    </search>
  )
}
