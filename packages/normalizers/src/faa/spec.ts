import type { ViolationType } from "@ventureos/core"
import type { DatasetSpec } from "../Plugin"

/**
 * What both FAA normalizers (row-at-a-time `./index.ts` and SQL `./sql.ts`) must agree on: the dataset, the
 * plugin version and how ACTION / SANCTION map to the cross-agency violation type.
 */

/** The FAA plugin's version (both forms produce the same records). */
export const VERSION = "1.0.0"

export const enforcementCaseDataset: DatasetSpec = {
  id: "faa_enforcement_case",
  description: "FAA quarterly closed enforcement case report",
  requiredColumns: [
    "CASE NUMBER",
    "NAME",
    "ENTITY TYPE",
    "DATE KNOWN",
    "ACTION",
    "SANCTION AMOUNT",
    "SANCTION",
    "CASE TYPE",
    "CLOSED DATE"
  ],
  role: "records"
}

/**
 * ACTION (repaired) -> cross-agency type. Civil penalties appear as `ORD ASSESS CIVIL PENALTY`,
 * `ORD ASSESS CP HMT` (hazmat), `CP FA ACT`, `CP COMPROMISE NO FINDING`; certificate actions as
 * `CERTIFICATE REVOCATION`, `CERT SUSPEND` or bare `CERTIFICATE`. Order matters: first match wins.
 * The SQL form runs the same patterns (RE2 reads them alike: ASCII `\b`, no look-around).
 */
export const ACTION_TYPES: ReadonlyArray<readonly [RegExp, ViolationType]> = [
  [/\bCIVIL PENALTY\b|^(?:ORD(?:ER)? ASSESS(?:ING)? )?CP\b/, "civil_penalty"],
  [/^CERT(?:IFICATE)?\b|\bREVOC|\bREVOKE|\bSUSPEN/, "certificate_action"],
  [/\bCONSENT ORDER\b/, "compliance_order"],
  [/\bWARNING\b|\bLETTER OF CORRECTION\b|\bADMIN(?:ISTRATIVE)?\b|\bCORRECTIVE ACTION\b/, "administrative"]
]

/** SANCTION (repaired) -> type, for rows whose ACTION says nothing (`CONSOLIDATED CASE`, blank). */
export const SANCTION_TYPES: Readonly<Record<string, ViolationType>> = {
  DOLLARS: "civil_penalty",
  "SANCTION WAIVED": "civil_penalty",
  REVOCATION: "certificate_action",
  "INDEFINITE DURATION": "certificate_action",
  DAYS: "certificate_action",
  "PENDING COMPLIANCE": "certificate_action"
}

/** SANCTION meaning SANCTION AMOUNT counts suspension days, not dollars. */
export const DAYS_SANCTION = "DAYS"
/** SANCTION meaning the amount (if published) was assessed but nothing is due. */
export const WAIVED_SANCTION = "SANCTION WAIVED"
