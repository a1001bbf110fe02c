import { HashOmittedWhenNull, LineageFields, UsStateCodes, violationColumnList } from "@ventureos/core"
import type { StagedFile } from "./Plugin"

/**
 * SQL building blocks (DuckDB dialect) for vectorized normalizers. Each mirrors a `RowReader` rule for the
 * rows SQL decides, which are plain (printable ASCII) rows: there JavaScript's `trim`, `\s` and JSON
 * escaping reduce to spaces, spaces and `"`/`\`, which SQL reproduces exactly. Every rule also yields an
 * `ok` condition; a row where one is false goes to the JavaScript normalizer, which decides it (and writes the
 * rejection message when there is one).
 */

export const sqlStr = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Characters JavaScript's `String.prototype.trim` removes. */
const JS_SPACE =
  "\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

/**
 * `s.trim()` as JavaScript does it (any row, not only plain ones). With `plain` (a condition true on plain
 * rows, e.g. a staged relation's `__plain = 1`), those rows take DuckDB's `trim`, which removes spaces only:
 * the one JavaScript space in printable ASCII, and ~9 times cheaper than trimming a set of characters.
 */
export const jsTrim = (e: string, plain?: string): string =>
  plain === undefined
    ? `trim(${e}, ${sqlStr(JS_SPACE)})`
    : `CASE WHEN ${plain} THEN trim(${e}) ELSE trim(${e}, ${sqlStr(JS_SPACE)}) END`

/** The raw cell of a column (`""` when absent or empty), like `RowReader.cell`. */
export const cell = (f: StagedFile, column: string, alias = ""): string => {
  const i = f.file.columns.get(column)
  return i === undefined ? "''" : `coalesce(${alias}c${i}, '')`
}

/**
 * `RowReader.text`: trimmed, inner runs of spaces collapsed, NULL when blank. The regular expression (~3× the
 * cost of the trim) runs only on the few values holding a double space.
 */
export const text = (e: string): string =>
  `nullif(CASE WHEN contains(trim(${e}), '  ') THEN regexp_replace(trim(${e}), ' +', ' ', 'g') ELSE trim(${e}) END, '')`

/**
 * A raw cell for `violation_details` as `RowReader.details` keeps it: as published, NULL when blank (spaces are
 * the only blanks of a plain row).
 */
export const detailCell = (i: number, alias = ""): string =>
  `CASE WHEN trim(${alias}c${i}) = '' THEN NULL ELSE ${alias}c${i} END`

/** A rule's SQL: its value (NULL = blank) and when SQL decided it. */
export interface Rule {
  readonly value: string
  readonly ok: string
}

/** `RowReader.date`, for the ISO form `yyyy-mm-dd` (other forms go to JavaScript). */
export const isoDate = (raw: string): Rule => {
  const t = `trim(${raw})`
  return {
    value: `CASE WHEN ${t} = '' THEN NULL ELSE try_cast(${t} AS DATE) END`,
    ok: `(${t} = '' OR (regexp_full_match(${t}, '\\d{4}-\\d{2}-\\d{2}') AND try_cast(${t} AS DATE) IS NOT NULL AND ${t} BETWEEN '1800' AND '2201'))`
  }
}

/**
 * `RowReader.date`, for the US form `MM/DD/YYYY` (EPA; one-digit month and day too). Other forms (two-digit
 * years, `-` separators, a time part) go to JavaScript.
 */
export const usDate = (raw: string): Rule => {
  const t = `trim(${raw})`
  const d = `try_strptime(${t}, '%m/%d/%Y')::DATE`
  return {
    value: `CASE WHEN ${t} = '' THEN NULL ELSE ${d} END`,
    ok: `(${t} = '' OR (regexp_full_match(${t}, '\\d{1,2}/\\d{1,2}/\\d{4}') AND ${d} IS NOT NULL AND right(${t}, 4) BETWEEN '1800' AND '2200'))`
  }
}

/** `RowReader.money`, for plain amounts `1250`, `1250.5`, `1250.00` (others go to JavaScript). */
export const money = (raw: string): Rule => {
  const t = `trim(${raw})`
  return {
    value: `CASE WHEN ${t} = '' THEN NULL ELSE try_cast(${t} AS DECIMAL(18,2)) END`,
    ok: `(${t} = '' OR regexp_full_match(${t}, '\\d{1,15}(\\.\\d{1,2})?'))`
  }
}

const STATE_LIST = `(${UsStateCodes.map(sqlStr).join(", ")})`

/** `RowReader.state`, for USPS codes in any case (state names go to JavaScript). */
export const state = (raw: string): Rule => {
  const t = `upper(trim(${raw}))`
  return {
    value: `CASE WHEN ${t} IN ${STATE_LIST} THEN ${t} END`,
    ok: `(${t} = '' OR ${t} IN ${STATE_LIST})`
  }
}

/** `RowReader.zip`. */
export const zip = (raw: string): Rule => {
  const t = `trim(${raw})`
  return {
    value: `CASE WHEN ${t} = '' OR regexp_full_match(${t}, '0+') THEN NULL
      WHEN regexp_full_match(${t}, '\\d{5}(-?\\d{4})?') OR regexp_full_match(${t}, '\\d{5}\\.0+') THEN left(${t}, 5)
      WHEN regexp_full_match(${t}, '\\d{3,4}(\\.0+)?') THEN lpad(regexp_extract(${t}, '^\\d+'), 5, '0') END`,
    ok: `(${t} = '' OR regexp_full_match(${t}, '0+|\\d{5}(-?\\d{4})?|\\d{5}\\.0+|\\d{3,4}(\\.0+)?'))`
  }
}

/** `RowReader.code` (industry codes: first of a list, `.0` dropped, `0` as unknown). */
export const code = (raw: string, min: number, max: number): Rule => {
  const digits = `regexp_replace(regexp_extract(trim(${raw}), '^[^\\s,;]*'), '\\.0+$', '')`
  return {
    value: `CASE WHEN regexp_full_match(${digits}, '\\d{${min},${max}}') AND NOT regexp_full_match(${digits}, '0+') THEN ${digits} END`,
    ok: `(${digits} = '' OR regexp_full_match(${digits}, '0+') OR regexp_full_match(${digits}, '\\d{${min},${max}}'))`
  }
}

/** `makeViolationId` for plain ids. */
export const violationId = (agency: string, dataset: string, sourceId: string): string =>
  `${sqlStr(`${agency}:${dataset}:`)} || regexp_replace(trim(${sourceId}), '[ #]+', '_', 'g')`

/**
 * A JSON object with sorted keys whose values are text expressions, a NULL value leaving its key out (as
 * `finish` stores details: non-blank values only): no whitespace, values escaped by DuckDB's `to_json` (`"`
 * and `\` in printable ASCII, `/` not), keys as `JSON.stringify` quotes them: byte for byte the text
 * `contentHash` builds for plain rows. It is both the stored `violation_details` and the text the content
 * hash covers. `entries` may repeat a key: as in a JavaScript object literal, the last value wins.
 */
export const jsonObject = (
  entries: ReadonlyArray<readonly [string, string]>,
  splice?: { readonly at: string; readonly fragment: string }
): string => {
  const byKey = new Map<string, string>()
  for (const [k, v] of entries) byKey.set(k, v)
  const keys = [...byKey.keys()].sort()
  if (splice !== undefined && keys.some((k) => k.startsWith(splice.at)))
    throw new Error(
      `jsonObject: key ${keys.find((k) => k.startsWith(splice.at))} collides with the spliced ${splice.at}* keys`
    )
  const parts = keys.map(
    (k) => `${sqlStr(`${JSON.stringify(k)}:`)} || to_json(CAST(${byKey.get(k)!} AS VARCHAR))::VARCHAR`
  )
  // the fragment's keys all start with `at`: they sort together, where `at` would
  if (splice !== undefined) parts.splice(keys.filter((k) => k < splice.at).length, 0, splice.fragment)
  if (parts.length === 0) return "'{}'"
  // concat_ws skips NULL arguments: a blank value leaves neither its key nor a separator; one concat instead
  // of a chain of `||` (each of which copies the whole ~1 KB text built so far)
  return `concat('{', concat_ws(',', ${parts.join(", ")}), '}')`
}

/**
 * The members of a {@link jsonObject} (`"key":value` pairs, sorted, NULL values left out) without the braces,
 * NULL when there are none: a part of an object built once and spliced into many (`jsonObject`'s `splice`),
 * e.g. an OSHA inspection's columns, built once per inspection instead of once per violation.
 */
export const jsonMembers = (entries: ReadonlyArray<readonly [string, string]>): string => {
  const byKey = new Map<string, string>()
  for (const [k, v] of entries) byKey.set(k, v)
  const keys = [...byKey.keys()].sort()
  if (keys.length === 0) return "NULL::VARCHAR"
  return `nullif(concat_ws(',', ${keys
    .map((k) => `${sqlStr(`${JSON.stringify(k)}:`)} || to_json(CAST(${byKey.get(k)!} AS VARCHAR))::VARCHAR`)
    .join(", ")}), '')`
}

/**
 * The hashed columns (all silver columns but lineage and the details) named as themselves: the `columns` of
 * {@link contentHashSql} for a query whose columns already carry the silver names. `withOptional` adds the
 * columns hashed only when not null (`HashOmittedWhenNull`, e.g. EPA's `action_id`); without it they are
 * always null for the agency.
 */
export const silverColumnsByName = (withOptional: boolean): Readonly<Record<string, string>> => {
  const lineage = new Set<string>(LineageFields)
  const omittable = new Set<string>(HashOmittedWhenNull)
  return Object.fromEntries(
    violationColumnList
      .map((c) => c.name as string)
      .filter((c) => c !== "violation_details" && !lineage.has(c) && (withOptional || !omittable.has(c)))
      .map((c) => [c, c])
  )
}

/**
 * `contentHash` of a record given its business columns as SQL text expressions (`violation_details` as its
 * canonical JSON text): md5 of the sorted-key JSON (32 hex digits).
 */
export const contentHashSql = (columns: Readonly<Record<string, string>>, detailsJson: string): string => {
  const lineage = new Set<string>(LineageFields)
  const omittable = new Set<string>(HashOmittedWhenNull)
  const keys = violationColumnList
    .map((c) => c.name as string)
    .filter((k) => !lineage.has(k) && !omittable.has(k))
    .sort()
  // a column left out of the hash when null (`HashOmittedWhenNull`): no expression means always null; with
  // one, its `"key":value,` goes in front (each such column sorts before every other key, checked here)
  const optional = [...omittable].filter((k) => columns[k] !== undefined).sort()
  for (const k of optional)
    if (keys.some((other) => other < k))
      throw new Error(`contentHashSql: ${k} must sort before the other columns to be spliced in front`)
  // `"key":value` of every member, all arguments of one concat: a chain of `||` copied the text built so far
  // (~1 KB of details) at every step, and a `to_json` of a struct needed its braces trimmed off (ltrim/rtrim
  // cost more than the JSON itself). A NULL value is JSON `null`, as `to_json` of a struct writes it.
  const prefix = optional.map(
    (k) =>
      `coalesce(${sqlStr(`${JSON.stringify(k)}:`)} || to_json(CAST(${columns[k]} AS VARCHAR))::VARCHAR || ',', '')`
  )
  const member = (k: string): ReadonlyArray<string> => {
    const v = columns[k]
    if (v === undefined) throw new Error(`contentHashSql: no expression for column ${k}`)
    return [sqlStr(`${JSON.stringify(k)}:`), `coalesce(to_json(CAST(${v} AS VARCHAR))::VARCHAR, 'null')`]
  }
  // the details text is spliced in as is: casting it to JSON would parse and re-print every record's details
  const members = keys.map((k) =>
    k === "violation_details" ? [`'"violation_details":'`, detailsJson] : member(k)
  )
  const parts = ["'{'", ...prefix, ...members.flatMap((m, i) => (i === 0 ? m : ["','", ...m])), "'}'"]
  // concat reads NULL as empty: a NULL details text still gives a NULL hash, as a `||` chain did
  return `CASE WHEN ${detailsJson} IS NOT NULL THEN md5(concat(${parts.join(", ")})) END`
}
