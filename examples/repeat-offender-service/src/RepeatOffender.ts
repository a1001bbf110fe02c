import { companyKey, companySlug, isSlug, moneyFromCents } from "@ventureos/core"
import { type GoldTotalsRow, Warehouse, type WarehouseError } from "@ventureos/pipeline"
import { Effect, Option } from "effect"

/**
 * The rule, in one place. OSHA's own `R` (repeat) and `W` (willful) classifications are used as published:
 * a repeat citation already means "the same or a similar violation within OSHA's 5-year look-back", so the
 * time window is OSHA's, not re-derived here. Two or more follows OSHA's Severe Violator Enforcement
 * Program, which lists employers with two or more willful, repeat or failure-to-abate items. EPA and FAA
 * totals are reported but flag nobody: gold has no EPA significant-noncompliance flag to reuse, and the FAA
 * keeps no repeat-offender list.
 */
export const RULE = {
  id: "osha-willful-or-repeat>=2",
  threshold: 2,
  text: "a repeat offender has at least 2 current (not deleted) OSHA violations classified willful or repeat"
} as const

/** One agency's current totals for the company (or `all` agencies), as read from gold. */
export interface AgencyTotals {
  readonly violations: number
  readonly willful: number
  readonly repeat: number
  readonly open: number
  readonly closed: number
  readonly penalty_initial_total: string
  readonly penalty_current_total: string
  readonly first_event_date: string | null
  readonly last_event_date: string | null
}

/** The answer to "is this company a repeat offender?". */
export interface Verdict {
  readonly company: string
  readonly entity_key: string
  readonly name: string | null
  readonly repeat_offender: boolean
  readonly rule: string
  readonly reason: string
  /** Per agency (`osha`, `faa`, …) and `all`. */
  readonly totals: Readonly<Record<string, AgencyTotals>>
}

/**
 * Gold entity keys a query may mean, most specific first: the text itself when it already is a slug
 * (`us-department-of-justice`), then the slug of the text read as a company name
 * (`U.S. Department of Justice` -> `us-department-of-justice`). Empty when neither exists.
 */
export const candidateKeys = (company: string): ReadonlyArray<string> => {
  const text = company.trim()
  const keys = new Set<string>()
  if (isSlug(text)) keys.add(companyKey(text))
  const slug = companySlug(text)
  if (slug !== undefined) keys.add(companyKey(slug))
  return [...keys]
}

const toTotals = (r: GoldTotalsRow): AgencyTotals => ({
  violations: r.violation_count,
  willful: r.by_type.willful ?? 0,
  repeat: r.by_type.repeat ?? 0,
  open: r.open_count,
  closed: r.closed_count,
  penalty_initial_total: moneyFromCents(r.penalty_initial_cents),
  penalty_current_total: moneyFromCents(r.penalty_current_cents),
  first_event_date: r.first_event_date,
  last_event_date: r.last_event_date
})

/** Apply {@link RULE} to one company's gold totals (all rows share one entity key). Pure. */
export const assess = (company: string, rows: ReadonlyArray<GoldTotalsRow>): Verdict => {
  const totals = Object.fromEntries(rows.map((r) => [r.agency, toTotals(r)]))
  const osha = totals.osha
  const flagged = osha === undefined ? 0 : osha.willful + osha.repeat
  const repeat = flagged >= RULE.threshold
  return {
    company,
    entity_key: rows[0]?.entity_key ?? "",
    name: rows.find((r) => r.agency === "all")?.name ?? rows[0]?.name ?? null,
    repeat_offender: repeat,
    rule: RULE.text,
    reason:
      osha === undefined
        ? "no OSHA violations on record (EPA and FAA records do not flag under this rule)"
        : `${flagged} OSHA violation${flagged === 1 ? "" : "s"} classified willful or repeat ` +
          `(${osha.willful} willful, ${osha.repeat} repeat); the threshold is ${RULE.threshold}`,
    totals
  }
}

/**
 * Look a company up in gold by name or slug and apply the rule; `None` when gold has no such company.
 * One `goldTotals` read for every candidate key; the most specific key with totals wins.
 */
export const repeatOffender = (
  company: string
): Effect.Effect<Option.Option<Verdict>, WarehouseError, Warehouse> =>
  Effect.gen(function* () {
    const keys = candidateKeys(company)
    if (keys.length === 0) return Option.none()
    const warehouse = yield* Warehouse
    const rows = yield* warehouse.goldTotals("company", keys)
    for (const key of keys) {
      const mine = rows.filter((r) => r.entity_key === key)
      if (mine.length > 0) return Option.some(assess(company.trim(), mine))
    }
    return Option.none()
  })
