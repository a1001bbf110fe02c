import { Schema } from "effect"
import { AgencyId } from "./Agency"
import { IsoDate, IsoTimestamp } from "./IsoDate"
import { Money } from "./Money"
import { Slug } from "./Slug"
import { UsState } from "./UsState"

/** Cross-agency violation vocabulary. The agency's own code is kept in `violation_type_code`. */
export const ViolationTypes = [
  "willful",
  "repeat",
  "serious",
  "other",
  "civil_penalty",
  "compliance_order",
  "judicial",
  "certificate_action",
  "administrative",
  "unclassified"
] as const
export const ViolationType = Schema.Literals(ViolationTypes)
export type ViolationType = typeof ViolationType.Type

/** Lifecycle of a violation. `deleted` rows are kept (never dropped) and excluded from totals. */
export const ViolationStatuses = ["open", "closed", "deleted"] as const
export const ViolationStatus = Schema.Literals(ViolationStatuses)
export type ViolationStatus = typeof ViolationStatus.Type

/** `agency:dataset:source id`, stable across re-ingests. */
export const ViolationId = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9_]*:[a-z0-9_]+:[^\s#\x00-\x1f]+$/, {
    description: "agency:dataset:source-id with no spaces, '#' or control characters"
  }),
  Schema.isMaxLength(200)
).pipe(Schema.brand("ViolationId"))
export type ViolationId = typeof ViolationId.Type

/** Make a violation id from its parts (source id spaces are collapsed to '_'). */
export const makeViolationId = (agency: string, dataset: string, sourceId: string): ViolationId =>
  `${agency}:${dataset}:${sourceId.trim().replace(/[\s#\x00-\x1f]+/g, "_")}` as ViolationId

/** Iceberg primitive type of a column; storage derives Iceberg schemas and DuckDB types from it. */
export type ColumnType = "string" | "long" | "date" | "timestamptz" | "decimal(18,2)" | "json"

interface Column<S extends Schema.Top> {
  readonly id: number
  readonly type: ColumnType
  readonly required: boolean
  readonly doc: string
  readonly schema: S
}
const req = <S extends Schema.Top>(id: number, type: ColumnType, schema: S, doc: string): Column<S> => ({
  id,
  type,
  required: true,
  doc,
  schema
})
const opt = <S extends Schema.Top>(id: number, type: ColumnType, schema: S, doc: string) => ({
  id,
  type,
  required: false,
  doc,
  schema: Schema.NullOr(schema)
})

/** Values of the variant `violation_details` column: every agency-specific field as published. */
export const Details = Schema.Record(Schema.String, Schema.NullOr(Schema.String))
export type Details = typeof Details.Type

/**
 * The silver record, column by column: the single source of truth. Field ids are Iceberg field ids and must
 * never be reused or renumbered (add new columns with new ids at the end).
 */
export const ViolationColumns = {
  violation_id: req(1, "string", ViolationId, "agency:dataset:source id"),
  agency: req(2, "string", AgencyId, "publishing agency"),
  source_dataset: req(3, "string", Schema.String, "agency dataset, e.g. osha_violation"),
  source_record_id: req(4, "string", Schema.String, "record id in the agency dataset"),
  company_name: req(5, "string", Schema.String, "company / respondent name as published"),
  company_slug: req(6, "string", Slug, "normalized company key"),
  address: opt(7, "string", Schema.String, "establishment street address"),
  city: opt(8, "string", Schema.String, "establishment city, as published (upper case)"),
  state: opt(9, "string", UsState, "USPS state code"),
  zip: opt(10, "string", Schema.String.check(Schema.isPattern(/^\d{5}$/)), "5-digit zip"),
  naics: opt(11, "string", Schema.String.check(Schema.isPattern(/^\d{2,6}$/)), "primary NAICS code"),
  sic: opt(12, "string", Schema.String.check(Schema.isPattern(/^\d{2,4}$/)), "primary SIC code"),
  event_date: opt(13, "date", IsoDate, "when the violation happened or was found (inspection/action date)"),
  opened_date: opt(14, "date", IsoDate, "case opened / citation issued"),
  closed_date: opt(15, "date", IsoDate, "case closed"),
  penalty_initial: opt(16, "decimal(18,2)", Money, "penalty first proposed"),
  penalty_current: opt(17, "decimal(18,2)", Money, "penalty after settlement / final"),
  violation_type: req(18, "string", ViolationType, "cross-agency violation type"),
  violation_type_code: opt(19, "string", Schema.String, "the agency's own type code"),
  status: req(20, "string", ViolationStatus, "open, closed or deleted"),
  description: opt(21, "string", Schema.String, "free-text description, where the source has one"),
  violation_details: req(22, "json", Details, "every agency-specific field, as published"),
  city_slug: opt(23, "string", Slug, "city slug <city>-<st>"),
  content_hash: req(24, "string", Schema.String, "hash of the business fields (not lineage)"),
  source_file: req(25, "string", Schema.String, "lineage: raw file name"),
  source_row: req(26, "long", Schema.Int, "lineage: 1-based data row number in the raw file"),
  normalizer_id: req(27, "string", Schema.String, "lineage: plugin id"),
  normalizer_version: req(28, "string", Schema.String, "lineage: plugin version"),
  ingested_at: req(29, "timestamptz", IsoTimestamp, "lineage: when normalized"),
  action_id: opt(
    30,
    "string",
    Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
    "enforcement action shared by records of one action in different datasets (EPA: ENF_IDENTIFIER = CaseNumber); null: the record is an action of its own"
  )
} as const

type Cols = typeof ViolationColumns
type Fields = { readonly [K in keyof Cols]: Cols[K]["schema"] }
const fields = Object.fromEntries(
  Object.entries(ViolationColumns).map(([k, c]) => [k, c.schema])
) as unknown as Fields

/** The unified silver violation record. */
export const Violation = Schema.Struct(fields)
export type Violation = typeof Violation.Type

/** Column list in field-id order, for schema derivation (Iceberg, DuckDB, API docs). */
export const violationColumnList: ReadonlyArray<{
  readonly name: keyof Cols
  readonly id: number
  readonly type: ColumnType
  readonly required: boolean
  readonly doc: string
}> = Object.entries(ViolationColumns)
  .map(([name, c]) => ({
    name: name as keyof Cols,
    id: c.id,
    type: c.type,
    required: c.required,
    doc: c.doc
  }))
  .sort((a, b) => a.id - b.id)

/** Fields that are lineage, not content: they do not enter the content hash. */
export const LineageFields = [
  "content_hash",
  "source_file",
  "source_row",
  "normalizer_id",
  "normalizer_version",
  "ingested_at"
] as const

/**
 * Columns added after the content hash was defined: a null value is left out of the hashed content, so a
 * record that does not use the column hashes exactly as it did before the column existed (no re-write of
 * every OSHA row for a column only EPA fills).
 */
export const HashOmittedWhenNull = ["action_id"] as const
