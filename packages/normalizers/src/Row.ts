import {
  citySlug,
  companySlug,
  type Details,
  type IsoDate,
  type Money,
  makeViolationId,
  parseDate,
  parseMoney,
  parseUsState,
  type UsState,
  Violation,
  type ViolationStatus,
  type ViolationType
} from "@ventureos/core"
import { Schema } from "effect"
import type { CsvRow } from "./Csv"
import { contentHash } from "./hash"
import type { NormalizeContext, NormalizerPlugin, Outcome, Rejection, SourceFile } from "./Plugin"

/**
 * Typed access to one CSV row for plugin authors. Every reader method returns a typed value or `null`
 * (blank); a malformed value records the first rejection (file, line, field, raw value, reason) so the
 * plugin can finish with {@link RowReader.done}.
 */
export class RowReader {
  private issue: Rejection | undefined = undefined
  constructor(
    readonly file: SourceFile,
    readonly csv: CsvRow
  ) {}

  /** Raw cell (untrimmed), "" when the column is absent. */
  cell(col: string): string {
    const i = this.file.columns.get(col)
    return i === undefined ? "" : (this.csv.cells[i] ?? "")
  }

  /** Trimmed text with inner whitespace runs collapsed; null when blank. */
  text(col: string): string | null {
    const v = this.cell(col).trim()
    return v === "" ? null : v.replace(/\s+/g, " ")
  }

  money(col: string): Money | null {
    const raw = this.cell(col)
    const r = parseMoney(raw)
    if (r._tag === "ok") return r.value
    this.fail(col, raw, r.reason)
    return null
  }

  date(col: string): IsoDate | null {
    const raw = this.cell(col)
    const r = parseDate(raw)
    if (r._tag === "ok") return r.value
    this.fail(col, raw, r.reason)
    return null
  }

  state(col: string): UsState | null {
    const raw = this.cell(col)
    const s = parseUsState(raw)
    if (s !== undefined) return s
    this.fail(col, raw, "expected a USPS state code such as TX")
    return null
  }

  /**
   * 5-digit zip. Agencies publish zips as numbers (leading zeros lost: `2134` is `02134`), `0` as a
   * placeholder for unknown, and ZIP+4. Anything else is rejected.
   */
  zip(col: string): string | null {
    const raw = this.cell(col).trim()
    if (raw === "" || /^0+$/.test(raw)) return null
    let m = /^(\d{5})(?:-?\d{4})?$/.exec(raw)
    if (m) return m[1]!
    m = /^(\d{3,4})(?:\.0+)?$/.exec(raw)
    if (m) return m[1]!.padStart(5, "0")
    m = /^(\d{5})\.0+$/.exec(raw)
    if (m) return m[1]!
    this.fail(col, raw, "expected a 5-digit zip code")
    return null
  }

  /** Industry code as digits (`445110.0` -> `445110`); `0`/blank -> null. Lists take the first code. */
  code(col: string, min: number, max: number): string | null {
    const raw = this.cell(col).trim()
    const first = raw.split(/[\s,;]+/)[0] ?? ""
    const digits = first.replace(/\.0+$/, "")
    if (digits === "" || /^0+$/.test(digits)) return null
    if (new RegExp(`^\\d{${min},${max}}$`).test(digits)) return digits
    this.fail(col, raw, `expected a ${min}-${max} digit code`)
    return null
  }

  /** Record a problem with this row (only the first one is reported). */
  fail(field: string, value: string | null, reason: string): void {
    if (this.issue === undefined) {
      this.issue = { file: this.file.name, line: this.csv.line, row: this.csv.row, field, value, reason }
    }
  }

  get failed(): boolean {
    return this.issue !== undefined
  }

  /**
   * Every non-blank column of the row as published, for `violation_details` (a blank cell has no key: 42% of
   * the details' bytes were `"key":null`). A repeated column name keeps its first column (as the SQL forms do).
   */
  details(exclude: ReadonlyArray<string> = []): Record<string, string | null> {
    const out: Record<string, string | null> = {}
    const keys = lowerHeader(this.file)
    const first = firstOfName(this.file)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!
      if (!first[i] || exclude.includes(k)) continue
      const v = this.csv.cells[i] ?? ""
      if (v.trim() !== "") out[k] = v
    }
    return out
  }

  reject(): Outcome {
    return { _tag: "rejected", rejection: this.issue! }
  }
}

/** The business fields a plugin provides; lineage, slugs and hashes are filled in by {@link finish}. */
export interface RecordFields {
  readonly sourceRecordId: string
  readonly companyName: string | null
  readonly address: string | null
  readonly city: string | null
  readonly state: UsState | null
  readonly zip: string | null
  readonly naics: string | null
  readonly sic: string | null
  readonly eventDate: IsoDate | null
  readonly openedDate: IsoDate | null
  readonly closedDate: IsoDate | null
  readonly penaltyInitial: Money | null
  readonly penaltyCurrent: Money | null
  readonly violationType: ViolationType
  readonly violationTypeCode: string | null
  readonly status: ViolationStatus
  readonly description: string | null
  readonly details: Details
  /** The enforcement action the record belongs to when another dataset publishes it too (`action_id`). */
  readonly actionId?: string | null
}

/** Lower-cased header names, computed once per file instead of once per row and column. */
const lowerHeaders = new WeakMap<SourceFile, ReadonlyArray<string>>()
const lowerHeader = (file: SourceFile): ReadonlyArray<string> => {
  let h = lowerHeaders.get(file)
  if (h === undefined) lowerHeaders.set(file, (h = file.header.map((c) => c.toLowerCase())))
  return h
}

/** Per column: is it the first of its (lower-cased) name in the header. */
const firstOfNames = new WeakMap<SourceFile, ReadonlyArray<boolean>>()
const firstOfName = (file: SourceFile): ReadonlyArray<boolean> => {
  let f = firstOfNames.get(file)
  if (f === undefined) {
    const h = lowerHeader(file)
    firstOfNames.set(file, (f = h.map((k, i) => h.indexOf(k) === i)))
  }
  return f
}

/** Details without blank values: a plugin may set a key to null (e.g. a normalized copy of a blank cell). */
const leanDetails = (d: Details): Details => {
  for (const k in d)
    if (d[k] === null) {
      const out: Record<string, string> = {}
      for (const [key, v] of Object.entries(d)) if (v !== null) out[key] = v
      return out
    }
  return d
}

/**
 * `Schema.is(Violation)`, split for speed: the Schema checks every column except `violation_details`, and a
 * loop checks the details against their schema (`Record<string, string | null>`). The generic Record check
 * cost about two thirds of the per-row validation on OSHA rows (~60 detail keys); the loop is equivalent.
 */
const { violation_details: _details, ...columnsButDetails } = Violation.fields
const isViolationButDetails = Schema.is(Schema.Struct(columnsButDetails))
const isDetails = (d: unknown): d is Details => {
  if (typeof d !== "object" || d === null || Array.isArray(d)) return false
  for (const k in d) {
    if (!Object.hasOwn(d, k)) continue
    const v = (d as Record<string, unknown>)[k]
    if (v !== null && typeof v !== "string") return false
  }
  return true
}
/** Same answer as `Schema.is(Violation)` (tested), several times faster. */
export const isViolation = (u: unknown): u is Violation =>
  typeof u === "object" &&
  u !== null &&
  isDetails((u as { violation_details?: unknown }).violation_details) &&
  isViolationButDetails(u)

/** Turn a row's fields into a validated record, or the row's rejection. */
export const finish = (
  plugin: Pick<NormalizerPlugin, "id" | "version" | "agency">,
  r: RowReader,
  ctx: NormalizeContext,
  f: RecordFields
): Outcome => {
  if (r.failed) return r.reject()
  const name = f.companyName
  if (name === null) {
    r.fail("company_name", null, "company / respondent name is blank")
    return r.reject()
  }
  const slug = companySlug(name)
  if (slug === undefined) {
    r.fail("company_name", name, "company name has no letters or digits")
    return r.reject()
  }
  const base = {
    violation_id: makeViolationId(plugin.agency, r.file.dataset.id, f.sourceRecordId),
    agency: plugin.agency,
    source_dataset: r.file.dataset.id,
    source_record_id: f.sourceRecordId,
    company_name: name,
    company_slug: slug,
    address: f.address,
    city: f.city,
    state: f.state,
    zip: f.zip,
    naics: f.naics,
    sic: f.sic,
    event_date: f.eventDate,
    opened_date: f.openedDate,
    closed_date: f.closedDate,
    penalty_initial: f.penaltyInitial,
    penalty_current: f.penaltyCurrent,
    violation_type: f.violationType,
    violation_type_code: f.violationTypeCode,
    status: f.status,
    description: f.description,
    // only non-blank values are stored (and hashed): both the JavaScript and the SQL forms
    violation_details: leanDetails(f.details),
    city_slug: citySlug(f.city, f.state) ?? null,
    action_id: f.actionId ?? null
  }
  const record = {
    ...base,
    content_hash: contentHash(base as unknown as Violation),
    source_file: r.file.name,
    source_row: r.csv.row,
    normalizer_id: plugin.id,
    normalizer_version: plugin.version,
    ingested_at: ctx.ingestedAt
  }
  if (!isViolation(record)) {
    // A plugin bug, or a value no reader checked: report it precisely instead of crashing the run.
    const issue = Schema.decodeUnknownExit(Violation)(record)
    r.fail("(record)", null, `record failed schema validation: ${String(issue)}`.slice(0, 500))
    return r.reject()
  }
  return { _tag: "accepted", record }
}
