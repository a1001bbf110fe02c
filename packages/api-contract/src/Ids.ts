import { isSlug, parseEntityKey, StatsAgency, TopBy, TopScope, UsState, ViolationId } from "@ventureos/core"
import { Schema } from "effect"
import { InvalidRequestError } from "./Errors"
import type { EntityKindName } from "./Model"

/**
 * Validation of the ids the API accepts, shared by the server (400 bodies) and front ends (validate before
 * calling). Each returns the value to use or an {@link InvalidRequestError} saying what was wrong.
 */
export type Checked<A> = A | InvalidRequestError

const bad = (field: string, value: string, reason: string) =>
  new InvalidRequestError({ field, value: value.length > 200 ? `${value.slice(0, 200)}…` : value, reason })

const SLUG_HINT = "lowercase ascii words joined by '-' (a-z, 0-9), at most 120 characters"

/** A company id (`tesla`) -> `COMPANY#tesla`. */
export const companyEntityKey = (id: string): Checked<string> => {
  if (id === "") return bad("id", id, "a company slug is required")
  if (id !== id.toLowerCase() && isSlug(id.toLowerCase()))
    return bad("id", id, `company slugs are lowercase: try ${id.toLowerCase()}`)
  if (!isSlug(id)) return bad("id", id, `not a company slug: expected ${SLUG_HINT}`)
  return `COMPANY#${id}`
}

/** A city id (`austin-tx`) -> `CITY#austin-tx`. */
export const cityEntityKey = (id: string): Checked<string> => {
  if (!isSlug(id))
    return bad("id", id, `not a city slug: expected <city>-<st> in ${SLUG_HINT}, e.g. austin-tx`)
  const st = id.slice(id.lastIndexOf("-") + 1)
  if (!id.includes("-") || st.length !== 2 || !Schema.is(UsState)(st.toUpperCase()))
    return bad("id", id, "a city slug ends with a USPS state code, e.g. austin-tx")
  const key = `CITY#${id}`
  return parseEntityKey(key) === undefined ? bad("id", id, "not a valid city slug") : key
}

/** A state id (`tx` or `TX`) -> `STATE#tx`. */
export const stateEntityKey = (id: string): Checked<string> =>
  Schema.is(UsState)(id.toUpperCase()) && /^[A-Za-z]{2}$/.test(id)
    ? `STATE#${id.toLowerCase()}`
    : bad("id", id, "not a USPS state or territory code, e.g. tx")

/** `/api/top` query -> (scope, by, agency) with defaults national / count / all. */
export const topQuery = (q: {
  readonly scope?: string | undefined
  readonly by?: string | undefined
  readonly agency?: string | undefined
}): Checked<{ readonly scope: string; readonly by: TopBy; readonly agency: string }> => {
  let scope = q.scope ?? "national"
  // Be lenient about case where it is unambiguous: state:tx -> state:TX.
  if (/^state:[a-zA-Z]{2}$/.test(scope)) scope = `state:${scope.slice(6).toUpperCase()}`
  if (!Schema.is(TopScope)(scope))
    return bad("scope", scope, "expected national, state:<ST> or city:<city-slug>")
  if (scope.startsWith("state:") && !Schema.is(UsState)(scope.slice(6)))
    return bad("scope", scope, "unknown state code")
  const by = q.by ?? "count"
  if (!Schema.is(TopBy)(by)) return bad("by", by, "expected count or penalties")
  const agency = q.agency ?? "all"
  if (!Schema.is(StatsAgency)(agency))
    return bad("agency", agency, "expected an agency id such as osha, or all")
  return { scope, by, agency }
}

/** A brand id (`oshatrail`). */
export const brandId = (id: string, field = "brand"): Checked<string> =>
  /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) && id.length <= 64
    ? id
    : bad(field, id, "expected a lowercase brand id such as oshatrail (a-z, 0-9, '-'), at most 64 characters")

/** A violation id (`osha:osha_violation:1234567-01001`). */
export const violationId = (id: string): Checked<string> =>
  Schema.is(ViolationId)(id)
    ? id
    : bad("id", id, "expected agency:dataset:source-id with no spaces, '#' or control characters")

/** An optional entity-key hint (`COMPANY#tesla`). */
export const entityKeyHint = (key: string | undefined): Checked<string | undefined> =>
  key === undefined || parseEntityKey(key) !== undefined
    ? key
    : bad("entity", key, "expected COMPANY#<slug>, CITY#<city-slug>-<st> or STATE#<st>")

/** The largest `limit` of `/api/search` and `/api/recent`. */
export const MAX_LIMIT = 50
/** The longest `/api/search` query. */
export const MAX_QUERY_LENGTH = 100

/** An optional query parameter: absent or empty (`?kind=`, as forms send it) is the default. */
const optional = (value: string | undefined): string | undefined => (value === "" ? undefined : value)

/** A `limit` query parameter: digits, 1..50; default when absent or empty. */
export const limitParam = (raw: string | undefined, fallback = 10): Checked<number> => {
  const value = optional(raw)
  if (value === undefined) return fallback
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT
    ? n
    : bad("limit", value, `expected an integer from 1 to ${MAX_LIMIT}`)
}

const isKind = (k: string): k is EntityKindName => k === "company" || k === "city" || k === "state"

/** `/api/search` query -> (q trimmed, kind or undefined, limit) with limit 10 by default (empty = absent). */
export const searchQuery = (q: {
  readonly q?: string | undefined
  readonly kind?: string | undefined
  readonly limit?: string | undefined
}): Checked<{ readonly q: string; readonly kind: EntityKindName | undefined; readonly limit: number }> => {
  const text = (q.q ?? "").trim()
  if (text === "") return bad("q", q.q ?? "", "a search text is required")
  if (text.length > MAX_QUERY_LENGTH)
    return bad("q", text, `at most ${MAX_QUERY_LENGTH} characters, got ${text.length}`)
  const kind = optional(q.kind)
  if (kind !== undefined && !isKind(kind)) return bad("kind", kind, "expected company, city or state")
  const limit = limitParam(q.limit)
  if (limit instanceof InvalidRequestError) return limit
  return { q: text, kind, limit }
}

/** `/api/history/:kind/:id` -> the entity key, with the id checked as its own endpoint checks it. */
export const historyKey = (kind: string, id: string): Checked<string> =>
  kind === "company"
    ? companyEntityKey(id)
    : kind === "city"
      ? cityEntityKey(id)
      : kind === "state"
        ? stateEntityKey(id)
        : bad("kind", kind, "expected company, city or state")

/** `/api/recent` query -> (agency, limit) with defaults all / 10 (empty = absent). */
export const recentQuery = (q: {
  readonly agency?: string | undefined
  readonly limit?: string | undefined
}): Checked<{ readonly agency: string; readonly limit: number }> => {
  const agency = optional(q.agency) ?? "all"
  if (!Schema.is(StatsAgency)(agency))
    return bad("agency", agency, "expected an agency id such as osha, or all")
  const limit = limitParam(q.limit)
  if (limit instanceof InvalidRequestError) return limit
  return { agency, limit }
}

/**
 * A request host (`location.host`) as brand domains are compared: lowercase, without `:port`, a trailing
 * dot or a leading `www.` (`WWW.OshaTrail.com:8443` -> `oshatrail.com`).
 */
export const brandHost = (host: string | undefined): Checked<string> => {
  if (host === undefined || host.trim() === "") return bad("host", host ?? "", "a host name is required")
  let h = host.trim().toLowerCase()
  const colon = h.lastIndexOf(":")
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1)))
      return bad("host", host, "expected a host name with an optional :port, e.g. oshatrail.com")
    h = h.slice(0, colon)
  }
  if (h.endsWith(".")) h = h.slice(0, -1)
  if (h.startsWith("www.")) h = h.slice(4)
  return h.length > 0 && h.length <= 253 && /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(h) && !h.includes("..")
    ? h
    : bad("host", host, "expected a host name (letters, digits, '-' and '.'), e.g. oshatrail.com")
}
