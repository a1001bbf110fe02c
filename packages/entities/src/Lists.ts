/**
 * The data behind name normalisation: general word lists (legal forms, abbreviations, US state names,
 * government units, facility words), never rules about particular companies. Extending a list is the way
 * to teach the matcher; each list says what its words do.
 */

import { LEGAL_SUFFIXES } from "@ventureos/core"

/**
 * Legal-form words: dropped wherever they end a name part ("WALMART STORES, INC. # 12" -> WALMART STORES).
 * The company slug's list plus spellings the matcher also folds (slugs, being stored keys, keep theirs).
 */
export const LEGAL_FORMS: ReadonlySet<string> = new Set([
  ...LEGAL_SUFFIXES,
  "INCORPORATION",
  "COMPANIES",
  "PARTNERSHIP",
  "PTNSHP",
  "PTNRSHP"
])

/** Prefixes of legal-form words, for names cut off at 50 characters ("…STORES, INCORPORA"). */
export const TRUNCATABLE_LEGAL_FORMS: ReadonlyArray<string> = [
  "INCORPORATED",
  "CORPORATION",
  "COMPANY",
  "LIMITED",
  "PARTNERSHIP"
]

/** Abbreviations spelled out, so DEPT and DEPARTMENT compare equal. Keys and values are single words. */
export const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ["DEPT", "DEPARTMENT"],
  ["DEP", "DEPARTMENT"],
  ["DPT", "DEPARTMENT"],
  ["DIV", "DIVISION"],
  ["CORR", "CORRECTION"],
  ["CORRECTIONAL", "CORRECTION"],
  ["REHAB", "REHABILITATION"],
  ["INST", "INSTITUTION"],
  ["INSTITUTE", "INSTITUTION"],
  ["CTR", "CENTER"],
  ["CNTR", "CENTER"],
  ["CENTRE", "CENTER"],
  ["SVC", "SERVICE"],
  ["SVCS", "SERVICE"],
  ["SERV", "SERVICE"],
  ["MGMT", "MANAGEMENT"],
  ["MGT", "MANAGEMENT"],
  ["MFG", "MANUFACTURING"],
  ["MANUF", "MANUFACTURING"],
  ["INTL", "INTERNATIONAL"],
  ["NATL", "NATIONAL"],
  ["ASSN", "ASSOCIATION"],
  ["ASSOC", "ASSOCIATION"],
  ["AUTH", "AUTHORITY"],
  ["GOVT", "GOVERNMENT"],
  ["HOSP", "HOSPITAL"],
  ["UNIV", "UNIVERSITY"],
  ["TRANS", "TRANSPORTATION"],
  ["TRANSP", "TRANSPORTATION"],
  ["DIST", "DISTRIBUTION"],
  ["DISTR", "DISTRIBUTION"],
  ["MKT", "MARKET"],
  ["MKTS", "MARKET"],
  ["SUPERMKT", "SUPERMARKET"],
  ["BROS", "BROTHERS"],
  ["BRO", "BROTHERS"],
  ["IND", "INDUSTRY"],
  ["INDS", "INDUSTRY"],
  ["INDUSTRIES", "INDUSTRY"],
  ["INDUSTRIAL", "INDUSTRY"],
  ["ENTERPRISE", "ENTERPRISES"],
  ["ENT", "ENTERPRISES"],
  ["HLDGS", "HOLDINGS"],
  ["HLDG", "HOLDINGS"],
  ["GRP", "GROUP"],
  ["AMER", "AMERICA"],
  ["AMERICAN", "AMERICA"],
  ["CNTY", "COUNTY"],
  ["CTY", "COUNTY"],
  ["TWP", "TOWNSHIP"],
  ["MUNI", "MUNICIPAL"],
  ["UTIL", "UTILITY"],
  ["UTILITIES", "UTILITY"],
  ["WKS", "WORKS"],
  ["LABS", "LABORATORY"],
  ["LAB", "LABORATORY"],
  ["LABORATORIES", "LABORATORY"],
  ["PHARM", "PHARMACY"],
  ["FDS", "FOODS"],
  ["FOOD", "FOODS"],
  ["MT", "MOUNT"],
  ["FT", "FORT"],
  ["CMNTY", "COMMUNITY"],
  ["HLTH", "HEALTH"],
  ["HEALTHCARE", "HEALTH"]
])

/** USPS state codes and the spellings of state names found in agency names, folded to one word each. */
const STATES: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["ALABAMA", ["AL", "ALA"]],
  ["ALASKA", ["AK"]],
  ["ARIZONA", ["AZ", "ARIZ"]],
  ["ARKANSAS", ["AR", "ARK"]],
  ["CALIFORNIA", ["CA", "CALIF", "CAL"]],
  ["COLORADO", ["CO", "COLO"]],
  ["CONNECTICUT", ["CT", "CONN"]],
  ["DELAWARE", ["DE", "DEL"]],
  ["FLORIDA", ["FL", "FLA"]],
  ["GEORGIA", ["GA"]],
  ["HAWAII", ["HI"]],
  ["IDAHO", ["ID"]],
  ["ILLINOIS", ["IL", "ILL"]],
  ["INDIANA", ["IN", "IND"]],
  ["IOWA", ["IA"]],
  ["KANSAS", ["KS", "KAN", "KANS"]],
  ["KENTUCKY", ["KY"]],
  ["LOUISIANA", ["LA"]],
  ["MAINE", ["ME"]],
  ["MARYLAND", ["MD"]],
  ["MASSACHUSETTS", ["MA", "MASS"]],
  ["MICHIGAN", ["MI", "MICH"]],
  ["MINNESOTA", ["MN", "MINN"]],
  ["MISSISSIPPI", ["MS", "MISS"]],
  ["MISSOURI", ["MO"]],
  ["MONTANA", ["MT", "MONT"]],
  ["NEBRASKA", ["NE", "NEB", "NEBR"]],
  ["NEVADA", ["NV", "NEV"]],
  ["OHIO", ["OH"]],
  ["OKLAHOMA", ["OK", "OKLA"]],
  ["OREGON", ["OR", "ORE"]],
  ["PENNSYLVANIA", ["PA", "PENN", "PENNA"]],
  ["TENNESSEE", ["TN", "TENN"]],
  ["TEXAS", ["TX", "TEX"]],
  ["UTAH", ["UT"]],
  ["VERMONT", ["VT"]],
  ["VIRGINIA", ["VA"]],
  ["WASHINGTON", ["WA", "WASH"]],
  ["WISCONSIN", ["WI", "WIS", "WISC"]],
  ["WYOMING", ["WY", "WYO"]]
]

/**
 * A state abbreviation that leads a name ("CA CORRECTIONS", "CALIF STATE DEPT …") means the state. Only
 * the leading position is folded: inside a name "CO", "IN", "OR", "PA" are ordinary words.
 */
export const LEADING_STATE: ReadonlyMap<string, string> = new Map(
  STATES.flatMap(([name, abbrs]) => [[name, name] as const, ...abbrs.map((a) => [a, name] as const)])
)
/** The full state names (one word each after folding). */
export const STATE_NAMES: ReadonlySet<string> = new Set(STATES.map(([n]) => n))

/** Government units that agencies write as "X, CITY OF": reordered to "CITY OF X". */
export const GOVERNMENT_UNITS: ReadonlyArray<string> = [
  "CITY",
  "COUNTY",
  "TOWN",
  "VILLAGE",
  "STATE",
  "BOROUGH",
  "TOWNSHIP",
  "PARISH",
  "COMMONWEALTH",
  "CITY AND COUNTY"
]

/** Words that carry no identity in a name. */
export const STOPWORDS: ReadonlySet<string> = new Set([
  "THE",
  "OF",
  "AND",
  "AT",
  "FOR",
  "IN",
  "ON",
  "A",
  "AN"
])

/**
 * Words that say what kind of organisation or site this is, not which one: they weigh little in name
 * similarity (DEPARTMENT OF CORRECTIONS vs CORRECTIONS) and may follow a known company name as a site
 * qualifier ("CITY OF STARKE WASTEWATER TREATMENT PLANT").
 */
export const GENERIC_WORDS: ReadonlySet<string> = new Set([
  "DEPARTMENT",
  "DIVISION",
  "OFFICE",
  "BUREAU",
  "AGENCY",
  "STATE",
  "SERVICE",
  "SERVICES",
  "GROUP",
  "HOLDINGS",
  "ENTERPRISES",
  "INTERNATIONAL",
  "NATIONAL",
  "SYSTEM",
  "SYSTEMS",
  "USA",
  "US",
  "AMERICA",
  "STORE",
  "STORES",
  "SUPERCENTER",
  "SUPERSTORE",
  "NEIGHBORHOOD",
  "MARKET"
])

/** Words that name a site of an organisation (a plant, a prison, a store): a name part they are in is a facility. */
export const FACILITY_WORDS: ReadonlySet<string> = new Set([
  "PLANT",
  "FACILITY",
  "FACILITIES",
  "PRISON",
  "JAIL",
  "CAMP",
  "MILL",
  "MINE",
  "TERMINAL",
  "WAREHOUSE",
  "DC",
  "DISTRIBUTION",
  "YARD",
  "DEPOT",
  "WWTP",
  "WWTF",
  "AWTP",
  "WRF",
  "WTP",
  "RWRF",
  "WASTEWATER",
  "WATER",
  "TREATMENT",
  "RECLAMATION",
  "LANDFILL",
  "STORE",
  "SUPERCENTER",
  "LOCATION",
  "UNIT",
  "BRANCH",
  "SITE",
  "PROJECT",
  "STATION",
  "COMPLEX",
  "HOSPITAL",
  "CLINIC",
  "CENTER",
  "INSTITUTION",
  "SCHOOL",
  "CAMPUS"
])

/** Words that introduce a trade name or an alias: what follows is not the legal entity. */
export const TRADE_NAME_MARKERS = /\s+(?:D\s*\/\s*B\s*\/\s*A|DBA|D B A|T\/A|AKA|A\/K\/A|FKA|F\/K\/A)\s+/
