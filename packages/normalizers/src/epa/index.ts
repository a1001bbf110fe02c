import { addMoney, type Money, type ViolationStatus, type ViolationType } from "@ventureos/core"
import type { CsvRow } from "../Csv"
import type { NormalizeContext, NormalizerPlugin, Outcome, SourceFile } from "../Plugin"
import { finish, RowReader } from "../Row"
import { criminalDefendant, epaCompanyName } from "./names"
import { CASE_STATUS, echoCaseDataset, NPDES_TYPES, npdesFormalActionDataset, VERSION } from "./spec"
import { epaVectorized } from "./sql"

export { echoCaseDataset, npdesFormalActionDataset }

/**
 * EPA: two Clean Water Act exports.
 * - `epa_npdes_formal_action`: ICIS-NPDES formal enforcement actions joined to ECHO facility fields. One row
 *   is one action against one permit: an action naming several permits (`04-2016-4780` covers 14
 *   construction sites) repeats once per permit, so the record id is action + permit.
 * - `epa_echo_case`: the ECHO enforcement-case search export (ICIS-FE&C, one row per case).
 * One enforcement action can appear in both (397 `ENF_IDENTIFIER`s of the Florida sample are `CaseNumber`s):
 * both records are kept, linked by `action_id` (the shared identifier), and totals count the action once
 * (`mergeAction` in core says which record's figures win).
 */

/** SIC codes are 4 digits; agricultural ones lost their leading zero in the export (`241` is 0241 Dairy Farms). */
const sicCode = (code: string | null) => (code !== null && code.length === 3 ? `0${code}` : code)

/** Placeholders ECHO puts in facility fields it could not geocode. */
const isUnknown = (v: string | null) => v === null || /^UNKNOWN$/i.test(v)

const normalizeNpdes = (
  plugin: NormalizerPlugin,
  file: SourceFile,
  row: CsvRow,
  ctx: NormalizeContext
): Outcome => {
  const r = new RowReader(file, row)
  const enf = r.text("enf_identifier")
  const permit = r.text("npdes_id")
  if (enf === null) r.fail("enf_identifier", null, "enforcement action identifier is blank")
  if (permit === null) r.fail("npdes_id", null, "NPDES permit id is blank")
  const code = r.text("enf_type_code")?.toUpperCase() ?? null
  // SETTLEMENT_ENTERED_DATE is MM/DD/YYYY; blank on ~8% of actions (no final order recorded yet)
  const settled = r.date("settlement_entered_date")
  // Penalties are blank (not 0) when none was assessed: blank stays null, a published 0 stays 0.00.
  // Federal and state/local amounts of one action add up to the action's assessed penalty.
  const fed = r.money("fed_penalty_assessed_amt")
  const state = r.money("state_local_penalty_amt")
  const amounts = [fed, state].filter((m): m is Money => m !== null)
  const penalty = amounts.length === 0 ? null : addMoney(...amounts)
  // FAC_CITY=UNKNOWN with FAC_ZIP=0 on ~10% of rows (ungeocoded facilities): null city/zip, no city slug.
  // FAC_STREET has the same placeholder.
  const city = r.text("fac_city")
  const street = r.text("fac_street")
  const published = r.text("fac_name")
  return finish(plugin, r, ctx, {
    sourceRecordId: `${enf}_${permit}`,
    // FAC_NAME follows the `COMPANY - FACILITY` habit (`MOSAIC FERTILIZER LLC - BONNIE FACILITY`): the
    // company part keys the record; FAC_NAME as published stays in details.
    companyName: published === null ? null : epaCompanyName(published),
    address: isUnknown(street) ? null : street,
    city: isUnknown(city) ? null : city,
    state: r.state("fac_state"),
    zip: r.zip("fac_zip"),
    // FAC_NAICS_CODES / FAC_SIC_CODES are space-separated lists: the first code is the primary one; the
    // full list stays in details
    naics: r.code("fac_naics_codes", 2, 6),
    sic: sicCode(r.code("fac_sic_codes", 2, 4)),
    eventDate: settled,
    openedDate: null,
    closedDate: settled,
    // The extract publishes the assessed amount only (no proposed amount): it is both first and final.
    penaltyInitial: penalty,
    penaltyCurrent: penalty,
    violationType: (code !== null ? NPDES_TYPES[code] : undefined) ?? "unclassified",
    violationTypeCode: code,
    // An action with an entered settlement / final order is concluded; without one it is still open.
    status: settled !== null ? "closed" : "open",
    description: r.text("enf_type_desc"),
    details: r.details(),
    // the ECHO case export publishes the same action under this identifier as its CaseNumber
    actionId: enf
  })
}

const normalizeEchoCase = (
  plugin: NormalizerPlugin,
  file: SourceFile,
  row: CsvRow,
  ctx: NormalizeContext
): Outcome => {
  const r = new RowReader(file, row)
  const caseNumber = r.text("casenumber")
  if (caseNumber === null) r.fail("casenumber", null, "case number is blank")
  const category = r.text("casecategorydesc")
  const statusText = r.text("casestatusdesc")
  const filed = r.date("datefiled")
  const settled = r.date("settlementdate")
  // FedPenalty is blank (not 0) where no federal penalty figure exists (criminal cases, open complaints);
  // SEPCost / TotalCompActionAmt are not penalties (project and compliance costs): validated, kept in details.
  const fedPenalty = r.money("fedpenalty")
  r.money("sepcost")
  r.money("totalcompactionamt")
  const cat = category?.toLowerCase() ?? ""
  const type: ViolationType =
    // criminal prosecutions are court actions: `judicial`, the category stays in violation_type_code
    cat === "judicial" || cat === "criminal"
      ? "judicial"
      : cat.startsWith("administrative")
        ? // an administrative case with a federal penalty is a penalty order (CAFO); without one it orders compliance
          fedPenalty !== null && fedPenalty !== "0.00"
          ? "civil_penalty"
          : "compliance_order"
        : "unclassified"
  // Criminal cases publish no status: concluded when they carry a settlement (disposition) date.
  const status: ViolationStatus =
    (statusText !== null ? CASE_STATUS[statusText.toLowerCase()] : undefined) ??
    (settled !== null ? "closed" : "open")
  const published = r.text("casename")
  return finish(plugin, r, ctx, {
    sourceRecordId: caseNumber ?? "",
    // CaseName carries permit numbers, action text, facilities and co-respondents
    // (`CSX TRANSPORTATION - WINSTON Y (Permit FL0032581) Administrative Consent Order`): the company part
    // keys the record; CaseName as published stays in details.
    companyName:
      published === null
        ? null
        : cat === "criminal"
          ? criminalDefendant(published)
          : epaCompanyName(published),
    // the case export has no facility address; the case may span states (`02-2011-0016` is a national case)
    address: null,
    city: null,
    state: null,
    zip: null,
    naics: null,
    sic: null,
    eventDate: filed ?? settled,
    openedDate: filed,
    closedDate: settled,
    penaltyInitial: fedPenalty,
    penaltyCurrent: fedPenalty,
    violationType: type,
    violationTypeCode: category,
    status,
    description: null,
    details: r.details(),
    // = ENF_IDENTIFIER of the action's NPDES formal-action rows (one per permit), when it has any
    actionId: caseNumber
  })
}

/** The EPA normalizer plugin. */
export const epaPlugin: NormalizerPlugin = {
  id: "epa",
  version: VERSION,
  agency: "epa",
  description: "EPA ICIS-NPDES formal enforcement actions and ECHO enforcement cases (Clean Water Act)",
  datasets: [npdesFormalActionDataset, echoCaseDataset],
  normalize: async function* (files, ctx) {
    for (const f of files) {
      const one = f.dataset.id === npdesFormalActionDataset.id ? normalizeNpdes : normalizeEchoCase
      for await (const batch of f.rows()) yield batch.map((row) => one(epaPlugin, f, row, ctx))
    }
  },
  vectorized: epaVectorized
}
