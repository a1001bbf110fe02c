import type { Violation } from "./Violation"

/**
 * One enforcement action, counted once. Some actions are published in more than one dataset of an agency:
 * EPA's ICIS-NPDES formal-actions file (one row per action and permit, `ENF_IDENTIFIER`) and the ECHO
 * enforcement-case export (one row per case, `CaseNumber`) share the identifier of the same action. Silver
 * keeps every record (they carry different details) with the shared `action_id`; totals count the action
 * once, from the records merged by {@link mergeAction}.
 */

/** The action group of a record: its `action_id`, or the record itself when it has none. */
export const actionKey = (r: Pick<Violation, "agency" | "action_id" | "violation_id">): string =>
  r.action_id === null ? `record:${r.violation_id}` : `action:${r.agency}:${r.action_id}`

/**
 * Datasets whose record speaks for an action (company, dates, type, status), in order: the ECHO case
 * names the defendant ("a case name which identifies the defendant (or principal defendant)", ICIS-FE&C
 * data dictionary) where an NPDES row names one permitted facility of it. Unlisted datasets come after.
 */
export const ActionIdentityPrecedence: ReadonlyArray<string> = ["epa_echo_case"]

/**
 * Datasets whose penalty figure wins for an action, in order (the first known figure wins). The NPDES
 * formal action publishes the federal (`FED_PENALTY_ASSESSED_AMT`) and the state/local
 * (`STATE_LOCAL_PENALTY_AMT`) penalty, which add up to the action's assessed penalty; the ECHO case export
 * publishes the federal penalty only (`FedPenalty`: ICIS-FE&C tracks federal cases, its `ST_LCL_PENALTY`
 * is not in the export). On the sample's 397 shared actions the federal parts never disagree (40 actions
 * publish both, all equal), while 223 actions carry a state/local penalty that only NPDES publishes (221 of
 * them state-led, with a case `FedPenalty` of 0): the case's figure would erase those. The case's figure counts when the action has
 * no NPDES figure (blank NPDES amounts, or no NPDES record).
 */
export const ActionPenaltyPrecedence: ReadonlyArray<string> = ["epa_npdes_formal_action", "epa_echo_case"]

const rankIn = (list: ReadonlyArray<string>, dataset: string): number => {
  const i = list.indexOf(dataset)
  return i === -1 ? list.length : i
}

/** Members in precedence order: listed datasets first, then by violation id (deterministic in any order). */
const ordered = (members: ReadonlyArray<Violation>, list: ReadonlyArray<string>): Array<Violation> =>
  [...members].sort(
    (a, b) =>
      rankIn(list, a.source_dataset) - rankIn(list, b.source_dataset) ||
      (a.violation_id < b.violation_id ? -1 : a.violation_id > b.violation_id ? 1 : 0)
  )

/**
 * The action as totals count it, from all current records of one action group (any order; deleted records
 * are ignored), or null when none is live. One live record is returned as is. Otherwise the record first in
 * {@link ActionIdentityPrecedence} gives company, type, status and dates; the place (address, city,
 * state, zip) is the first in that order that has a state (the ECHO case export has no address: the NPDES
 * facility's); the event date the first known one; each penalty the first known one in
 * {@link ActionPenaltyPrecedence}. A pure function of the set: gold stays exactly invertible.
 */
export const mergeAction = (members: ReadonlyArray<Violation>): Violation | null => {
  const live = members.filter((m) => m.status !== "deleted")
  if (live.length <= 1) return live[0] ?? null
  const byIdentity = ordered(live, ActionIdentityPrecedence)
  const byPenalty = ordered(live, ActionPenaltyPrecedence)
  const rep = byIdentity[0]!
  const place = byIdentity.find((m) => m.state !== null) ?? rep
  const dated = byIdentity.find((m) => m.event_date !== null) ?? rep
  return {
    ...rep,
    address: place.address,
    city: place.city,
    state: place.state,
    zip: place.zip,
    city_slug: place.city_slug,
    event_date: dated.event_date,
    penalty_initial: byPenalty.find((m) => m.penalty_initial !== null)?.penalty_initial ?? null,
    penalty_current: byPenalty.find((m) => m.penalty_current !== null)?.penalty_current ?? null
  }
}
