import type { SearchHit } from "@ventureos/api-contract"
import { useEffect, useRef, useState } from "preact/hooks"
import { api } from "../lib/api"
import { plural, stateName } from "../lib/format"
import { entityPath } from "../lib/links"
import { navigate, useLocation } from "../lib/router"

const DEBOUNCE_MS = 200
const MIN_CHARS = 2
const LIMIT = 8

export const SEARCH_LABEL = "Search companies, cities and states"

const KIND: Record<string, string> = { company: "Company", city: "City", state: "State" }

/** A hit's name: states in words ("Florida (FL)"), everything else as published. */
export const hitName = (h: SearchHit): string => {
  const state = h.kind === "state" ? stateName(h.id) : undefined
  return state === undefined ? h.display_name : `${state} (${h.id.toUpperCase()})`
}

/** One line describing a hit: kind, place, violations. */
export const hitDetail = (h: SearchHit): string =>
  [KIND[h.kind] ?? h.kind, h.place, plural(h.violation_count, "violation")]
    .filter((x) => x != null)
    .join(" · ")

/**
 * The header search: an ARIA 1.2 combobox (editable, list autocomplete) over `GET /api/search`, debounced.
 * Arrows move through the suggestions, Enter opens the highlighted one (or the search page when none is),
 * Escape closes the list (a second Escape clears the text). Focus stays in the input throughout.
 */
export const Typeahead = () => {
  const loc = useLocation()
  const [text, setText] = useState("")
  const [hits, setHits] = useState<ReadonlyArray<SearchHit>>([])
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const [status, setStatus] = useState("")
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const ctrl = useRef<AbortController | undefined>(undefined)
  const latest = useRef("")

  // Navigating anywhere closes the list.
  useEffect(() => {
    setOpen(false)
    setActive(-1)
  }, [loc.path, loc.query.toString()])

  useEffect(
    () => () => {
      clearTimeout(timer.current)
      ctrl.current?.abort()
    },
    []
  )

  const lookup = (q: string) => {
    clearTimeout(timer.current)
    ctrl.current?.abort()
    latest.current = q
    if (q.trim().length < MIN_CHARS) {
      setHits([])
      setOpen(false)
      setActive(-1)
      setStatus("")
      return
    }
    timer.current = setTimeout(() => {
      const c = new AbortController()
      ctrl.current = c
      api.search({ q: q.trim(), limit: LIMIT }, c.signal).then(
        (r) => {
          if (latest.current !== q) return
          setHits(r.results)
          setOpen(true)
          setActive(-1)
          setStatus(
            r.results.length === 0
              ? "No matches. Press Enter to search."
              : `${plural(r.results.length, "suggestion")}. Use up and down arrows to choose.`
          )
        },
        () => {
          if (c.signal.aborted || latest.current !== q) return
          setHits([])
          setOpen(false)
          setStatus("Suggestions are not available. Press Enter to search.")
        }
      )
    }, DEBOUNCE_MS)
  }

  const go = (h: SearchHit) => {
    setOpen(false)
    navigate(entityPath(h.kind, h.id))
  }

  const onKeyDown = (e: KeyboardEvent) => {
    const n = hits.length
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault()
        if (!open && n > 0) setOpen(true)
        if (n > 0) setActive((i) => (i + 1) % n)
        return
      case "ArrowUp":
        e.preventDefault()
        if (!open && n > 0) setOpen(true)
        if (n > 0) setActive((i) => (i <= 0 ? n - 1 : i - 1))
        return
      case "Enter": {
        const h = open ? hits[active] : undefined
        if (h !== undefined) {
          e.preventDefault()
          go(h)
        }
        // otherwise the form submits to the search page
        return
      }
      case "Escape":
        if (open) {
          e.preventDefault()
          setOpen(false)
          setActive(-1)
        } else if (text !== "") {
          e.preventDefault()
          setText("")
          lookup("")
        }
        return
      case "Tab":
        setOpen(false)
        return
    }
  }

  const listId = "site-search-listbox"
  const optionId = (i: number) => `site-search-option-${i}`
  const expanded = open && hits.length > 0
  return (
    <search class="site-search" aria-label="Site">
      <form
        class="site-search-form"
        action="/search"
        onSubmit={(e) => {
          e.preventDefault()
          const q = text.trim()
          setOpen(false)
          navigate(q === "" ? "/search" : `/search?q=${encodeURIComponent(q)}`)
        }}
      >
        <label for="site-search-input" class="visually-hidden">
          {SEARCH_LABEL}
        </label>
        <div class="combo">
          <input
            id="site-search-input"
            name="q"
            type="text"
            role="combobox"
            autocomplete="off"
            spellcheck={false}
            placeholder="Search companies, cities, states"
            aria-autocomplete="list"
            aria-expanded={expanded}
            aria-controls={listId}
            aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
            aria-describedby="site-search-status"
            value={text}
            onInput={(e) => {
              const v = e.currentTarget.value
              setText(v)
              lookup(v)
            }}
            onKeyDown={onKeyDown}
            onFocus={() => {
              if (hits.length > 0 && text.trim().length >= MIN_CHARS) setOpen(true)
            }}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
          />
          <div
            id={listId}
            role="listbox"
            aria-label="Suggestions"
            class="combo-list"
            hidden={!expanded}
            // keep focus in the input when a suggestion is clicked
            onMouseDown={(e) => e.preventDefault()}
          >
            {expanded
              ? hits.map((h, i) => (
                  // Options hold no link (a link inside an option is a nested interactive control): a click or
                  // Enter on the highlighted option navigates. The input keeps focus (aria-activedescendant).
                  // biome-ignore lint/a11y/useFocusableInteractive: options of a combobox are never focused
                  // biome-ignore lint/a11y/useKeyWithClickEvents: the input handles the keys for its options
                  <div
                    key={h.entity_key}
                    id={optionId(i)}
                    role="option"
                    aria-selected={i === active}
                    class={i === active ? "combo-option active" : "combo-option"}
                    data-entity-key={h.entity_key}
                    data-href={entityPath(h.kind, h.id)}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => {
                      setOpen(false)
                      navigate(entityPath(h.kind, h.id))
                    }}
                  >
                    <span class="combo-name">{hitName(h)}</span>
                    <span class="combo-detail">{hitDetail(h)}</span>
                  </div>
                ))
              : null}
          </div>
        </div>
        <button type="submit" class="button search-button">
          Search
        </button>
        <span id="site-search-status" class="visually-hidden" role="status">
          {status}
        </span>
      </form>
    </search>
  )
}
