// Implementation of the search phase of bench/api/run.ts (lives here so that package imports resolve). Not a test.
import { fork } from "node:child_process"
import { cpus } from "node:os"
import { fileURLToPath } from "node:url"
import { companySlug } from "@ventureos/core"
import { type SearchEntry, ServingStore } from "@ventureos/serving"
import { ServingStoreDynamo, startDynalite } from "@ventureos/serving/dynamodb"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { serve } from "../../../adapters-node/src/Serve"
import { Random } from "../../../testkit/src/Random"

/** `BENCH_PHASES`: which phases of bench/api/run.ts run (default both). */
export const benchPhases = (): Array<string> => (process.env.BENCH_PHASES ?? "company,search").split(",")

const COMPANIES = Number(process.env.BENCH_SEARCH_COMPANIES ?? 100_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const LEVELS = (process.env.BENCH_SEARCH_CONCURRENCY ?? "1,4,16").split(",").map(Number)
/** `process` (default): dynalite in its own process, as DynamoDB is remote; `inline`: in the server's. */
const DYNALITE = process.env.BENCH_DYNALITE ?? "process"

// ---- data: 100k distinct company names with the skew of real ones -----------------------------------------

const ONSETS = [
  "b",
  "br",
  "c",
  "ch",
  "cl",
  "d",
  "dr",
  "f",
  "fl",
  "g",
  "gr",
  "h",
  "j",
  "k",
  "l",
  "m",
  "n",
  "p"
]
const ONSETS2 = ["pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "wh", "z", "sc", "bl", "gl", "kr"]
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "oo", "ou", "ie"]
const CODAS = ["", "", "n", "r", "l", "s", "t", "nd", "rt", "ll", "ck", "m", "x", "ng", "son", "ton", "ley"]
const TRADES = [
  "CONSTRUCTION",
  "SERVICES",
  "ROOFING",
  "ELECTRIC",
  "PLUMBING",
  "CONCRETE",
  "LANDSCAPING",
  "TRUCKING",
  "MANUFACTURING",
  "CONTRACTORS",
  "ENTERPRISES",
  "INDUSTRIES",
  "FOODS",
  "FARMS",
  "MECHANICAL",
  "WELDING",
  "PAINTING",
  "EXCAVATING",
  "PAVING",
  "STEEL",
  "LUMBER",
  "MOTORS",
  "BUILDERS",
  "HOMES",
  "DEVELOPMENT",
  "HOLDINGS",
  "LOGISTICS",
  "PLASTICS",
  "POULTRY",
  "MARKETS",
  "RESTAURANT",
  "HOSPITAL",
  "NURSING HOME",
  "AUTO PARTS",
  "MILLWORK",
  "DRYWALL",
  "MASONRY",
  "FRAMING",
  "DEMOLITION",
  "ENVIRONMENTAL",
  "TECHNOLOGIES",
  "SOLUTIONS",
  "PACKAGING",
  "FOUNDRY",
  "MACHINE SHOP",
  "TOOL & DIE",
  "SHEET METAL",
  "GLASS",
  "TIRE",
  "RECYCLING"
]
const SUFFIXES = [
  "INC",
  "INC.",
  ", INC.",
  "LLC",
  ", LLC",
  "CORP",
  "CO",
  "COMPANY",
  "CORPORATION",
  "LP",
  "",
  "",
  ""
]
const PLACES = [
  ["HOUSTON", "TX"],
  ["DALLAS", "TX"],
  ["AUSTIN", "TX"],
  ["LOS ANGELES", "CA"],
  ["FRESNO", "CA"],
  ["CHICAGO", "IL"],
  ["NEW YORK", "NY"],
  ["PHILADELPHIA", "PA"],
  ["ATLANTA", "GA"],
  ["MIAMI", "FL"],
  ["TAMPA", "FL"],
  ["COLUMBUS", "OH"],
  ["DETROIT", "MI"],
  ["CHARLOTTE", "NC"],
  ["NASHVILLE", "TN"],
  ["PHOENIX", "AZ"],
  ["DENVER", "CO"],
  ["SEATTLE", "WA"],
  ["PORTLAND", "OR"],
  ["BOSTON", "MA"]
] as const
/** Well-known names the queries look for, with their typos. */
const FAMOUS: ReadonlyArray<readonly [string, ReadonlyArray<string>, number]> = [
  ["WAL-MART STORES, INC.", ["WAL MART STORES INC", "WALMART SUPERCENTER #1234"], 5_000],
  ["THE HOME DEPOT INC", ["HOME DEPOT USA INC"], 2_400],
  ["CALIFORNIA DEPARTMENT OF CORRECTIONS", ["CA DEPT OF CORRECTIONS"], 900],
  ["UNITED STATES POSTAL SERVICE", ["U.S. POSTAL SERVICE"], 3_100],
  ["TYSON FOODS INC", [], 1_200],
  ["DOLLAR GENERAL CORPORATION", [], 1_500]
]

const word = (r: Random): string => {
  const syllables = r.int(2, 3)
  let w = ""
  for (let i = 0; i < syllables; i++)
    w +=
      (i === 0 ? r.pick(ONSETS) : r.pick([...ONSETS, ...ONSETS2])) +
      r.pick(VOWELS) +
      (i === syllables - 1 ? r.pick(CODAS) : "")
  return w.toUpperCase()
}

/** The companies: distinct slugs, Zipf-like counts, heads drawn with a skew (a few hundred JOHNSON-like heads). */
export const companies = (n: number, seed = 7): Array<SearchEntry> => {
  const r = new Random(seed)
  const heads = Array.from({ length: Math.max(1000, Math.round(n / 3)) }, () => word(r))
  const head = () => heads[Math.floor(heads.length * r.next() ** 2.2)]!
  const trade = () => TRADES[Math.floor(TRADES.length * r.next() ** 1.6)]!
  const out: Array<SearchEntry> = []
  const seen = new Set<string>()
  const add = (name: string, variants: ReadonlyArray<string>, count: number) => {
    const slug = companySlug(name)
    if (slug === undefined || seen.has(slug)) return false
    seen.add(slug)
    const [city, state] = r.pick(PLACES)
    out.push({
      entity_key: `COMPANY#${slug}`,
      display_name: name,
      name_variants: [...variants],
      place: `${city}, ${state}`,
      violation_count: count,
      updated_at: "2026-11-30T00:00:00.000Z"
    } as unknown as SearchEntry)
    return true
  }
  for (const [name, variants, count] of FAMOUS) add(name, variants, count)
  while (out.length < n) {
    const f = r.next()
    const name =
      f < 0.5
        ? `${head()} ${trade()} ${r.pick(SUFFIXES)}`
        : f < 0.65
          ? `${head()} ${head()} ${trade()} ${r.pick(SUFFIXES)}`
          : f < 0.7
            ? `${head()} & SONS ${trade()}`
            : f < 0.8
              ? `${r.pick(PLACES)[0]} ${trade()} ${r.pick(SUFFIXES)}`
              : f < 0.9
                ? `${head()} ${r.pick(SUFFIXES)}`
                : f < 0.95
                  ? `${head()}-${head()} ${trade()}`
                  : `${String.fromCharCode(65 + r.int(0, 25))} ${String.fromCharCode(65 + r.int(0, 25))} ${String.fromCharCode(65 + r.int(0, 25))} ${trade()}`
    const rank = out.length + 1
    add(name.replace(/\s+,/g, ",").trim(), [], Math.max(1, Math.floor(3_000 / rank ** 0.75)) + r.int(0, 3))
  }
  return out
}

/** A typo past the third letter: a dropped, doubled, swapped or replaced letter. */
const typo = (r: Random, w: string): string => {
  if (w.length < 5) return w
  const i = r.int(3, w.length - 1)
  switch (r.int(0, 3)) {
    case 0:
      return w.slice(0, i) + w.slice(i + 1)
    case 1:
      return w.slice(0, i) + w[i] + w.slice(i)
    case 2:
      return i + 1 < w.length ? w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2) : w.slice(0, i)
    default:
      return w.slice(0, i) + "aeiou"[r.int(0, 4)] + w.slice(i + 1)
  }
}

export type QueryKind = "exact" | "prefix" | "typo"
export interface BenchQuery {
  readonly kind: QueryKind
  readonly q: string
  /** The company the query was made from. */
  readonly target: string
}

/** One third each: a whole name (its slug is an exact match), a name's first 3..10 letters, a misspelled word. */
export const queries = (cs: ReadonlyArray<SearchEntry>, n: number, seed = 11): Array<BenchQuery> => {
  const r = new Random(seed)
  const out: Array<BenchQuery> = [
    { kind: "typo", q: "walmrt", target: "COMPANY#walmart-stores" },
    { kind: "typo", q: "wal mart", target: "COMPANY#walmart-stores" },
    { kind: "typo", q: "CORECTIONS", target: "COMPANY#california-department-of-corrections" }
  ]
  while (out.length < n) {
    // Popular companies are searched more often (as on a real site): skew towards the first ones.
    const c = cs[Math.floor(cs.length * r.next() ** 3)]!
    const name = c.display_name
    const kind: QueryKind = out.length % 3 === 0 ? "exact" : out.length % 3 === 1 ? "prefix" : "typo"
    if (kind === "exact") out.push({ kind, q: name, target: c.entity_key })
    else if (kind === "prefix")
      out.push({
        kind,
        q: name.slice(0, r.int(3, Math.min(10, name.length))).toLowerCase(),
        target: c.entity_key
      })
    else {
      // The whole name with one of its longer words misspelled.
      const ws = name.split(/\s+/)
      const long = ws.flatMap((w, i) => (/^[A-Z]{5,}$/.test(w) ? [i] : []))
      if (long.length === 0) continue
      const i = r.pick(long)
      out.push({
        kind,
        q: ws
          .map((w, j) => (j === i ? typo(r, w) : w))
          .join(" ")
          .toLowerCase(),
        target: c.entity_key
      })
    }
  }
  return out
}

// ---- load ------------------------------------------------------------------------------------------------

interface Stats {
  readonly concurrency: number
  readonly requests: number
  readonly errors: number
  readonly rps: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  /** Share of queries whose company is in the results (first for exact names). */
  readonly found: Record<QueryKind, number>
}

const loadSearch = async (
  url: string,
  qs: ReadonlyArray<BenchQuery>,
  seconds: number,
  concurrency: number
) => {
  const latencies: Array<number> = []
  let errors = 0
  const hits: Record<QueryKind, [number, number]> = { exact: [0, 0], prefix: [0, 0], typo: [0, 0] }
  const end = performance.now() + seconds * 1000
  let n = 0
  const worker = async () => {
    while (performance.now() < end) {
      const q = qs[n++ % qs.length]!
      const t = performance.now()
      try {
        const r = await fetch(`${url}/api/search?q=${encodeURIComponent(q.q)}&limit=10`)
        const body = (await r.json()) as { results?: ReadonlyArray<{ entity_key: string }> }
        latencies.push(performance.now() - t)
        if (r.status !== 200) errors++
        const keys = (body.results ?? []).map((x) => x.entity_key)
        const h = hits[q.kind]
        h[1]++
        if (q.kind === "exact" ? keys[0] === q.target : keys.includes(q.target)) h[0]++
      } catch {
        latencies.push(performance.now() - t)
        errors++
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const p = (x: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))]!.toFixed(2))
  const share = ([a, b]: [number, number]) => (b === 0 ? 0 : Number((a / b).toFixed(3)))
  return {
    concurrency,
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / elapsed),
    p50: p(0.5),
    p95: p(0.95),
    p99: p(0.99),
    max: Number(latencies.at(-1)!.toFixed(2)),
    found: { exact: share(hits.exact), prefix: share(hits.prefix), typo: share(hits.typo) }
  } satisfies Stats
}

/** Load from a separate process (the generator does not share the server's event loop). */
const remoteLoad = (url: string, qs: ReadonlyArray<BenchQuery>, seconds: number, concurrency: number) =>
  new Promise<Stats>((ok, ko) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_SEARCH_CHILD: "load" },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("message", (m) => ok(m as Stats))
    child.once("exit", (code) => (code === 0 ? undefined : ko(new Error(`load generator exited ${code}`))))
    child.send({ url, qs, seconds, concurrency })
  })

/** dynalite in its own process; resolves its endpoint and a stop function. */
const dynaliteProcess = () =>
  new Promise<{ endpoint: string; stop: () => void }>((ok, ko) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, BENCH_SEARCH_CHILD: "dynalite" },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.once("message", (m) => ok({ endpoint: String(m), stop: () => child.kill("SIGTERM") }))
    child.once("exit", (code) => ko(new Error(`dynalite exited ${code}`)))
  })

if (process.env.BENCH_SEARCH_CHILD === "load")
  process.once(
    "message",
    async (m: { url: string; qs: Array<BenchQuery>; seconds: number; concurrency: number }) => {
      const stats = await loadSearch(m.url, m.qs, m.seconds, m.concurrency)
      process.stderr.write(`search c=${m.concurrency}: ${JSON.stringify(stats)}\n`)
      process.send!(stats, () => process.exit(0))
    }
  )
if (process.env.BENCH_SEARCH_CHILD === "dynalite") {
  const scope = Effect.runSync(Scope.make())
  Effect.runPromise(Scope.provide(startDynalite(), scope)).then((d) => process.send!(d.endpoint))
  process.once("SIGTERM", () => process.exit(0))
}

// ---- the phase -------------------------------------------------------------------------------------------

export const runSearchBench = async () => {
  const scope = Effect.runSync(Scope.make())
  const external = DYNALITE === "process" ? await dynaliteProcess() : undefined
  const endpoint =
    external?.endpoint ?? (await Effect.runPromise(Scope.provide(startDynalite(), scope))).endpoint
  const store = await Effect.runPromise(
    Layer.buildWithScope(
      ServingStoreDynamo.layer({
        endpoint,
        region: "us-east-1",
        credentials: ServingStoreDynamo.LOCAL_CREDENTIALS,
        tablePrefix: "SearchBench",
        setup: true
      }),
      scope
    )
  )
  const port = Context.get(store, ServingStore)
  const cs = companies(COMPANIES)
  process.stderr.write(`seeding ${cs.length} companies through putSearchEntries…\n`)
  const t0 = performance.now()
  for (let i = 0; i < cs.length; i += 2_000) {
    await Effect.runPromise(port.putSearchEntries(cs.slice(i, i + 2_000)))
    if ((i / 2_000) % 10 === 0)
      process.stderr.write(`  ${i + 2_000} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`)
  }
  const seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1))
  // A retry of one batch writes nothing (compare before write).
  const again = await Effect.runPromise(port.putSearchEntries(cs.slice(0, 2_000)))
  const server = await serve({ port: 0, layer: Layer.succeedContext(store), docs: "none" })
  const qs = queries(cs, 6_000)
  // Warm-up (JIT of the server and of dynalite).
  await remoteLoad(server.url, qs, Math.max(2, Math.round(SECONDS / 4)), 4)
  const results: Array<Stats> = []
  for (const c of LEVELS) results.push(await remoteLoad(server.url, qs, SECONDS, c))
  // The store port alone (no HTTP), one at a time: what a search costs the driver and dynalite.
  const portLatencies: Array<number> = []
  const portEnd = performance.now() + Math.min(10, SECONDS) * 1000
  for (let i = 0; performance.now() < portEnd; i++) {
    const q = qs[i % qs.length]!
    const t = performance.now()
    await Effect.runPromise(port.search(q.q, { limit: 10 }))
    portLatencies.push(performance.now() - t)
  }
  portLatencies.sort((a, b) => a - b)
  const pq = (x: number) => Number(portLatencies[Math.floor(x * portLatencies.length)]!.toFixed(2))
  await server.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  external?.stop()
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", node: process.version },
    companies: cs.length,
    dynalite: DYNALITE,
    seed_seconds: seedSeconds,
    retry_written: again.written,
    seconds: SECONDS,
    http: results,
    store_port_c1: { requests: portLatencies.length, p50: pq(0.5), p95: pq(0.95), p99: pq(0.99) }
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  return result
}
