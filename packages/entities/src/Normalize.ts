import {
  ABBREVIATIONS,
  FACILITY_WORDS,
  GENERIC_WORDS,
  GOVERNMENT_UNITS,
  LEADING_STATE,
  LEGAL_FORMS,
  STATE_NAMES,
  STOPWORDS,
  TRADE_NAME_MARKERS,
  TRUNCATABLE_LEGAL_FORMS
} from "./Lists"

/**
 * A company name taken apart for matching. `head` is the organisation ("CA CORRECTIONS" of
 * "CA CORRECTIONS - AVENAL"), `tail` the site qualifiers after it; both are canonical tokens (upper case,
 * abbreviations spelled out, plurals folded, legal forms, store numbers and stopwords gone).
 */
export interface NormalizedName {
  readonly raw: string
  /** Tokens of the organisation part; `AND` is kept (weight 0) to tell "X AND Y" from "X". */
  readonly head: ReadonlyArray<string>
  /** Tokens of the site qualifiers (after " - ", ",", "(", "/" or the site's city). */
  readonly tail: ReadonlyArray<string>
  /** The trade name after DBA / T/A / AKA, normalised the same way (its head), or empty. */
  readonly trade: ReadonlyArray<string>
  /** A local government body: "CITY OF X", "X COUNTY …". */
  readonly government: boolean
  /** The head's identity tokens joined by one space (no AND / stopwords): equal keys name one organisation. */
  readonly key: string
}

const asciiFold = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/g, " ")

/** Plural folding for words of 5+ letters (STORES -> STORE, CORRECTIONS -> CORRECTION), not -SS/-US/-IS. */
const stem = (w: string): string =>
  w.length >= 5 && w.endsWith("S") && !/(?:SS|US|IS)$/.test(w) ? w.slice(0, -1) : w

/** One canonical token: abbreviation spelled out, plural folded. */
export const canonicalToken = (w: string): string => stem(ABBREVIATIONS.get(w) ?? w)

const stemSet = (s: ReadonlySet<string>): ReadonlySet<string> => new Set([...s].map(canonicalToken))
const GENERIC = stemSet(GENERIC_WORDS)
const FACILITY = stemSet(FACILITY_WORDS)
const STOP = STOPWORDS
const LEGAL = LEGAL_FORMS

/** True for a generic organisation word (DEPARTMENT, SERVICES, STORE …): it says what kind, not which. */
export const isGeneric = (t: string): boolean => GENERIC.has(t)
/** True for a US state's name (folded from CA, CALIF …). */
export const isStateName = (t: string): boolean => STATE_NAMES.has(t)
/** True for a token that names a kind of site (PLANT, PRISON, WWTP …). */
export const isFacilityWord = (t: string): boolean => FACILITY.has(t)
/** Generic or facility word: describes an organisation or a site without identifying it. */
export const isDescriptor = (t: string): boolean => GENERIC.has(t) || FACILITY.has(t)
/** True for a token without identity (THE, OF, AND …). */
export const isStopword = (t: string): boolean => STOP.has(t)

const UNIT_RE = GOVERNMENT_UNITS.map((u) => u.replace(/ /g, "\\s+")).join("|")
const STATE_RE = `(?:${[...LEADING_STATE.keys()].filter((k) => k.length === 2 || STATE_NAMES.has(k)).join("|")})`
/**
 * "FORT MYERS, CITY OF - WWTF", "COOPER CITY, FL, CITY OF", "ORLANDO, FLORIDA CITY OF" ->
 * "CITY OF FORT MYERS - WWTF", "CITY OF COOPER CITY", "CITY OF ORLANDO".
 */
const GOV_REORDER = new RegExp(
  `^([^,]+?),\\s*(?:${STATE_RE}\\s*,?\\s*)?(${UNIT_RE})\\s+OF\\b\\s*[-,]?\\s*(.*)$`
)
/** A leading "FL, " (a state code, then the name) says nothing about who. */
const LEADING_STATE_PART = new RegExp(`^${STATE_RE},\\s+(?=\\S)`)

/** Split points between an organisation and its site qualifiers. */
const SEPARATORS = /\s+-+\s*|\s*-+\s+|\s*[,()/;:[\]{}|]\s*|\s+(?:DBA|D\/B\/A)\s+/

/** Raw text -> words of one name part: store numbers, punctuation and single letters handled. */
const partWords = (part: string): Array<string> => {
  let s = part
  s = s.replace(/&/g, " AND ").replace(/\+/g, " AND ")
  // Store / unit numbers: "# 1204", "STORE #1903", "STORE NO. 12", "UNIT 5", "NO 1"
  s = s.replace(/\b(?:STORE|STORES|UNIT|LOCATION|LOC|BRANCH|NO|NUMBER)\s*\.?\s*#?\s*\d+[A-Z]?\b/g, " ")
  s = s.replace(/#\s*[A-Z]?\d+(?:-\d+)?[A-Z]?\b/g, " ").replace(/#/g, " ")
  // Periods of abbreviations: L.L.C. -> LLC; other periods are spaces
  s = s.replace(/\b([A-Z])\.(?=[A-Z]\b)/g, "$1").replace(/\./g, " ")
  // A hyphen between words is spelling (WAL-MART); the pair is split and joined back when comparing
  s = s.replace(/-/g, " ")
  const ws = s.split(/[^A-Z0-9]+/).filter((w) => w !== "")
  // Single letters in a row are one word: "C A CORRECTIONS" -> CA, "J C PENNEY" -> JC
  const out: Array<string> = []
  let letterRun = false
  for (const w of ws) {
    const single = w.length === 1 && w >= "A" && w <= "Z"
    if (single && letterRun) out[out.length - 1] += w
    else out.push(w)
    letterRun = single || (letterRun && single)
  }
  // Store numbers: 3+ digit numbers carry no identity ("KROGER 381", "WALMART 1960 06")
  return out.filter((w) => !/^\d{3,}$/.test(w) && !/^0\d+$/.test(w))
}

/** Drop legal forms (and a legal form cut off at 50 characters) from the end of a part's words. */
const peelLegal = (ws: Array<string>, truncated: boolean): Array<string> => {
  const out = [...ws]
  if (truncated && out.length > 1) {
    const last = out[out.length - 1]!
    if (last.length >= 2 && TRUNCATABLE_LEGAL_FORMS.some((p) => p.startsWith(last) && p !== last)) out.pop()
  }
  for (let changed = true; changed && out.length > 1; ) {
    changed = false
    const last = out[out.length - 1]!
    if (LEGAL.has(last) || last === "AND" || /^\d+$/.test(last)) {
      out.pop()
      changed = true
    }
  }
  return out
}

const canonicalWords = (ws: ReadonlyArray<string>): Array<string> => ws.map(canonicalToken)

/** A name part's tokens, with leading-state folding for the first part. */
const tokensOf = (part: string, first: boolean, truncated: boolean): Array<string> => {
  let ws = partWords(part)
  if (first) {
    // "STATE OF CALIFORNIA …", "CALIFORNIA STATE OF …", "CALIF STATE …": the state itself
    if (ws[0] === "STATE" && ws[1] === "OF" && ws[2] !== undefined && LEADING_STATE.has(ws[2]))
      ws = [LEADING_STATE.get(ws[2])!, ...ws.slice(3)]
    if (ws.length > 1 && LEADING_STATE.has(ws[0]!) && !LEGAL.has(ws[1]!)) {
      ws = [LEADING_STATE.get(ws[0]!)!, ...ws.slice(1)]
      if (ws[1] === "STATE") ws = [ws[0]!, ...ws.slice(ws[2] === "OF" ? 3 : 2)]
    }
  }
  ws = peelLegal(ws, truncated)
  // A legal form inside the name ("KROGER CO THE", "PUBLIX SUPER MARKETS INC DBA …") is noise too
  ws = ws.filter((w, i) => i === 0 || !LEGAL.has(w) || ws.length === 1)
  return canonicalWords(ws)
}

const identity = (ts: ReadonlyArray<string>): Array<string> => ts.filter((t) => !STOP.has(t))

/** Tokens of a city name, canonical, to recognise "CA CORRECTIONS AVENAL" at site AVENAL as AVENAL's site. */
export const cityTokens = (city: string | null | undefined): ReadonlyArray<string> =>
  city == null ? [] : canonicalWords(partWords(asciiFold(city).toUpperCase()))

/**
 * Normalise a company name as published. `city` (the site's city) lets a city written into the name after
 * the organisation ("CA CORRECTIONS AVENAL") count as a site qualifier instead of part of the organisation.
 */
export const normalizeName = (
  raw: string,
  options: { readonly city?: string | null } = {}
): NormalizedName => {
  let s = asciiFold(raw).toUpperCase().replace(/\s+/g, " ").trim()
  const truncated = s.length >= 49
  // Apostrophes and stray quotes inside words: WEGMAN"S, SAM'S -> WEGMANS, SAMS
  s = s.replace(/(\w)["'`](\w)/g, "$1$2").replace(/["'`]/g, " ")
  // Trade names: keep the legal entity in front, the trade name apart
  let trade = ""
  const m = TRADE_NAME_MARKERS.exec(` ${s} `)
  if (m !== null) {
    const at = m.index - 1
    trade = s.slice(at + m[0].length).trim()
    s = s.slice(0, Math.max(0, at)).trim()
  }
  // Leading store numbers "0423-WAL-MART", "(THE)", leading "THE"
  s = s
    .replace(/^\d{3,}\s*-\s*/, "")
    .replace(/\(\s*THE\s*\)/g, " ")
    .replace(/^THE\s+/, "")
    .trim()
  s = s.replace(LEADING_STATE_PART, "")
  const gov = GOV_REORDER.exec(s)
  if (gov !== null) s = `${gov[2]!.replace(/\s+/g, " ")} OF ${gov[1]!.trim()}${gov[3] ? ` - ${gov[3]}` : ""}`
  const parts = s.split(SEPARATORS).filter((p) => /[A-Z0-9]/.test(p))
  let head: Array<string> = []
  const tail: Array<string> = []
  let first = true
  for (const p of parts) {
    const ts = tokensOf(p, first, truncated)
    if (first) {
      if (identity(ts).length === 0) continue
      head = [...head, ...ts]
      // "STATE OF CALIFORNIA, DEPT OF CORRECTIONS", "CA STATE PRISON, DEPT. OF CORRECTIONS": a state, generic
      // or site words alone are no organisation yet
      first = identity(head).every((t) => isDescriptor(t) || isStateName(t))
    } else tail.push(...identity(ts).filter((t) => !LEGAL.has(t)))
  }
  if (head.length === 0) {
    // nothing but legal forms / numbers: keep what there is so the name still has a key
    head = s
      .split(/[^A-Z0-9]+/)
      .filter((w) => w !== "")
      .map(canonicalToken)
  }
  // The site's city written after the organisation is a site qualifier: move it to the tail
  const ct = cityTokens(options.city)
  if (ct.length > 0) {
    const ids = head
    for (let i = 2; i + ct.length <= ids.length; i++) {
      if (ct.every((t, j) => ids[i + j] === t) && identity(ids.slice(0, i)).length >= 2) {
        tail.unshift(...ids.slice(i, i + ct.length))
        head = [...ids.slice(0, i), ...ids.slice(i + ct.length)]
        break
      }
    }
  }
  // Trailing AND left by a cut ("X AND - Y")
  while (head.length > 1 && head[head.length - 1] === "AND") head.pop()
  const id = identity(head)
  // A local government: its place name is its identity, so "CITY OF PANAMA CITY BEACH" is not a site of
  // "CITY OF PANAMA CITY" (state agencies are not flagged: "CA CORRECTIONS …" names sites after the agency)
  const government =
    (head[0] !== undefined &&
      GOVERNMENT_UNITS.includes(head[0]) &&
      head[0] !== "STATE" &&
      head[1] === "OF") ||
    id.some((t) => t === "COUNTY" || t === "CITY" || t === "TOWNSHIP" || t === "PARISH" || t === "VILLAGE")
  const tradeHead = trade === "" ? [] : identity(normalizeName(trade).head)
  return { raw, head, tail, trade: tradeHead, government, key: id.join(" ") }
}

/** Identity tokens of a head (no stopwords): what similarity weighs. */
export const identityTokens = (n: NormalizedName): ReadonlyArray<string> => identity(n.head)
