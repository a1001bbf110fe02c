/**
 * How `labels.csv` was made (kept for review, not run by tests): real rows copied from the shared samples
 * (`../shared/data/{osha,epa,faa,entity}`), each labelled with the organisation it names by the hand-written
 * rules below (see README.md, "Labelling rules"). The rules are labels, not matching rules: the matcher never
 * sees them.
 *
 *   pnpm exec tsx bench/entities/build-labels.ts ../shared/data > bench/entities/labels.csv
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { companySlug } from "../../packages/core/src/index"
import { parseCsv } from "./csv"

const root = process.argv[2] ?? "../shared/data"
const read = (p: string) => parseCsv(readFileSync(join(root, p), "utf8"))

/** [pattern, company label, decidable]: the first match labels a row. `decidable` 0: see README. */
const RULES: ReadonlyArray<readonly [RegExp, string, 0 | 1]> = [
  // --- California state agencies (OSHA sample) ---
  // Prison Industry Authority: its own agency; names that also name the corrections department are ambiguous
  [
    /(CORRECTION|CDCR).*(PRISON IND|\bPIA\b|CALPIA)|(PRISON IND|\bPIA\b|CALPIA|CAL-PIA).*CORRECTION/,
    "ca-pia",
    0
  ],
  [/PRISON INDU|\bPIA\b|CALPIA|CAL-PIA/, "ca-pia", 1],
  [/CORRECTIONAL HEALTH ?CARE SERVICES/, "cdcr", 0],
  [/DEPARTMENT OF CORRECTION CAL FIRE/, "cdcr", 0],
  [/^CA YOUTH AUTHORITY|^STATE CALIF SO YOUTH/, "cdcr", 0],
  [/^CA REHABILITATION$/, "ca-rehabilitation", 0],
  [/^(CAL ?FIRE|CA DEPARTMENT (OF )?FORESTRY)/, "cal-fire", 1],
  [
    /^(CA|C A|CALIF|CALIFORNIA|STATE OF CA|STATE OF CALIF|STATE OF CALIFORNIA|CA\.|CA-)[ .,-]*.*(CORRECTION|CDCR|REHABILITATION)/,
    "cdcr",
    1
  ],
  // the state and a prison or parole office, without the department: who runs it is outside knowledge
  [/^(CA|CALIFORNIA|STATE OF CA|STATE OF CALIF|STATE OF CALIFORNIA)\b[ .,]*(STATE )?PRISON/, "cdcr", 0],
  [/^STATE OF (CA|CALIF|CALIFORNIA)\b.*(PR(IS|SI)ON|PAROLE)/, "cdcr", 0],
  [
    /^(CDCR\b|DEPT\.? OF CORRECTIONS AND REHABILITATION|DEPARTMENT OF CORRECTIONS & REHABILITATION)/,
    "cdcr",
    1
  ],
  [/SAN QUENTIN PRISON CA CORRECTIONS/, "cdcr", 1],
  [
    /^(CA|CALIFORNIA) (INSTITUTE|INSTITUTION) FOR (MEN|WOMEN)|CALIFORNIA MEDICAL FACILITY|CALIFORNIA HEALTH CARE FACILITY|CALIFORNIA CORRECTIONAL INSTITUTION|CALIFORNIA STATE PRISON|CALIFORNIA SUBSTANCE ABUSE|CA DEPT OF HEALTH CARE FACILITY|CA FOLSOM PRISON|CA CORCORAN/,
    "cdcr",
    0
  ],
  [
    /STATE PRISON|CORRECTIONAL TRAINING FACILITY|DEUEL VOCATIONAL|DONOVAN|CENTINELA|CHUCKAWALLA|YOUTH CORRECTIONAL|CHADJERIAN|CHCF|CONSERVATION CAMP$|SALINAS VALLEY PSYCH/,
    "cdcr",
    0
  ],
  [/^COALINGA STATE HOSPITAL|^DEPARTMENT OF MENTAL HEALTH/, "ca-dsh", 0],
  [/MENTAL HEALTH|STATE HOSPITAL/, "ca-dsh", 1],
  // --- federal ---
  [/BUREAU OF PRISON|BOP/, "us-bop", 1],
  [/FEDERAL CORRECTIONAL INSTITUTION/, "us-bop", 0],
  [/^U\.?S\.? DEPARTMENT OF JUSTICE$/, "us-bop", 0],
  // --- counties (department level) ---
  [/FRESNO COUNTY SHERIFF/, "fresno-sheriff", 1],
  [/FRESNO COUNTY JAIL/, "fresno-sheriff", 0],
  [/^(LA|LOS ANGELES) COUNTY SHERR?IFF?/, "la-sheriff", 1],
  [/^CONTRA COSTA COUNTY, HS & SO/, "contra-costa-sheriff", 0],
  [/^CCC SHERIFF/, "contra-costa-sheriff", 1],
  [/(LA|LOS ANGELES) (COUNTY|CTNY).*PROB|COUNTY OF (LA|LOS ANGELES) PROBATION/, "la-probation", 1],
  [/LA COUNTY-BARRY J\. NIDORF/, "la-probation", 0],
  [/VENTURA COUNTY SHERIFF/, "ventura-sheriff", 1],
  [/ALAMEDA COUNTY SHERIFF/, "alameda-sheriff", 1],
  [/SANTA CLARA COUNTY MAIN JAIL/, "santa-clara-doc", 0],
  // --- Florida utilities and companies (EPA samples) ---
  [/FLORIDA POWER (&|AND) LIGHT|^FPL\b/i, "fpl", 1],
  [/FLORIDA POWER CORP/i, "florida-power-corp", 1],
  [/GULF POWER/, "gulf-power", 1],
  [/^MOSAIC\b/, "mosaic", 1],
  [/^CEMEX\b/, "cemex", 1],
  [/PREFERRED MATERIALS/, "preferred-materials", 1],
  [/^TALLAHASSEE (LK|T P)/, "gov:TALLAHASSEE", 0],
  [/^JEA\b/, "jea", 1],
  [/^ECUA\b/, "ecua", 1],
  [/^GRU\b|GAINESVILLE REGIONAL UTILITIES/, "gru", 1],
  [/PASCO COUNTY UTILITIES/, "pasco-utilities", 1],
  [/^INDIAN RIVER COUNTY/, "indian-river-county", 1],
  [/^(IRC|IRCUD)\b/, "indian-river-county", 0],
  [/^BUCKEYE\b/, "buckeye", 1],
  [/^KINDER MORGAN/, "kinder-morgan", 1],
  [/HOWARD FERTILIZER/, "howard-fertilizer", 1],
  [/AGRI-CHEMICALS/, "us-agri-chemicals", 1],
  [/^FLORIDA ROCK/, "florida-rock", 1],
  [/^SIGNATURE MA/, "signature-marine", 0],
  [/^VIKING YACHT/, "viking-yacht", 0],
  [/NORTH FLORIDA HOLSTEINS/, "north-florida-holsteins", 0],
  [/^CSX\b/i, "csx", 1],
  [/GEO GROUP/, "geo-group", 1],
  [/^PANAMA CITY$/, "gov:PANAMA CITY", 0],
  [/^A ?- ?1 BLOCK/, "a1-block", 1],
  [/^COOPER, CITY, FL, CITY OF/, "gov:COOPER CITY", 1],
  [/^TRADEMARK METALS/, "trademark-metals", 1],
  [/^NATIONSRENT/, "nationsrent", 1],
  [/^WILSON TRUCKING/, "wilson-trucking", 1],
  [/^LEON COUNTY\/CITY OF/, "leon-county", 0],
  // --- grocery (OSHA establishment names): the legal entity named first; a DBA's trade name is not it ---
  [/^(\d+-)?(THE )?WAL[- ]?MART|^WALMART/, "walmart", 1],
  [/^SAMS? WEST|^SAM'?S CLUB/, "sams-club", 1],
  [/^(THE )?KROGER|^KROGER/, "kroger", 1],
  [/^RALPHS/, "ralphs", 1],
  [/^FRED MEYER/, "fred-meyer", 1],
  [/^HARRIS TEETER/, "harris-teeter", 1],
  [/^RUDDICK/, "ruddick", 1],
  [/^KING SOOPERS/, "king-soopers", 1],
  [/^DILLON COMPANIES/, "dillon", 1],
  [/^QUALITY FOOD CENTERS/, "qfc", 1],
  [/^SMITH'?S FOOD/, "smiths", 1],
  [/^SUPERVALUE?\b/, "supervalu", 1],
  [
    /^(NEW )?ALBERT?S[O]?NS?|^ALBERSONS|^NEW ALBERSONS|^DBA ALBERTSON|^SUPER SAVER - ALBERTSON/,
    "albertsons",
    1
  ],
  [/^(SAFE ?WAY|CARRS\/SAFEWAY)/, "safeway", 1],
  [/^CARRS QUALITY/, "carrs", 1],
  [/^(THE )?VONS/, "vons", 1],
  [/^JEWEL/, "jewel-osco", 1],
  [/^ACME MARKETS/, "acme", 1],
  [/^SHAW'?S/, "shaws", 1],
  [/^FOOD LION/, "food-lion", 1],
  [/^DELHAIZE/, "delhaize-america", 1],
  [/^AHOLD/, "ahold-usa", 1],
  [/^BI-?LO\b/, "bi-lo", 1],
  [/STOP (&|AND|N) SHOP/, "stop-and-shop", 1],
  [/^HANNAFORD/, "hannaford", 1],
  [/^GIANT OF MARYLAND/, "giant-md", 1],
  [/^WHOLE FOODS/, "whole-foods", 1],
  [/^WINN[- ]DIXIE/, "winn-dixie", 1],
  [/^PUBLIX/, "publix", 1],
  [/^HY-?VEE/, "hy-vee", 1],
  [/^H-?E-?B\b/, "heb", 1],
  [/^WEGMAN/, "wegmans", 1]
]

/**
 * A local government is labelled by the place it names ("BONIFAY, FL, CITY OF", "City of Bonifay WWTP
 * FL0027731" -> gov:BONIFAY); a place spelled one letter off another place of the set is that place
 * (CLEWSTON -> CLEWISTON, "Winter Garder" -> WINTER GARDEN), as a person reading them would decide.
 */
const UNIT = "(?:CITY|TOWN|VILLAGE)"
const placeRaw = (up: string): string | undefined => {
  const s = up.replace(/^(FL|FLORIDA), /, "").replace(/\./g, "")
  const m1 = new RegExp(`^([A-Z' ]+?),\\s*(?:(?:FL|FLORIDA),?\\s*)?${UNIT} OF\\b`).exec(s)
  if (m1 !== null) return m1[1]!
  const rest = new RegExp(`^${UNIT} OF (.*)$`).exec(s)?.[1]
  if (rest !== undefined) {
    const known = knownPlaces.filter(
      (k) =>
        rest === k ||
        rest.startsWith(`${k} `) ||
        rest.startsWith(`${k}-`) ||
        rest.startsWith(`${k},`) ||
        rest.startsWith(`${k};`)
    )
    if (known.length > 0) return known.sort((a, b) => b.length - a.length)[0]
  }
  const m2 = new RegExp(
    `^${UNIT} OF ([A-Z' ]+?)(?=\\s*(?:[-,(;/?]|\\b(?:WWTP|WWTF|WASTEWATER|WATER|WRF|AWTP|SOUTH|FL\\d+|[A-Z]+ WWTP)\\b|$))`
  ).exec(s)
  return m2?.[1]
}
const canonicalPlace = (p: string) =>
  p
    .replace(/\bSAINT\b/g, "ST")
    .replace(/\s+/g, " ")
    .trim()
const editDistance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
  return d[a.length]![b.length]!
}
let knownPlaces: Array<string> = []
const governmentOf = (up: string): string | undefined => {
  const raw = placeRaw(up)
  if (raw === undefined) return undefined
  const p = canonicalPlace(raw)
  // the more often written spelling wins (knownPlaces is sorted by rows)
  const near = knownPlaces.find((k) => k.length >= 6 && p.length >= 6 && editDistance(k, p) <= 1)
  return `gov:${near ?? p}`
}

const label = (name: string): { company: string; decidable: 0 | 1 } => {
  const n = name.trim().replace(/\s+/g, " ")
  const up = n.toUpperCase()
  for (const [re, company, decidable] of RULES) if (re.test(up) || re.test(n)) return { company, decidable }
  const gov = governmentOf(up)
  if (gov !== undefined) return { company: gov, decidable: 1 }
  return { company: `slug:${companySlug(n) ?? "none"}`, decidable: 1 }
}

interface Row {
  source: string
  name: string
  address: string
  city: string
  state: string
  zip: string
  naics: string
  frs: string
}
const rows: Array<Row> = []
const seen = new Set<string>()
const push = (r: Row) => {
  // one row per spelling and site: repeated rows would only add free, identical pairs
  const id = JSON.stringify([
    r.name.trim().toUpperCase(),
    r.address.toUpperCase(),
    r.city.toUpperCase(),
    r.state,
    r.zip
  ])
  if (seen.has(id) || r.name.trim() === "") return
  seen.add(id)
  rows.push(r)
}
const zip5 = (z: string | undefined) => {
  const d = (z ?? "").replace(/\D/g, "")
  return d === "" || /^0+$/.test(d) ? "" : d.padStart(5, "0").slice(0, 5)
}
const clean = (s: string | undefined) => {
  const t = (s ?? "").trim()
  return /^(UNKNOWN|0)$/i.test(t) ? "" : t
}

for (const r of read("osha/osha_inspection.csv"))
  push({
    source: "osha",
    name: r.estab_name!,
    address: clean(r.site_address),
    city: clean(r.site_city),
    state: clean(r.site_state),
    zip: zip5(r.site_zip),
    naics: r.naics_code === "0" ? "" : (r.naics_code ?? ""),
    frs: ""
  })
for (const r of read("epa/npdes_formal_actions_FL.csv"))
  push({
    source: "epa",
    name: r.FAC_NAME!,
    address: clean(r.FAC_STREET),
    city: clean(r.FAC_CITY),
    state: clean(r.FAC_STATE),
    zip: zip5(r.FAC_ZIP),
    naics: (r.FAC_NAICS_CODES ?? "").split(" ")[0] ?? "",
    frs: /fid=(\d+)/.exec(r.DFR_URL ?? "")?.[1] ?? ""
  })
// ECHO case names: the power companies (a documented hard negative) and the cities and firms above
for (const r of read("epa/echo_cases_FL.csv")) {
  const name = r.CaseName!
  if (
    /FLORIDA POWER|CITY OF|, CITY|WAL-?MART|MOSAIC|CSX|CEMEX|GULF POWER|DUKE/i.test(name) &&
    name.length < 60
  )
    push({ source: "epa", name, address: "", city: "", state: "FL", zip: "", naics: "", frs: "" })
}
for (const r of read("faa/faa_closed_enforcement_cases.sample.csv"))
  push({ source: "faa", name: r.NAME!, address: "", city: "", state: "", zip: "", naics: "", frs: "" })
// Grocery names: every name of the heuristic parent list (re-labelled here by company), with the state the
// names file gives it, plus every 25th other name of the names file (mostly independent grocers)
const stateOf = new Map<string, string>()
const names = read("entity/osha_establishment_names_naics445110.csv")
for (const r of names)
  if (!stateOf.has(r.establishment_name!)) stateOf.set(r.establishment_name!, r.state ?? "")
const heuristic = new Set(read("entity/name_variants_to_parent_HEURISTIC.csv").map((r) => r.raw_estab_name!))
for (const n of heuristic)
  push({
    source: "grocery",
    name: n,
    address: "",
    city: "",
    state: stateOf.get(n) ?? "",
    zip: "",
    naics: "445110",
    frs: ""
  })
const others = [...new Set(names.map((r) => r.establishment_name!))].filter((n) => !heuristic.has(n)).sort()
for (const [i, n] of others.entries())
  if (i % 25 === 0)
    push({
      source: "grocery",
      name: n,
      address: "",
      city: "",
      state: stateOf.get(n) ?? "",
      zip: "",
      naics: "445110",
      frs: ""
    })

// Places spelled by more rows win over one-off misspellings
const placeCounts = new Map<string, number>()
for (const r of rows) {
  const raw = placeRaw(r.name.trim().replace(/\s+/g, " ").toUpperCase())
  if (raw !== undefined) placeCounts.set(canonicalPlace(raw), (placeCounts.get(canonicalPlace(raw)) ?? 0) + 1)
}
// places named "X, CITY OF" (and the EPA facility cities) are known places; "CITY OF X …" is read against them
knownPlaces = [
  ...new Set([
    ...rows
      .map((r) =>
        r.name
          .trim()
          .replace(/\s+/g, " ")
          .toUpperCase()
          .replace(/^(FL|FLORIDA), /, "")
          .replace(/\./g, "")
      )
      .map((n) => new RegExp(`^([A-Z' ]+?),\\s*(?:(?:FL|FLORIDA),?\\s*)?${UNIT} OF\\b`).exec(n)?.[1])
      .filter((p): p is string => p !== undefined)
      .map(canonicalPlace),
    ...rows
      .filter((r) => r.source === "epa" && r.city !== "")
      .map((r) => canonicalPlace(r.city.toUpperCase()))
  ])
]
knownPlaces.sort((a, b) => (placeCounts.get(b) ?? 0) - (placeCounts.get(a) ?? 0) || (a < b ? -1 : 1))

const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
process.stdout.write("id,source,name,address,city,state,zip,naics,frs,company,decidable\n")
for (const [i, r] of rows.entries()) {
  const l = label(r.name)
  process.stdout.write(
    `${[i + 1, r.source, r.name, r.address, r.city, r.state, r.zip, r.naics, r.frs, l.company, l.decidable].map((v) => q(String(v))).join(",")}\n`
  )
}
