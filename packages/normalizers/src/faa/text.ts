/**
 * FAA quarterly reports are published as PDF; text extraction breaks words at column edges
 * (`CONSOLIDATE D CASE`, `REVOCATI ON OTHER`, `RECORDS/RPT S`) and leaves footnote marks
 * (`CERTIFICATE REVOCATION 1`). These repairs are deliberate and listed here; the raw text is always kept
 * in `violation_details`.
 */

/** Words PDF extraction is known to split. A token pair is joined only when it spells one of these. */
export const SPLIT_WORDS: ReadonlySet<string> = new Set([
  "CONSOLIDATED",
  "INDEFINITE",
  "REVOCATION",
  "RECORDS/RPTS"
])

/** Misspellings and truncations seen in 3,307 real rows, spelled out. */
export const SPELLING: Readonly<Record<string, string>> = {
  CVIIL: "CIVIL",
  INDEFINTE: "INDEFINITE",
  SHCOOL: "SCHOOL",
  COMPROMIS: "COMPROMISE",
  DMAND: "DEMAND"
}

/** Upper-case, collapse whitespace, join known split words, fix known misspellings, drop footnote marks. */
export const repairFaaText = (raw: string | null): string | null => {
  if (raw === null) return null
  const tokens = raw.toUpperCase().replace(/\s+/g, " ").trim().split(" ")
  const out: Array<string> = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    const next = tokens[i + 1]
    if (next !== undefined && !SPLIT_WORDS.has(t) && SPLIT_WORDS.has(t + next)) {
      out.push(t + next)
      i++
    } else out.push(SPELLING[t] ?? t)
  }
  // `CERTIFICATE REVOCATION 1`, `CERTIFICATE REVOCATION .`: a lone digit or dot after the text is a footnote mark
  while (out.length > 1 && /^(?:\d|\.)$/.test(out[out.length - 1]!)) out.pop()
  const s = out.join(" ")
  return s === "" ? null : s
}

/** ENTITY TYPE spellings of one category (abbreviated differently from one report to the next). */
export const ENTITY_ALIASES: Readonly<Record<string, string>> = {
  "APPROVD RPR STA": "APPROVD REPAIR STA",
  "APPROVED RPR STN": "APPROVD REPAIR STA",
  "FOREIGN AIR CA": "FOREIGN AIR CAR",
  "COMP PROD": "COMPONENT PRODUCTION"
}

/** ENTITY TYPE in one spelling per category (`A/C or COMM OPER` and `A/C OR COMM OPER` are one). */
export const normalizeEntityType = (raw: string | null): string | null => {
  const s = repairFaaText(raw)
  return s === null ? null : (ENTITY_ALIASES[s] ?? s)
}

/** Words that mark an organization; without them, `LAST, FIRST M` is a person. */
export const ORG_WORDS =
  /\b(?:INC|LLC|L L C|CORP|CORPORATION|CO|COMPANY|LTD|LP|LLP|PLLC|AIR|AIRLINES?|AIRWAYS|AVIATION|AERO\w*|AIRCRAFT|HELICOPTERS?|SERVICES?|GROUP|INTERNATIONAL|ENTERPRISES|DBA|D\/B\/A|FLIGHT|JET|CHARTER|SCHOOL|ACADEMY|AIRPORT|AUTHORITY|CITY|COUNTY)\b/

/** `LAST, FIRST M` (with an optional second last name, middle names and generational suffix). */
export const INDIVIDUAL =
  /^[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+)?, [A-Z][A-Z'-]*(?: [A-Z][A-Z'-]*\.?)*(?: (?:JR|SR|II|III|IV)\.?)?$/

/**
 * Respondent kind. FAA names individuals (mechanics, pilots, operators) as `LAST, FIRST M` (`LEPPING, KURT M`);
 * companies carry a legal form or an aviation word. Used for details only: the person's name still keys the record.
 */
export const respondentKind = (name: string): "individual" | "organization" => {
  const s = name.toUpperCase().replace(/\s+/g, " ").trim()
  if (ORG_WORDS.test(s.replace(/[.,]/g, " ").replace(/\s+/g, " "))) return "organization"
  return INDIVIDUAL.test(s) ? "individual" : "organization"
}
