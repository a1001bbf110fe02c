import type { ViolationType } from "@ventureos/core"
import {
  type CsvRow,
  type DatasetSpec,
  finish,
  type NormalizerPlugin,
  type Outcome,
  RowReader,
  type SourceFile
} from "@ventureos/normalizers"

/**
 * MSHA (Mine Safety and Health Administration) violations, as exported from the Mine Data Retrieval
 * System `Violations` table (joined with the mine's state) to CSV. One row per citation or order.
 */
export const mshaViolationDataset: DatasetSpec = {
  id: "msha_violation",
  description: "MSHA mine safety violations (citations and orders)",
  // Columns that only this export has together: enough to tell it apart from OSHA/EPA/FAA headers.
  requiredColumns: ["VIOLATION_NO", "MINE_ID", "VIOLATOR_NAME", "SIG_SUB", "PROPOSED_PENALTY"],
  role: "records"
}

/**
 * MSHA citation types (sections of the Mine Act) mapped to the cross-agency vocabulary. The code itself is
 * kept in `violation_type_code`.
 */
const typeOf = (code: string, significantAndSubstantial: boolean): ViolationType => {
  const citationType = code.toLowerCase()
  // 104(d): unwarrantable failure, MSHA's closest equivalent to a willful violation
  if (citationType.startsWith("104(d)")) return "willful"
  // 104(b) failure-to-abate orders and 107(a) imminent-danger orders withdraw miners: compliance orders
  if (citationType.startsWith("104(b)") || citationType.startsWith("107")) return "compliance_order"
  // "S&S": significant and substantial, MSHA's serious
  return significantAndSubstantial ? "serious" : "other"
}

/** Normalize one MSHA row: every row yields exactly one outcome (accepted or rejected). */
const normalizeViolation = (file: SourceFile, csv: CsvRow, ingestedAt: string): Outcome => {
  const r = new RowReader(file, csv)
  const violationNo = r.text("violation_no")
  if (violationNo === null || !/^\d+$/.test(violationNo)) {
    r.fail("VIOLATION_NO", r.cell("violation_no"), "expected the numeric MSHA violation number")
    return r.reject()
  }
  const citationType = r.text("citation_type") ?? ""
  const closed = r.date("termination_dt")
  return finish(
    mshaPlugin,
    r,
    { ingestedAt },
    {
      sourceRecordId: violationNo,
      companyName: r.text("violator_name"),
      address: null,
      city: null,
      state: r.state("mine_state"),
      zip: null,
      naics: null,
      sic: null,
      // MSHA dates are MM/DD/YYYY; parseDate rejects impossible ones (02/30) for this row only
      eventDate: r.date("violation_occur_dt"),
      openedDate: r.date("violation_issue_dt"),
      closedDate: closed,
      // blank penalties are "not assessed yet", not zero (107(a) orders carry no penalty)
      penaltyInitial: r.money("proposed_penalty"),
      penaltyCurrent: r.money("amount_due"),
      violationType: typeOf(citationType, r.text("sig_sub")?.toUpperCase() === "Y"),
      violationTypeCode: citationType === "" ? null : citationType,
      status: closed === null ? "open" : "closed",
      description: r.text("narrative"),
      // everything published, so nothing is lost (the mine id, S&S flag, negligence, standard cited...)
      details: r.details(["violation_no", "violator_name", "narrative"])
    }
  )
}

/** The MSHA plugin: register it next to the built-in plugins with `makeRegistry([...builtins, mshaPlugin])`. */
export const mshaPlugin: NormalizerPlugin = {
  id: "msha",
  version: "0.1.0",
  agency: "msha",
  description: "MSHA mine safety violations (example third-party plugin)",
  datasets: [mshaViolationDataset],
  normalize: async function* (files, ctx) {
    for (const file of files) {
      for await (const batch of file.rows()) {
        yield batch.map((row) => normalizeViolation(file, row, ctx.ingestedAt))
      }
    }
  }
}
