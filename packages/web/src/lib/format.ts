/*
 * Display formatting. Money arrives as the API's exact decimal string ("1234.50"): it is formatted by
 * string manipulation, never through a float, so $12,345.67 is always exactly what the agency published.
 */

const MONEY = /^(-?)(\d+)\.(\d{2})$/

/** "12345.00" -> "$12,345.00"; null -> the given placeholder. */
export const formatMoney = (m: string | null | undefined, empty = "Not published"): string => {
  if (m == null) return empty
  const parts = MONEY.exec(m)
  if (parts === null) return m
  const whole = parts[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return `${parts[1] === "-" ? "−" : ""}$${whole}.${parts[3]}`
}

/** Money -> dollars as a number, for charts only (never for display). */
export const moneyToNumber = (m: string | null | undefined): number => (m == null ? 0 : Number(m))

const NUMBER = new Intl.NumberFormat("en-US")

/** 12345 -> "12,345". */
export const formatCount = (n: number): string => NUMBER.format(n)

/** plural(1, "violation") -> "1 violation"; plural(2, "company", "companies") -> "2 companies". */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`

/**
 * The note beside a current-penalty total when some violations' current penalty is unknown (their agency
 * published none: the total sums the known ones): "current penalty unknown for 46 violations".
 */
export const penaltyUnknownNote = (n: number | undefined): string | undefined =>
  n === undefined || n <= 0 ? undefined : `current penalty unknown for ${plural(n, "violation")}`

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

/** "2017-03-29" -> "Mar 29, 2017" (calendar dates have no time zone: never through Date). */
export const formatDate = (iso: string | null | undefined, empty = "Unknown"): string => {
  if (iso == null) return empty
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  if (m === null) return iso
  return `${MONTHS[Number(m[2]) - 1] ?? m[2]} ${Number(m[3])}, ${m[1]}`
}

/** An ISO timestamp -> "Mar 29, 2017" (UTC date). */
export const formatTimestamp = (iso: string | null | undefined): string => formatDate(iso?.slice(0, 10))

const AGENCY_NAMES: Record<string, string> = {
  osha: "OSHA",
  epa: "EPA",
  faa: "FAA"
}

const AGENCY_LONG: Record<string, string> = {
  osha: "Occupational Safety and Health Administration",
  epa: "Environmental Protection Agency",
  faa: "Federal Aviation Administration"
}

/** "osha" -> "OSHA"; unknown plugin agencies are shown upper-cased. */
export const agencyName = (id: string): string => AGENCY_NAMES[id] ?? id.toUpperCase()

/** "osha" -> "Occupational Safety and Health Administration" (or the short name when unknown). */
export const agencyLongName = (id: string): string => AGENCY_LONG[id] ?? agencyName(id)

const TYPE_NAMES: Record<string, string> = {
  willful: "Willful",
  repeat: "Repeat",
  serious: "Serious",
  other: "Other-than-serious",
  civil_penalty: "Civil penalty",
  compliance_order: "Compliance order",
  judicial: "Judicial action",
  certificate_action: "Certificate action",
  administrative: "Administrative action",
  unclassified: "Unclassified"
}

/** "civil_penalty" -> "Civil penalty". */
export const violationTypeName = (t: string): string => TYPE_NAMES[t] ?? t.replaceAll("_", " ")

const STATES: Record<string, string> = {
  AL: "Alabama",
  AK: "Alaska",
  AZ: "Arizona",
  AR: "Arkansas",
  CA: "California",
  CO: "Colorado",
  CT: "Connecticut",
  DE: "Delaware",
  DC: "District of Columbia",
  FL: "Florida",
  GA: "Georgia",
  HI: "Hawaii",
  ID: "Idaho",
  IL: "Illinois",
  IN: "Indiana",
  IA: "Iowa",
  KS: "Kansas",
  KY: "Kentucky",
  LA: "Louisiana",
  ME: "Maine",
  MD: "Maryland",
  MA: "Massachusetts",
  MI: "Michigan",
  MN: "Minnesota",
  MS: "Mississippi",
  MO: "Missouri",
  MT: "Montana",
  NE: "Nebraska",
  NV: "Nevada",
  NH: "New Hampshire",
  NJ: "New Jersey",
  NM: "New Mexico",
  NY: "New York",
  NC: "North Carolina",
  ND: "North Dakota",
  OH: "Ohio",
  OK: "Oklahoma",
  OR: "Oregon",
  PA: "Pennsylvania",
  RI: "Rhode Island",
  SC: "South Carolina",
  SD: "South Dakota",
  TN: "Tennessee",
  TX: "Texas",
  UT: "Utah",
  VT: "Vermont",
  VA: "Virginia",
  WA: "Washington",
  WV: "West Virginia",
  WI: "Wisconsin",
  WY: "Wyoming",
  PR: "Puerto Rico",
  VI: "U.S. Virgin Islands",
  GU: "Guam",
  AS: "American Samoa",
  MP: "Northern Mariana Islands",
  UM: "U.S. Minor Outlying Islands",
  AA: "Armed Forces Americas",
  AE: "Armed Forces Europe",
  AP: "Armed Forces Pacific"
}

/** "TX" or "tx" -> "Texas"; undefined for unknown codes. */
export const stateName = (code: string): string | undefined => STATES[code.toUpperCase()]

/** Every known USPS code (upper case). */
export const stateCodes: ReadonlyArray<string> = Object.keys(STATES)

/** Agencies publish names in capitals ("MOSAIC FERTILIZER LLC"): shown as published, never re-cased. */
export const placeLabel = (city: string | null, state: string | null): string | null =>
  city !== null && state !== null ? `${city}, ${state}` : (city ?? state)
