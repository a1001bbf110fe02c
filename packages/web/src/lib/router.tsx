import type { ComponentChildren, PartialAnchorHTMLAttributes } from "preact"
import { useEffect, useState } from "preact/hooks"

/*
 * A client-side router over the History API, small on purpose: a page is chosen from `location.pathname`
 * (see routes.tsx), query parameters are read where used, and internal links carry `?brand=` along so a
 * brand preview survives navigation.
 */

export interface Location {
  readonly path: string
  readonly query: URLSearchParams
}

const read = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) })

type Listener = (l: Location) => void
const listeners = new Set<Listener>()
const notify = () => {
  const l = read()
  for (const f of listeners) f(l)
}
addEventListener("popstate", notify)

/** The current location; re-renders on every navigation. */
export const useLocation = (): Location => {
  const [loc, setLoc] = useState(read)
  useEffect(() => {
    listeners.add(setLoc)
    setLoc(read())
    return () => {
      listeners.delete(setLoc)
    }
  }, [])
  return loc
}

/** `href` with the current `?brand=` override added (site paths only; it never overrides an explicit one). */
export const withBrand = (href: string): string => {
  if (!href.startsWith("/")) return href
  const brand = new URLSearchParams(location.search).get("brand")
  if (brand === null) return href
  const url = new URL(href, location.origin)
  if (!url.searchParams.has("brand")) url.searchParams.set("brand", brand)
  return url.pathname + url.search + url.hash
}

/** Go to a site path (brand override kept). `replace` rewrites the current history entry instead. */
export const navigate = (href: string, options: { replace?: boolean } = {}): void => {
  const to = withBrand(href)
  if (to === location.pathname + location.search + location.hash) return
  if (options.replace === true) history.replaceState(null, "", to)
  else {
    history.pushState(null, "", to)
    scrollTo(0, 0)
  }
  notify()
}

/** Replace query parameters of the current page without a new history entry (filters, tabs). */
export const setQuery = (params: Record<string, string | null>): void => {
  const q = new URLSearchParams(location.search)
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === "") q.delete(k)
    else q.set(k, v)
  }
  const s = q.toString()
  history.replaceState(null, "", location.pathname + (s === "" ? "" : `?${s}`) + location.hash)
  notify()
}

/**
 * Paths this app renders itself. Other site paths (`/docs`, `/openapi.json`, files) are served by the
 * server, so links to them load normally.
 */
export const isAppPath = (href: string): boolean => {
  const path = href.split(/[?#]/)[0] ?? ""
  return path === "/" || path === "/search" || /^\/(?:company|city|state|violations)\/[^/]+\/?$/.test(path)
}

type AnchorProps = Omit<PartialAnchorHTMLAttributes<HTMLAnchorElement>, "href" | "role"> & {
  readonly href: string
  readonly children?: ComponentChildren
}

/** A link to a site path handled client-side; any other href (https://…) is a plain external link. */
export const Link = ({ href, onClick, ...rest }: AnchorProps) => {
  const site = href.startsWith("/") && !href.startsWith("//")
  const internal = site && isAppPath(href)
  const to = internal ? withBrand(href) : href
  return (
    <a
      {...rest}
      href={to}
      onClick={(e) => {
        if (typeof onClick === "function") onClick(e)
        if (!internal || e.defaultPrevented) return
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(href)
      }}
    />
  )
}
