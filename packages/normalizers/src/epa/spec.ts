import type { ViolationStatus, ViolationType } from "@ventureos/core"
import type { DatasetSpec } from "../Plugin"

/**
 * What both EPA normalizers (row-at-a-time `./index.ts` and SQL `./sql.ts`) must agree on: the datasets, the
 * type codes and the case statuses.
 */

/** The EPA plugin's version (both forms produce the same records). */
export const VERSION = "1.0.0"

export const npdesFormalActionDataset: DatasetSpec = {
  id: "epa_npdes_formal_action",
  description: "EPA ICIS-NPDES formal enforcement actions with ECHO facility fields",
  requiredColumns: [
    "NPDES_ID",
    "ENF_IDENTIFIER",
    "ACTIVITY_ID",
    "ENF_TYPE_CODE",
    "SETTLEMENT_ENTERED_DATE",
    "FED_PENALTY_ASSESSED_AMT",
    "STATE_LOCAL_PENALTY_AMT",
    "FAC_NAME"
  ],
  role: "records"
}

export const echoCaseDataset: DatasetSpec = {
  id: "epa_echo_case",
  description: "EPA ECHO enforcement-case export (ICIS-FE&C case level)",
  requiredColumns: ["CaseNumber", "CaseName", "CaseCategoryDesc", "CaseStatusDesc", "FedPenalty"],
  role: "records"
}

/**
 * ICIS-NPDES `ENF_TYPE_CODE` -> cross-agency type. Orders "for compliance" and state non-penalty orders
 * require corrective action; penalty orders (CWA 309(g) class I/II, state penalty AOs) assess money; civil
 * judicial actions go to court. State consent orders (STAOCO) are negotiated compliance orders (their
 * penalty, if any, is still carried in the amounts). Unknown codes stay `unclassified`, code kept.
 */
export const NPDES_TYPES: Record<string, ViolationType> = {
  "309A": "compliance_order",
  SCWAAO: "compliance_order",
  STAOCO: "compliance_order",
  FAD: "compliance_order",
  EOGOV: "compliance_order",
  "309G2A": "civil_penalty",
  "309G2B": "civil_penalty",
  "309G2E1": "civil_penalty",
  SCWAAPO: "civil_penalty",
  CIV: "judicial"
}

/** ECHO `CaseStatusDesc` -> status. Final orders conclude a case; a filed complaint / issued AO does not. */
export const CASE_STATUS: Record<string, ViolationStatus> = {
  closed: "closed",
  concluded: "closed",
  "final order issued": "closed",
  "final order entered": "closed",
  "complaint filed/ao issued": "open"
}
