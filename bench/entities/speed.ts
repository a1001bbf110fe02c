/**
 * Matching speed: N new names resolved against an entity map of M existing names (generated, deterministic),
 * with time and peak memory. The existing map is built directly (each generated company with its variants),
 * as a lake that had resolved them earlier would hold it; the measured step is what an ingest does: token
 * statistics and the blocking index over all names, then only the new names scored. Run from the repo root:
 *
 *   pnpm exec tsx bench/entities/speed.ts                  # 100k new vs 1M existing
 *   BENCH_EXISTING=100000 BENCH_NEW=10000 pnpm exec tsx bench/entities/speed.ts
 */
import { uptime } from "node:os"
import {
  companyOf,
  type EntityMap,
  normalizeName,
  resolve,
  type VariantEntry,
  type VariantInput,
  variantKeyOf
} from "../../packages/entities/src/index"
import { Random } from "../../packages/testkit/src/Random"

const EXISTING = Number(process.env.BENCH_EXISTING ?? 1_000_000)
const NEW = Number(process.env.BENCH_NEW ?? 100_000)
const rng = new Random("entities-speed")

const SYL = [
  "AL",
  "BER",
  "CAS",
  "DEL",
  "EN",
  "FOR",
  "GAR",
  "HAL",
  "IN",
  "JON",
  "KEL",
  "LAN",
  "MOR",
  "NOR",
  "OS",
  "PER",
  "QUIN",
  "ROS",
  "SAN",
  "TER",
  "UL",
  "VAN",
  "WIL",
  "XAN",
  "YOR",
  "ZEL",
  "TON",
  "RIA",
  "MAR",
  "COR"
]
const GENERIC = [
  "",
  "",
  "",
  " INDUSTRIES",
  " SERVICES",
  " SUPPLY",
  " FOODS",
  " CONSTRUCTION",
  " TRUCKING",
  " MARKETS"
]
const LEGAL = [
  "",
  " INC",
  " INC.",
  ", INC.",
  " LLC",
  ", LLC",
  " CORP",
  " CORPORATION",
  " CO",
  " COMPANY",
  " LP"
]
const STATES = ["CA", "TX", "FL", "NY", "OH", "PA", "IL", "GA", "NC", "MI"]
const word = () => {
  let w = ""
  const n = rng.int(2, 3)
  for (let i = 0; i < n; i++) w += SYL[rng.int(0, SYL.length - 1)]
  return w
}
const pick = <A>(xs: ReadonlyArray<A>) => xs[rng.int(0, xs.length - 1)]!

interface Company {
  readonly core: string
  readonly state: string
}
// two made-up words (27k x 27k possible cores): companies are told apart by their words, as real ones mostly are
const makeCompany = (): Company => ({ core: `${word()} ${word()}${pick(GENERIC)}`, state: pick(STATES) })
/** One published spelling of a company: legal form, punctuation, store number, case. */
const spelling = (c: Company): string => {
  let s = c.core + pick(LEGAL)
  const r = rng.int(0, 9)
  if (r === 0) s = `${s} #${rng.int(1, 9999)}`
  else if (r === 1) s = `${s} STORE ${rng.int(100, 999)}`
  else if (r === 2) s = s.replace(" ", "-")
  return s
}

const started = performance.now()
const companies: Array<Company> = []
const variants: Record<string, VariantEntry> = {}
const companyEntries: Record<string, { name: string; parent: string | null }> = {}
const truth = new Map<string, number>()
let made = 0
while (made < EXISTING) {
  const c = makeCompany()
  const id = companies.push(c) - 1
  let rep: string | undefined
  for (let i = rng.int(1, 5); i > 0 && made < EXISTING; i--) {
    const name = spelling(c)
    const key = variantKeyOf(name)
    if (variants[key] !== undefined) continue
    rep ??= key
    const n = normalizeName(name)
    variants[key] = {
      input: {
        key,
        name,
        sites: [{ address: null, city: null, state: c.state, zip: null }],
        naics: [],
        frs: [],
        rows: 1
      },
      head: n.key,
      qualified: n.tail.length > 0,
      company: rep,
      rule: rep === key ? "representative" : "generated",
      score: 1,
      via: null,
      parts: null,
      coherence: null
    }
    truth.set(key, id)
    made++
  }
  if (rep !== undefined) companyEntries[rep] = { name: variants[rep]!.input.name, parent: null }
}
const map: EntityMap = { version: 1, updatedAt: "", variants, companies: companyEntries }
const built = performance.now()

// New names: half new spellings of existing companies, half new companies
const inputs: Array<VariantInput> = []
const newTruth = new Map<string, number>()
while (inputs.length < NEW) {
  const existing = rng.int(0, 1) === 0
  const id = existing ? rng.int(0, companies.length - 1) : companies.push(makeCompany()) - 1
  const name = spelling(companies[id]!)
  const key = variantKeyOf(name)
  if (variants[key] !== undefined || newTruth.has(key)) continue
  newTruth.set(key, id)
  inputs.push({
    key,
    name,
    sites: [{ address: null, city: null, state: companies[id]!.state, zip: null }],
    naics: [],
    frs: [],
    rows: 1
  })
}
const generated = performance.now()

const before = process.resourceUsage().maxRSS
const t0 = performance.now()
const cpu0 = process.cpuUsage()
const result = resolve(map, inputs, [], { suggestions: false })
const cpu = process.cpuUsage(cpu0)
const t1 = performance.now()

// Quality of the new names' companies against the generated truth (pairs new-new and new-existing in blocks)
let right = 0
let wrongMerge = 0
let missed = 0
const companyOfTruth = new Map<number, string>()
for (const [k, id] of truth) if (!companyOfTruth.has(id)) companyOfTruth.set(id, companyOf(result.map, k))
for (const [k, id] of newTruth) {
  const got = companyOf(result.map, k)
  const want = companyOfTruth.get(id)
  if (want === undefined) {
    // a new company: right when no existing company took it
    if (truth.get(got) === undefined || truth.get(got) === id) right++
    else wrongMerge++
  } else if (got === want) right++
  else if (truth.get(got) !== undefined && truth.get(got) !== id) wrongMerge++
  else missed++
}
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`
console.log(
  `existing names ${EXISTING.toLocaleString()} (${companies.length.toLocaleString()} companies incl. new), new names ${NEW.toLocaleString()}`
)
console.log(
  `setup: map built in ${((built - started) / 1000).toFixed(1)} s, new names in ${((generated - built) / 1000).toFixed(1)} s`
)
console.log(
  `resolve: ${((t1 - t0) / 1000).toFixed(1)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s (${result.compared.toLocaleString()} comparisons, ${(result.compared / NEW).toFixed(1)} per new name)`
)
console.log(`peak RSS: ${mb(process.resourceUsage().maxRSS)} (before resolve ${mb(before)})`)
console.log(
  `new names: ${right.toLocaleString()} right, ${wrongMerge} joined to another company, ${missed} not joined to theirs`
)
console.log(
  `machine: load average ${
    uptime() > 0
      ? (await import("node:os"))
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")
      : "?"
  }`
)
