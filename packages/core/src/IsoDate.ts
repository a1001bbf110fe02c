import { Schema } from "effect"

const isRealDate = (y: number, m: number, d: number): boolean => {
  if (m < 1 || m > 12 || d < 1 || y < 1800 || y > 2200) return false
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return d <= dim
}

/** A calendar date `yyyy-mm-dd` that exists (no 2023-02-30). Maps to Iceberg `date`. */
export const IsoDate = Schema.String.check(
  Schema.makeFilter<string>(
    (s) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
      return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))
    },
    { description: "a real calendar date yyyy-mm-dd" }
  )
).pipe(Schema.brand("IsoDate"))
export type IsoDate = typeof IsoDate.Type

/** An instant in ISO-8601 UTC (`2026-01-02T03:04:05.000Z`). Maps to Iceberg `timestamptz`. */
export const IsoTimestamp = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, {
    description: "an ISO-8601 UTC timestamp"
  })
).pipe(Schema.brand("IsoTimestamp"))
export type IsoTimestamp = typeof IsoTimestamp.Type

const pad = (n: number, w = 2) => String(n).padStart(w, "0")
const mk = (y: number, m: number, d: number): IsoDate | undefined =>
  isRealDate(y, m, d) ? (`${pad(y, 4)}-${pad(m)}-${pad(d)}` as IsoDate) : undefined

/** Month names and abbreviations `parseDate` reads (lower case), with their numbers. */
export const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12
}

/** Two-digit years: FAA reports use `1/1/17`; a pivot of 70 keeps 1970-2069 (FAA data starts in the 1990s). */
export const TWO_DIGIT_YEAR_PIVOT = 70
const century = (yy: number) => (yy < TWO_DIGIT_YEAR_PIVOT ? 2000 + yy : 1900 + yy)

/** Result of reading a published date. */
export type DateParse =
  | { readonly _tag: "ok"; readonly value: IsoDate | null }
  | { readonly _tag: "error"; readonly reason: string }

/**
 * Read a date as agencies publish it: ISO (`2015-03-04`, optionally with a time part, as OSHA's catalog does),
 * `yyyymmdd` (OSHA's documented layout), US `MM/DD/YYYY` (EPA), `M/D/YY` and `D-Mon-YY` (FAA).
 * Blank is `null`; a string that looks like a date but does not exist (2019-02-30) is an error.
 */
export const parseDate = (raw: string | null | undefined): DateParse => {
  if (raw == null) return { _tag: "ok", value: null }
  const s = raw.trim()
  if (s === "") return { _tag: "ok", value: null }
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{3}))?)?$/.exec(s)
  let v: IsoDate | undefined
  if (m) v = mk(Number(m[1]), Number(m[2]), Number(m[3]))
  else if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) v = mk(Number(m[1]), Number(m[2]), Number(m[3]))
  else if ((m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})(?:\s+[0-9:]+(?:\s*[AP]M)?)?$/i.exec(s))) {
    const y = m[3]!.length === 2 ? century(Number(m[3])) : Number(m[3])
    v = mk(y, Number(m[1]), Number(m[2]))
  } else if ((m = /^(\d{1,2})[- ]([A-Za-z]{3,4})[- ](\d{4}|\d{2})$/.exec(s))) {
    const mon = MONTHS[m[2]!.toLowerCase()]
    if (mon === undefined) return { _tag: "error", reason: `unknown month "${m[2]}"` }
    const y = m[3]!.length === 2 ? century(Number(m[3])) : Number(m[3])
    v = mk(y, mon, Number(m[1]))
  } else {
    return {
      _tag: "error",
      reason: "expected a date as yyyy-mm-dd, yyyymmdd, mm/dd/yyyy, m/d/yy or d-Mon-yy"
    }
  }
  return v === undefined
    ? { _tag: "error", reason: "date does not exist on the calendar" }
    : { _tag: "ok", value: v }
}

/** Days since 1970-01-01 (Iceberg's date representation). */
export const isoDateToEpochDays = (d: IsoDate): number =>
  Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000)
