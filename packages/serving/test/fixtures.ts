import { createHash } from "node:crypto"
import {
  citySlug,
  companySlug,
  type EntityStats,
  makeViolationId,
  type UsState,
  type Violation,
  type ViolationType,
  ViolationTypes
} from "@ventureos/core"

/** A valid Violation from a few business fields (test helper). */
export const violation = (f: {
  readonly agency?: "osha" | "epa" | "faa"
  readonly id: string
  readonly company?: string
  readonly city?: string | null
  readonly state?: string | null
  readonly date: string | null
  readonly status?: "open" | "closed" | "deleted"
  readonly type?: ViolationType
  readonly penalty?: string | null
  readonly description?: string | null
  readonly details?: Record<string, string | null>
}): Violation => {
  const agency = f.agency ?? "osha"
  const company = f.company ?? "ACME WIDGETS INC"
  const city = f.city === undefined ? "AUSTIN" : f.city
  const state = f.state === undefined ? "TX" : f.state
  const base = {
    violation_id: makeViolationId(agency, `${agency}_test`, f.id),
    agency,
    source_dataset: `${agency}_test`,
    source_record_id: f.id,
    company_name: company,
    company_slug: companySlug(company)!,
    address: null,
    city,
    state,
    zip: null,
    naics: "236220",
    sic: null,
    event_date: f.date,
    opened_date: f.date,
    closed_date: null,
    penalty_initial: f.penalty ?? "1000.00",
    penalty_current: f.penalty ?? "1000.00",
    violation_type: f.type ?? "serious",
    violation_type_code: "S",
    status: f.status ?? "open",
    description: f.description ?? null,
    violation_details: f.details ?? { standard: "1926.501" },
    city_slug: citySlug(city, state as UsState | null) ?? null
  }
  return {
    ...base,
    content_hash: createHash("sha256").update(JSON.stringify(base)).digest("hex").slice(0, 32),
    source_file: "test.csv",
    source_row: 1,
    normalizer_id: "test",
    normalizer_version: "0",
    ingested_at: "2026-01-01T00:00:00.000Z"
  } as Violation
}

/** Totals for one entity (test helper). */
export const stats = (entityKey: string, agency: string, count: number): EntityStats =>
  ({
    entity_key: entityKey,
    agency,
    violation_count: count,
    counts_by_type: { ...Object.fromEntries(ViolationTypes.map((t) => [t, 0])), serious: count },
    penalty_initial_total: `${count * 1000}.00`,
    penalty_current_total: `${count * 900}.50`,
    penalty_current_unknown_count: count % 3,
    open_count: count,
    closed_count: 0,
    first_event_date: "2020-01-01",
    last_event_date: "2024-05-06",
    source_snapshot: null,
    updated_at: "2026-01-01T00:00:00.000Z"
  }) as EntityStats
