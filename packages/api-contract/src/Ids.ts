import { isSlug, parseEntityKey, StatsAgency, TopBy, TopScope, UsState, ViolationId } from "@ventureos/core"
import { Schema } from "effect"
import { InvalidRequestError } from "./Errors"

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
