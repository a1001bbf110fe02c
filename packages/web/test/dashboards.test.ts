/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboards in a real headless Chromium against `serve()` over the real sample data (see harness.ts).
 * Pages are found by the web app's test ids (packages/web/README.md); numbers are compared with the API's
 * own JSON through the `data-value` attributes that carry the raw API values.
 */
import AxeBuilder from "@axe-core/playwright"
import type {
  CompanyResponse,
  HistoryResponse,
  PlaceResponse,
  ScoreBoardResponse,
  ScoreResponse,
  SearchResponse,
  TopResponse,
  ViolationResponse
} from "@ventureos/api-contract"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { apiErrorBody } from "../../adapters-node/test/web/site"
import { record } from "../../api/test/seed"
import { hostResolverRules, type Site, sampleEntities, startSite } from "./harness"

let site: Site
const contexts: Array<BrowserContext> = []

/** A probe record whose agency text is markup: it must reach the screen as text and never run. */
const MARKUP =
  `<img src=x onerror="window.__xss='img';alert('img')"> <script>window.__xss='script';alert('script')</script> ` +
  `Employees exposed to <b>unguarded</b> machinery & "fall" hazards`
const probe = record({
  agency: "osha",
  id: "999000001-01001",
  company: "MARKUP PROBE LLC",
  city: "CHINO",
  state: "CA",
  date: "2003-05-06",
  description: MARKUP
})

/** What the tests look at, picked from the ingested samples through the API. */
let company: CompanyResponse
let citySlug: string
let stateId: string
/** Companies no test opens before the summary-failure tests. */
let fresh: Array<string>

beforeAll(async () => {
  site = await startSite({ browserArgs: [hostResolverRules] })
  await site.applyFeed([probe])
  const picked = await sampleEntities(site)
  company = await site.api<CompanyResponse>(`/api/company/${picked.company}`)
  citySlug = picked.city
  stateId = picked.state
  const top = await site.api<TopResponse>("/api/top?scope=national&by=penalties")
  fresh = top.entries
    .map((e) => e.entity_key.slice("COMPANY#".length))
    .filter((id) => id !== company.id)
    .slice(-2)
  expect(company, "a sample company with a city").toBeDefined()
}, 240_000)

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined)
  await site?.close()
})

const url = (path: string) => `${site.server.url}${path}`

/** A fresh page (own context: own cache, own summary session), failing the test on page errors. */
const newPage = async (
  options: { readonly width?: number; readonly height?: number } = {}
): Promise<Page> => {
  const context = await site.browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 }
  })
  contexts.push(context)
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

const values = async (page: Page, testids: ReadonlyArray<string>) =>
  Object.fromEntries(
    await Promise.all(
      testids.map(async (t) => [t, await page.getByTestId(t).getAttribute("data-value")] as const)
    )
  )

type Stats = NonNullable<CompanyResponse["stats_all"]>
const totalsOf = (s: Stats, profile: CompanyResponse["profile"]) => ({
  "total-violations": String(s.violation_count),
  "total-open": String(s.open_count),
  "total-closed": String(s.closed_count),
  "total-penalty-initial": s.penalty_initial_total,
  "total-penalty-current": s.penalty_current_total,
  "first-seen": s.first_event_date ?? profile?.first_seen ?? "",
  "last-seen": s.last_event_date ?? profile?.last_seen ?? ""
})

/** The per-agency rows of the breakdown table: cells' data-value in column order. */
const breakdownOf = (page: Page) =>
  page
    .getByTestId("agency-breakdown")
    .evaluate((table) =>
      Object.fromEntries(
        [...table.querySelectorAll("tr[data-agency]:not([data-empty])")].map((tr) => [
          tr.getAttribute("data-agency"),
          [...tr.querySelectorAll("[data-value]")].map((td) => td.getAttribute("data-value"))
        ])
      )
    )

/** Entity totals, agency breakdown, history, cards: everything an entity page shows equals the API. */
const checkEntityPage = async (page: Page, kind: "company" | "city" | "state", id: string) => {
  const e = await site.api<CompanyResponse | PlaceResponse>(`/api/${kind}/${id}`)
  const history = await site.api<HistoryResponse>(`/api/history/${kind}/${id}`)
  await page.goto(url(`/${kind}/${id}`))
  await page.getByTestId("entity-title").waitFor()
  await page.getByTestId("total-violations").waitFor()
  expect(await values(page, Object.keys(totalsOf(e.stats_all!, e.profile)))).toEqual(
    totalsOf(e.stats_all!, e.profile)
  )
  expect(await page.getByTestId("total-violations").textContent()).toContain(
    e.stats_all!.violation_count.toLocaleString("en-US")
  )
  // "current penalty unknown for N violations" beside the current-penalty total when the API counts some
  const unknown = e.stats_all!.penalty_current_unknown_count
  const note = page.getByTestId("penalty-current-unknown")
  if (unknown > 0)
    expect(await note.textContent()).toBe(
      `current penalty unknown for ${unknown.toLocaleString("en-US")} violation${unknown === 1 ? "" : "s"}`
    )
  else expect(await note.count()).toBe(0)
  expect(await breakdownOf(page)).toEqual(
    Object.fromEntries(
      e.stats_by_agency.map((s) => [
        s.agency,
        [
          String(s.violation_count),
          String(s.open_count),
          String(s.closed_count),
          s.penalty_initial_total,
          s.penalty_current_total,
          s.first_event_date ?? "",
          s.last_event_date ?? ""
        ]
      ])
    )
  )
  // History: a chart (canvas) and a table of the same numbers, one row per (agency, year).
  await page.getByTestId("history-chart").locator("canvas").first().waitFor()
  const rows = await page
    .getByTestId("history-table")
    .locator("tr[data-agency]")
    .evaluateAll((trs) =>
      trs.map((tr) => ({
        agency: tr.getAttribute("data-agency"),
        year: tr.getAttribute("data-year"),
        values: [...tr.querySelectorAll("td[data-value]")].map((td) => td.getAttribute("data-value"))
      }))
    )
  const key = (r: { agency: string | null; year: string | null }) => `${r.agency}/${r.year}`
  expect(rows.map(key).sort()).toEqual(
    history.points.map((p) => key({ agency: p.agency, year: p.year === null ? "" : String(p.year) })).sort()
  )
  for (const p of history.points) {
    const row = rows.find((r) => r.agency === p.agency && r.year === (p.year === null ? "" : String(p.year)))
    expect(row?.values).toEqual([String(p.violation_count), p.penalty_initial_total, p.penalty_current_total])
  }
  // Cards: every card is a violation of the entity's feed.
  const feedIds = new Set<string>(e.feed.flatMap((f) => f.items.map((i) => i.violation_id)))
  const cardIds = await page
    .getByTestId("violation-card")
    .evaluateAll((cs) => cs.map((c) => c.getAttribute("data-violation-id")))
  expect(cardIds.length).toBeGreaterThan(0)
  for (const c of cardIds) expect(feedIds.has(c!), c!).toBe(true)
  return e
}

/** Violation ids of POST /api/violations/:id/summary requests the page makes. */
const summaryPosts = (page: Page): Array<string> => {
  const posts: Array<string> = []
  page.on("request", (r) => {
    const m = /\/api\/violations\/([^/?]+)\/summary/.exec(r.url())
    if (r.method() === "POST" && m !== null) posts.push(decodeURIComponent(m[1]!))
  })
  return posts
}

const until = async (what: string, f: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((ok) => setTimeout(ok, 50))
  }
}

describe("pages show the API's numbers", () => {
  it("home: Top-10 lists of the selected agency tab and the recent feed", async () => {
    const page = await newPage()
    await page.goto(url("/"))
    await page.getByTestId("site-header").waitFor()
    const selected = page.locator('[role="tab"][aria-selected="true"]')
    const agency = await selected.getAttribute("data-agency")
    for (const by of ["count", "penalties"] as const) {
      const list = page.locator(`[data-testid="top-list"][data-by="${by}"]`)
      await list.getByTestId("top-row").first().waitFor()
      const api = await site.api<TopResponse>(`/api/top?scope=national&by=${by}&agency=${agency}`)
      expect(
        await list
          .getByTestId("top-row")
          .evaluateAll((rs) => rs.map((r) => r.getAttribute("data-entity-key")))
      ).toEqual(api.entries.map((e) => e.entity_key))
    }
    await page.getByTestId("recent-feed").getByTestId("violation-card").first().waitFor()
    // Another tab shows that agency's list.
    const other = page.locator('[role="tab"]:not([aria-selected="true"])').first()
    const otherAgency = await other.getAttribute("data-agency")
    await other.click()
    const api = await site.api<TopResponse>(`/api/top?scope=national&by=count&agency=${otherAgency}`)
    const list = page.locator('[data-testid="top-list"][data-by="count"]')
    await until("the other tab's list", async () => {
      const keys = await list
        .getByTestId("top-row")
        .evaluateAll((rs) => rs.map((r) => r.getAttribute("data-entity-key")))
      return JSON.stringify(keys) === JSON.stringify(api.entries.map((e) => e.entity_key))
    })
  })

  it("company: totals, agency breakdown, history chart and table, name variants, cards", async () => {
    const page = await newPage()
    const c = await checkEntityPage(page, "company", company.id)
    expect(await page.getByTestId("entity-title").textContent()).toContain(c.profile?.display_name ?? "")
    const variants = await page.getByTestId("name-variants").locator("li").allTextContents()
    expect(variants).toEqual([...(c.profile?.name_variants ?? [])])
  })

  it("offender score: the leaderboard and a company's score, its reasons and record links equal the API", async () => {
    const board = await site.api<ScoreBoardResponse>("/api/leaderboard/score?scope=national")
    const page = await newPage()
    await page.goto(url("/leaderboard"))
    await page.getByRole("heading", { name: /Offender score leaderboard/ }).waitFor()
    await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null)
    const rows = await page
      .getByTestId("score-row")
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute("data-entity-key"),
          tr.querySelector("td[data-value]")?.getAttribute("data-value")
        ])
      )
    expect(rows).toEqual(board.entries.map((e) => [e.entity_key, String(e.total)]))
    const serious = async () =>
      (await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()).violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3)}`)
    expect(await serious()).toEqual([])
    // the top company (the samples' EPA cases of the last 5 years score; else the sampled company)
    const id = board.entries[0]?.entity_key.slice("COMPANY#".length) ?? company.id
    const score = await site.api<ScoreResponse>(`/api/score/company/${id}`)
    await page.goto(url(`/company/${id}`))
    await page.getByTestId("score-total").waitFor()
    expect(await page.getByTestId("score-total").getAttribute("data-value")).toBe(String(score.total))
    const agencies = await page
      .getByTestId("score-agencies")
      .locator("tr[data-agency]")
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-agency"), tr.getAttribute("data-status")]))
    expect(agencies).toEqual(score.agencies.map((a) => [a.agency, a.status]))
    const shown = score.parts.filter((p) => p.status !== "zero")
    if (shown.length > 0) {
      const parts = await page
        .getByTestId("score-parts")
        .locator("li[data-rule]")
        .evaluateAll((lis) => lis.map((li) => [li.getAttribute("data-rule"), li.getAttribute("data-points")]))
      expect(parts).toEqual(shown.map((p) => [p.rule, String(p.points)]))
      const withIds = shown.find((p) => p.violation_ids.length > 0)
      if (withIds !== undefined) {
        const item = page.locator(`li[data-rule="${withIds.rule}"]`)
        await item.locator("summary").click()
        const linked = await item
          .locator("a[data-violation-id]")
          .evaluateAll((as) => as.map((a) => a.getAttribute("data-violation-id")))
        expect(linked).toEqual([...withIds.violation_ids])
      }
    }
    // axe on the score section with its records open
    expect(await serious()).toEqual([])
  })

  it("city and state: totals, breakdown, history, Top-10 companies", async () => {
    const page = await newPage()
    for (const [kind, id] of [
      ["city", citySlug],
      ["state", stateId]
    ] as const) {
      const p = (await checkEntityPage(page, kind, id)) as PlaceResponse
      for (const by of ["count", "penalties"] as const) {
        const expected =
          (by === "count" ? p.top_companies.by_count : p.top_companies.by_penalties)?.entries ?? []
        const rows = page
          .getByTestId("top-companies")
          .locator(`[data-testid="top-list"][data-by="${by}"] [data-testid="top-row"]`)
        expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute("data-entity-key")))).toEqual(
          expected.map((e) => e.entity_key)
        )
      }
    }
  })
})

describe("violation page", () => {
  it("shows one violation as the API has it: penalties, description, agency record link", async () => {
    // A violation with a penalty and a description, from the city's feed (an EPA or OSHA record).
    const city = await site.api<PlaceResponse>(`/api/city/${citySlug}`)
    const items = city.feed.flatMap((f) => f.items)
    const item = items.find((i) => i.penalty_current !== null && i.description !== null) ?? items[0]!
    const api = await site.api<ViolationResponse>(
      `/api/violations/${encodeURIComponent(item.violation_id)}?entity=${encodeURIComponent(city.entity_key)}`
    )
    const page = await newPage()
    await page.goto(url(`/city/${citySlug}`))
    // From the card's title link, as a reader gets there.
    await page
      .locator(`[data-testid="violation-card"][data-violation-id="${item.violation_id}"]`)
      .getByRole("link")
      .first()
      .click()
    const v = page.getByTestId("violation")
    await v.waitFor()
    expect(await v.getAttribute("data-violation-id")).toBe(item.violation_id)
    expect(await values(page, ["penalty-initial", "penalty-current"])).toEqual({
      "penalty-initial": api.violation.penalty_initial ?? "",
      "penalty-current": api.violation.penalty_current ?? ""
    })
    if (api.description !== null)
      expect(await v.getByTestId("description").textContent()).toBe(api.description)
  })
})

describe("search", () => {
  it("finds a company from a misspelled name, in the header's suggestions and on the results page", async () => {
    const page = await newPage()
    await page.goto(url("/"))
    const box = page.getByRole("combobox", { name: "Search companies, cities and states" })
    await box.click()
    // "MOSAIC FERTILIZER LLC" from the EPA sample, two letters swapped
    await box.pressSequentially("mosiac fertilizer", { delay: 20 })
    const option = page
      .getByRole("listbox")
      .getByRole("option", { name: /MOSAIC FERTILIZER/i })
      .first()
    await option.waitFor()
    await option.click()
    await page.waitForURL(/\/company\/mosaic-fertilizer/)
    await page.getByTestId("entity-title").waitFor()
    expect(await page.getByTestId("entity-title").textContent()).toMatch(/MOSAIC FERTILIZER/i)

    const api = await site.api<SearchResponse>("/api/search?q=mosiac%20fertilizer")
    await page.goto(url("/search?q=mosiac%20fertilizer"))
    const hits = page.getByTestId("search-results").getByTestId("search-hit")
    await hits.first().waitFor()
    const keys = await hits.evaluateAll((hs) => hs.map((h) => h.getAttribute("data-entity-key")))
    expect(keys).toContain("COMPANY#mosaic-fertilizer")
    expect(keys).toEqual(api.results.map((r) => r.entity_key).slice(0, keys.length))
  })
})

describe("lazy summaries", () => {
  it("asks once per card as it scrolls into view, never for cards not seen", async () => {
    const page = await newPage({ height: 700 })
    const posts = summaryPosts(page)
    await page.goto(url("/state/fl"))
    const cards = page.getByTestId("violation-card")
    await cards.first().waitFor()
    await page.waitForTimeout(1000)
    const layout = await cards.evaluateAll((cs) =>
      cs.map((c) => {
        const r = c.getBoundingClientRect()
        return { id: c.getAttribute("data-violation-id")!, visible: r.bottom > 0 && r.top < innerHeight }
      })
    )
    expect(layout.length, "a page with many cards").toBeGreaterThan(10)
    const seen = layout.filter((c) => c.visible).map((c) => c.id)
    expect(posts.length).toBeGreaterThan(0)
    for (const id of posts) expect(seen, id).toContain(id)
    // Jump to the last card: exactly its request follows; the cards jumped over were never on screen.
    const last = layout.at(-1)!.id
    const middle = layout[Math.floor(layout.length / 2)]!.id
    expect(posts).not.toContain(last)
    await page.locator(`[data-violation-id="${last}"]`).scrollIntoViewIfNeeded()
    await until("the last card's summary request", () => posts.includes(last))
    // Back to the top and down again: nothing is asked twice.
    await page.evaluate(() => scrollTo(0, 0))
    await page.waitForTimeout(400)
    await page.locator(`[data-violation-id="${last}"]`).scrollIntoViewIfNeeded()
    await page.waitForTimeout(600)
    expect(posts.filter((p) => p === last)).toHaveLength(1)
    expect(new Set(posts).size).toBe(posts.length)
    if (!seen.includes(middle)) expect(posts).not.toContain(middle)
    // The loop closes: the summary generated in the background (offline provider) appears on the card by the
    // page's bounded poll, and it is the one the API now serves.
    const asked = posts[0]!
    const shown = page.locator(`[data-violation-id="${asked}"] [data-testid="summary"]`).first()
    await shown.waitFor({ timeout: 20_000 })
    const v = await site.api<ViolationResponse>(`/api/violations/${encodeURIComponent(asked)}`)
    expect(v.summary).not.toBeNull()
    expect((await shown.textContent())?.trim()).toContain(v.summary!.text.slice(0, 40))
  })

  for (const status of [429, 503] as const) {
    it(`a ${status} from the trigger shows "Summary not available yet" and the page stays usable`, async () => {
      // A company no other test opens: its cards have no summary yet, so they ask for one.
      const id = fresh[status === 429 ? 0 : 1]!
      const c = await site.api<CompanyResponse>(`/api/company/${id}`)
      const page = await newPage()
      const body = apiErrorBody(status)
      const hits: Array<string> = []
      await page.route("**/api/violations/*/summary**", (route) => {
        hits.push(route.request().url())
        return route.fulfill({
          status,
          contentType: "application/json",
          headers: status === 429 ? { "retry-after": "3600" } : {},
          body
        })
      })
      await page.goto(url(`/company/${id}`))
      const statuses = page.getByTestId("violation-card").getByTestId("summary-status")
      await page.getByText("Summary not available yet").first().waitFor()
      expect(hits.length).toBeGreaterThan(0)
      // Every card that asked says so; none claims a summary, none is still waiting.
      expect(new Set(await statuses.allTextContents())).toEqual(new Set(["Summary not available yet"]))
      expect(await statuses.count()).toBe(hits.length)
      expect(await page.getByTestId("summary").count()).toBe(0)
      expect(await page.getByTestId("error-state").count()).toBe(0)
      // The raw descriptions stay on screen, and the rest of the page keeps working.
      for (const item of c.feed.flatMap((f) => f.items).slice(0, 2))
        if (item.description !== null)
          expect(
            await page
              .locator(`[data-violation-id="${item.violation_id}"]`)
              .getByTestId("description")
              .textContent()
          ).toContain(item.description.slice(0, 40))
      expect(await page.getByTestId("total-violations").getAttribute("data-value")).toBe(
        String(c.stats_all?.violation_count)
      )
      await page.getByTestId("brand-name").click()
      await page.locator('[data-testid="top-list"] [data-testid="top-row"]').first().waitFor()
    })
  }
})

describe("untrusted text", () => {
  it("renders markup in an agency description as text; no script runs", async () => {
    const page = await newPage()
    const events: Array<string> = []
    page.on("dialog", (d) => {
      events.push(`dialog:${d.message()}`)
      void d.dismiss()
    })
    page.on("console", (m) => {
      if (/img|script|xss/i.test(m.text())) events.push(`console:${m.text()}`)
    })
    await page.goto(url(`/company/${probe.company_slug}`))
    const card = page.locator(`[data-testid="violation-card"][data-violation-id="${probe.violation_id}"]`)
    await card.waitFor()
    const description = card.getByTestId("description")
    expect(await description.textContent()).toContain(MARKUP)
    expect(await card.locator("img, script, b").count()).toBe(0)
    // The violation's own page too.
    await card.getByRole("link").first().click()
    await page.waitForURL(/\/violations\//)
    await page.getByText("unguarded", { exact: false }).first().waitFor()
    expect(await page.locator("main").textContent()).toContain(
      "<script>window.__xss='script';alert('script')</script>"
    )
    await page.waitForTimeout(500)
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined()
    expect(await page.locator('main img[src="x"], main script').count()).toBe(0)
    expect(events).toEqual([])
  })
})

describe("failures", () => {
  it("an unknown company, city or state shows the 404 page", async () => {
    const page = await newPage()
    for (const path of ["/company/no-such-company-anywhere", "/city/nowhere-zz", "/state/zz"]) {
      await page.goto(url(path))
      await page.getByTestId("not-found").waitFor()
      expect(await page.getByTestId("entity-title").count(), path).toBe(0)
    }
  })

  it("API down: an error state whose Retry recovers once the API is back", async () => {
    for (const failure of ["abort", "500"] as const) {
      const page = await newPage()
      // Brand configs load normally; the entity's data is what fails.
      await page.route(`**/api/company/**`, (route) =>
        failure === "abort"
          ? route.abort("connectionrefused")
          : route.fulfill({
              status: 500,
              contentType: "application/json",
              body: '{"_tag":"InternalServerError"}'
            })
      )
      await page.goto(url(`/company/${company.id}`))
      const error = page.getByTestId("error-state")
      await error.waitFor()
      await page.unroute("**/api/company/**")
      await error.getByRole("button", { name: "Retry" }).click()
      await page.getByTestId("total-violations").waitFor()
      expect(await page.getByTestId("error-state").count()).toBe(0)
    }
  })

  it("the whole API down: the home page shows an error state, Retry recovers", async () => {
    const page = await newPage()
    await page.route("**/api/**", (route) => route.abort("connectionrefused"))
    await page.goto(url("/"))
    const error = page.getByTestId("error-state").first()
    await error.waitFor()
    await page.unroute("**/api/**")
    await error.getByRole("button", { name: "Retry" }).click()
    await page.locator('[data-testid="top-list"] [data-testid="top-row"]').first().waitFor()
  })
})

describe("brands", () => {
  const brandOf = async (page: Page) => ({
    name: (await page.getByTestId("brand-name").textContent())?.trim(),
    firstTab: await page.getByRole("tab").first().getAttribute("data-agency")
  })

  it("picks the brand from the host name", async () => {
    const page = await newPage()
    await page.goto(`http://transporttrail.com:${site.server.port}/`)
    await page.getByRole("tab").first().waitFor()
    expect(await brandOf(page)).toEqual({ name: "TransportTrail", firstTab: "faa" })
    await page.goto(`http://oshatrail.com:${site.server.port}/`)
    await page.getByRole("tab").first().waitFor()
    expect(await brandOf(page)).toEqual({ name: "OSHATrail", firstTab: "osha" })
  })

  it("and from ?brand=, which links carry along", async () => {
    const page = await newPage()
    await page.goto(url("/?brand=transporttrail"))
    await page.getByRole("tab").first().waitFor()
    expect(await brandOf(page)).toEqual({ name: "TransportTrail", firstTab: "faa" })
    const colors = await page.evaluate(
      () => getComputedStyle(document.querySelector('[data-testid="site-header"]')!).backgroundColor
    )
    await page.goto(url("/?brand=oshatrail"))
    await page.getByRole("tab").first().waitFor()
    expect(await brandOf(page)).toEqual({ name: "OSHATrail", firstTab: "osha" })
    const other = await page.evaluate(
      () => getComputedStyle(document.querySelector('[data-testid="site-header"]')!).backgroundColor
    )
    expect(other).not.toBe(colors)
    await page.locator('[data-testid="top-row"] a').first().click()
    await page.getByTestId("entity-title").waitFor()
    expect(new URL(page.url()).searchParams.get("brand")).toBe("oshatrail")
    expect((await page.getByTestId("brand-name").textContent())?.trim()).toBe("OSHATrail")
  })
})

describe("accessibility", () => {
  it("Tab alone reaches the search box and every link, on the home page and a company page", async () => {
    const page = await newPage()
    for (const [path, ready] of [
      ["/", '[data-testid="recent-feed"] [data-testid="violation-card"]'],
      [`/company/${company.id}`, '[data-testid="entity-feed"] [data-testid="violation-card"]']
    ] as const) {
      await page.goto(url(path))
      await page.locator(ready).first().waitFor()
      await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null)
      const targets = await page.evaluate(() => {
        const visible = (el: Element) => {
          const r = el.getBoundingClientRect()
          return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"
        }
        const els = [...document.querySelectorAll('a[href], [role="combobox"]')].filter(visible)
        return els.map((el, i) => {
          el.setAttribute("data-kb", String(i))
          return String(i)
        })
      })
      const combobox = await page
        .getByRole("combobox", { name: "Search companies, cities and states" })
        .getAttribute("data-kb")
      expect(combobox).not.toBeNull()
      const reached = new Set<string>()
      for (let i = 0; i < targets.length * 2 + 20 && reached.size < targets.length; i++) {
        await page.keyboard.press("Tab")
        const kb = await page.evaluate(() => document.activeElement?.getAttribute("data-kb") ?? null)
        if (kb !== null) reached.add(kb)
      }
      const missed = await page.evaluate(
        (ids) => ids.map((id) => document.querySelector(`[data-kb="${id}"]`)?.outerHTML.slice(0, 120)),
        targets.filter((t) => !reached.has(t))
      )
      expect({ path, missed }).toEqual({ path, missed: [] })
      expect(reached.has(combobox!), path).toBe(true)
    }
  })

  it("axe (WCAG 2 A and AA): no serious or critical violation on any page type, for both brands", async () => {
    const violation = company.feed.flatMap((f) => f.items)[0]!
    const pages: ReadonlyArray<readonly [string, string]> = [
      ["home", "/"],
      ["company", `/company/${company.id}`],
      ["city", `/city/${citySlug}`],
      ["state", `/state/${stateId}`],
      ["search", "/search?q=mosaic"],
      [
        "violation",
        `/violations/${encodeURIComponent(violation.violation_id)}?entity=${encodeURIComponent(company.entity_key)}`
      ],
      ["not found", "/company/no-such-company-anywhere"]
    ]
    const found: Array<string> = []
    // One page per brand, side by side (axe's contrast checks take most of the time).
    await Promise.all(
      ["oshatrail", "transporttrail"].map(async (brand) => {
        const page = await newPage()
        for (const [name, path] of pages) {
          await page.goto(url(`${path}${path.includes("?") ? "&" : "?"}brand=${brand}`))
          await page.getByTestId("site-header").waitFor()
          await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null)
          const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze()
          for (const v of result.violations)
            if (v.impact === "serious" || v.impact === "critical")
              found.push(
                `${brand} ${name}: ${v.id} (${v.impact}) ${v.nodes
                  .map((n) => n.target.join(" "))
                  .slice(0, 3)
                  .join(", ")}`
              )
        }
      })
    )
    expect(found).toEqual([])
  })

  it("axe: the header's suggestion list, open, has no serious or critical violation", async () => {
    const page = await newPage()
    await page.goto(url("/?brand=oshatrail"))
    const box = page.getByRole("combobox", { name: "Search companies, cities and states" })
    await box.fill("mosiac")
    await page.getByRole("option").first().waitFor()
    await box.press("ArrowDown")
    const result = await new AxeBuilder({ page })
      .include('[data-testid="site-header"]')
      .withTags(["wcag2a", "wcag2aa"])
      .analyze()
    expect(
      result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)
    ).toEqual([])
    // Enter on the highlighted option opens its page.
    await box.press("Enter")
    await page.getByTestId("entity-title").waitFor()
    expect(page.url()).toMatch(/\/company\//)
  })
})
