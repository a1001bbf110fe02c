/**
 * EPA names. ECHO's `CaseName` is free text typed by case officers: it carries permit numbers
 * (`FL0032581`, `FLR10KQ50`), action text (`(Compliance Order)`, `Administrative Consent Order`), facility
 * qualifiers (`- WINSTON YARD`, `(BIG BEND)`) and co-respondents (`HOFFMAN, PAUL / CAMILLE HOFFMAN`).
 * ICIS-NPDES `FAC_NAME` uses the same `COMPANY - FACILITY` habit. The company key must come from the
 * company part only; the published text is kept in `violation_details`.
 */

/**
 * NPDES permit ids: two-letter state + 5-7 characters with at least four digits (`FL0032581`, `FLG912023`,
 * `FLR10KQ50`, `FL20532`, `NMU001798`), optionally introduced by "Permit", "NPDES" or "No.".
 * Lists are joined by commas or "and".
 */
const PERMIT =
  /(?:\b(?:NPDES\s+)?(?:Permit\s*)?(?:No\.?\s*)?)?\b(?=[A-Z0-9]*\d[A-Z0-9]*\d[A-Z0-9]*\d[A-Z0-9]*\d)[A-Z]{2}[A-Z0-9]{5,7}\b/gi
const PERMIT_LIST_GLUE = /\s*(?:,|\band\b)\s*(?=$|[,\s]*$)/gi

/** Action text appended to case names, with or without parentheses. */
const ACTION_TEXT =
  /\s*\b(?:administrative\s+)?(?:consent|compliance|penalty|cease\s*(?:&|and)\s*desist)\s+(?:order|agreement|agmt)\b.*$|\s*\bCOE\s+\d{2}-\d{3,4}\b/gi

/** A `C/O` (care of) clause names an agent, not the respondent. */
const CARE_OF = /\s+C\/O\b.*$/i

/**
 * `COMPANY - FACILITY` (also en dash, and `?`/U+FFFD where an en dash was mangled by an encoding round trip:
 * `State Road 16 WWTF � FL0043109`, `City of Tampa ? Howard F. Curren AWTP`).
 */
const DASH = /\s+[-\u2013\u2014?\uFFFD]\s+/

const letters = (w: string) => w.replace(/[^A-Za-z]/g, "").length

/**
 * Where `A/B` separates parties (`CITY OF/LAKE BRADFORD WRF`, `HOFFMAN, PAUL / CAMILLE HOFFMAN`), the index
 * of the slash. Not in abbreviations and codes: `D/B/A`, `C/O`, `R/O`, `S/D`, `10/90`, `NW/SW`, `II/III`.
 */
const partySlash = (s: string): number => {
  for (const m of s.matchAll(/(\S*?)\s*\/+\s*(\S*)/g)) {
    const left = m[1] ?? ""
    const right = m[2] ?? ""
    const [l, r] = [letters(left), letters(right)]
    if (l >= 2 && r >= 2 && (left.length > 3 || right.length > 3)) return m.index + left.length
  }
  return -1
}

/**
 * What `collapse` changes: anything but printable ASCII and single inner spaces, a space before a comma, any
 * `?`. Most names (98% of a generated release's) have none, and are returned without the seven replacements
 * (`epaCompanyName` collapses each name three times; 534k distinct names of a 1M-row release: ~2.6 CPU s).
 */
export const NEEDS_COLLAPSE = /[^!-~ ]| {2}|^ | $| ,|\?/

/**
 * Whitespace runs (incl. no-break spaces) collapse. Windows-1252 punctuation that went through a latin-1
 * round trip arrives as C1 control characters (`Goodbread MHP WWTF \u0096 FL0032662`: U+0096 was an en
 * dash); `?` between a letter and `s` is a mangled apostrophe (`Pilgrim?s Pride`).
 */
const collapse = (s: string) => (NEEDS_COLLAPSE.test(s) ? collapseAll(s) : s)

/** `collapse`'s replacements, applied whatever the name (exported for its property test). */
export const collapseAll = (s: string) =>
  s
    .replace(/[\u0091\u0092]/g, "'")
    .replace(/[\u0096\u0097]/g, " - ")
    .replace(/[\u0080-\u009f]/g, " ")
    .replace(/(?<=[A-Za-z])[?\uFFFD](?=s\b)/g, "'")
    .replace(/\s+/g, " ")
    .replace(/ ,/g, ",")
    .trim()

/** Trailing separators left behind once permit numbers or facilities are cut (`Dale Mabry AWWTP -`). */
const tidy = (s: string) =>
  collapse(s)
    .replace(/[\s,;:/_\-\u2013\u2014?\uFFFD]+$/g, "")
    .replace(/^[\s,;:/_-]+/, "")
    .trim()

const firstParty = (s: string): string => {
  // only the first separator decides: in `ABC U - PULL - IT INC` the dash is part of the name
  const dash = DASH.exec(s)
  if (dash !== null) {
    const left = s.slice(0, dash.index)
    const right = s.slice(dash.index + dash[0].length)
    const leftWord = left.split(" ").pop() ?? ""
    const rightWord = right.split(" ")[0] ?? ""
    if (leftWord.length > 1 && rightWord.length > 1 && tidy(left) !== "") s = left
  }
  const slash = partySlash(s)
  if (slash > 0 && tidy(s.slice(0, slash)) !== "") s = s.slice(0, slash)
  const semi = s.indexOf(";")
  if (semi > 0) s = s.slice(0, semi)
  return s
}

/**
 * The company part of an EPA case or facility name, for the company key. Conservative: it only cuts
 * permit numbers, action text, parenthesized qualifiers, `C/O` clauses and what follows the first party
 * separator. Legal suffixes and `D/B/A` clauses are left to `companySlug`. Falls back to the published
 * name when nothing would remain (a name that is only a permit number).
 */
export const epaCompanyName = (published: string): string => {
  const original = collapse(published)
  let s = original
  // Parenthesized qualifiers: facility, action text, permit, acronym, `(NATIONAL CASE) (LEAD)`.
  // A name cut at the field width can leave an unbalanced `(`: `BEAZER HOMES-PALMA VISTA (@ ME`.
  for (let prev = ""; prev !== s; ) {
    prev = s
    s = s.replace(/\s*\([^()]*\)/g, " ")
  }
  s = s.replace(/\s*\([^()]*$/, " ")
  const noPermit = s.replace(PERMIT, " ")
  // `FL0040436 and FL0128775`, `FL0173371, FL0039721`: the glue goes with the permits
  if (noPermit !== s) s = noPermit.replace(PERMIT_LIST_GLUE, " ")
  s = s.replace(ACTION_TEXT, " ").replace(CARE_OF, " ")
  s = tidy(firstParty(collapse(s)))
  return s === "" ? original : s
}

/** Legal-form words that belong to the name before them in a comma list (`Lagoon Landing, LLC`). */
const LEGAL_FORM = /^(?:INC\w*|LLC|L\.L\.C|LP|L\.P|LTD|CORP\w*|CO|COMPANY|GMBH|PA|P\.A|NA|N\.A|JR|SR)\.?$/i
/** Words that make a defendant an organization rather than a person. */
const ORGANIZATION =
  /\b(?:INC\w*|LLC|L\.L\.C\.?|LP|LTD|CORP\w*|CO|COMPANY|GMBH|KG|TRUST|PARTNERS\w*|HOLDINGS|GROUP)\b\.?/i

/**
 * Criminal cases name every defendant in one comma list, people and companies alike
 * (`David Hayes Marshall, Mark Ribbe, Target Corporation`), sometimes cut with `...`. The record belongs
 * to the first organization among them, else to the first person. The full list stays in details.
 */
export const criminalDefendant = (published: string): string => {
  const parts = collapse(published)
    .replace(/\.\.\.$/, "")
    .split(/\s*,\s*/)
    .filter((p) => p !== "")
  const defendants: Array<string> = []
  for (const p of parts) {
    const last = defendants.length - 1
    if (last >= 0 && LEGAL_FORM.test(p)) defendants[last] = `${defendants[last]}, ${p}`
    else defendants.push(p)
  }
  const first = defendants.find((d) => ORGANIZATION.test(d)) ?? defendants[0]
  return first === undefined ? collapse(published) : epaCompanyName(first)
}
