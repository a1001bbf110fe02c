import { join } from "node:path"
import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"

/** The normalizers' real sample files (OSHA violations + inspections, EPA NPDES + ECHO cases, FAA). */
export const NORMALIZER_FIXTURES = join(import.meta.dirname, "../../normalizers/test/fixtures")

export const OSHA_VIOLATIONS = join(NORMALIZER_FIXTURES, "osha/sample/osha_violation.csv")
export const OSHA_INSPECTIONS = join(NORMALIZER_FIXTURES, "osha/sample/osha_inspection.csv")
export const SAMPLE_FILES: ReadonlyArray<string> = [
  OSHA_VIOLATIONS,
  OSHA_INSPECTIONS,
  join(NORMALIZER_FIXTURES, "epa/sample/npdes_formal_actions_FL.csv"),
  join(NORMALIZER_FIXTURES, "epa/sample/echo_cases_FL.csv"),
  join(NORMALIZER_FIXTURES, "faa/sample/faa_closed_enforcement_cases.sample.csv")
]
/** Every built-in plugin. */
export const sampleRegistry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])
