import type { EntityKindName } from "@ventureos/api-contract"
import { stateName } from "./format"

/*
 * The id checks of @ventureos/api-contract's Ids.ts, restated with plain regular expressions: importing
 * Ids.ts would pull `effect` (Schema) into the browser bundle. Same patterns as core's Slug, EntityKey,
 * ViolationId and the brand id, so an id the page accepts is one the API accepts.
 */

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const CITY_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*-([a-z]{2})$/
const VIOLATION_ID = /^[a-z][a-z0-9_]*:[a-z0-9_]+:[^\s#\x00-\x1f]+$/
const BRAND_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const ENTITY_KEY =
  /^(?:COMPANY#[a-z0-9]+(?:-[a-z0-9]+)*|CITY#[a-z0-9]+(?:-[a-z0-9]+)*-[a-z]{2}|STATE#[a-z]{2})$/

/** A company slug the API accepts (`tesla`). */
export const isCompanyId = (id: string): boolean => id.length <= 120 && SLUG.test(id)

/** A city slug `<city>-<st>` whose suffix is a USPS code (`austin-tx`). */
export const isCityId = (id: string): boolean => {
  const m = CITY_SLUG.exec(id)
  return m !== null && id.length <= 120 && stateName(m[1]!) !== undefined
}

/** A USPS state code in either case (`tx`, `TX`). */
export const isStateId = (id: string): boolean => /^[A-Za-z]{2}$/.test(id) && stateName(id) !== undefined

/** Whether `id` is well-formed for the given entity kind. */
export const isEntityId = (kind: EntityKindName, id: string): boolean =>
  kind === "company" ? isCompanyId(id) : kind === "city" ? isCityId(id) : isStateId(id)

/** `agency:dataset:source-id`, at most 200 characters. */
export const isViolationId = (id: string): boolean => id.length <= 200 && VIOLATION_ID.test(id)

/** A brand id (`oshatrail`). */
export const isBrandId = (id: string): boolean => id.length <= 64 && BRAND_ID.test(id)

/** An entity key (`COMPANY#tesla`, `CITY#austin-tx`, `STATE#tx`). */
export const isEntityKey = (key: string): boolean => key.length <= 140 && ENTITY_KEY.test(key)

/** The entity key of a page's entity. */
export const entityKeyOf = (kind: EntityKindName, id: string): string =>
  `${kind.toUpperCase()}#${kind === "state" ? id.toLowerCase() : id}`

/** `COMPANY#tesla` -> { kind: "company", id: "tesla" }; undefined when malformed. */
export const parseEntityKey = (key: string): { kind: EntityKindName; id: string } | undefined => {
  if (!isEntityKey(key)) return undefined
  const i = key.indexOf("#")
  return { kind: key.slice(0, i).toLowerCase() as EntityKindName, id: key.slice(i + 1) }
}
