// Implementation of bench/web/run.ts (lives here so that package imports resolve). Not a test.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { cpus, release, tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { GenerationLog } from "@ventureos/api"
import { type EntityStats, type Violation, ViolationTypes } from "@ventureos/core"
import { BrandConfig, EntityHistory, EntityProfile, ServingStore } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { letterName } from "@ventureos/testkit"
import { Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import type { Browser, Page } from "playwright-core"
import { record } from "../../../api/test/seed"
import { buildWeb, launchChromium } from "../../../web/test/harness"
import { serve } from "../../src/Serve"

const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 100_000)
/**
 * Companies that also get a history item and their recent violations in the live feed (the ones navigated
 * to). The live feed write is the slow part of seeding on dynalite (~9 ms per violation: company, city,
 * state and national placements each read before they write), so not all 100k get one.
 */
const DETAILED = Math.min(COMPANIES, Number(process.env.BENCH_DETAILED ?? 5_000))
const NAVIGATIONS = Number(process.env.BENCH_NAVIGATIONS ?? 50)
/** Companies written per store call. */
const CHUNK = 500

const STATES = ["TX", "CA", "FL", "NY", "OH", "PA", "IL", "GA", "NC", "MI", "WA", "AZ", "CO", "TN", "MO"]
/** 1,500 cities over 15 states: ~67 companies per city, ~6,700 per state. */
const place = (i: number) => {
  const c = i % 1500
  return { city: `${letterName(c)} SPRINGS`, state: STATES[c % STATES.length]! }
}
const AGENCIES = ["osha", "epa", "faa"] as const

const YEARS = [2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024]

/**
 * Company `i`: ten years of history over the three agencies (0-2 violations per agency and year, as a
 * historical backfill leaves in gold), totals equal to that history, its profile, and its two most recent
 * violations for the live feed.
 */
const company = (i: number) => {
  const name = `${letterName(i)} WIDGET WORKS`
  const { city, state } = place(i)
  const points = YEARS.flatMap((year, y) =>
    AGENCIES.flatMap((agency, k) => {
      const n = (i * 7 + y * 3 + k * 5) % 5 <= 2 ? (i + y + k) % 3 : 0
      return n === 0
        ? []
        : [
            {
              agency,
              year,
              violation_count: n,
              penalty_initial_total: `${n * (1000 + (i % 50) * 100)}.00`,
              penalty_current_total: `${n * (700 + (i % 50) * 70)}.00`
            }
          ]
    })
  )
  const last = points.at(-1)!
  const violations: Array<Violation> = [0, 1].map((k) =>
    record({
      agency: last.agency,
      id: `${i}-${k}`,
      company: name,
      city,
      state,
      date: `${last.year}-0${3 + k * 4}-1${i % 10}`,
      penalty: `${1000 + (i % 50) * 100}.00`
    })
  )
  const slug = violations[0]!.company_slug
  const key = `COMPANY#${slug}`
  const totals = (agency: string, ps: typeof points): EntityStats => {
    const count = ps.reduce((n, p) => n + p.violation_count, 0)
    const years = ps.map((p) => p.year).sort()
    return {
      entity_key: key,
      agency,
      violation_count: count,
      counts_by_type: { ...Object.fromEntries(ViolationTypes.map((t) => [t, 0])), serious: count },
      penalty_initial_total: `${ps.reduce((n, p) => n + Number(p.penalty_initial_total), 0)}.00`,
      penalty_current_total: `${ps.reduce((n, p) => n + Number(p.penalty_current_total), 0)}.00`,
      open_count: 0,
      closed_count: count,
      first_event_date: `${years[0]}-01-15`,
      last_event_date: `${years.at(-1)}-11-20`,
      source_snapshot: "bench",
      updated_at: "2026-11-30T00:00:00.000Z"
    } as unknown as EntityStats
  }
  const stats = [
    totals("all", points),
    ...AGENCIES.map((a) => points.filter((p) => p.agency === a))
      .filter((ps) => ps.length > 0)
      .map((ps) => totals(ps[0]!.agency, ps))
  ]
  const history = Schema.decodeUnknownSync(EntityHistory)({
    entity_key: key,
    points,
    source_snapshot: "bench",
    updated_at: "2026-11-30T00:00:00.000Z"
  })
  const profile = Schema.decodeUnknownSync(EntityProfile)({
    entity_key: key,
    display_name: name,
    name_variants: [name],
    naics: "236220",
    industry: "Construction",
    city,
    state,
    zip: null,
    first_seen: stats[0]!.first_event_date,
    last_seen: stats[0]!.last_event_date
  })
  return { slug, violations, stats, history, profile }
}

const quantile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
const summary = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return {
    n: s.length,
    median: Math.round(quantile(s, 0.5)),
    p95: Math.round(quantile(s, 0.95)),
    min: Math.round(s[0]!),
    max: Math.round(s.at(-1)!)
  }
}

/** gzip -9 size of the JS (and CSS) index.html loads before anything runs. */
const firstLoadSize = (dist: string) => {
  const html = readFileSync(join(dist, "index.html"), "utf8")
  const refs = [
    ...html.matchAll(/<script[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+href="([^"]+)"[^>]+rel="modulepreload"/g)
  ].map((m) => m[1]!)
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]!)
  const size = (files: ReadonlyArray<string>) =>
    [...new Set(files)].reduce(
      (acc, f) => {
        const bytes = readFileSync(join(dist, f.replace(/^\//, "")))
        return { raw: acc.raw + bytes.length, gzip: acc.gzip + gzipSync(bytes, { level: 9 }).length }
      },
      { raw: 0, gzip: 0 }
    )
  return { js: { files: [...new Set(refs)], ...size(refs) }, css: { files: css, ...size(css) } }
}

/**
 * In the page, each frame: `performance.now()` (ms since the navigation started) once the totals and the
 * chart's canvas have a size on screen, else false. No named inner functions: tsx would wrap them in a
 * `__name` helper that does not exist in the browser (and the page's CSP forbids evaluating strings).
 */
const ready = () => {
  const total = document.querySelector('[data-testid="total-violations"]')?.getBoundingClientRect()
  const chart = document.querySelector('[data-testid="history-chart"] canvas')?.getBoundingClientRect()
  return total !== undefined && chart !== undefined && total.height > 0 && chart.width > 0 && chart.height > 0
    ? performance.now()
    : false
}

/** Resources whose arrival the benchmark reports (URL parts). */
const RESOURCES = {
  config: ["/config.json"],
  brand: ["/api/config/", "/api/brand"],
  company: ["/api/company/"],
  history: ["/api/history/"],
  chartChunk: ["/assets/chart-"]
}

/** Navigate to a company page; ms from navigation start until the totals and the chart's canvas are visible. */
const timeCompanyPage = async (browser: Browser, url: string, shared: { page?: Page }) => {
  let page = shared.page
  let own = false
  if (page === undefined) {
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    own = true
  }
  await page.goto(url, { waitUntil: "commit" })
  const handle = await page.waitForFunction(ready, undefined, { polling: "raf", timeout: 30_000 })
  const ms = (await handle.jsonValue()) as number
  // Where the time went, from the page's own Navigation and Resource Timing (ms since navigation start).
  // (Callbacks stay anonymous: tsx wraps named functions in a `__name` helper the browser lacks.)
  const phases = await page.evaluate((groups) => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming
    const resources = performance.getEntriesByType("resource") as Array<PerformanceResourceTiming>
    return {
      document: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      ...Object.fromEntries(
        Object.entries(groups).map(([k, paths]) => [
          k,
          resources
            .filter((r) => paths.some((p) => r.name.includes(p)))
            .reduce((m, r) => Math.max(m, r.responseEnd), 0)
        ])
      )
    } as Record<string, number>
  }, RESOURCES)
  if (own) await page.context().close()
  return { ms, phases }
}

/** Run the benchmark; its temp folder (the web build) is removed however it ends. */
export const runWebBench = async () => {
  const dir = mkdtempSync(join(tmpdir(), "ventureos-bench-web-"))
  try {
    return await benchIn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const benchIn = async (dir: string) => {
  const scope = Effect.runSync(Scope.make())
  const dist = join(dir, "dist")
  const building = buildWeb(dist)
  const dynalite = await Effect.runPromise(Scope.provide(startDynalite(), scope))
  const store = await Effect.runPromise(
    Layer.buildWithScope(
      ServingStoreDynamo.layer({
        endpoint: dynalite.endpoint,
        region: "us-east-1",
        credentials: ServingStoreDynamo.LOCAL_CREDENTIALS,
        tablePrefix: "BenchWeb",
        setup: true
      }),
      scope
    )
  )
  const port = Context.get(store, ServingStore)
  const brand = Schema.decodeUnknownSync(BrandConfig)(
    JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "..", "samples", "brands", "oshatrail.json"), "utf8")
    )
  )
  const started = performance.now()
  const slugs: Array<string> = []
  process.stderr.write(
    `seeding ${COMPANIES} companies (profiles, totals; ${DETAILED} with their feed) through the serving store's write path…\n`
  )
  for (let from = 0; from < COMPANIES; from += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, COMPANIES - from) }, (_, k) => company(from + k))
    for (const c of chunk) slugs.push(c.slug)
    const detailed = chunk.filter((_, k) => from + k < DETAILED)
    await Effect.runPromise(
      Effect.all(
        [
          port.syncStats(
            chunk.flatMap((c) => c.stats),
            "bench"
          ),
          port.putProfiles(chunk.map((c) => c.profile)),
          detailed.length === 0 ? Effect.void : port.applyFeed(detailed.flatMap((c) => c.violations)),
          detailed.length === 0
            ? Effect.void
            : port.putHistory(
                detailed.map((c) => c.history),
                "bench"
              )
        ],
        { concurrency: 4, discard: true }
      )
    )
    if ((from / CHUNK) % 20 === 0)
      process.stderr.write(
        `  ${from + chunk.length} companies, ${((performance.now() - started) / 1000).toFixed(0)} s\n`
      )
  }
  await Effect.runPromise(port.putBrand(brand))
  const seedSeconds = (performance.now() - started) / 1000
  process.stderr.write(`seeded in ${seedSeconds.toFixed(0)} s\n`)
  await building
  const server = await serve({
    port: 0,
    layer: Layer.succeedContext(store),
    web: dist,
    docs: "none",
    // the pages ask for summaries of the cards they show: generated offline, records kept quiet
    services: {
      policy: { brandDaily: 1_000_000, clientDaily: 1_000_000 },
      log: GenerationLog.layerCollect([])
    }
  })
  const browser = await launchChromium()
  // Random companies (fixed seed: the same ones every run).
  let seed = 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const pick = () => slugs[Math.floor(random() * DETAILED)]!
  const pageUrl = (slug: string) => `${server.url}/company/${slug}?brand=${brand.id}`
  // Warm-up (JIT of server and store, Chromium's first start), not measured.
  for (let i = 0; i < 5; i++) await timeCompanyPage(browser, pageUrl(pick()), {})
  type Timing = Awaited<ReturnType<typeof timeCompanyPage>>
  // Cold: a new browser context per navigation (empty cache: index.html, scripts, config, API all fetched).
  const cold: Array<Timing> = []
  for (let i = 0; i < NAVIGATIONS; i++) cold.push(await timeCompanyPage(browser, pageUrl(pick()), {}))
  // Warm: one context (immutable assets from the cache), still a full document load per company.
  const shared = {
    page: await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
  }
  const warm: Array<Timing> = []
  for (let i = 0; i < NAVIGATIONS; i++) warm.push(await timeCompanyPage(browser, pageUrl(pick()), shared))
  const medians = (ts: ReadonlyArray<Timing>) =>
    Object.fromEntries(
      Object.keys(ts[0]!.phases).map((k) => [k, summary(ts.map((t) => t.phases[k] ?? 0)).median])
    )
  // The API read alone, for comparison.
  const apiMs: Array<number> = []
  for (let i = 0; i < NAVIGATIONS; i++) {
    const t = performance.now()
    await (await fetch(`${server.url}/api/company/${pick()}`)).arrayBuffer()
    apiMs.push(performance.now() - t)
  }
  // Every script a cold company page load fetched (entry, preloads and lazy chunks), gzip -9.
  const scripts = new Set<string>()
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on("response", (r) => {
    if (r.request().resourceType() === "script") scripts.add(new URL(r.url()).pathname)
  })
  await timeCompanyPage(browser, pageUrl(pick()), { page })
  await context.close()
  const loaded = [...scripts].reduce(
    (n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length,
    0
  )
  const firstLoad = firstLoadSize(dist)
  await browser.close()
  await server.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  const result = {
    companies: COMPANIES,
    detailed: DETAILED,
    navigations: NAVIGATIONS,
    seedSeconds: Math.round(seedSeconds),
    coldMs: summary(cold.map((t) => t.ms)),
    coldPhasesMedianMs: medians(cold),
    warmMs: summary(warm.map((t) => t.ms)),
    warmPhasesMedianMs: medians(warm),
    apiCompanyMs: summary(apiMs),
    firstLoad,
    companyPageScripts: { files: [...scripts], gzip: loaded },
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model, kernel: release(), node: process.version },
    date: new Date().toISOString()
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  return result
}
