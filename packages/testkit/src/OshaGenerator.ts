import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { cell, Out } from "./CsvOut"
import { hashString, Random } from "./Random"

/**
 * A deterministic generator of DOL enforcement-catalog files (`osha_inspection.csv` +
 * `osha_violation.csv`) at any size, with the distributions and quirks measured on the real samples
 * (`shared/data/README.md`). Rows are streamed to disk; memory does not grow with the size.
 */

/** Exact headers of the real catalog files. */
export const INSPECTION_HEADER = [
  "activity_nr",
  "reporting_id",
  "state_flag",
  "estab_name",
  "site_address",
  "site_city",
  "site_state",
  "site_zip",
  "owner_type",
  "owner_code",
  "adv_notice",
  "safety_hlth",
  "sic_code",
  "naics_code",
  "insp_type",
  "insp_scope",
  "why_no_insp",
  "union_status",
  "safety_manuf",
  "safety_const",
  "safety_marit",
  "health_manuf",
  "health_const",
  "health_marit",
  "migrant",
  "mail_street",
  "mail_city",
  "mail_state",
  "mail_zip",
  "host_est_key",
  "nr_in_estab",
  "open_date",
  "case_mod_date",
  "close_conf_date",
  "close_case_date",
  "ld_dt"
] as const

export const VIOLATION_HEADER = [
  "activity_nr",
  "citation_id",
  "delete_flag",
  "standard",
  "viol_type",
  "issuance_date",
  "abate_date",
  "abate_complete",
  "current_penalty",
  "initial_penalty",
  "contest_date",
  "final_order_date",
  "nr_instances",
  "nr_exposed",
  "rec",
  "gravity",
  "emphasis",
  "hazcat",
  "fta_insp_nr",
  "fta_issuance_date",
  "fta_penalty",
  "fta_contest_date",
  "fta_final_order_date",
  "hazsub1",
  "hazsub2",
  "hazsub3",
  "hazsub4",
  "hazsub5",
  "load_dt"
] as const

/** Kinds of deliberately broken violation rows; each must end as one rejected row. */
export const BrokenKinds = ["date", "amount", "short", "orphan"] as const
export type BrokenKind = (typeof BrokenKinds)[number]

export interface OshaGeneratorOptions {
  /** Number of violation rows to write (including broken and duplicate rows). */
  readonly violations: number
  readonly seed: number
  readonly outDir: string
  /** Share of violation rows that are broken (impossible date, malformed amount, short row, orphan). */
  readonly brokenRate?: number
  /** Share of violation rows followed by an exact duplicate of themselves. */
  readonly duplicateRate?: number
}

/** What was written: the counts a normalizer must reproduce. Also saved as `manifest.json`. */
export interface OshaGeneratorManifest {
  readonly seed: number
  readonly files: { readonly inspections: string; readonly violations: string }
  readonly inspections: number
  /** Rows in the violation file (= rows the normalizer must account for). */
  readonly violationRows: number
  readonly broken: Record<BrokenKind, number>
  readonly duplicates: number
  readonly deleted: number
  readonly currentBelowInitial: number
  readonly companies: { readonly chains: number; readonly chainInspections: number }
  /** The outcome counts a correct normalizer must report. */
  readonly expected: { readonly accepted: number; readonly rejected: number; readonly skipped: number }
  readonly bytes: { readonly inspections: number; readonly violations: number }
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary. Company names are invented (no real employer gets synthetic violations); places are real.

const NAME_HEADS = [
  "BLUE RIDGE",
  "NORTHSTAR",
  "PINE VALLEY",
  "SUMMIT",
  "RIVERSIDE",
  "GOLDEN STATE",
  "LAKESHORE",
  "IRONWOOD",
  "CEDAR CREEK",
  "EAGLE",
  "PIONEER",
  "HARBOR",
  "PRAIRIE",
  "SILVER LAKE",
  "RED OAK",
  "GRANITE",
  "COASTAL",
  "MIDWEST",
  "KEYSTONE",
  "LIBERTY",
  "TRI-COUNTY",
  "ALLIED",
  "HERITAGE",
  "FRONTIER",
  "MAPLE LEAF",
  "SUNBELT",
  "BAYSIDE",
  "CROWN",
  "DELTA",
  "GREAT PLAINS"
]
const NAME_FAMILIES = [
  "JOHNSON",
  "MARTINEZ",
  "NGUYEN",
  "KOWALSKI",
  "O'BRIEN",
  "PATEL",
  "SCHMIDT",
  "WASHINGTON",
  "GARCIA",
  "MCALLISTER",
  "DUBOIS",
  "YAMAMOTO"
]
const NAME_TRADES = [
  "FOODS",
  "MARKETS",
  "CONSTRUCTION",
  "ROOFING",
  "STEEL",
  "PLASTICS",
  "LOGISTICS",
  "POULTRY",
  "MANUFACTURING",
  "ELECTRIC",
  "PLUMBING",
  "DRYWALL",
  "TRUCKING",
  "MILLWORK",
  "FARMS",
  "BAKERY",
  "AUTO PARTS",
  "PACKAGING",
  "CONCRETE",
  "LUMBER",
  "FOUNDRY",
  "SUPERMARKETS",
  "HOME CENTERS",
  "DISTRIBUTION"
]
const SUFFIXES = ["INC", "LLC", "CORP", "CO", "COMPANY", "CORPORATION", "INCORPORATED", "LP", ""]

/** City, state, first zip (as the 5-digit code; leading zeros are lost when written, as in the catalog). */
const PLACES: ReadonlyArray<readonly [string, string, number]> = [
  ["HOUSTON", "TX", 77002],
  ["DALLAS", "TX", 75201],
  ["AUSTIN", "TX", 78701],
  ["LOS ANGELES", "CA", 90012],
  ["FRESNO", "CA", 93721],
  ["CHINO", "CA", 91708],
  ["SAN DIEGO", "CA", 92101],
  ["CHICAGO", "IL", 60601],
  ["PEORIA", "IL", 61602],
  ["NEW YORK", "NY", 10001],
  ["BUFFALO", "NY", 14202],
  ["PHILADELPHIA", "PA", 19103],
  ["PITTSBURGH", "PA", 15222],
  ["ATLANTA", "GA", 30303],
  ["SAVANNAH", "GA", 31401],
  ["MIAMI", "FL", 33130],
  ["TAMPA", "FL", 33602],
  ["ORLANDO", "FL", 32801],
  ["COLUMBUS", "OH", 43215],
  ["TOLEDO", "OH", 43604],
  ["DETROIT", "MI", 48226],
  ["GRAND RAPIDS", "MI", 49503],
  ["CHARLOTTE", "NC", 28202],
  ["RALEIGH", "NC", 27601],
  ["NASHVILLE", "TN", 37203],
  ["MEMPHIS", "TN", 38103],
  ["PHOENIX", "AZ", 85004],
  ["DENVER", "CO", 80202],
  ["SEATTLE", "WA", 98101],
  ["SPOKANE", "WA", 99201],
  ["PORTLAND", "OR", 97204],
  ["KANSAS CITY", "MO", 64106],
  ["OMAHA", "NE", 68102],
  ["DES MOINES", "IA", 50309],
  ["MILWAUKEE", "WI", 53202],
  ["MINNEAPOLIS", "MN", 55401],
  ["LOUISVILLE", "KY", 40202],
  ["BIRMINGHAM", "AL", 35203],
  ["JACKSON", "MS", 39201],
  ["LITTLE ROCK", "AR", 72201],
  ["BATON ROUGE", "LA", 70801],
  ["OKLAHOMA CITY", "OK", 73102],
  ["LAS VEGAS", "NV", 89101],
  ["SALT LAKE CITY", "UT", 84101],
  ["ALBUQUERQUE", "NM", 87102],
  // zips with leading zeros: the catalog publishes them as numbers (02108 -> 2108)
  ["BOSTON", "MA", 2108],
  ["WORCESTER", "MA", 1608],
  ["HARTFORD", "CT", 6103],
  ["NEWARK", "NJ", 7102],
  ["PROVIDENCE", "RI", 2903],
  ["PORTLAND", "ME", 4101],
  ["BURLINGTON", "VT", 5401],
  ["MANCHESTER", "NH", 3101],
  ["SAN JUAN", "PR", 901]
]
const STREETS = [
  "MAIN ST",
  "INDUSTRIAL PKWY",
  "N CENTRAL AVE",
  "COMMERCE DR",
  "RIVER RD",
  "HWY 99",
  "5TH AVE"
]
const NAICS = [
  "445110",
  "236220",
  "238160",
  "331110",
  "326199",
  "484121",
  "311615",
  "238220",
  "321918",
  "922140"
]
const SIC = ["5411", "1542", "1761", "3312", "3089", "4213", "2015", "1711", "2431", "9223"]
const FED_STANDARDS = [
  "19100212 A01",
  "19100178 L01",
  "19101200 E01",
  "19260501 B01",
  "19100147 C04 I",
  "5A0001"
]
const CAL_STANDARDS = ["5144 H02    A", "    3328 A", "3203 A07", "5199 E05    D", "3314 G   01"]

// ---------------------------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, "0")
const isoDate = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10)
/** Catalog load timestamps carry the Eastern zone name: EDT in summer, EST otherwise. */
const loadStamp = (day: number, secs: number): string => {
  const d = new Date(Math.min(day, DAY_LAST_LOAD) * 86_400_000 + secs * 1000)
  const m = d.getUTCMonth() + 1
  const zone = m >= 4 && m <= 10 ? "EDT" : "EST"
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} ${zone}`
}
const DAY_1990 = Math.floor(Date.UTC(1990, 0, 1) / 86_400_000)
const DAY_2002 = Math.floor(Date.UTC(2002, 0, 1) / 86_400_000)
const DAY_2025 = Math.floor(Date.UTC(2025, 0, 1) / 86_400_000)
const DAY_LAST_LOAD = Math.floor(Date.UTC(2025, 11, 31) / 86_400_000)

interface Company {
  readonly head: string
  readonly trade: string
  readonly family: string | null
  readonly suffix: string
  readonly naics: number
  readonly homePlace: number
}

const companyOf = (seed: number, id: number): Company => {
  const r = new Random(hashString(`${seed}:company:${id}`))
  return {
    head: r.pick(NAME_HEADS),
    trade: r.pick(NAME_TRADES),
    family: r.chance(0.3) ? r.pick(NAME_FAMILIES) : null,
    suffix: r.pick(SUFFIXES),
    naics: r.int(0, NAICS.length - 1),
    homePlace: r.int(0, PLACES.length - 1)
  }
}

const spellSuffix = (r: Random, suffix: string): string => {
  switch (suffix) {
    case "":
      return ""
    case "INC":
      return r.pick([", INC.", " INC", " INC.", ", INC", ", Inc."])
    case "LLC":
      return r.pick([", LLC", " LLC", ", L.L.C.", " L L C", " LLC."])
    case "CORP":
      return r.pick([" CORP", " CORP.", ", CORP."])
    case "CO":
      return r.pick([" CO", " CO.", " COMPANY"])
    default:
      return r.pick([` ${suffix}`, `, ${suffix}`])
  }
}

/**
 * One published spelling of a company's name, with the variants seen in the real establishment names
 * (shared/data/entity): punctuation and suffix spellings, case, store numbers, `DBA` clauses, `(THE)`,
 * hyphenation, stray quotes, trailing blanks and truncation at 50 characters.
 */
const nameVariant = (r: Random, c: Company): string => {
  const base = c.family === null ? `${c.head} ${c.trade}` : `${c.family} ${c.trade}`
  let name = base + spellSuffix(r, c.suffix)
  const v = r.next()
  if (v < 0.12) name = `${name} ${r.pick(["#", "# ", "STORE #", "STORE ", "- STORE #"])}${r.int(1, 5999)}`
  else if (v < 0.16) name = `${pad(r.int(1, 999), 4)}-${name}`
  else if (v < 0.2) name = `${name} DBA ${c.head} ${r.pick(["SUPERCENTER", "OUTLET", "EXPRESS", "DEPOT"])}`
  else if (v < 0.23) name = `${base} ${r.pick(["EAST", "WEST", "OF TEXAS"])}${spellSuffix(r, c.suffix)}`
  else if (v < 0.26) name = `${name} (THE)`
  else if (v < 0.29) name = name.replace(" ", "-")
  else if (v < 0.31 && base.includes("S ")) name = name.replace(/S /, '"S ')
  else if (v < 0.33) name = `${name}  `
  if (r.chance(0.15)) name = name.toLowerCase().replace(/\b[a-z]/g, (ch) => ch.toUpperCase())
  return name.length > 50 ? name.slice(0, 50) : name
}

// ---------------------------------------------------------------------------------------------------

/** Line ending: the DOL files are CRLF; ~3% LF rows mix endings as other exports do. */
const eol = (r: Random) => (r.chance(0.03) ? "\n" : "\r\n")

/** Generate the two catalog files into `outDir`; returns (and writes) the manifest. */
export const generateOsha = async (options: OshaGeneratorOptions): Promise<OshaGeneratorManifest> => {
  const { violations: target, seed, outDir } = options
  const brokenRate = options.brokenRate ?? 0.0005
  const duplicateRate = options.duplicateRate ?? 0.0002
  if (!Number.isInteger(target) || target < 1) throw new RangeError("violations must be a positive integer")
  await mkdir(outDir, { recursive: true })
  const files = { inspections: "osha_inspection.csv", violations: "osha_violation.csv" }
  const ins = new Out(join(outDir, files.inspections))
  const vio = new Out(join(outDir, files.violations))
  await ins.add(`${INSPECTION_HEADER.join(",")}\r\n`)
  await vio.add(`${VIOLATION_HEADER.join(",")}\r\n`)

  const r = new Random(seed)
  // Chains: a Zipf-distributed set of multi-site companies; the rest are one-off small employers.
  const chains = Math.max(20, Math.round(target / 40))
  const chainShare = 0.35
  let singles = 0
  let chainInspections = 0
  let inspections = 0
  let rows = 0
  let duplicates = 0
  let deleted = 0
  let currentBelowInitial = 0
  const broken: Record<BrokenKind, number> = { date: 0, amount: 0, short: 0, orphan: 0 }

  while (rows < target) {
    // -- inspection
    const activity = 300_000_000 + inspections * 3 + r.int(0, 2)
    inspections++
    const chain = r.chance(chainShare)
    const companyId = chain ? r.zipf(chains, 1.0) : chains + ++singles
    if (chain) chainInspections++
    const company = companyOf(seed, companyId)
    const [city, state, zip0] = PLACES[chain ? r.int(0, PLACES.length - 1) : company.homePlace]!
    const open = r.int(DAY_1990, DAY_2025 - 200)
    const closed = r.chance(0.06) ? null : open + r.int(30, 900)
    const old = open < DAY_2002
    // naics_code is 0 or blank on old rows (only SIC then); zips are numeric, `0` when unknown
    const naics = old
      ? r.weighted([
          ["0", 5],
          ["", 3],
          [NAICS[company.naics]!, 2]
        ])
      : NAICS[company.naics]!
    const sic = old || r.chance(0.3) ? SIC[company.naics]! : ""
    const zip = r.chance(0.01) ? "0" : String(zip0 + r.int(0, 40))
    const street = `${r.int(1, 29999)} ${r.pick(STREETS)}${r.chance(0.05) ? " " : ""}`
    // a few addresses span two lines inside their quoted cell
    const address = r.chance(0.0005) ? `${street}\nBLDG ${r.int(1, 9)}` : street
    const mail = r.chance(0.2)
    const inspection = [
      String(activity),
      pad(r.int(100000, 999999), 7),
      r.chance(0.1) ? "S" : "",
      nameVariant(r, company),
      address,
      city,
      state,
      zip,
      r.weighted([
        ["A", 70],
        ["B", 10],
        ["C", 10],
        ["D", 10]
      ]),
      r.chance(0.5) ? "0" : "",
      r.chance(0.05) ? "Y" : "N",
      r.chance(0.7) ? "S" : "H",
      sic,
      naics,
      r.pick(["A", "B", "C", "D", "F", "G", "H", "M"]),
      r.pick(["A", "B", "C", "D"]),
      "",
      r.pick(["Y", "N", "A", "B"]),
      r.chance(0.1) ? "X" : "",
      r.chance(0.1) ? "X" : "",
      "",
      "",
      r.chance(0.05) ? "X" : "",
      "",
      "",
      mail ? `P.O. BOX ${r.int(1, 9999)}` : "",
      mail ? city : "",
      mail ? state : "",
      zip,
      // host_est_key carries internal space runs, like `standard`
      `N${pad(r.int(1, 999), 3)}    ${pad(r.int(1, 99_999_999), 9)}`,
      String(r.int(1, 2000)),
      isoDate(open),
      isoDate((closed ?? open) + r.int(0, 300)),
      closed === null ? "" : isoDate(closed - r.int(0, 20)),
      closed === null ? "" : isoDate(closed),
      loadStamp(Math.max(closed ?? open, open) + r.int(1, 2000), r.int(0, 86_399))
    ]
    await ins.add(inspection.map(cell).join(",") + eol(r))

    // -- its violations: 30% of inspections find nothing, the rest a geometric number (mean ~3.5)
    let k = r.chance(0.3) ? 0 : 1
    if (k > 0) while (r.chance(0.72) && k < 60) k++
    const issuance = open + r.int(10, 180)
    const standards = state === "CA" ? CAL_STANDARDS : FED_STANDARDS
    for (let item = 1; item <= k && rows < target; item++) {
      const citation = `${pad(
        r.weighted([
          [1, 70],
          [2, 25],
          [3, 5]
        ]),
        2
      )}${pad(item, 3)}`
      const type = r.weighted([
        ["S", 55],
        ["O", 38],
        ["R", 4],
        ["W", 1],
        ["U", 2]
      ] as const)
      const isDeleted = r.chance(0.08)
      // deliberately broken rows, at a known rate: each must end as one rejected row
      const brokenKind = r.chance(brokenRate) ? r.pick(BrokenKinds) : null
      const base =
        type === "O"
          ? r.weighted([
              [0, 40],
              [r.int(1, 20) * 25, 60]
            ])
          : type === "S"
            ? r.int(4, 140) * 100
            : r.int(10, 700) * 100
      const initial = type === "U" && r.chance(0.5) ? "" : String(base)
      let current: string
      let below = false
      if (isDeleted) {
        // current_penalty is blank on most deleted items
        current = r.chance(0.6) ? "" : initial
      } else if (initial !== "" && base > 0 && r.chance(0.28 / 0.85)) {
        // settlements: current below initial on ~28% of violations (~85% carry a penalty)
        current = String(Math.floor((base * r.int(20, 95)) / 100))
        below = true
      } else current = r.chance(0.07) ? "" : initial
      const contested = r.chance(0.1)
      let cells = [
        String(activity),
        citation,
        isDeleted ? "X" : "",
        r.pick(standards),
        type,
        isoDate(issuance),
        r.chance(0.1) ? "" : isoDate(issuance + r.int(7, 120)),
        r.weighted([
          ["X", 45],
          ["2", 27],
          ["3", 14],
          ["I", 9],
          ["", 4],
          ["A", 0.5],
          ["1", 0.2]
        ]),
        current,
        initial,
        contested ? isoDate(issuance + r.int(5, 15)) : "",
        r.chance(0.6) ? isoDate(issuance + r.int(15, 400)) : "",
        String(
          r.weighted([
            [1, 85],
            [r.int(2, 40), 15]
          ])
        ),
        r.chance(0.1) ? "" : String(r.int(1, 300)),
        r.chance(0.05) ? "C" : "",
        r.chance(0.5) ? String(r.int(1, 10)) : "",
        r.chance(0.02) ? "X" : "",
        "",
        "",
        "",
        "",
        "",
        "",
        r.chance(0.3) ? pad(r.int(1, 9999), 4) : "",
        "",
        "",
        "",
        "",
        loadStamp(issuance + r.int(1, 3000), r.int(0, 86_399))
      ]
      if (brokenKind === null) {
        if (isDeleted) deleted++
        if (below) currentBelowInitial++
      } else {
        broken[brokenKind]++
        if (brokenKind === "date") cells[5] = `${isoDate(issuance).slice(0, 5)}02-30`
        else if (brokenKind === "amount") cells[9] = `${r.int(1, 9)},${r.int(0, 9)}O0`
        else if (brokenKind === "short") cells = cells.slice(0, r.int(1, cells.length - 2))
        else cells[0] = String(100_000_000 + r.int(0, 99_999_999)) // no such inspection
      }
      const line = cells.map(cell).join(",")
      await vio.add(line + eol(r))
      rows++
      // an exact duplicate of a good row (re-delivered extract lines): skipped with a reason
      if (brokenKind === null && rows < target && r.chance(duplicateRate)) {
        await vio.add(line + eol(r))
        rows++
        duplicates++
      }
    }
  }
  await ins.close()
  await vio.close()
  const rejected = broken.date + broken.amount + broken.short + broken.orphan
  const manifest: OshaGeneratorManifest = {
    seed,
    files,
    inspections,
    violationRows: rows,
    broken,
    duplicates,
    deleted,
    currentBelowInitial,
    companies: { chains, chainInspections },
    expected: { accepted: rows - rejected - duplicates, rejected, skipped: duplicates },
    bytes: { inspections: ins.bytes, violations: vio.bytes }
  }
  await writeFile(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
