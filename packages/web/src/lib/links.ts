import type { EntityKindName } from "@ventureos/api-contract"
import { parseEntityKey } from "./ids"

/** Site path of an entity page. */
export const entityPath = (kind: EntityKindName, id: string): string =>
  `/${kind}/${encodeURIComponent(kind === "state" ? id.toLowerCase() : id)}`

/** Site path of the entity behind an entity key, or undefined when the key is malformed. */
export const entityKeyPath = (key: string): string | undefined => {
  const e = parseEntityKey(key)
  return e === undefined ? undefined : entityPath(e.kind, e.id)
}

/** Site path of a violation page (ids hold ':' and other URL-significant characters). */
export const violationPath = (id: string, entityKey?: string): string =>
  `/violations/${encodeURIComponent(id)}${entityKey === undefined ? "" : `?entity=${encodeURIComponent(entityKey)}`}`

/** A link to the agency's own public record of a violation. */
export interface AgencyRecordLink {
  readonly href: string
  /** What the link opens, for its text ("OSHA inspection 342083243"). */
  readonly label: string
}

/*
 * Violation ids are `agency:dataset:source-id`; the source id is whatever the agency keys the row by:
 *   osha:osha_violation:<activity nr>-<citation id>        -> OSHA's inspection detail page
 *   epa:epa_echo_case:<case number>                         -> ECHO's enforcement case report
 *   epa:epa_npdes_formal_action:<enf identifier>_<permit>   -> ECHO's facility report for the NPDES permit
 * FAA enforcement cases have no public per-case page, so they get no link.
 */
export const agencyRecordLink = (violationId: string): AgencyRecordLink | undefined => {
  const first = violationId.indexOf(":")
  const second = violationId.indexOf(":", first + 1)
  if (first < 0 || second < 0) return undefined
  const dataset = violationId.slice(first + 1, second)
  const source = violationId.slice(second + 1)
  switch (dataset) {
    case "osha_violation": {
      const activity = source.split("-")[0] ?? ""
      if (!/^\d+$/.test(activity)) return undefined
      return {
        href: `https://www.osha.gov/ords/imis/establishment.inspection_detail?id=${activity}`,
        label: `OSHA inspection ${activity}`
      }
    }
    case "epa_echo_case":
      return source === ""
        ? undefined
        : {
            href: `https://echo.epa.gov/enforcement-case-report?id=${encodeURIComponent(source)}`,
            label: `EPA ECHO case ${source}`
          }
    case "epa_npdes_formal_action": {
      // The enforcement identifier may itself contain '_' in principle; the permit is always last.
      const permit = source.slice(source.lastIndexOf("_") + 1)
      if (!/^[A-Z]{2}[A-Z0-9]{5,}$/.test(permit)) return undefined
      return {
        href: `https://echo.epa.gov/detailed-facility-report?fid=${encodeURIComponent(permit)}`,
        label: `EPA ECHO facility report for permit ${permit}`
      }
    }
    default:
      return undefined
  }
}
