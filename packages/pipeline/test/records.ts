import {
  citySlug,
  companySlug,
  makeViolationId,
  type UsState,
  type Violation,
  type ViolationType
} from "@ventureos/core"
import { contentHash } from "@ventureos/normalizers"
import fc from "fast-check"

/** Test helper: a valid Violation from a few varying business fields. */
export const makeRecord = (f: {
  agency: "osha" | "epa" | "faa"
  id: string
  company: string
  city: string | null
  state: string | null
  date: string | null
  type: ViolationType
  status: "open" | "closed" | "deleted"
  initialCents: number | null
  currentCents: number | null
}): Violation => {
  const money = (c: number | null) =>
    c === null ? null : `${Math.trunc(c / 100)}.${String(Math.abs(c % 100)).padStart(2, "0")}`
  const base = {
    violation_id: makeViolationId(f.agency, `${f.agency}_test`, f.id),
    agency: f.agency,
    source_dataset: `${f.agency}_test`,
    source_record_id: f.id,
    company_name: f.company,
    company_slug: companySlug(f.company)!,
    address: null,
    city: f.city,
    state: f.state,
    zip: null,
    naics: null,
    sic: null,
    event_date: f.date,
    opened_date: f.date,
    closed_date: null,
    penalty_initial: money(f.initialCents),
    penalty_current: money(f.currentCents),
    violation_type: f.type,
    violation_type_code: null,
    status: f.status,
    description: null,
    violation_details: {},
    city_slug: citySlug(f.city, f.state as UsState | null) ?? null
  }
  return {
    ...base,
    content_hash: contentHash(base as unknown as Violation),
    source_file: "test.csv",
    source_row: 1,
    normalizer_id: "test",
    normalizer_version: "0",
    ingested_at: "2026-01-01T00:00:00.000Z"
  } as unknown as Violation
}

/** An ISO date (`yyyy-mm-dd`) between two days, or null. */
export const arbIsoDate = (min: string, max: string): fc.Arbitrary<string | null> =>
  fc.option(
    fc
      .date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    { nil: null }
  )

/** Arbitrary record over a small id/company/place space so that collisions (corrections) are frequent. */
export const arbRecord = (ids = 12): fc.Arbitrary<Violation> =>
  fc
    .record({
      agency: fc.constantFrom("osha" as const, "epa" as const, "faa" as const),
      id: fc.integer({ min: 1, max: ids }).map(String),
      company: fc.constantFrom(
        "ACME WIDGETS INC",
        "Acme Widgets, LLC",
        "GLOBEX CORP",
        "INITECH",
        "Umbrella Co."
      ),
      place: fc.constantFrom(
        ["AUSTIN", "TX"],
        ["DALLAS", "TX"],
        ["TAMPA", "FL"],
        [null, "FL"],
        ["UNKNOWN", "FL"],
        [null, null]
      ),
      date: fc.option(fc.constantFrom("2020-01-05", "2021-06-30", "2022-02-28", "2019-12-31"), { nil: null }),
      type: fc.constantFrom<ViolationType>("serious", "other", "willful", "civil_penalty"),
      status: fc.constantFrom("open" as const, "closed" as const, "deleted" as const),
      initialCents: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
      currentCents: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null })
    })
    .map(({ place, ...r }) => makeRecord({ ...r, city: place[0] ?? null, state: place[1] ?? null }))
