import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { companySlug } from "@ventureos/core"
import { cell, Out } from "./CsvOut"
import { letterName } from "./Names"
import { hashString, Random } from "./Random"

/**
 * A deterministic generator of FAA quarterly closed enforcement case reports at any size, with the value
 * distributions of 3,307 real rows (`shared/data/faa/column_value_profile_3307_rows.txt`) and their quirks:
 * words split by PDF extraction, misspellings, footnote marks, three date formats, blank amounts when waived or
 * revoked, consolidated cases listing several respondents under one case number, individuals as respondents.
 * Rows are streamed to disk; memory does not grow with the size.
 */

/** Exact header of the real report. */
export const FAA_HEADER = [
  "CASE NUMBER",
  "NAME",
  "ENTITY TYPE",
  "DATE KNOWN",
  "ACTION",
  "SANCTION AMOUNT",
  "SANCTION",
  "CASE TYPE",
  "CLOSED DATE"
] as const

/** Kinds of deliberately broken rows; each must end as one rejected row. */
export const FaaBrokenKinds = ["date", "amount", "name", "short"] as const
export type FaaBrokenKind = (typeof FaaBrokenKinds)[number]

export interface FaaGeneratorOptions {
  /** Number of rows to write (including broken, duplicate and re-listed rows). */
  readonly rows: number
  readonly seed: number
  readonly outDir: string
  /** Share of rows that are broken (impossible date, malformed amount, blank name, short row). */
  readonly brokenRate?: number
  /** Share of rows followed by an exact duplicate of themselves (skipped). */
  readonly duplicateRate?: number
  /**
   * Share of rows followed by the same case and respondent with another sanction line (as Boeing's
   * `2019NM410003` in the real reports): the second is rejected as an id conflict.
   */
  readonly relistRate?: number
}

/** What was written: the counts a normalizer must reproduce. Also saved as `manifest.json`. */
export interface FaaGeneratorManifest {
  readonly seed: number
  readonly file: string
  readonly rows: number
  readonly cases: number
  readonly broken: Record<FaaBrokenKind, number>
  readonly duplicates: number
  readonly relisted: number
  /** The outcome counts a correct normalizer must report. */
  readonly expected: { readonly accepted: number; readonly rejected: number; readonly skipped: number }
  readonly bytes: number
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary: the real spellings and their counts in 3,307 rows. Respondents are invented.

type Weighted = ReadonlyArray<readonly [string, number]>

const ENTITY_TYPES: Weighted = [
  ["A/C or COMM OPER", 2036],
  ["APPROVD REPAIR STA", 765],
  ["A/C OR COMM OPER", 151],
  ["CERTIFICATE SCHOOL", 77],
  ["FOREIGN AIR CAR", 68],
  ["AGRI OPR", 39],
  ["AIR CARRIER ON DMAND", 36],
  ["AIRPORT OPERATOR", 29],
  ["AIRCRAFT PROD", 29],
  ["SCHED AIR CARRIER", 22],
  ["EXT LOAD", 17],
  ["COMP PROD", 8],
  ["CERTIFICATE SHCOOL", 7],
  ["APPROVD RPR STA", 7],
  ["APPROVED RPR STN", 6],
  ["SUPP AIR CARRIER", 4],
  ["", 2],
  ["FOREIGN AIR CA", 1],
  ["COMPONENT PRODUCTION", 1],
  ["ARPT OPN/INSP", 1],
  ["COMM OPER & PART 125", 1]
]

/** ACTION spellings by the kind of sanction they carry. */
const PENALTY_ACTIONS: Weighted = [
  ["ORD ASSESS CIVIL PENALTY", 2127],
  ["CIVIL PENALTY", 400],
  ["ORD ASSESS CP HMT", 327],
  ["ORD ASSESS CP FA ACT", 59],
  ["CP COMPROMIS NO FINDING", 44],
  ["ORDER ASSESSING CIVIL PENALTY", 13],
  ["CP FA ACT", 8],
  ["ORD ASSESS CIVIL PENALTY CONSOLIDATE D CASE", 2],
  ["ORDER ASSESS CIVIL PENALTY", 1],
  ["ORD ASSESS CVIIL PENALTY", 1],
  ["ORD ASSESS CP HMT AC", 1]
]
const CERTIFICATE_ACTIONS: Weighted = [
  ["CERTIFICATE REVOCATION", 220],
  ["CERTIFICATE SUSPENSION", 51],
  ["CERTIFICATE", 22],
  ["CERT REVOKE", 5],
  ["CERTIFICATE REVOCATION 1", 3],
  ["CERTIFICATE REVOCATION .", 3],
  ["CERT SUSPEND", 1]
]
const OTHER_ACTIONS: Weighted = [
  ["CONSOLIDATED CASE", 10],
  ["CONSENT ORDER", 6],
  ["", 3]
]

const CONSOLIDATED: Weighted = [
  ["CONSOLIDATED CASE", 252],
  ["CONSOLIDATE D CASE", 56],
  ["CONSOLIDA TED CASE", 4],
  ["CONSOLID ATED CASE", 4],
  ["CONSOLIDAT ED CASE", 3]
]
const CERTIFICATE_SANCTIONS: Weighted = [
  ["REVOCATION", 242],
  ["INDEFINITE DURATION", 36],
  ["DAYS", 5],
  ["PENDING COMPLIANCE", 3],
  ["INDEFINIT E DURATION", 1],
  ["INDEFINTE DURATION", 1]
]

const CASE_TYPES: Weighted = [
  ["DRUG TESTING", 1028],
  ["MAINTENANCE", 884],
  ["FLT OPNS", 480],
  ["HAZ MAT", 331],
  ["RECORDS/RPTS", 211],
  ["OTHER", 148],
  ["QUAL CONTROL", 66],
  ["TRNG-FLT CREW", 62],
  ["TRNG-OTHER", 31],
  ["AIRCRAFT ALTR", 9],
  ["ARPT OPN/INSP", 7],
  ["CRASH/FIRE/RES", 6],
  ["ARPT SURF/SAFE", 6],
  ["TYPE DESGN DATA", 4],
  ["", 4],
  ["RECORDS/RPT S", 3],
  ["ACFT ALTR", 2],
  ["HAZ PER/PROP", 1],
  ["HAZ AIR NAV", 1],
  ["SECURITY", 1],
  ["MEDICAL", 1]
]
/** Case types of revocations, split by PDF extraction in several ways. */
const REVOCATION_CASE_TYPES: Weighted = [
  ["REVOCATIO N OTHER", 5],
  ["REVOCATI ON OTHER", 5],
  ["REVOCATIO N FLT OPNS", 3],
  ["REVOCATIO N MAINTENANCE", 3],
  ["REVOCATI ON MAINTENANCE", 2],
  ["REVOCATI ON FLT OPNS", 1],
  ["REVOCATIO N TYPE DESGN DATA", 1],
  ["REVOCATIO N RECORDS/RPTS", 1]
]

/** Penalty amounts: the most frequent real values, then round amounts up to a few hundred thousand. */
const AMOUNTS: ReadonlyArray<readonly [number, number]> = [
  [5000, 121],
  [10000, 114],
  [15000, 96],
  [8000, 73],
  [0, 1656]
]

const HEADS = [
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
  "SUNBELT",
  "BAYSIDE",
  "CROWN",
  "GREAT PLAINS"
]
const TRADES = [
  "AIR",
  "AIRLINES",
  "AIRWAYS",
  "AVIATION",
  "AIR CARGO",
  "AIR CHARTER",
  "AERO SERVICES",
  "AEROSPACE",
  "HELICOPTERS",
  "FLIGHT ACADEMY",
  "JET CENTER",
  "AG FLYING",
  "AVIONICS",
  "AIRCRAFT MAINTENANCE",
  "AIRPORT AUTHORITY",
  "EXPRESS"
]
const SUFFIXES = ["INC", "LLC", "CORP", "CO", "LTD", ""]
const LAST_NAMES = [
  "ANDERSON",
  "BAKER",
  "CARTER",
  "DAVIS",
  "EVANS",
  "FISHER",
  "GRANT",
  "HAYES",
  "IRVING",
  "JENKINS",
  "KELLER",
  "LOPEZ",
  "MORGAN",
  "NOLAN",
  "O'NEILL",
  "PARKER",
  "QUINN",
  "REYES",
  "SULLIVAN",
  "TURNER",
  "VAUGHN",
  "WALSH",
  "YOUNG",
  "ZIMMERMAN",
  "SMITH-JONES"
]
const FIRST_NAMES = [
  "JAMES",
  "MARY",
  "ROBERT",
  "PATRICIA",
  "JOHN",
  "LINDA",
  "MICHAEL",
  "SUSAN",
  "DAVID",
  "KAREN",
  "CARLOS",
  "ANA",
  "KEVIN",
  "LISA"
]
const REGIONS = ["GL", "WP", "SO", "NM", "EA", "AL", "SW", "CE", "NE"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

// ---------------------------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, "0")
const DAY_1995 = Math.floor(Date.UTC(1995, 0, 1) / 86_400_000)
const DAY_2024 = Math.floor(Date.UTC(2024, 0, 1) / 86_400_000)

/** Each quarterly report wrote its dates one way: ISO (most), `M/D/YY` or `D-Mon-YY`. */
type DateStyle = "iso" | "us" | "mon"
const dateText = (day: number, style: DateStyle): string => {
  const d = new Date(day * 86_400_000)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth() + 1
  const dd = d.getUTCDate()
  if (style === "us") return `${m}/${dd}/${pad(y % 100, 2)}`
  if (style === "mon") return `${dd}-${MONTHS[m - 1]}-${pad(y % 100, 2)}`
  return `${y}-${pad(m, 2)}-${pad(dd, 2)}`
}

interface Company {
  readonly head: string
  readonly trade: string
  readonly suffix: string
  readonly entity: string
}

const companyOf = (seed: number, id: number): Company => {
  const r = new Random(hashString(`${seed}:faa-company:${id}`))
  return {
    // a letter-only word keeps the names (and slugs) of thousands of companies apart
    head: `${r.pick(HEADS)} ${letterName(id)}`,
    trade: r.pick(TRADES),
    suffix: r.pick(SUFFIXES),
    entity: r.weighted(ENTITY_TYPES)
  }
}

/** One published spelling of a company: suffix punctuation, `L L C`, trailing blanks, rare non-ASCII. */
const companyName = (r: Random, c: Company): string => {
  const base = `${c.head} ${c.trade}`
  const suffix =
    c.suffix === ""
      ? ""
      : c.suffix === "LLC"
        ? r.pick([" LLC", ", LLC", " L L C", " L.L.C."])
        : r.pick([` ${c.suffix}`, `, ${c.suffix}`, ` ${c.suffix}.`])
  let name = base + suffix
  if (r.chance(0.01)) name = `${name}  `
  // PDF extraction keeps accents of foreign carriers' names: JavaScript decides these rows
  if (r.chance(0.0005)) name = name.replace("A", "Á")
  return name
}

/** Individuals as FAA lists them: `LAST, FIRST M` (mechanics, pilots, operators). */
const personName = (r: Random): string =>
  `${r.pick(LAST_NAMES)}, ${r.pick(FIRST_NAMES)} ${String.fromCharCode(65 + r.int(0, 25))}${r.chance(0.03) ? " JR" : ""}`

/** A penalty amount as the reports print it: `5000` or, from spreadsheet exports, `5000.0`. */
const amountText = (r: Random): string => {
  let n = r.weighted(AMOUNTS)
  if (n === 0) n = r.int(1, 400) * 250
  if (r.chance(0.001)) return `$${n.toLocaleString("en-US")}`
  return r.chance(0.3) ? `${n}.0` : String(n)
}

/** Line ending: the reports are CRLF; ~3% LF rows mix endings as other exports do. */
const eol = (r: Random) => (r.chance(0.03) ? "\n" : "\r\n")

/** The cells of one respondent's row of a case. */
const caseRow = (
  r: Random,
  caseNumber: string,
  name: string,
  entity: string,
  known: number,
  closed: number,
  style: DateStyle
): Array<string> => {
  const kind = r.weighted([
    ["penalty", 3000],
    ["certificate", 305],
    ["other", 19]
  ] as const)
  let action: string
  let sanction: string
  let amount = ""
  let caseType = r.weighted(CASE_TYPES)
  if (kind === "penalty") {
    action = r.weighted(PENALTY_ACTIONS)
    sanction = r.weighted([
      ["DOLLARS", 2657],
      ["CONSOLIDATED", 319],
      ["SANCTION WAIVED", 40]
    ])
    if (sanction === "CONSOLIDATED") sanction = r.weighted(CONSOLIDATED)
    else if (sanction === "DOLLARS" || r.chance(0.3)) amount = amountText(r)
  } else if (kind === "certificate") {
    action = r.weighted(CERTIFICATE_ACTIONS)
    sanction = r.weighted(CERTIFICATE_SANCTIONS)
    if (sanction === "DAYS") amount = String(r.pick([30, 60, 90, 120, 180]))
    if (r.chance(0.15)) caseType = r.weighted(REVOCATION_CASE_TYPES)
  } else {
    action = r.weighted(OTHER_ACTIONS)
    sanction =
      action === "CONSOLIDATED CASE" ? r.weighted(CONSOLIDATED) : r.pick(["SANCTION WAIVED", "DOLLARS"])
    if (sanction !== "CONSOLIDATED CASE" && r.chance(0.7)) amount = amountText(r)
  }
  // a few cells carry stray blanks from the PDF columns
  if (r.chance(0.005)) action = ` ${action.replace(" ", "  ")} `
  // a handful of closed dates carry a time part (spreadsheet exports): JavaScript decides them
  const closedText = r.chance(0.0005) ? `${dateText(closed, "iso")} 00:00:00` : dateText(closed, style)
  return [
    caseNumber,
    name,
    entity,
    r.chance(0.001) ? "" : dateText(known, style),
    action,
    amount,
    sanction,
    caseType,
    r.chance(0.001) ? "" : closedText
  ]
}

/** Generate one report file into `outDir`; returns (and writes) the manifest. */
export const generateFaa = async (options: FaaGeneratorOptions): Promise<FaaGeneratorManifest> => {
  const { rows: target, seed, outDir } = options
  const brokenRate = options.brokenRate ?? 0.0005
  const duplicateRate = options.duplicateRate ?? 0.0002
  const relistRate = options.relistRate ?? 0.0002
  if (!Number.isInteger(target) || target < 1) throw new RangeError("rows must be a positive integer")
  await mkdir(outDir, { recursive: true })
  const file = "faa_enforcement_cases.csv"
  const out = new Out(join(outDir, file))
  await out.add(`${FAA_HEADER.join(",")}\r\n`)

  const r = new Random(seed)
  // Repeat respondents: a Zipf-distributed set of carriers (FEDERAL EXPRESS CORP: 94 of 3,307 rows); the
  // rest one-off operators and individuals.
  const carriers = Math.max(30, Math.round(target / 6))
  let singles = 0
  let cases = 0
  let rows = 0
  let duplicates = 0
  let relisted = 0
  const broken: Record<FaaBrokenKind, number> = { date: 0, amount: 0, name: 0, short: 0 }
  let style: DateStyle = "iso"
  let nextReport = 0

  while (rows < target) {
    // a new quarterly report every ~60 rows (3,307 rows in ~60 quarters), each with its own date format
    if (rows >= nextReport) {
      style = r.weighted([
        ["iso", 90],
        ["us", 6],
        ["mon", 4]
      ] as const)
      nextReport += 60
    }
    const known = r.int(DAY_1995, DAY_2024 - 400)
    const closed = known + r.int(60, 2400)
    const year = new Date(known * 86_400_000).getUTCFullYear()
    // case numbers: year, region, office and sequence (`2008GL070135`); unique by construction
    const caseNumber = `${year}${r.pick(REGIONS)}${pad(cases, 6)}`
    cases++
    // ~10% of cases are consolidated: two or three respondents under one case number
    const respondents = r.chance(0.1) ? r.int(2, 3) : 1
    const slugs = new Set<string>()
    for (let k = 0; k < respondents && rows < target; k++) {
      let name: string
      let entity: string
      // a respondent appears once per case: different respondents have different slugs
      do {
        if (r.chance(0.08)) {
          name = personName(r)
          entity = r.weighted(ENTITY_TYPES)
        } else {
          const c = companyOf(seed, r.chance(0.6) ? r.zipf(carriers, 1.0) - 1 : carriers + singles++)
          name = companyName(r, c)
          entity = c.entity
        }
      } while (slugs.has(companySlug(name) ?? ""))
      slugs.add(companySlug(name) ?? "")
      let cells = caseRow(r, caseNumber, name, entity, known, closed, style)
      const brokenKind = r.chance(brokenRate) ? r.pick(FaaBrokenKinds) : null
      if (brokenKind !== null) {
        broken[brokenKind]++
        if (brokenKind === "date") cells[3] = `${year}-02-30`
        else if (brokenKind === "amount") cells[5] = `${r.int(1, 9)},${r.int(0, 9)}O0`
        // `2011NM710052`: a case number with every other cell blank
        else if (brokenKind === "name") cells = [caseNumber, "", "", "", "", "", "", "", ""]
        else cells = cells.slice(0, r.int(1, cells.length - 2))
      }
      const line = cells.map(cell).join(",")
      await out.add(line + eol(r))
      rows++
      if (brokenKind !== null || rows >= target) continue
      if (r.chance(duplicateRate)) {
        // an exact duplicate (a case listed again by the next report): skipped
        await out.add(line + eol(r))
        rows++
        duplicates++
      } else if (r.chance(relistRate)) {
        // the same case and respondent with another sanction line: rejected as an id conflict
        const again = [...cells]
        again[6] = again[6] === "SANCTION WAIVED" ? "DOLLARS" : "SANCTION WAIVED"
        again[8] = dateText(closed + r.int(30, 400), style)
        await out.add(again.map(cell).join(",") + eol(r))
        rows++
        relisted++
      }
    }
  }
  await out.close()
  const rejected = broken.date + broken.amount + broken.name + broken.short + relisted
  const manifest: FaaGeneratorManifest = {
    seed,
    file,
    rows,
    cases,
    broken,
    duplicates,
    relisted,
    expected: { accepted: rows - rejected - duplicates, rejected, skipped: duplicates },
    bytes: out.bytes
  }
  await writeFile(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
