import { render } from "preact"
import { App } from "./App"
import { loadRuntimeConfig, setApiBase } from "./lib/api"
import { applyBrand, resolveBrand } from "./lib/brand"
import "./styles.css"

/*
 * Start-up: read config.json (API base URL, default brand), resolve the brand, apply its colours, then
 * render. index.html shows a static "Loading…" until then, so the page is never blank.
 */
const start = async () => {
  const config = await loadRuntimeConfig()
  setApiBase(config.apiBaseUrl)
  const { brand } = await resolveBrand(
    new URLSearchParams(location.search).get("brand"),
    config,
    location.host
  )
  applyBrand(brand)
  const root = document.getElementById("app")!
  root.replaceChildren()
  render(<App initial={brand} config={config} />, root)
}

start().catch((e: unknown) => {
  console.error(e)
  const root = document.getElementById("app")
  if (root !== null) root.textContent = "The site could not start. Please reload the page."
})
