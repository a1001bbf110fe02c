import { companySlug, type Money, moneyFromCents, type ViolationType } from "@ventureos/core"
import type { CsvRow } from "../Csv"
import type { NormalizeContext, NormalizerPlugin, Outcome, SourceFile } from "../Plugin"
import { finish, RowReader } from "../Row"
import {
  ACTION_TYPES,
  DAYS_SANCTION,
  enforcementCaseDataset,
  SANCTION_TYPES,
  VERSION,
  WAIVED_SANCTION
} from "./spec"
import { faaVectorized } from "./sql"
import { normalizeEntityType, repairFaaText, respondentKind } from "./text"

/**
 * FAA: the quarterly closed enforcement case report (FAA Enforcement Information System). One row is one
 * respondent of one closed case. No address or state is published.
 */

export { enforcementCaseDataset }

const typeOf = (action: string | null, sanction: string | null): ViolationType => {
  if (action !== null) for (const [re, t] of ACTION_TYPES) if (re.test(action)) return t
  return (sanction !== null ? SANCTION_TYPES[sanction] : undefined) ?? "unclassified"
}

const ZERO: Money = moneyFromCents(0n)

const normalizeCase = (
  plugin: NormalizerPlugin,
  file: SourceFile,
  row: CsvRow,
  ctx: NormalizeContext
): Outcome => {
  const r = new RowReader(file, row)
  const caseNumber = r.text("case number")?.toUpperCase() ?? null
  if (caseNumber === null) r.fail("case number", null, "case number is blank")
  const name = r.text("name")
  // Dates come as `2008-09-22`, `1/1/17` or `1-Jan-17` depending on the report: all read by parseDate
  const known = r.date("date known")
  const closed = r.date("closed date")
  const action = repairFaaText(r.text("action"))
  const sanction = repairFaaText(r.text("sanction"))
  const caseType = repairFaaText(r.text("case type"))
  const entityType = normalizeEntityType(r.text("entity type"))
  // SANCTION is the unit of SANCTION AMOUNT. `DAYS` counts suspension days, not dollars; every other
  // unit is money. The amount is blank (not 0) when waived, revoked or consolidated: null, never 0.
  const amount = r.money("sanction amount")
  const days = sanction === DAYS_SANCTION
  const initial: Money | null = days ? null : amount
  // `SANCTION WAIVED`: the amount (if published) was assessed, but nothing is due.
  const current: Money | null = sanction === WAIVED_SANCTION ? ZERO : initial
  // `CONSOLIDATED CASE`: the sanction is carried by the master case; a published amount is still kept.
  const respondent = name === null ? undefined : companySlug(name)
  const details: Record<string, string | null> = {
    ...r.details(),
    "action.normalized": action,
    "sanction.normalized": sanction,
    "case type.normalized": caseType,
    "entity type.normalized": entityType,
    respondent_kind: name === null ? null : respondentKind(name)
  }
  if (days) details.suspension_days = r.text("sanction amount")?.replace(/\.0+$/, "") ?? null
  return finish(plugin, r, ctx, {
    // Consolidated cases list several respondents under one case number (`2008GL070135`): the respondent
    // slug makes the id unique and stable across re-ingests of later reports. A case re-listed for the same
    // respondent in a later report is the same violation (silver upserts it); re-listed with different
    // content inside one file, the runner rejects it as an id conflict for review rather than count it twice.
    sourceRecordId: `${caseNumber}-${respondent ?? ""}`,
    companyName: name,
    address: null,
    city: null,
    state: null,
    zip: null,
    naics: null,
    sic: null,
    eventDate: known,
    openedDate: null,
    closedDate: closed,
    penaltyInitial: initial,
    penaltyCurrent: current,
    violationType: typeOf(action, sanction),
    violationTypeCode: action,
    // the report lists closed cases only (some rows lack the closing date itself)
    status: "closed",
    description: caseType,
    details
  })
}

/** The FAA normalizer plugin. */
export const faaPlugin: NormalizerPlugin = {
  id: "faa",
  version: VERSION,
  agency: "faa",
  description: "FAA quarterly closed enforcement case report",
  datasets: [enforcementCaseDataset],
  normalize: async function* (files, ctx) {
    for (const f of files) {
      for await (const batch of f.rows()) yield batch.map((row) => normalizeCase(faaPlugin, f, row, ctx))
    }
  },
  vectorized: faaVectorized
}
