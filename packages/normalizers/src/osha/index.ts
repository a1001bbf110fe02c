import type { IsoDate, UsState } from "@ventureos/core"
import type { CsvRow } from "../Csv"
import type { NormalizeContext, NormalizerPlugin, Outcome, SourceFile } from "../Plugin"
import { PluginInputError } from "../Plugin"
import { finish, RowReader } from "../Row"
import { INSPECTION_FIELDS, inspectionDataset, VERSION, VIOL_TYPES, violationDataset } from "./spec"
import { oshaVectorized } from "./sql"

export { inspectionDataset, violationDataset }

/**
 * OSHA: the DOL enforcement catalog. `osha_violation` rows are the records; each is enriched with its
 * `osha_inspection` row (establishment, address, industry, dates) joined on `activity_nr`.
 */

/** What a violation needs from its inspection. Kept small: the full catalog has ~5M inspections. */
interface Inspection {
  readonly name: string | null
  readonly address: string | null
  readonly city: string | null
  readonly state: UsState | null
  readonly zip: string | null
  readonly naics: string | null
  readonly sic: string | null
  readonly openDate: IsoDate | null
  readonly closeDate: IsoDate | null
  readonly details: Record<string, string | null>
  /** Why this inspection could not be read, if it could not (its violations are rejected with it). */
  readonly problem: string | null
}

/** `inspection.<column>` keys, built once rather than once per row (they are property keys of every record). */
const prefixedKeys = new Map<string, string>()
const prefixed = (k: string): string => {
  let p = prefixedKeys.get(k)
  if (p === undefined) prefixedKeys.set(k, (p = `inspection.${k}`))
  return p
}

const SEP = "\u0000"

/**
 * The inspections of a run by activity_nr, for the join. The full catalog has ~5M inspections, so each is
 * kept as its raw cells joined into one string (~300 bytes with the map entry, where parsed objects took
 * ~2.7 KB) and parsed when a violation asks for it. The catalog lists violations grouped by inspection, so a
 * one-entry cache parses each inspection about once; any order still works, only slower.
 */
class InspectionIndex {
  private readonly raw = new Map<string, string>()
  private readonly files: Array<SourceFile> = []
  private cachedId: string | undefined = undefined
  private cached: Inspection | undefined = undefined

  add(file: SourceFile, row: CsvRow): void {
    let fi = this.files.indexOf(file)
    if (fi === -1) fi = this.files.push(file) - 1
    const id = (row.cells[file.columns.get("activity_nr") ?? -1] ?? "").trim()
    // a cell holding the separator (never seen in the catalog) falls back to JSON
    const packed = row.cells.some((c) => c.includes(SEP))
      ? `J${JSON.stringify([fi, row.row, row.line, row.cells])}`
      : `${fi}${SEP}${row.row}${SEP}${row.line}${SEP}${row.cells.join(SEP)}`
    this.raw.set(id, packed)
    this.cachedId = undefined
  }

  get(id: string): Inspection | undefined {
    if (id === this.cachedId) return this.cached
    const packed = this.raw.get(id)
    if (packed === undefined) return undefined
    let fi: number
    let csv: CsvRow
    if (packed.startsWith("J")) {
      const [f, row, line, cells] = JSON.parse(packed.slice(1)) as [number, number, number, Array<string>]
      fi = f
      csv = { row, line, cells }
    } else {
      const parts = packed.split(SEP)
      fi = Number(parts[0])
      csv = { row: Number(parts[1]), line: Number(parts[2]), cells: parts.slice(3) }
    }
    const insp = readInspection(this.files[fi]!, csv)
    this.cachedId = id
    this.cached = insp
    return insp
  }
}

const readInspection = (file: SourceFile, row: CsvRow): Inspection => {
  const r = new RowReader(file, row)
  const details: Record<string, string | null> = {}
  for (const [k, v] of Object.entries(r.details(INSPECTION_FIELDS))) details[prefixed(k)] = v
  const insp: Inspection = {
    name: r.text("estab_name"),
    address: r.text("site_address"),
    city: r.text("site_city"),
    state: r.state("site_state"),
    // zip is numeric in the catalog: leading zeros lost, `0` as placeholder
    zip: r.zip("site_zip"),
    // naics_code is 0 or blank on old rows (pre-2002 inspections only have SIC)
    naics: r.code("naics_code", 2, 6),
    sic: r.code("sic_code", 2, 4),
    // dates are ISO in the catalog although the dictionary says yyyymmdd; both are accepted
    openDate: r.date("open_date"),
    closeDate: r.date("close_case_date"),
    details,
    problem: null
  }
  if (r.failed) {
    const rej = r.reject()
    const why =
      rej._tag === "rejected"
        ? `${rej.rejection.field} = ${JSON.stringify(rej.rejection.value)}: ${rej.rejection.reason}`
        : "invalid"
    return { ...insp, problem: `its inspection (${file.name} line ${row.line}) is invalid: ${why}` }
  }
  return insp
}

const normalizeViolation = (
  plugin: NormalizerPlugin,
  file: SourceFile,
  row: CsvRow,
  inspections: InspectionIndex,
  ctx: NormalizeContext
): Outcome => {
  const r = new RowReader(file, row)
  const activity = r.cell("activity_nr").trim()
  const citation = r.cell("citation_id").trim()
  if (!/^\d+$/.test(activity)) {
    r.fail("activity_nr", activity, "expected the numeric inspection activity number")
    return r.reject()
  }
  if (citation === "") {
    r.fail("citation_id", citation, "citation id is blank")
    return r.reject()
  }
  const insp = inspections.get(activity)
  if (insp === undefined) {
    r.fail("activity_nr", activity, "no inspection with this activity_nr in the given osha_inspection files")
    return r.reject()
  }
  if (insp.problem !== null) {
    r.fail("activity_nr", activity, insp.problem)
    return r.reject()
  }
  // delete_flag is `X` in the data (the dictionary says `D`): deleted citations are kept with
  // status=deleted and excluded from totals downstream, never dropped.
  const deleteFlag = r.cell("delete_flag").trim().toUpperCase()
  const deleted = deleteFlag === "X" || deleteFlag === "D"
  const code = r.cell("viol_type").trim().toUpperCase()
  const issuance = r.date("issuance_date")
  r.date("abate_date")
  r.date("contest_date")
  r.date("final_order_date")
  const penaltyInitial = r.money("initial_penalty")
  // current_penalty is below initial_penalty on ~28% of rows (settlements) and blank on deleted items. OSHA
  // defines it as the "total amount OSHA collected or expects to collect": a blank is unknown (null), not the
  // initial amount (39 of the 655 sample rows); totals sum the known amounts and count the unknown ones.
  const penaltyCurrent = r.money("current_penalty")
  const details = r.details(["activity_nr", "citation_id"])
  // `standard` carries Cal/OSHA Title 8 codes with runs of spaces ("5144 H02    A"): keep the raw value,
  // and a collapsed copy for search. `abate_complete` has undocumented codes 1/2/3: kept as published.
  const standard = r.text("standard")
  return finish(plugin, r, ctx, {
    sourceRecordId: `${activity}-${citation}`,
    companyName: insp.name,
    address: insp.address,
    city: insp.city,
    state: insp.state,
    zip: insp.zip,
    naics: insp.naics,
    sic: insp.sic,
    eventDate: issuance ?? insp.openDate,
    openedDate: insp.openDate,
    closedDate: insp.closeDate,
    penaltyInitial,
    penaltyCurrent,
    violationType: VIOL_TYPES[code] ?? "unclassified",
    violationTypeCode: code === "" ? null : code,
    status: deleted ? "deleted" : insp.closeDate !== null ? "closed" : "open",
    description: null,
    details: {
      activity_nr: activity,
      citation_id: citation,
      ...details,
      "standard.normalized": standard,
      ...insp.details
    }
  })
}

/** The OSHA normalizer plugin. */
export const oshaPlugin: NormalizerPlugin = {
  id: "osha",
  version: VERSION,
  agency: "osha",
  description: "OSHA inspections + violations from the DOL enforcement data catalog",
  datasets: [inspectionDataset, violationDataset],
  vectorized: oshaVectorized,
  normalize: async function* (files, ctx) {
    const inspFiles = files.filter((f) => f.dataset.id === inspectionDataset.id)
    const violFiles = files.filter((f) => f.dataset.id === violationDataset.id)
    if (violFiles.length > 0 && inspFiles.length === 0) {
      throw new PluginInputError(
        violFiles[0]!.path,
        "osha_violation rows are joined to their inspections on activity_nr, but no osha_inspection file was given",
        "the osha_inspection file passed together with the osha_violation file"
      )
    }
    const inspections = new InspectionIndex()
    for (const f of inspFiles) {
      for await (const batch of f.rows()) {
        for (const row of batch) inspections.add(f, row)
      }
    }
    for (const f of violFiles) {
      for await (const batch of f.rows()) {
        yield batch.map((row) => normalizeViolation(oshaPlugin, f, row, inspections, ctx))
      }
    }
  }
}
