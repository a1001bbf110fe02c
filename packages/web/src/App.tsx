import type { EntityKindName } from "@ventureos/api-contract"
import { useEffect, useRef, useState } from "preact/hooks"
import { Footer, Header } from "./components/Chrome"
import type { RuntimeConfig } from "./lib/api"
import { applyBrand, type Brand, resolveBrand } from "./lib/brand"
import { BrandContext } from "./lib/context"
import { type Location, useLocation } from "./lib/router"
import { EntityPage } from "./pages/Entity"
import { HomePage } from "./pages/Home"
import { LeaderboardPage } from "./pages/Leaderboard"
import { NotFoundPage } from "./pages/NotFound"
import { SearchPage } from "./pages/Search"
import { ViolationPage } from "./pages/Violation"

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/** The page for a path: `/`, `/search`, `/leaderboard`, `/company|city|state/:id`, `/violations/:id`, else 404. */
const route = (loc: Location) => {
  const path = loc.path.length > 1 ? loc.path.replace(/\/+$/, "") : loc.path
  if (path === "/" || path === "/index.html") return <HomePage />
  if (path === "/search") return <SearchPage />
  if (path === "/leaderboard") return <LeaderboardPage />
  const entity = /^\/(company|city|state)\/([^/]+)$/.exec(path)
  if (entity !== null) {
    const id = decode(entity[2]!)
    if (id !== undefined) return <EntityPage key={path} kind={entity[1] as EntityKindName} id={id} />
  }
  const violation = /^\/violations\/([^/]+)$/.exec(path)
  if (violation !== null) {
    const id = decode(violation[1]!)
    if (id !== undefined) return <ViolationPage key={path} id={id} />
  }
  return <NotFoundPage />
}

/** The app shell: brand, landmarks (skip link, header, main, footer) and the current page. */
export const App = ({ initial, config }: { initial: Brand; config: RuntimeConfig }) => {
  const loc = useLocation()
  const [brand, setBrand] = useState(initial)
  const override = loc.query.get("brand")
  const resolvedFor = useRef(override)
  useEffect(() => {
    if (override === resolvedFor.current) return
    resolvedFor.current = override
    let live = true
    resolveBrand(override, config, location.host).then(({ brand: b }) => {
      if (!live) return
      applyBrand(b)
      setBrand(b)
    })
    return () => {
      live = false
    }
  }, [override, config])

  // After a client-side navigation, move focus to the new page (as a full page load would).
  const main = useRef<HTMLElement>(null)
  const firstPath = useRef(loc.path)
  useEffect(() => {
    if (loc.path === firstPath.current) return
    firstPath.current = ""
    main.current?.focus({ preventScroll: true })
  }, [loc.path])

  return (
    <BrandContext.Provider value={brand}>
      <a href="#main" class="skip-link">
        Skip to main content
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1}>
        {route(loc)}
      </main>
      <Footer />
    </BrandContext.Provider>
  )
}
