import { Schema } from "effect"

const NAMES: Record<string, string> = {
  AL: "ALABAMA",
  AK: "ALASKA",
  AZ: "ARIZONA",
  AR: "ARKANSAS",
  CA: "CALIFORNIA",
  CO: "COLORADO",
  CT: "CONNECTICUT",
  DE: "DELAWARE",
  DC: "DISTRICT OF COLUMBIA",
  FL: "FLORIDA",
  GA: "GEORGIA",
  HI: "HAWAII",
  ID: "IDAHO",
  IL: "ILLINOIS",
  IN: "INDIANA",
  IA: "IOWA",
  KS: "KANSAS",
  KY: "KENTUCKY",
  LA: "LOUISIANA",
  ME: "MAINE",
  MD: "MARYLAND",
  MA: "MASSACHUSETTS",
  MI: "MICHIGAN",
  MN: "MINNESOTA",
  MS: "MISSISSIPPI",
  MO: "MISSOURI",
  MT: "MONTANA",
  NE: "NEBRASKA",
  NV: "NEVADA",
  NH: "NEW HAMPSHIRE",
  NJ: "NEW JERSEY",
  NM: "NEW MEXICO",
  NY: "NEW YORK",
  NC: "NORTH CAROLINA",
  ND: "NORTH DAKOTA",
  OH: "OHIO",
  OK: "OKLAHOMA",
  OR: "OREGON",
  PA: "PENNSYLVANIA",
  RI: "RHODE ISLAND",
  SC: "SOUTH CAROLINA",
  SD: "SOUTH DAKOTA",
  TN: "TENNESSEE",
  TX: "TEXAS",
  UT: "UTAH",
  VT: "VERMONT",
  VA: "VIRGINIA",
  WA: "WASHINGTON",
  WV: "WEST VIRGINIA",
  WI: "WISCONSIN",
  WY: "WYOMING",
  PR: "PUERTO RICO",
  VI: "VIRGIN ISLANDS",
  GU: "GUAM",
  AS: "AMERICAN SAMOA",
  MP: "NORTHERN MARIANA ISLANDS",
  UM: "US MINOR OUTLYING ISLANDS",
  AA: "ARMED FORCES AMERICAS",
  AE: "ARMED FORCES EUROPE",
  AP: "ARMED FORCES PACIFIC"
}

/** The full name of a USPS code (`TX` -> `TEXAS`); undefined for unknown codes. */
export const usStateName = (code: string): string | undefined => {
  const c = code.toUpperCase()
  return Object.hasOwn(NAMES, c) ? NAMES[c] : undefined
}

/** USPS state / territory codes. */
export const UsStateCodes = Object.keys(NAMES) as ReadonlyArray<string>
const CODES = new Set(UsStateCodes)
const BY_NAME = new Map(Object.entries(NAMES).map(([c, n]) => [n, c]))

/** A USPS two-letter state or territory code, upper case (`TX`). */
export const UsState = Schema.String.check(
  Schema.makeFilter<string>((s) => CODES.has(s), { description: "a USPS state or territory code such as TX" })
).pipe(Schema.brand("UsState"))
export type UsState = typeof UsState.Type

/** Read a state as published: a code in any case or a full name. Blank -> null; unknown -> undefined. */
export const parseUsState = (raw: string | null | undefined): UsState | null | undefined => {
  if (raw == null) return null
  const s = raw.trim().toUpperCase().replace(/\s+/g, " ")
  if (s === "") return null
  if (CODES.has(s)) return s as UsState
  const byName = BY_NAME.get(s.replaceAll(".", ""))
  return byName === undefined ? undefined : (byName as UsState)
}
