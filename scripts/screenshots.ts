/**
 * Regenerate docs/screenshots/*.png: the home, company and city pages of both example brands, from a fresh
 * ingest of the bundled samples (the browser tests' harness: web app built, samples ingested by the CLI
 * into a temp home, `serve()` on a free port, Debian's headless Chromium).
 *
 *   pnpm exec tsx scripts/screenshots.ts
 */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Page } from "playwright-core"
import { type Site, startSite } from "../packages/web/test/harness"

const out = resolve(import.meta.dirname, "..", "docs", "screenshots")
mkdirSync(out, { recursive: true })

/** Wait until a page's data is on screen and its summaries have settled. */
const settle = async (page: Page, ready: string) => {
  await page.locator(ready).first().waitFor({ timeout: 20_000 })
  await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null, undefined, {
    timeout: 20_000
  })
  // lazy summaries of the cards on screen: generated at once by the offline provider, then polled
  await page.waitForTimeout(3500)
}

interface Top {
  readonly entries: ReadonlyArray<{ readonly entity_key: string }>
}
interface History {
  readonly points: ReadonlyArray<{ readonly year: number | null }>
}
interface Company {
  readonly feed: ReadonlyArray<{ readonly items: ReadonlyArray<{ readonly city_slug: string | null }> }>
}

/** The company of the national Top-10s with the longest history (the richest chart), and its city. */
const showcase = async (site: Site) => {
  const ids = new Set<string>()
  for (const by of ["count", "penalties"])
    for (const e of (await site.api<Top>(`/api/top?scope=national&by=${by}`)).entries)
      ids.add(e.entity_key.slice("COMPANY#".length))
  let best: { company: string; city: string; years: number } | undefined
  for (const id of ids) {
    const city = (await site.api<Company>(`/api/company/${id}`)).feed
      .flatMap((f) => f.items)
      .find((i) => i.city_slug !== null)?.city_slug
    const years = new Set((await site.api<History>(`/api/history/company/${id}`)).points.map((p) => p.year))
      .size
    if (city != null && (best === undefined || years > best.years)) best = { company: id, city, years }
  }
  if (best === undefined) throw new Error("no sample company with a city")
  return best
}

const site = await startSite()
try {
  const e = await showcase(site)
  const shots = [
    ["home", "/", '[data-testid="top-row"]'],
    ["company", `/company/${e.company}`, '[data-testid="total-violations"]'],
    ["city", `/city/${e.city}`, '[data-testid="total-violations"]']
  ] as const
  const context = await site.browser.newContext({
    viewport: { width: 1280, height: 1000 },
    deviceScaleFactor: 1
  })
  const page = await context.newPage()
  const written: Array<string> = []
  for (const brand of ["oshatrail", "transporttrail"])
    for (const [name, path, ready] of shots) {
      await page.goto(`${site.server.url}${path}?brand=${brand}`)
      await settle(page, ready)
      const file = join(out, `${brand}-${name}.png`)
      // The top of the page and, on entity pages, the history chart below the totals.
      await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1500 } })
      written.push(file)
      process.stderr.write(`${file}\n`)
    }
  await context.close()
  process.stdout.write(`${JSON.stringify({ screenshots: written, entities: e })}\n`)
} finally {
  await site.close()
}
