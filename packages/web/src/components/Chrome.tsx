import { useEffect, useState } from "preact/hooks"
import { api, type BrandListItem } from "../lib/api"
import { useBrand } from "../lib/context"
import { agencyName } from "../lib/format"
import { Link, navigate, useLocation } from "../lib/router"
import { Typeahead } from "./Typeahead"

/** Site header: brand name, the brand's navigation, the search combobox. */
export const Header = () => {
  const brand = useBrand()
  const loc = useLocation()
  return (
    <header class="site-header" data-testid="site-header">
      <div class="header-inner">
        <Link href="/" class="brand-name" data-testid="brand-name">
          {brand.name}
        </Link>
        {brand.navigation.length > 0 ? (
          <nav aria-label="Main" class="site-nav">
            <ul>
              {brand.navigation.map((n) => {
                const current = n.href.startsWith("/") && n.href.split("?")[0] === loc.path
                return (
                  <li key={`${n.label}:${n.href}`}>
                    <Link href={n.href} aria-current={current ? "page" : undefined}>
                      {n.label}
                    </Link>
                  </li>
                )
              })}
            </ul>
          </nav>
        ) : null}
        <Typeahead />
      </div>
    </header>
  )
}

/** A select of every brand (`GET /api/brands`); choosing one reloads the current page with `?brand=`. */
export const BrandSwitcher = () => {
  const brand = useBrand()
  const [brands, setBrands] = useState<ReadonlyArray<BrandListItem> | undefined>(undefined)
  useEffect(() => {
    const c = new AbortController()
    api.brands(c.signal).then(
      (b) => setBrands(b),
      () => setBrands([])
    )
    return () => c.abort()
  }, [])
  if (brands === undefined || brands.length < 2) return null
  const listed = brands.some((b) => b.id === brand.id)
  return (
    <div class="brand-switcher">
      <label for="brand-switcher">Site</label>
      <select
        id="brand-switcher"
        data-testid="brand-switcher"
        value={brand.id}
        onChange={(e) => {
          const url = new URL(location.href)
          url.searchParams.set("brand", e.currentTarget.value)
          navigate(url.pathname + url.search)
        }}
      >
        {listed ? null : <option value={brand.id}>{brand.name}</option>}
        {brands.map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
    </div>
  )
}

/** Site footer: where the data comes from, and the brand switcher. */
export const Footer = () => {
  const brand = useBrand()
  return (
    <footer class="site-footer">
      <div class="footer-inner">
        <p>
          {brand.name} shows public enforcement records published by{" "}
          {brand.agencies
            .map(agencyName)
            .join(", ")
            .replace(/, ([^,]*)$/, " and $1")}
          . Figures are as the agencies published them; each record links to its source where the agency has a
          public page.
        </p>
        <BrandSwitcher />
      </div>
    </footer>
  )
}
