import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { cell, Out } from "./CsvOut"
import { letterName } from "./Names"
import { hashString, Random } from "./Random"

/**
 * A deterministic generator of the two EPA Clean Water Act exports the `epa` normalizer reads, at any size:
 * ICIS-NPDES formal actions with ECHO facility fields (`npdes_formal_actions.csv`, one row per action and
 * permit) and the ECHO enforcement-case export (`echo_cases.csv`, one row per case). Distributions and quirks
 * follow the Florida samples (`shared/data/epa`, measured in its README): `MM/DD/YYYY` dates, blank (not 0)
 * penalties, `UNKNOWN` city/street with zip `0` on ~10% of facilities, space-separated NAICS/SIC lists with
 * 3-digit SICs, `COMPANY - FACILITY` names, case names carrying permit numbers and action text, criminal
 * defendant lists, encoding damage, CRLF rows. About 17% of actions appear in both files (the sample: 397 of
 * 2,322), linked by `ENF_IDENTIFIER` = `CaseNumber`. Rows are streamed; memory does not grow with the size.
 */

/** Exact headers of the real exports. */
export const NPDES_HEADER = [
  "NPDES_ID",
  "ENF_IDENTIFIER",
  "ACTIVITY_ID",
  "ACTIVITY_TYPE_CODE",
  "ENF_TYPE_CODE",
  "ENF_TYPE_DESC",
  "AGENCY",
  "SETTLEMENT_ENTERED_DATE",
  "FED_PENALTY_ASSESSED_AMT",
  "STATE_LOCAL_PENALTY_AMT",
  "FAC_NAME",
  "FAC_STREET",
  "FAC_CITY",
  "FAC_STATE",
  "FAC_ZIP",
  "FAC_COUNTY",
  "FAC_EPA_REGION",
  "FAC_LAT",
  "FAC_LONG",
  "FAC_DERIVED_WBD",
  "FAC_DERIVED_CD113",
  "FAC_PERCENT_MINORITY",
  "FAC_POP_DEN",
  "FAC_DERIVED_HUC",
  "FAC_SIC_CODES",
  "FAC_NAICS_CODES",
  "DFR_URL"
] as const

export const ECHO_CASE_HEADER = [
  "CaseNumber",
  "CaseName",
  "CaseCategoryDesc",
  "CaseStatusDesc",
  "PrimaryLaw",
  "PrimarySection",
  "DateFiled",
  "SettlementDate",
  "FedPenalty",
  "SEPCost",
  "TotalCompActionAmt",
  "SettlementCnt"
] as const

/** Kinds of deliberately broken rows; each must end as one rejected row. */
export const EpaBrokenKinds = ["date", "amount", "short", "blankId"] as const
export type EpaBrokenKind = (typeof EpaBrokenKinds)[number]

export interface EpaGeneratorOptions {
  /** Data rows to write over both files (including broken and duplicate rows). */
  readonly rows: number
  readonly seed: number
  readonly outDir: string
  /** Share of rows that are broken (impossible date, malformed amount, short row, blank id). */
  readonly brokenRate?: number
  /** Share of rows followed by an exact duplicate of themselves. */
  readonly duplicateRate?: number
}

/** What was written: the counts a normalizer must reproduce. Also saved as `manifest.json`. */
export interface EpaGeneratorManifest {
  readonly seed: number
  readonly files: { readonly npdes: string; readonly cases: string }
  readonly rows: { readonly npdes: number; readonly cases: number }
  /** Enforcement actions published in both files (`ENF_IDENTIFIER` = `CaseNumber`). */
  readonly sharedActions: number
  readonly broken: Record<EpaBrokenKind, number>
  readonly duplicates: number
  /** The outcome counts a correct normalizer must report (both files together). */
  readonly expected: { readonly accepted: number; readonly rejected: number; readonly skipped: number }
  readonly bytes: { readonly npdes: number; readonly cases: number }
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary. Company names are invented (no real permittee gets synthetic actions); places are real.

const TRADES = [
  "UTILITIES",
  "HOMES",
  "DEVELOPMENT",
  "MATERIALS",
  "CONSTRUCTION",
  "PHOSPHATE",
  "DAIRY",
  "MARINE",
  "PAPER",
  "CONCRETE",
  "TRANSPORTATION",
  "POWER",
  "PROPERTIES",
  "CITRUS",
  "SAND & GRAVEL"
]
const SUFFIXES = ["INC", "LLC", "CORP", "COMPANY", "LTD", "L.L.C.", "CORPORATION", ""]
const FACILITIES = [
  "WWTF",
  "WWTP",
  "AWTP",
  "WRF",
  "PLANT",
  "MINE",
  "YARD",
  "TERMINAL",
  "PHASE 2",
  "PHASE 3-4",
  "NORTH SITE",
  "BONNIE FACILITY"
]
const FIRST = ["DAVID", "MARIA", "JAMES", "LINDA", "ROBERT", "PAUL", "CAMILLE", "KURT", "ANA", "MARK"]
const LAST = ["MARSHALL", "HOFFMAN", "RIBBE", "GARCIA", "NGUYEN", "LEPPING", "O'NEAL", "SMITH"]

/** City, state, county, first zip, EPA region (Region 4 and neighbours, as the ICIS-NPDES extract). */
const PLACES: ReadonlyArray<readonly [string, string, string, number, number]> = [
  ["TAMPA", "FL", "HILLSBOROUGH", 33602, 4],
  ["JACKSONVILLE", "FL", "DUVAL", 32202, 4],
  ["PENSACOLA", "FL", "ESCAMBIA", 32502, 4],
  ["CRESTVIEW", "FL", "OKALOOSA", 32536, 4],
  ["DUNEDIN", "FL", "PINELLAS", 34698, 4],
  ["MIDDLEBURG", "FL", "CLAY", 32068, 4],
  ["MIAMI", "FL", "MIAMI-DADE", 33130, 4],
  ["ORLANDO", "FL", "ORANGE", 32801, 4],
  ["ATLANTA", "GA", "FULTON", 30303, 4],
  ["SAVANNAH", "GA", "CHATHAM", 31401, 4],
  ["MOBILE", "AL", "MOBILE", 36602, 4],
  ["CHARLESTON", "SC", "CHARLESTON", 29401, 4],
  ["RALEIGH", "NC", "WAKE", 27601, 4],
  ["NASHVILLE", "TN", "DAVIDSON", 37203, 4],
  ["JACKSON", "MS", "HINDS", 39201, 4],
  ["LOUISVILLE", "KY", "JEFFERSON", 40202, 4],
  ["NEW ORLEANS", "LA", "ORLEANS", 70112, 6],
  ["HOUSTON", "TX", "HARRIS", 77002, 6]
]

/** ENF_TYPE_CODE, description, agency, weight (the Florida sample's mix). */
const ENF_TYPES: ReadonlyArray<readonly [string, string, string, number]> = [
  ["309A", "CWA 309A AO For Compliance", "EPA", 428],
  ["SCWAAPO", "State CWA Penalty AO", "State", 388],
  ["STAOCO", "State Administrative Order of Consent", "State", 305],
  ["309G2B", "CWA 309G2B AO For Class II Penalties", "EPA", 125],
  ["309G2A", "CWA 309G2A AO For Class I Penalties", "EPA", 32],
  ["CIV", "Civil Judicial Action", "EPA", 30],
  ["SCWAAO", "State CWA Non Penalty AO", "State", 21],
  ["309G2E1", "CWA 309G2E1 Expedited Settlement", "EPA", 1],
  ["FAD", "Federal Facility Agreement", "EPA", 1],
  ["EOGOV", "Executive Order Government", "EPA", 1]
]
const NAICS = ["221320", "212325", "237110", "311411", "488310", "327320", "112120", "236115", "221112"]
const SIC = ["4952", "1442", "1623", "2033", "4491", "3273", "241", "1521", "4911"]
const SECTIONS = ["OTHER", "308", "301", "404", "301/402", "405", "402", "311B", "301A"]

// ---------------------------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, "0")
/** `MM/DD/YYYY`, as both exports publish dates. */
const usDate = (day: number): string => {
  const d = new Date(day * 86_400_000)
  return `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${d.getUTCFullYear()}`
}
const DAY_1975 = Math.floor(Date.UTC(1975, 0, 1) / 86_400_000)
const DAY_2024 = Math.floor(Date.UTC(2024, 0, 1) / 86_400_000)

/** Amounts: whole dollars mostly, cents sometimes (`14242.83`). */
const amount = (r: Random, max: number): string =>
  r.chance(0.1) ? `${r.int(100, max)}.${pad(r.int(1, 99), 2)}` : String(r.int(1, max / 250) * 250)

interface Company {
  readonly name: string
  readonly suffix: string
  readonly place: number
}

/** Companies are letter-named (`ALPHA`-style bijective names) so their slugs stay distinct at any size. */
const companyOf = (seed: number, id: number): Company => {
  const r = new Random(hashString(`${seed}:epa-company:${id}`))
  const name = r.chance(0.25) ? `CITY OF ${letterName(id)}` : `${letterName(id)} ${r.pick(TRADES)}`
  return { name, suffix: r.pick(SUFFIXES), place: r.int(0, PLACES.length - 1) }
}

const legalName = (r: Random, c: Company): string =>
  c.suffix === "" || c.name.startsWith("CITY OF ")
    ? c.name
    : `${c.name}${r.pick([" ", ", "])}${c.suffix}${r.chance(0.3) && !c.suffix.endsWith(".") ? "." : ""}`

/** A permit id: two-letter state + 7 characters (`FL0032581`, `FLR10KQ50`, `FLG912023`). */
const permitOf = (r: Random, state: string, i: number): string => {
  const prefix = r.pick(["0", "R10", "R20", "G9", "U"])
  const digits = 7 - prefix.length
  // distinct for consecutive `i` (the permits of one action), whatever the prefix
  return `${state}${prefix}${pad(i % 10 ** digits, digits)}`
}

/** FAC_NAME: `COMPANY - FACILITY` on half the facilities (the company part keys the record). */
const facilityName = (r: Random, c: Company): string => {
  const v = r.next()
  const base = legalName(r, c)
  if (v < 0.45) return `${base} - ${r.pick(FACILITIES)}`
  if (v < 0.5) return `${base} (${r.pick(FACILITIES)})`
  if (v < 0.52) return `${base}  ${r.pick(FACILITIES)}` // a double space, as published
  return base
}

/**
 * CaseName: free text typed by case officers. Permit numbers (in parentheses, after a dash, in lists), action
 * text, facility qualifiers, co-respondents, mixed case, and encoding damage (`?` for an apostrophe or a
 * dash, U+0096 from a Windows-1252 round trip).
 */
const caseName = (r: Random, c: Company, permit: string): string => {
  let name = legalName(r, c)
  if (r.chance(0.3)) name = name.toLowerCase().replace(/\b[a-z]/g, (ch) => ch.toUpperCase())
  const v = r.next()
  if (v < 0.12)
    name = `${name} (Permit ${permit}) ${r.pick(["Administrative Consent Order", "Compliance Order"])}`
  else if (v < 0.22) name = `${name} - ${permit}`
  else if (v < 0.26) name = `${name} ${permit}, ${permit.slice(0, 4)}${pad(r.int(10_000, 99_999), 5)}`
  else if (v < 0.34) name = `${name} (${r.pick(FACILITIES)})`
  else if (v < 0.38) name = `${name} (Compliance Order)`
  else if (v < 0.4) name = `${name} / ${r.pick(FIRST)} ${r.pick(LAST)}`
  else if (v < 0.41) name = `${name} d/b/a ${r.pick(TRADES)} ${r.pick(["EAST", "WEST"])}`
  else if (v < 0.412) name = `${name} ? ${r.pick(FACILITIES)}`
  else if (v < 0.413) name = `${name} \u0096 ${permit}` // non-ASCII: the JavaScript normalizer decides it
  return name
}

/** Criminal cases name every defendant in one comma list, people and companies alike. */
const defendants = (r: Random, c: Company): string => {
  const people = Array.from({ length: r.int(1, 3) }, () => `${r.pick(FIRST)} ${r.pick(LAST)}`)
  const list = r.chance(0.6) ? [...people, legalName(r, c)] : people
  return list.join(", ")
}

/** Line ending: the exports are CRLF; ~2% LF rows mix endings. */
const eol = (r: Random) => (r.chance(0.02) ? "\n" : "\r\n")

/** Generate the two EPA files into `outDir`; returns (and writes) the manifest. */
export const generateEpa = async (options: EpaGeneratorOptions): Promise<EpaGeneratorManifest> => {
  const { rows: target, seed, outDir } = options
  const brokenRate = options.brokenRate ?? 0.0005
  const duplicateRate = options.duplicateRate ?? 0.0002
  if (!Number.isInteger(target) || target < 1) throw new RangeError("rows must be a positive integer")
  await mkdir(outDir, { recursive: true })
  const files = { npdes: "npdes_formal_actions.csv", cases: "echo_cases.csv" }
  const np = new Out(join(outDir, files.npdes))
  const ec = new Out(join(outDir, files.cases))
  await np.add(`${NPDES_HEADER.join(",")}\r\n`)
  await ec.add(`${ECHO_CASE_HEADER.join(",")}\r\n`)

  const r = new Random(seed)
  const companies = Math.max(20, Math.round(target / 6))
  const counts = { npdes: 0, cases: 0 }
  let shared = 0
  let duplicates = 0
  const broken: Record<EpaBrokenKind, number> = { date: 0, amount: 0, short: 0, blankId: 0 }
  const rows = () => counts.npdes + counts.cases

  /** Write one row, maybe broken (`dates`: its date cells), maybe followed by an exact duplicate. */
  const emit = async (
    out: Out,
    file: "npdes" | "cases",
    cells: Array<string>,
    dates: ReadonlyArray<number>
  ) => {
    const kind = r.chance(brokenRate) ? r.pick(EpaBrokenKinds) : null
    if (kind !== null) {
      broken[kind]++
      if (kind === "date") cells[dates[0]!] = `02/30/${r.int(1990, 2020)}`
      // FED_PENALTY_ASSESSED_AMT and FedPenalty are both the ninth column
      else if (kind === "amount") cells[8] = `${r.int(1, 9)},${r.int(0, 9)}O0`
      else if (kind === "short") cells = cells.slice(0, r.int(1, cells.length - 2))
      else cells[file === "npdes" ? 1 : 0] = ""
    }
    const line = cells.map(cell).join(",")
    await out.add(line + eol(r))
    counts[file]++
    // an exact duplicate of a good row (re-delivered extract lines): skipped with a reason
    if (kind === null && rows() < target && r.chance(duplicateRate)) {
      await out.add(line + eol(r))
      counts[file]++
      duplicates++
    }
  }

  for (let action = 0; rows() < target; action++) {
    const company = companyOf(seed, r.zipf(companies, 0.9))
    const [city, state, county, zip0, region] = PLACES[company.place]!
    const day = r.int(DAY_1975, DAY_2024)
    const year = new Date(day * 86_400_000).getUTCFullYear()
    // ids: EPA region numbers (`04-2016-4780`), state ids (`FL-18-1002`, `FL-N00000980`); unique per action
    const kind = r.weighted([
      ["epa", 45],
      ["state", 38],
      ["stateN", 17]
    ] as const)
    const id =
      kind === "epa"
        ? `${pad(region, 2)}-${year}-${pad(action, 4)}`
        : kind === "state"
          ? `${state}-${pad(year % 100, 2)}-${pad(action, 4)}`
          : `${state}-N${pad(action, 8)}`
    // in the NPDES file, the case file or both (the sample: 897, 1,028 and 397 of 2,322 actions)
    const where = r.weighted([
      ["npdes", 39],
      ["cases", 44],
      ["both", 17]
    ] as const)
    const settled = r.chance(0.08) ? null : day
    const permitBase = action * 7 + r.int(0, 6)

    if (where !== "cases") {
      if (where === "both") shared++
      const [code, desc, agency] = r.weighted(ENF_TYPES.map((t) => [t, t[3]] as const))
      // one action naming several permits repeats once per permit (`04-2016-4780` covers 14 sites)
      const permits = r.chance(0.04)
        ? r.weighted([
            [2, 70],
            [r.int(3, 6), 25],
            [14, 5]
          ] as const)
        : 1
      const penalized = code.startsWith("309G") || code === "SCWAAPO" || code === "CIV"
      const fed =
        agency === "EPA" && penalized && r.chance(0.8) ? amount(r, 250_000) : r.chance(0.03) ? "0" : ""
      const st =
        agency === "State" && penalized && r.chance(0.9) ? amount(r, 60_000) : r.chance(0.02) ? "0" : ""
      for (let p = 0; p < permits && rows() < target; p++) {
        const unknown = r.chance(0.1)
        const codes = (list: ReadonlyArray<string>, k: number) =>
          r.chance(0.45) ? "" : Array.from({ length: k }, () => r.pick(list)).join(" ")
        const lists = r.weighted([
          [1, 60],
          [2, 20],
          [r.int(3, 13), 20]
        ] as const)
        const cells = [
          permitOf(r, state, permitBase + p),
          id,
          String(2_400_000_000 + action * 16 + p),
          code === "CIV" ? "JDC" : "AFR",
          code,
          desc,
          agency,
          settled === null ? "" : usDate(settled),
          fed,
          st,
          facilityName(r, company),
          unknown
            ? "UNKNOWN"
            : `${r.int(1, 29999)} ${r.pick(["SHOAL RIVER DR", "US HWY 41", "INDUSTRIAL BLVD", "SW 8TH ST"])}`,
          unknown ? "UNKNOWN" : city,
          state,
          unknown ? "0" : String(zip0 + r.int(0, 60)),
          r.chance(0.05) ? "" : county,
          String(region),
          (27 + r.next() * 4).toFixed(r.int(4, 6)),
          (-87 + r.next() * 7).toFixed(r.int(4, 6)),
          r.chance(0.3) ? "" : String(r.int(30_000_000_000, 31_500_000_000)),
          r.chance(0.3) ? "" : String(r.int(1, 27)),
          r.chance(0.3) ? "" : (r.next() * 90).toFixed(3),
          r.chance(0.3) ? "" : (r.next() * 5000).toFixed(2),
          r.chance(0.3) ? "" : String(r.int(3_000_000, 3_200_000)),
          codes(SIC, lists),
          codes(NAICS, lists),
          `http://echo.epa.gov/detailed-facility-report?fid=${110_000_000_000 + action}`
        ]
        await emit(np, "npdes", cells, [7])
      }
    }

    if (where !== "npdes" && rows() < target) {
      const category =
        where === "both"
          ? "Administrative - Formal"
          : r.weighted([
              ["Administrative - Formal", 1326],
              ["Judicial", 75],
              ["Criminal", 24]
            ] as const)
      const criminal = category === "Criminal"
      const status = criminal
        ? ""
        : r.weighted([
            ["Closed", 1001],
            ["Final Order Issued", 385],
            ["Complaint Filed/AO Issued", 13],
            ["Final Order Entered", 1],
            ["Concluded", 1]
          ] as const)
      const filed = r.chance(0.7) ? null : day - r.int(30, 400)
      const fed = criminal || r.chance(0.02) ? "" : r.chance(0.6) ? "0" : amount(r, 500_000)
      const cells = [
        criminal ? `CR_${pad(action, 4)}` : id,
        criminal ? defendants(r, company) : caseName(r, company, permitOf(r, state, permitBase)),
        category,
        status,
        r.weighted([
          ["CWA", 1419],
          ["CWA, RHAA", 2],
          ["CWA, TITLE 18", 2]
        ] as const),
        r.pick(SECTIONS),
        filed === null ? "" : usDate(filed),
        settled === null || status === "Complaint Filed/AO Issued" ? "" : usDate(settled),
        fed,
        criminal ? "" : r.chance(0.95) ? "0" : amount(r, 100_000),
        criminal ? "" : r.chance(0.6) ? "0" : amount(r, 2_000_000),
        r.chance(0.02)
          ? ""
          : String(
              r.weighted([
                [1, 97],
                [r.int(2, 4), 3]
              ] as const)
            )
      ]
      await emit(ec, "cases", cells, [7])
    }
  }
  await np.close()
  await ec.close()
  const rejected = broken.date + broken.amount + broken.short + broken.blankId
  const manifest: EpaGeneratorManifest = {
    seed,
    files,
    rows: counts,
    sharedActions: shared,
    broken,
    duplicates,
    expected: { accepted: rows() - rejected - duplicates, rejected, skipped: duplicates },
    bytes: { npdes: np.bytes, cases: ec.bytes }
  }
  await writeFile(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
