/**
 * The browser tests' world, built once per test file: an in-memory dynalite served by `serve()` on port 0
 * with the web app built by its own Vite into a temp folder, the real sample files ingested into it by the
 * real CLI (`ventureos demo --no-serve`: bronze → silver → gold in a temp VENTUREOS_HOME → the serving store,
 * plus the example brands), and one headless Chromium.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { type Browser, chromium } from "playwright-core"
import type { RunningServer } from "../../adapters-node/src/Serve"
import { type SiteServer, startSiteServer } from "../../adapters-node/test/web/site"

export const ROOT = resolve(import.meta.dirname, "..", "..", "..")
export const WEB = join(ROOT, "packages", "web")
const BIN = join(ROOT, "packages", "adapters-node", "src", "bin.ts")

/** Run a command to completion; its output is kept for the error message only. */
const run = (args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  new Promise<void>((ok, ko) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString()
    })
    child.on("error", ko)
    child.on("close", (code) =>
      code === 0 ? ok() : ko(new Error(`${args.join(" ")} exited ${code}:\n${out.slice(-4000)}`))
    )
  })

/** `vite build` of packages/web into `outDir` (what `pnpm --filter @ventureos/web build` runs). */
export const buildWeb = (outDir: string): Promise<void> => {
  const vite = join(
    dirname(createRequire(join(WEB, "package.json")).resolve("vite/package.json")),
    "bin",
    "vite.js"
  )
  return run([vite, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "error"], { cwd: WEB })
}

/**
 * The real CLI's demo without serving: the bundled samples ingested daily (the lake under `home`, the
 * serving store at `endpoint`) and the brands stored.
 */
export const ingestSamples = (home: string, endpoint: string, feedSize: number): Promise<void> => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VENTUREOS_HOME: home,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    VENTUREOS_FEED_SIZE: String(feedSize),
    NO_COLOR: "1"
  }
  delete env.AWS_ENDPOINT_URL
  delete env.AWS_ACCESS_KEY_ID
  delete env.VENTUREOS_TABLE_PREFIX
  return run(["--import", "tsx", BIN, "demo", "--no-serve"], { cwd: ROOT, env })
}

/**
 * Feed items kept per entity and agency in the tests' store: more than the default 5, so state pages have
 * enough cards to scroll past.
 */
export const FEED_SIZE = 25

/** Debian's headless shell when installed (starts faster), else the full Chromium. */
export const chromiumPath = (): string =>
  existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium"

export const launchChromium = (extraArgs: ReadonlyArray<string> = []): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      ...extraArgs
    ]
  })

/** Brand domains resolve to the local server, as DNS would send them to the deployed site. */
export const BRAND_HOSTS = ["oshatrail.com", "transporttrail.com"] as const
export const hostResolverRules = `--host-resolver-rules=${BRAND_HOSTS.map((h) => `MAP ${h} 127.0.0.1`).join(",")}`

/** The running world of a test file. */
export interface Site {
  readonly server: RunningServer
  /** Put violations into the live feed through the store's write path (records the samples lack). */
  readonly applyFeed: SiteServer["applyFeed"]
  readonly browser: Browser
  readonly home: string
  /** GET an API path (`/api/...`) and decode its JSON; throws on a non-2xx status. */
  readonly api: <T>(path: string) => Promise<T>
  readonly close: () => Promise<void>
}

/** Build, ingest, serve, launch (build and ingest run side by side). */
export const startSite = async (
  options: { readonly browserArgs?: ReadonlyArray<string> } = {}
): Promise<Site> => {
  const dir = mkdtempSync(join(tmpdir(), "ventureos-web-test-"))
  const home = join(dir, "home")
  const dist = join(dir, "dist")
  const browser = launchChromium(options.browserArgs)
  const site = await startSiteServer(dist, FEED_SIZE).catch(async (e: unknown) => {
    await (await browser).close()
    throw e
  })
  try {
    await Promise.all([buildWeb(dist), ingestSamples(home, site.endpoint, FEED_SIZE)])
  } catch (e) {
    await (await browser).close()
    await site.close()
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  const server = site.server
  const api = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${server.url}${path}`)
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`)
    return (await r.json()) as T
  }
  return {
    server,
    applyFeed: site.applyFeed,
    browser: await browser,
    home,
    api,
    close: async () => {
      await (await browser).close().catch(() => undefined)
      await site.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The ids of the pages the tests and screenshots look at, picked from the ingested samples. */
export interface SampleEntities {
  /** The most-cited company whose feed has a city (federal agencies often have none). */
  readonly company: string
  readonly city: string
  /** Lowercase USPS code. */
  readonly state: string
}

interface TopJson {
  readonly entries: ReadonlyArray<{ readonly entity_key: string }>
}
interface CompanyJson {
  readonly stats_all: unknown
  readonly feed: ReadonlyArray<{
    readonly items: ReadonlyArray<{ readonly city_slug: string | null; readonly state: string | null }>
  }>
}

export const sampleEntities = async (site: Pick<Site, "api">): Promise<SampleEntities> => {
  const top = await site.api<TopJson>("/api/top?scope=national&by=count")
  for (const e of top.entries) {
    const id = e.entity_key.slice("COMPANY#".length)
    const c = await site.api<CompanyJson>(`/api/company/${id}`)
    const placed = c.feed.flatMap((f) => f.items).find((i) => i.city_slug !== null && i.state !== null)
    if (placed !== undefined && c.stats_all !== null)
      return { company: id, city: placed.city_slug!, state: placed.state!.toLowerCase() }
  }
  throw new Error("no sample company with a city in its feed")
}
