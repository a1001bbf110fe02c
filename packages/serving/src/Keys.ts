import type { EntityKind } from "@ventureos/core"
import { AgencyId, parseEntityKey, TopBy, TopScope, ViolationId } from "@ventureos/core"
import { Schema } from "effect"
import { ServingStoreError } from "./ServingStoreError"

/**
 * Key design of the four tables (all keys are strings `PK` / `SK`). Every part is validated before it is
 * concatenated so no input can smuggle a `#` into a key (key injection).
 *
 * Entities:   PK=<entity key>          SK=METADATA | STATS#<agency|all> | HISTORY
 *             PK=TOP#<scope>           SK=BY#<count|penalties>#AGENCY#<agency|all>
 * Violations: PK=<entity key>          SK=AGENCY#<agency>#DATE#<yyyy-mm-dd>#<violation id>
 *             PK=FEED#national         SK=AGENCY#<agency>#DATE#<yyyy-mm-dd>#<violation id>
 *             PK=VIOLATION#<id>        SK=SUMMARY
 * Projects:   PK=BRAND#<brand id>      SK=CONFIG
 * Search:     PK=<entity key>          SK=DOC                    (what was indexed, and under which terms)
 *             PK=TERM#<term>           SK=<entity key>           rank=<inverted count>#<entity key> (GSI)
 *             PK=VOCAB#<block>         SK=VOCAB                  terms of the block (string set)
 */
export const METADATA_SK = "METADATA"
/** Sorts before `METADATA`, so reading an entity's profile and stats (`SK >= METADATA`) skips it. */
export const HISTORY_SK = "HISTORY"
/** The national recent feed's partition: the N newest live violations per agency, country-wide. */
export const NATIONAL_FEED_PK = "FEED#national"
export const SEARCH_DOC_SK = "DOC"
export const VOCAB_SK = "VOCAB"
export const SUMMARY_SK = "SUMMARY"
export const BRAND_SK = "CONFIG"

/** A brand id: `oshatrail`, `transporttrail` (lowercase ascii, digits, `-`). */
export const BrandId = Schema.String.check(
  Schema.isPattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { description: "a lowercase brand id such as oshatrail" }),
  Schema.isMaxLength(64)
)
export type BrandId = typeof BrandId.Type

const StatsAgencyKey = Schema.String.check(Schema.isPattern(/^(?:all|[a-z][a-z0-9_]{1,31})$/))

const invalid = (operation: string, what: string, value: string) =>
  new ServingStoreError({
    reason: "InvalidKey",
    operation,
    detail: `invalid ${what}: ${JSON.stringify(value.slice(0, 200))}`
  })

/** Validate an entity key (`COMPANY#tesla`, `CITY#austin-tx`, `STATE#tx`). */
export const checkEntityKey = (
  operation: string,
  key: string
): { readonly key: string; readonly kind: EntityKind } | ServingStoreError => {
  const parsed = parseEntityKey(key)
  return parsed === undefined ? invalid(operation, "entity key", key) : { key, kind: parsed.kind }
}

const check =
  (what: string, is: (u: unknown) => boolean) =>
  (operation: string, value: string): ServingStoreError | undefined =>
    is(value) ? undefined : invalid(operation, what, value)

export const checkAgency = check("agency id", Schema.is(AgencyId))
export const checkStatsAgency = check("stats agency", Schema.is(StatsAgencyKey))
export const checkViolationId = check("violation id", Schema.is(ViolationId))
export const checkBrandId = check("brand id", Schema.is(BrandId))
export const checkTopScope = check("top scope", Schema.is(TopScope))
export const checkTopBy = check("top list order", Schema.is(TopBy))
export const checkSnapshotId = check(
  "snapshot id",
  Schema.is(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._:-]{1,128}$/)))
)

export const STATS_PREFIX = "STATS#"
export const statsSk = (agency: string): string => `${STATS_PREFIX}${agency}`
export const topPk = (scope: string): string => `TOP#${scope}`
export const topSk = (by: string, agency: string): string => `BY#${by}#AGENCY#${agency}`
export const feedPrefix = (agency: string): string => `AGENCY#${agency}#DATE#`
export const feedSk = (agency: string, date: string, violationId: string): string =>
  `${feedPrefix(agency)}${date}#${violationId}`
export const summaryPk = (violationId: string): string => `VIOLATION#${violationId}`
export const brandPk = (id: string): string => `BRAND#${id}`
/** Terms and blocks are lowercase ascii letters and digits (see `Search.ts`): nothing to escape. */
export const termPk = (term: string): string => `TERM#${term}`
export const vocabPk = (block: string): string => `VOCAB#${block}`
