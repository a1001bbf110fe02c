import type { ViolationType } from "@ventureos/core"
import type { DatasetSpec } from "../Plugin"

/**
 * What both OSHA normalizers (row-at-a-time `./index.ts` and SQL `./sql.ts`) must agree on: the datasets, the
 * type codes and which inspection columns become core fields.
 */

/** The OSHA plugin's version (both forms produce the same records). */
export const VERSION = "1.0.0"

export const inspectionDataset: DatasetSpec = {
  id: "osha_inspection",
  description: "DOL enforcement catalog: OSHA inspections",
  requiredColumns: ["activity_nr", "estab_name", "site_city", "site_state", "open_date"],
  role: "lookup"
}

export const violationDataset: DatasetSpec = {
  id: "osha_violation",
  description: "DOL enforcement catalog: OSHA violations (citations)",
  requiredColumns: [
    "activity_nr",
    "citation_id",
    "viol_type",
    "initial_penalty",
    "current_penalty",
    "delete_flag"
  ],
  role: "records",
  // violations carry no establishment: name, place and NAICS come from the inspection (activity_nr)
  requiresLookups: ["osha_inspection"]
}

/** `viol_type` codes. The catalog only uses S/W/R/O/U; anything else is kept as `unclassified`. */
export const VIOL_TYPES: Readonly<Record<string, ViolationType>> = {
  S: "serious",
  W: "willful",
  R: "repeat",
  O: "other",
  U: "unclassified"
}

/**
 * Inspection columns mapped as-is to core fields; the rest go to `violation_details` under `inspection.*`.
 * `site_zip`, `naics_code` and `sic_code` are rewritten on the way (zero-padded, `0` read as unknown) so their
 * published values are kept in the details too: nothing published is lost.
 */
export const INSPECTION_FIELDS: ReadonlyArray<string> = [
  "activity_nr",
  "estab_name",
  "site_address",
  "site_city",
  "site_state",
  "open_date",
  "close_case_date"
]
